//go:build wasip1

package start

import "unsafe"

//go:wasmimport wasi_snapshot_preview1 args_sizes_get
func argsSizesGet(argc, bufLen unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 args_get
func argsGet(argv, buf unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 environ_sizes_get
func environSizesGet(count, bufLen unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 environ_get
func environGet(environ, buf unsafe.Pointer) uint32

// hostArgs reads the command line from WASI, as the runtime's start does.
func hostArgs() ([]string, bool) {
	return readStrings(argsSizesGet, argsGet)
}

// hostEnv reads the environment from WASI.
func hostEnv() ([]string, bool) {
	return readStrings(environSizesGet, environGet)
}

// readStrings reads a WASI list of NUL-terminated strings: its sizes,
// then the pointers and the bytes.
func readStrings(sizes, get func(a, b unsafe.Pointer) uint32) ([]string, bool) {
	var n, size uint32
	if sizes(unsafe.Pointer(&n), unsafe.Pointer(&size)) != 0 {
		return nil, false
	}
	if n == 0 {
		return []string{}, true
	}
	ptrs := make([]uint32, n) // wasm32 pointers
	buf := make([]byte, size)
	if get(unsafe.Pointer(&ptrs[0]), unsafe.Pointer(&buf[0])) != 0 {
		return nil, false
	}
	base := uint32(uintptr(unsafe.Pointer(&buf[0])))
	out := make([]string, n)
	for i, p := range ptrs {
		s := buf[p-base:]
		for j, c := range s {
			if c == 0 {
				s = s[:j]
				break
			}
		}
		out[i] = string(s)
	}
	return out, true
}
