//go:build wasip1

package signal

// The kubeplay_proc host module (engine/runtime/signal.go).

//go:wasmimport kubeplay_proc signal_mask
func hostSignalMask(mask int32) int32

//go:wasmimport kubeplay_proc signal_take
func hostSignalTake() int32

// available: signals come from the host.
const available = true
