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
	return map[string][]byte{"spin": Spin, "hog": Hog, "logger": Logger, "waiter": Waiter}
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

// assemble makes a module importing the named WASI functions (each of type
// (i32 i32 i32 asmI32) -> asmI32, as fd_write and poll_oneoff are), with one page
// of memory holding data at address 0, and an exported _start with code.
func asmModule(imports []string, code, data []byte) []byte {
	i32x4 := []byte{0x7f, 0x7f, 0x7f, 0x7f}
	types := wasmenc.Vector(
		wasmenc.Concat([]byte{0x60}, wasmenc.Vector(wasmenc.Bytes(i32x4)...), wasmenc.Vector([]byte{0x7f})),
		wasmenc.Concat([]byte{0x60}, wasmenc.Vector(), wasmenc.Vector()),
	)
	var imps [][]byte
	for _, name := range imports {
		if mod, fn, ok := strings.Cut(name, "."); ok {
			imps = append(imps, wasmenc.Concat(wasmenc.Name(mod), wasmenc.Name(fn), []byte{0x00, 1}))
			continue
		}
		imps = append(imps, wasmenc.Concat(wasmenc.Name("wasi_snapshot_preview1"), wasmenc.Name(name), []byte{0x00, 0}))
	}
	start := len(imports)
	body := wasmenc.Concat(wasmenc.Vector(), code, []byte{asmOpEnd})
	mod := wasmenc.Concat([]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		wasmenc.Section(1, types),
		wasmenc.Section(2, wasmenc.Vector(imps...)),
		wasmenc.Section(3, wasmenc.Vector([]byte{1})),
		wasmenc.Section(5, wasmenc.Vector([]byte{0x00, 1})),
		wasmenc.Section(7, wasmenc.Vector(wasmenc.Concat(wasmenc.Name("memory"), []byte{0x02, 0}), wasmenc.Concat(wasmenc.Name("_start"), []byte{0x00, byte(start)}))),
		wasmenc.Section(10, wasmenc.Vector(wasmenc.Concat(wasmenc.ULEB(uint64(len(body))), body))),
	)
	if data != nil {
		mod = append(mod, wasmenc.Section(11, wasmenc.Vector(wasmenc.Concat([]byte{0}, wasmenc.I32Const(0), []byte{asmOpEnd}, wasmenc.ULEB(uint64(len(data))), data)))...)
	}
	return mod
}
