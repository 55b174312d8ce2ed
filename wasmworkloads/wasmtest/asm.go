package wasmtest

import (
	"encoding/binary"
	"strings"

	"github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmenc"
)

// The test guests: tiny modules assembled here, as the pause image is, for
// the behaviours a Go program would hide behind its runtime.
//
//	spin:   (func $_start (loop $l (br $l)))
//	hog:    (func $_start (loop $l (br_if $l (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) unreachable)
//	logger: (func $_start (loop $l (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (br $l)))
//
// The logger writes "all work and no play makes jack a dull boy\n" to
// standard output forever.
var (
	Spin   = asmModule(nil, []byte{asmOpLoop, asmBlockVoid, asmOpBr, 0, asmOpEnd}, nil)
	Hog    = asmModule(nil, wasmenc.Concat([]byte{asmOpLoop, asmBlockVoid}, wasmenc.I32Const(16), []byte{asmOpMemoryGrow, 0}, wasmenc.I32Const(-1), []byte{asmOpI32Ne, asmOpBrIf, 0, asmOpEnd, asmOpUnreachable}), nil)
	Logger = asmModule(
		[]string{"fd_write"},
		wasmenc.Concat([]byte{asmOpLoop, asmBlockVoid}, wasmenc.I32Const(1), wasmenc.I32Const(0), wasmenc.I32Const(1), wasmenc.I32Const(8), []byte{asmOpCall, 0, asmOpDrop, asmOpBr, 0, asmOpEnd}),
		wasmenc.Concat(asmIovec(16, len(asmDullBoy)), make([]byte, 8), []byte(asmDullBoy)),
	)
)

const asmDullBoy = "all work and no play makes jack a dull boy\n"

// Waiter calls kubeplay_test.wait, then writes "woken\n" and exits:
//
//	(func $_start (call $wait) (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
var Waiter = asmModule(
	[]string{"fd_write", "kubeplay_test.wait"},
	wasmenc.Concat([]byte{asmOpCall, 1}, wasmenc.I32Const(1), wasmenc.I32Const(0), wasmenc.I32Const(1), wasmenc.I32Const(8), []byte{asmOpCall, 0, asmOpDrop}),
	wasmenc.Concat(asmIovec(16, 6), make([]byte, 8), []byte("woken\n")),
)

// TestModules are the test guests by module name.
func TestModules() map[string][]byte {
	return map[string][]byte{"spin": Spin, "hog": Hog, "logger": Logger, "waiter": Waiter, "spinning-reactor": SpinningReactor}
}

const (
	asmOpUnreachable = 0x00
	asmOpLoop        = 0x03
	asmOpEnd         = 0x0b
	asmOpBr          = 0x0c
	asmOpBrIf        = 0x0d
	asmOpCall        = 0x10
	asmOpDrop        = 0x1a
	asmOpMemoryGrow  = 0x40
	asmOpI32Ne       = 0x47
	asmBlockVoid     = 0x40
)

func asmIovec(ptr, n int) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, uint32(ptr))
	binary.LittleEndian.PutUint32(b[4:], uint32(n))
	return b
}

// asmModule makes a module importing the named functions, each of type
// (i32 i32 i32 i32) -> i32 as fd_write and poll_oneoff are, or, named
// MODULE.NAME, of type () -> () from that module; with one page of memory
// holding data at address 0, and an exported _start with code.
func asmModule(imports []string, code, data []byte) []byte {
	imps := make([]asmImport, len(imports))
	for i, name := range imports {
		if mod, fn, ok := strings.Cut(name, "."); ok {
			imps[i] = asmImport{mod, fn, asmTypeVoid}
			continue
		}
		imps[i] = asmImport{"wasi_snapshot_preview1", name, asmTypeI32x4}
	}
	return assemble(imps, true, code, data)
}
