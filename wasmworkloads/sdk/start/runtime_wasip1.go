//go:build wasip1

package start

import _ "unsafe" // go:linkname

// The runtime's mark of a -buildmode=c-shared program, which on wasm only
// its traceback setting reads once the program runs, and that setting:
// the one GOTRACEBACK gave at the start (a floor setTraceback cannot go
// below) and the one in effect. These, and the runtime's functions below
// that runtime/debug would reach (which would add that package and fmt to
// every image), are referenced by go:linkname, which needs the linker's
// -checklinkname=0: package wasmbuild passes it.
var (
	//go:linkname islibrary runtime.islibrary
	islibrary bool
	//go:linkname tracebackEnv runtime.traceback_env
	tracebackEnv uint32
	//go:linkname tracebackCache runtime.traceback_cache
	tracebackCache uint32
)

//go:linkname setTraceback runtime/debug.SetTraceback
func setTraceback(level string)

//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(int32) int32

//go:linkname setMemoryLimit runtime/debug.setMemoryLimit
func setMemoryLimit(int64) int64

// setCommandTraceback sets the traceback a Go command started with
// GOTRACEBACK=level has, as the runtime's start does: without the c-shared
// mark's crash.
func setCommandTraceback(level string) {
	islibrary = false
	tracebackEnv = 0
	setTraceback(level)
	tracebackEnv = tracebackCache
}
