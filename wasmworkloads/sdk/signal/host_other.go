//go:build !wasip1

package signal

// Outside a kubeplay container no signal comes.

func hostSignalMask(int32) int32 { return 0 }
func hostSignalTake() int32      { return 0 }

// available: no signal comes; no goroutine waits for one.
const available = false
