package wasmtest

import (
	"github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmenc"
)

// Hostile guests: modules a user could load as a custom image
// (`kubeplay image load`) that misbehave in the ways a sandbox must
// contain. With Spin and Hog they are the cases of the engine's test of
// hostile images.
var (
	// UnknownImport imports a WASI function no host provides; it passes
	// the registry's check (its module is wasi_snapshot_preview1) and
	// fails when it is instantiated.
	//
	//	(import "wasi_snapshot_preview1" "no_such_function" (func (param i32 i32 i32 i32) (result i32)))
	//	(func $_start)
	UnknownImport = asmModule([]string{"no_such_function"}, nil, nil)

	// WrongSignature imports fd_write with a type it does not have.
	//
	//	(import "wasi_snapshot_preview1" "fd_write" (func))
	//	(func $_start)
	WrongSignature = assemble([]asmImport{{"wasi_snapshot_preview1", "fd_write", asmTypeVoid}}, true, nil, nil)

	// NoStart exports no _start: a library, not a command.
	NoStart = assemble(nil, false, nil, nil)

	// Trap ends at once on unreachable.
	//
	//	(func $_start unreachable)
	Trap = asmModule(nil, []byte{asmOpUnreachable}, nil)

	// BadPointers calls fd_write, fd_read and poll_oneoff with addresses
	// past its memory's end and counts past any limit; each call must
	// return an error (it traps on unreachable if one returns 0), and it
	// then writes "survived\n" and ends with 0.
	//
	//	(func $_start
	//	  (if (i32.eqz (call $fd_write (i32.const 1) (i32.const 0xfffffff8) (i32.const 1) (i32.const 0xfffffffc))) (then unreachable))
	//	  (if (i32.eqz (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x7fffffff) (i32.const 8))) (then unreachable))
	//	  (if (i32.eqz (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 8))) (then unreachable))
	//	  (if (i32.eqz (call $fd_read (i32.const 0) (i32.const 0xfffffff0) (i32.const 4) (i32.const 0xfffffff0))) (then unreachable))
	//	  (if (i32.eqz (call $poll_oneoff (i32.const 0xffffff00) (i32.const 0xffffff00) (i32.const 1000000) (i32.const 0xfffffffc))) (then unreachable))
	//	  (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
	//
	// The third fd_write's iovec (at 32) points at 0x7ffffff0 for
	// 0x7fffffff bytes.
	BadPointers = asmModule(
		[]string{"fd_write", "fd_read", "poll_oneoff"},
		wasmenc.Concat(
			mustFail(0, 1, -8, 1, -4),
			mustFail(0, 1, 0, 0x7fffffff, 8),
			mustFail(0, 1, 32, 1, 8),
			mustFail(1, 0, -16, 4, -16),
			mustFail(2, -256, -256, 1000000, -4),
			wasmenc.I32Const(1), wasmenc.I32Const(0), wasmenc.I32Const(1), wasmenc.I32Const(8), []byte{asmOpCall, 0, asmOpDrop},
		),
		wasmenc.Concat(asmIovec(16, 9), make([]byte, 8), []byte("survived\n"), make([]byte, 7), asmIovec(0x7ffffff0, 0x7fffffff)),
	)
)

// ProcExit calls proc_exit with the code given.
//
//	(import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
//	(func $_start (call $proc_exit (i32.const code)))
func ProcExit(code int32) []byte {
	return assemble([]asmImport{{"wasi_snapshot_preview1", "proc_exit", asmTypeI32}}, true,
		wasmenc.Concat(wasmenc.I32Const(code), []byte{asmOpCall, 0}), nil)
}

// mustFail calls the imported function fn with four i32 arguments and
// traps if it returns 0 (success).
func mustFail(fn byte, a, b, c, d int32) []byte {
	return wasmenc.Concat(wasmenc.I32Const(a), wasmenc.I32Const(b), wasmenc.I32Const(c), wasmenc.I32Const(d),
		[]byte{asmOpCall, fn, asmOpI32Eqz, asmOpIf, asmBlockVoid, asmOpUnreachable, asmOpEnd})
}

const (
	asmOpIf     = 0x04
	asmOpI32Eqz = 0x45

	// The function types of assemble: asmModule's two, and proc_exit's.
	asmTypeI32x4 = 0 // (i32 i32 i32 i32) -> i32
	asmTypeVoid  = 1 // () -> ()
	asmTypeI32   = 2 // (i32) -> ()
)

type asmImport struct {
	module, name string
	typ          byte
}

// SpinningReactor is a reactor as kubeplay's Go images are (see package
// wasmbuild) whose _initialize, and main, spin: the engine runs its
// _initialize outside any container to make the image's snapshot.
//
//	(func $spin (loop $l (br $l)))
//	(export "_initialize" (func $spin))
//	(export "kubeplay_main" (func $spin))
var SpinningReactor = assembleExports(nil, []string{"_initialize", "kubeplay_main"}, []byte{asmOpLoop, asmBlockVoid, asmOpBr, 0, asmOpEnd}, nil)

// assemble is asmModule with imports of any of its three types, and
// without the _start export unless start.
func assemble(imports []asmImport, start bool, code, data []byte) []byte {
	var names []string
	if start {
		names = []string{"_start"}
	}
	return assembleExports(imports, names, code, data)
}

// assembleExports is assemble with its one function exported by names.
func assembleExports(imports []asmImport, names []string, code, data []byte) []byte {
	i32 := []byte{0x7f}
	types := wasmenc.Vector(
		wasmenc.Concat([]byte{0x60}, wasmenc.Vector(i32, i32, i32, i32), wasmenc.Vector(i32)),
		wasmenc.Concat([]byte{0x60}, wasmenc.Vector(), wasmenc.Vector()),
		wasmenc.Concat([]byte{0x60}, wasmenc.Vector(i32), wasmenc.Vector()),
	)
	var imps [][]byte
	for _, imp := range imports {
		imps = append(imps, wasmenc.Concat(wasmenc.Name(imp.module), wasmenc.Name(imp.name), []byte{0x00, imp.typ}))
	}
	exports := [][]byte{wasmenc.Concat(wasmenc.Name("memory"), []byte{0x02, 0})}
	for _, name := range names {
		exports = append(exports, wasmenc.Concat(wasmenc.Name(name), []byte{0x00, byte(len(imports))}))
	}
	mod := wasmenc.Concat(wasmenc.Header,
		wasmenc.Section(wasmenc.SectionType, types),
		wasmenc.Section(wasmenc.SectionImport, wasmenc.Vector(imps...)),
		wasmenc.Section(wasmenc.SectionFunction, wasmenc.Vector([]byte{asmTypeVoid})),
		wasmenc.Section(wasmenc.SectionMemory, wasmenc.Vector([]byte{0x00, 1})),
		wasmenc.Section(wasmenc.SectionExport, wasmenc.Vector(exports...)),
		wasmenc.Section(wasmenc.SectionCode, wasmenc.Vector(wasmenc.Function(code))),
	)
	if data != nil {
		mod = append(mod, wasmenc.Section(wasmenc.SectionData, wasmenc.Vector(wasmenc.ActiveData(0, data)))...)
	}
	return mod
}
