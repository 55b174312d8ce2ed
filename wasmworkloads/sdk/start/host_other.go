//go:build !wasip1

package start

// Outside WASI the process's own arguments and environment are already
// those of its start.
func hostArgs() ([]string, bool) { return nil, false }
func hostEnv() ([]string, bool)  { return nil, false }

func setCommandTraceback(string) {}
func setGCPercent(int32) int32   { return 0 }
func setMemoryLimit(int64) int64 { return 0 }
