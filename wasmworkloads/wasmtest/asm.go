package wasmtest

import (
	"encoding/binary"
	"strings"
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
	Hog    = asmModule(nil, asmConcat([]byte{asmOpLoop, asmBlockVoid}, asmI32(16), []byte{asmOpMemoryGrow, 0}, asmI32(-1), []byte{asmOpI32Ne, asmOpBrIf, 0, asmOpEnd, asmOpUnreachable}), nil)
	Logger = asmModule(
		[]string{"fd_write"},
		asmConcat([]byte{asmOpLoop, asmBlockVoid}, asmI32(1), asmI32(0), asmI32(1), asmI32(8), []byte{asmOpCall, 0, asmOpDrop, asmOpBr, 0, asmOpEnd}),
		asmConcat(asmIovec(16, len(asmDullBoy)), make([]byte, 8), []byte(asmDullBoy)),
	)
)

const asmDullBoy = "all work and no play makes jack a dull boy\n"

// Waiter calls kubeplay_test.wait, then writes "woken\n" and exits:
//
//	(func $_start (call $wait) (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
var Waiter = asmModule(
	[]string{"fd_write", "kubeplay_test.wait"},
	asmConcat([]byte{asmOpCall, 1}, asmI32(1), asmI32(0), asmI32(1), asmI32(8), []byte{asmOpCall, 0, asmOpDrop}),
	asmConcat(asmIovec(16, 6), make([]byte, 8), []byte("woken\n")),
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
	asmOpI32Const    = 0x41
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
	types := asmVector(
		asmConcat([]byte{0x60}, asmVector(asmSplit(i32x4)...), asmVector([]byte{0x7f})),
		asmConcat([]byte{0x60}, asmVector(), asmVector()),
	)
	var imps [][]byte
	for _, name := range imports {
		if mod, fn, ok := strings.Cut(name, "."); ok {
			imps = append(imps, asmConcat(asmName(mod), asmName(fn), []byte{0x00, 1}))
			continue
		}
		imps = append(imps, asmConcat(asmName("wasi_snapshot_preview1"), asmName(name), []byte{0x00, 0}))
	}
	start := len(imports)
	body := asmConcat(asmVector(), code, []byte{asmOpEnd})
	mod := asmConcat([]byte{0, 'a', 's', 'm', 1, 0, 0, 0},
		asmSection(1, types),
		asmSection(2, asmVector(imps...)),
		asmSection(3, asmVector([]byte{1})),
		asmSection(5, asmVector([]byte{0x00, 1})),
		asmSection(7, asmVector(asmConcat(asmName("memory"), []byte{0x02, 0}), asmConcat(asmName("_start"), []byte{0x00, byte(start)}))),
		asmSection(10, asmVector(asmConcat(asmUleb(uint64(len(body))), body))),
	)
	if data != nil {
		mod = append(mod, asmSection(11, asmVector(asmConcat([]byte{0}, asmI32(0), []byte{asmOpEnd}, asmUleb(uint64(len(data))), data)))...)
	}
	return mod
}

func asmSection(id byte, body []byte) []byte {
	return asmConcat([]byte{id}, asmUleb(uint64(len(body))), body)
}

func asmVector(items ...[]byte) []byte {
	return asmConcat(append([][]byte{asmUleb(uint64(len(items)))}, items...)...)
}

func asmName(s string) []byte { return asmConcat(asmUleb(uint64(len(s))), []byte(s)) }

func asmI32(v int32) []byte { return asmConcat([]byte{asmOpI32Const}, asmSleb(int64(v))) }

func asmUleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func asmSleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func asmSplit(bs []byte) [][]byte {
	out := make([][]byte, len(bs))
	for i := range bs {
		out[i] = bs[i : i+1]
	}
	return out
}

func asmConcat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
