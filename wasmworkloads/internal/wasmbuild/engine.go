package wasmbuild

import "context"

// wazeroModule is the WebAssembly runtime the engine runs the images on.
const wazeroModule = "github.com/tetratelabs/wazero"

// enginePatches are the browser's engine's patches: they take out of
// wazero (v1.12.0) what the engine never runs, which Go's linker cannot
// see is dead because wazero's Runtime reaches it through an interface.
// The engine uses wazero's interpreter (engine/runtime.NewEngine), gives
// its modules no host sockets and turns DWARF off, so the patched and
// the unpatched wazero do the same for it; these patches only make the
// engine smaller (see docs/RATIONALE.md, "The engine's size"), and
// interpreterPatches make the interpreter faster ("wazero's interpreter
// everywhere").
var enginePatches = []modulePatches{{wazeroModule, "wazero-engine", append(wazeroPatches, interpreterPatches...)}}

var wazeroPatches = []patch{
	// Instantiating a module builds the TCP listeners its configuration
	// asks for, with net.Listen, which links net's resolver and dialer:
	// 0.35 MB. The engine's modules ask for none; the network of its
	// images is host calls (wasmworkloads/sdk).
	{"internal/sock/sock.go", "", "\t\tln, err = net.Listen(\"tcp\", tcpAddr.String())\n",
		"\t\terr = fmt.Errorf(\"listen tcp %s: not in kubeplay's engine\", tcpAddr)\n"},
	// Decoding a module reads its DWARF sections when debug information
	// is on, for source lines in a trapped guest's stack trace; the engine
	// turns it off (its metering moves every instruction, so the lines
	// would be wrong), and these two take debug/dwarf's reader out.
	{"internal/wasm/binary/decoder.go", "", "\t\td, _ := dwarf.New(abbrev, nil, nil, info, line, nil, ranges, str)\n",
		"\t\tvar d *dwarf.Data\n\t\t_, _, _, _, _ = abbrev, info, line, ranges, str\n"},
	{"internal/wasmdebug/dwarf.go", "", "func (d *DWARFLines) Line(instructionOffset uint64) (ret []string) {\n\tif d == nil {\n",
		"func (d *DWARFLines) Line(instructionOffset uint64) (ret []string) {\n\tif true { // kubeplay's engine: no DWARF\n"},
	// The optimizing compiler (wazevo), which a js/wasm host cannot use:
	// its package init ran at every start of the engine.
	{"runtime.go", "", "\t\"github.com/tetratelabs/wazero/internal/engine/wazevo\"\n", ""},
	{"runtime.go", "", "\t\t\tconfigEngine = wazevo.NewEngine\n", "\t\t\tconfigEngine = interpreter.NewEngine\n"},
}

// interpreterPatches make wazero's interpreter (v1.12.0) run the same
// modules with fewer and cheaper dispatches: under js/wasm every
// operation it dispatches costs about 50 ns of V8's time, and they are
// most of a request's (docs/benchmarks.md, "Requests through a
// Service"). What a module computes, its fuel included, is unchanged;
// TestInterpreterPatches runs the patched interpreter.
var interpreterPatches = []patch{
	// The value stack's pop is inlined in callNativeFunc: the function is
	// "big" for Go's inliner, which then inlines only callees of cost 20
	// or less, and the slice's pop cost 23, so every pop was a call (8 %
	// of a request's time in V8, its callers' share not counted). Without
	// the bounds check, as the comment says it needs none.
	{"internal/engine/interpreter/interpreter.go", "", `func (ce *callEngine) popValue() (v uint64) {
	// No need to check stack bound
	// as we can assume that all the operations
	// are valid thanks to validateFunction
	// at module validation phase
	// and interpreterir translation
	// before compilation.
	stackTopIndex := len(ce.stack) - 1
	v = ce.stack[stackTopIndex]
	ce.stack = ce.stack[:stackTopIndex]
	return
}
`, `func (ce *callEngine) popValue() (v uint64) {
	// No need to check stack bound
	// as we can assume that all the operations
	// are valid thanks to validateFunction
	// at module validation phase
	// and interpreterir translation
	// before compilation.
	// kubeplay: written so that its inlining cost (18) lets Go inline it
	// into callNativeFunc.
	h := (*kubeplayStack)(unsafe.Pointer(&ce.stack))
	h.len--
	return *(*uint64)(unsafe.Add(h.data, h.len<<3))
}

// kubeplayStack is the value stack's slice header.
type kubeplayStack struct {
	data     unsafe.Pointer
	len, cap int
}
`},
	// Kubeplay's metering (engine/runtime/internal/meter) charges each
	// straight-line segment of code with global.get $fuel; i64.const N;
	// i64.sub; global.set $fuel, and at a loop's header and a function's
	// entry tests it with global.get $fuel; i64.const 0; i64.lt_s; if;
	// call $yield; end: a quarter of what the interpreter dispatched. A
	// charge becomes one operation, a test (with the charge before it,
	// if any) one operation that skips the call unless the fuel is below
	// zero.
	{"internal/engine/interpreter/compiler.go", "", `	case wasm.OpcodeGlobalGet:
		c.emit(
			newOperationGlobalGet(index),
		)
`, `	case wasm.OpcodeGlobalGet:
		if c.kubeplayFuel(index) {
			break operatorSwitch
		}
		c.emit(
			newOperationGlobalGet(index),
		)
`},
	{"internal/engine/interpreter/compiler.go", "", `// emit adds the operations into the result.
`, `// kubeplayFuel compiles a global.get of the global index that begins
// kubeplay's fuel charge or test (see kubeplayCharge and kubeplayTest)
// into one operation, and moves c.pc to the sequence's last byte. It
// reports false, having done nothing, for any other global.get.
func (c *compiler) kubeplayFuel(index uint32) bool {
	if c.unreachableState.on {
		return false
	}
	at := c.pc + 1 // after the global.get
	n, afterCharge, charge := c.kubeplayCharge(index, at)
	testAt := at // where a test's i64.const would be
	if charge {
		testAt = 0
		if rest := c.body[afterCharge:]; len(rest) > 1 && rest[0] == wasm.OpcodeGlobalGet {
			if g, size, err := leb128.LoadUint32(rest[1:]); err == nil && g == index {
				testAt = afterCharge + 1 + size
			}
		}
	}
	var yield uint32
	var next uint64
	test := false
	if testAt != 0 {
		yield, next, test = c.kubeplayTest(testAt)
	}
	switch {
	case test:
		c.emit(unionOperation{Kind: operationKindKubeplayFuelCheck, U1: uint64(index), U2: uint64(n)})
		c.emit(newOperationCall(yield))
	case charge:
		c.emit(unionOperation{Kind: operationKindKubeplayFuelCharge, U1: uint64(index), U2: uint64(n)})
		next = afterCharge
	default:
		return false
	}
	c.stackPop() // the global's value, which the sequence leaves off
	c.pc = next - 1
	return true
}

// kubeplayCharge matches i64.const N; i64.sub; global.set index at the
// body's offset at, and returns N and the offset after it.
func (c *compiler) kubeplayCharge(index uint32, at uint64) (n int64, next uint64, ok bool) {
	rest := c.body[at:]
	if len(rest) < 4 || rest[0] != wasm.OpcodeI64Const {
		return 0, 0, false
	}
	n, size, err := leb128.LoadInt64(rest[1:])
	if err != nil || len(rest) < int(4+size) || rest[1+size] != wasm.OpcodeI64Sub || rest[2+size] != wasm.OpcodeGlobalSet {
		return 0, 0, false
	}
	g, gsize, err := leb128.LoadUint32(rest[3+size:])
	if err != nil || g != index {
		return 0, 0, false
	}
	return n, at + 3 + size + gsize, true
}

// kubeplayTest matches i64.const 0; i64.lt_s; if; call f; end at the
// body's offset at, f a function of no parameters and no results, and
// returns f and the offset after it.
func (c *compiler) kubeplayTest(at uint64) (f uint32, next uint64, ok bool) {
	rest := c.body[at:]
	if len(rest) < 7 || rest[0] != wasm.OpcodeI64Const || rest[1] != 0 || rest[2] != wasm.OpcodeI64LtS ||
		rest[3] != wasm.OpcodeIf || rest[4] != 0x40 || rest[5] != wasm.OpcodeCall {
		return 0, 0, false
	}
	f, size, err := leb128.LoadUint32(rest[6:])
	if err != nil || len(rest) < int(7+size) || rest[6+size] != wasm.OpcodeEnd || int(f) >= len(c.funcs) {
		return 0, 0, false
	}
	if t := &c.types[c.funcs[f]]; len(t.Params) != 0 || len(t.Results) != 0 {
		return 0, 0, false
	}
	return f, at + 7 + size, true
}

// emit adds the operations into the result.
`},
	// The new operations, these and the fused ones below: their kinds,
	// names and cases in the interpreter's loop.
	{"internal/engine/interpreter/operations.go", "", `	// operationKindEnd is always placed at the bottom of this iota definition to be used in the test.
`, `	// operationKindKubeplayFuelCharge subtracts U2 from the i64 global U1.
	operationKindKubeplayFuelCharge
	// operationKindKubeplayFuelCheck subtracts U2 from the i64 global U1
	// and skips the next operation (the call of kubeplay's yield) unless
	// the global is then below zero.
	operationKindKubeplayFuelCheck
	// operationKindKubeplayAddConst adds U1 to the value on top of the
	// stack, of the type B1 (i32 or i64).
	operationKindKubeplayAddConst
	// operationKindKubeplayLoadPick is operationKindLoad (B1 its type, U2
	// its offset) from the address U1 values below the top of the stack,
	// as operationKindPick would have pushed it.
	operationKindKubeplayLoadPick
	// operationKindKubeplayBrIfEqz is operationKindBrIf on the value on
	// top of the stack being zero (of the type B1, as operationKindEqz's),
	// which it takes off.
	operationKindKubeplayBrIfEqz
	// operationKindKubeplayCopy sets the value U2 values below the top of
	// the stack, as operationKindSet counts after a push, to the value U1
	// below it, as operationKindPick counts.
	operationKindKubeplayCopy
	// operationKindKubeplayBrTablePick is operationKindBrTable on the
	// value U1 values below the top of the stack, which it leaves.
	operationKindKubeplayBrTablePick
	// operationKindKubeplayPickExtend pushes the value U1 values below the
	// top of the stack as operationKindExtend (B1 1 if signed) makes it.
	operationKindKubeplayPickExtend
	// operationKindKubeplayPickAddConst pushes the value U2 values below
	// the top of the stack plus U1, of the type B1 (i32 or i64).
	operationKindKubeplayPickAddConst
	// operationKindKubeplaySetConst sets the value U2 values below the
	// top of the stack, as operationKindSet counts after a push, to U1.
	operationKindKubeplaySetConst
	// operationKindKubeplayPickExtendAddConst is
	// operationKindKubeplayPickExtend (B2 1 if signed) then
	// operationKindKubeplayAddConst (B1 its type, U1 its constant), U2
	// the depth.
	operationKindKubeplayPickExtendAddConst
	// operationKindKubeplayTeeGlobalSet sets the value U2 values below
	// the top of the stack, as operationKindSet counts after a push, and
	// the global U1 to the value on top, which it takes off.
	operationKindKubeplayTeeGlobalSet
	// operationKindKubeplayPick2 is operationKindPick of U1 then of U2.
	operationKindKubeplayPick2
	// operationKindKubeplayStorePick is operationKindStore of the value U3
	// values below the top of the stack, as operationKindPick would have
	// pushed it.
	operationKindKubeplayStorePick

	// operationKindEnd is always placed at the bottom of this iota definition to be used in the test.
`},
	{"internal/engine/interpreter/operations.go", "", `	case operationKindLabel:
		ret = "label"
`, `	case operationKindLabel:
		ret = "label"
	case operationKindKubeplayFuelCharge:
		ret = "KubeplayFuelCharge"
	case operationKindKubeplayFuelCheck:
		ret = "KubeplayFuelCheck"
	case operationKindKubeplayAddConst:
		ret = "KubeplayAddConst"
	case operationKindKubeplayLoadPick:
		ret = "KubeplayLoadPick"
	case operationKindKubeplayBrIfEqz:
		ret = "KubeplayBrIfEqz"
	case operationKindKubeplayCopy:
		ret = "KubeplayCopy"
	case operationKindKubeplayBrTablePick:
		ret = "KubeplayBrTablePick"
	case operationKindKubeplayPickExtend:
		ret = "KubeplayPickExtend"
	case operationKindKubeplayPickAddConst:
		ret = "KubeplayPickAddConst"
	case operationKindKubeplaySetConst:
		ret = "KubeplaySetConst"
	case operationKindKubeplayPickExtendAddConst:
		ret = "KubeplayPickExtendAddConst"
	case operationKindKubeplayTeeGlobalSet:
		ret = "KubeplayTeeGlobalSet"
	case operationKindKubeplayPick2:
		ret = "KubeplayPick2"
	case operationKindKubeplayStorePick:
		ret = "KubeplayStorePick"
`},
	{"internal/engine/interpreter/operations.go", "", `	case operationKindCall,
		operationKindGlobalGet,
`, `	case operationKindCall,
		operationKindKubeplayFuelCharge,
		operationKindKubeplayFuelCheck,
		operationKindKubeplayAddConst,
		operationKindKubeplayLoadPick,
		operationKindKubeplayBrIfEqz,
		operationKindKubeplayCopy,
		operationKindKubeplayBrTablePick,
		operationKindKubeplayPickExtend,
		operationKindKubeplayPickAddConst,
		operationKindKubeplaySetConst,
		operationKindKubeplayPickExtendAddConst,
		operationKindKubeplayTeeGlobalSet,
		operationKindKubeplayPick2,
		operationKindKubeplayStorePick,
		operationKindGlobalGet,
`},
	{"internal/engine/interpreter/interpreter.go", "", `		case operationKindGlobalSet:
`, `		case operationKindKubeplayFuelCharge:
			globals[op.U1].Val -= op.U2
			frame.pc++
		case operationKindKubeplayFuelCheck:
			g := globals[op.U1]
			g.Val -= op.U2
			if int64(g.Val) < 0 {
				frame.pc++
			} else {
				frame.pc += 2
			}
		case operationKindKubeplayAddConst:
			top := &ce.stack[len(ce.stack)-1]
			if unsignedType(op.B1) == unsignedTypeI32 {
				*top = uint64(uint32(*top) + uint32(op.U1))
			} else {
				*top += op.U1
			}
			frame.pc++
		case operationKindKubeplayBrIfEqz:
			v := ce.popValue()
			if unsignedInt(op.B1) == unsignedInt32 {
				v = uint64(uint32(v))
			}
			if v == 0 {
				ce.drop(op.U3)
				frame.pc = op.U1
			} else {
				frame.pc = op.U2
			}
		case operationKindKubeplayCopy:
			ce.stack[len(ce.stack)-int(op.U2)] = ce.stack[len(ce.stack)-1-int(op.U1)]
			frame.pc++
		case operationKindKubeplayBrTablePick:
			v := ce.stack[len(ce.stack)-1-int(op.U1)]
			defaultAt := uint64(len(op.Us))/2 - 1
			if v > defaultAt {
				v = defaultAt
			}
			v *= 2
			ce.drop(op.Us[v+1])
			frame.pc = op.Us[v]
		case operationKindKubeplayPickExtend:
			v := ce.stack[len(ce.stack)-1-int(op.U1)]
			if op.B1 == 1 {
				ce.pushValue(uint64(int64(int32(v))))
			} else {
				ce.pushValue(uint64(uint32(v)))
			}
			frame.pc++
		case operationKindKubeplayPickAddConst:
			v := ce.stack[len(ce.stack)-1-int(op.U2)]
			if unsignedType(op.B1) == unsignedTypeI32 {
				ce.pushValue(uint64(uint32(v) + uint32(op.U1)))
			} else {
				ce.pushValue(v + op.U1)
			}
			frame.pc++
		case operationKindKubeplaySetConst:
			ce.stack[len(ce.stack)-int(op.U2)] = op.U1
			frame.pc++
		case operationKindKubeplayPickExtendAddConst:
			v := ce.stack[len(ce.stack)-1-int(op.U2)]
			if op.B2 == 1 {
				v = uint64(int64(int32(v)))
			} else {
				v = uint64(uint32(v))
			}
			if unsignedType(op.B1) == unsignedTypeI32 {
				ce.pushValue(uint64(uint32(v) + uint32(op.U1)))
			} else {
				ce.pushValue(v + op.U1)
			}
			frame.pc++
		case operationKindKubeplayTeeGlobalSet:
			v := ce.stack[len(ce.stack)-1]
			ce.stack[len(ce.stack)-int(op.U2)] = v
			globals[op.U1].Val = v
			ce.stack = ce.stack[:len(ce.stack)-1]
			frame.pc++
		case operationKindKubeplayPick2:
			ce.pushValue(ce.stack[len(ce.stack)-1-int(op.U1)])
			ce.pushValue(ce.stack[len(ce.stack)-1-int(op.U2)])
			frame.pc++
		case operationKindGlobalSet:
`},
	// A load's and a store's address and access are written out in the
	// loop: popMemoryOffset (cost 39) and the memory's ReadUint64Le and
	// the like (70 and more) were calls for Go, as popValue was, and a
	// tenth of a request's time in V8. The same bounds, the same trap.
	// They run the fused loads and stores from a local too.
	{"internal/engine/interpreter/interpreter.go", "", `		case operationKindLoad:
			offset := ce.popMemoryOffset(op)
			switch unsignedType(op.B1) {
			case unsignedTypeI32, unsignedTypeF32:
				if val, ok := memoryInst.ReadUint32Le(offset); !ok {
					panic(wasmruntime.ErrRuntimeOutOfBoundsMemoryAccess)
				} else {
					ce.pushValue(uint64(val))
				}
			case unsignedTypeI64, unsignedTypeF64:
				if val, ok := memoryInst.ReadUint64Le(offset); !ok {
					panic(wasmruntime.ErrRuntimeOutOfBoundsMemoryAccess)
				} else {
					ce.pushValue(val)
				}
			}
			frame.pc++
`, `		case operationKindLoad, operationKindKubeplayLoadPick:
			var addr uint64
			if op.Kind == operationKindLoad {
				addr = ce.popValue()
			} else {
				addr = ce.stack[len(ce.stack)-1-int(op.U1)]
			}
			// At most 2^33, and the memory's length at most 2^32: an offset
			// past 32 bits is out of bounds, as popMemoryOffset has it.
			offset := op.U2 + uint64(uint32(addr))
			buf := memoryInst.Buffer
			if t := unsignedType(op.B1); t == unsignedTypeI32 || t == unsignedTypeF32 {
				if offset+4 > uint64(len(buf)) {
					panic(wasmruntime.ErrRuntimeOutOfBoundsMemoryAccess)
				}
				ce.pushValue(uint64(*(*uint32)(unsafe.Pointer(&buf[offset])))) // little-endian, as wasm and the engine's hosts are
			} else {
				if offset+8 > uint64(len(buf)) {
					panic(wasmruntime.ErrRuntimeOutOfBoundsMemoryAccess)
				}
				ce.pushValue(*(*uint64)(unsafe.Pointer(&buf[offset])))
			}
			frame.pc++
`},
	{"internal/engine/interpreter/interpreter.go", "", `		case operationKindStore:
			val := ce.popValue()
			offset := ce.popMemoryOffset(op)
			switch unsignedType(op.B1) {
			case unsignedTypeI32, unsignedTypeF32:
				if !memoryInst.WriteUint32Le(offset, uint32(val)) {
					panic(wasmruntime.ErrRuntimeOutOfBoundsMemoryAccess)
				}
			case unsignedTypeI64, unsignedTypeF64:
				if !memoryInst.WriteUint64Le(offset, val) {
					panic(wasmruntime.ErrRuntimeOutOfBoundsMemoryAccess)
				}
			}
			frame.pc++
`, `		case operationKindStore, operationKindKubeplayStorePick:
			var val uint64
			if op.Kind == operationKindStore {
				val = ce.popValue()
			} else {
				val = ce.stack[len(ce.stack)-1-int(op.U3)]
			}
			offset := op.U2 + uint64(uint32(ce.popValue()))
			buf := memoryInst.Buffer
			if t := unsignedType(op.B1); t == unsignedTypeI32 || t == unsignedTypeF32 {
				if offset+4 > uint64(len(buf)) {
					panic(wasmruntime.ErrRuntimeOutOfBoundsMemoryAccess)
				}
				*(*uint32)(unsafe.Pointer(&buf[offset])) = uint32(val)
			} else {
				if offset+8 > uint64(len(buf)) {
					panic(wasmruntime.ErrRuntimeOutOfBoundsMemoryAccess)
				}
				*(*uint64)(unsafe.Pointer(&buf[offset])) = val
			}
			frame.pc++
`},
	// Pairs of operations that Go's code for wasm makes all the time
	// become one: an add of a constant (i32.const or i64.const, then
	// add), a load from an address in a local (local.get, load), a
	// branch on zero (eqz, br_if), a copy between locals (local.get,
	// local.set, or local.tee's pick and set), a br_table on a local (Go's
	// resumption at a function's entry); and an i32.wrap_i64 right before
	// a load, which takes the address's low 32 bits itself, is dropped
	// (together a fifth of what was dispatched); then a local's add of a
	// constant (local.get, add), a local's extension (local.get,
	// i64.extend_i32), a constant's set into a local (const, local.set),
	// and an i64 add of a constant then i32.wrap_i64 (an i32 add); then
	// a local's extension plus a constant, a local.tee then global.set
	// (Go's stack pointer), two local.get, a store of a local's value.
	// Their operations are declared and run with the fuel's above.
	{"internal/engine/interpreter/compiler.go", "", `		c.result.Operations = append(c.result.Operations, op)
`, `		if op = c.kubeplayFuse(op); op.Kind == operationKindEnd {
			return // fused into the one before
		}
		c.result.Operations = append(c.result.Operations, op)
`},
	{"internal/engine/interpreter/compiler.go", "", `// kubeplayFuel compiles a global.get`, `// kubeplayFuse returns the operation to emit for op given the ones
// emitted before it, taking out those it fuses with, or one of the kind
// operationKindEnd if op is fused into the one before. A fused operation
// is never a branch's target: the compiler emits a label before one.
func (c *compiler) kubeplayFuse(op unionOperation) unionOperation {
	if len(c.result.PendingExceptionTable) > 0 { // they hold operations' indexes
		return op
	}
	last := func() *unionOperation {
		if n := len(c.result.Operations); n > 0 {
			return &c.result.Operations[n-1]
		}
		return &unionOperation{Kind: operationKindUnreachable}
	}
	drop := func() {
		c.result.Operations = c.result.Operations[:len(c.result.Operations)-1]
		if c.needSourceOffset {
			c.result.IROperationSourceOffsetsInWasmBinary = c.result.IROperationSourceOffsetsInWasmBinary[:len(c.result.IROperationSourceOffsetsInWasmBinary)-1]
		}
	}
	// picked takes out the operation before if it is a (non-vector)
	// pick, a local.get's, and returns its depth.
	picked := func() (depth uint64, ok bool) {
		if prev := last(); prev.Kind == operationKindPick && !prev.B3 {
			depth = prev.U1
			drop()
			return depth, true
		}
		return 0, false
	}
	switch op.Kind {
	case operationKindAdd:
		prev := last()
		if t := unsignedType(op.B1); t == unsignedTypeI32 && prev.Kind == operationKindConstI32 ||
			t == unsignedTypeI64 && prev.Kind == operationKindConstI64 {
			k := prev.U1
			drop()
			if depth, ok := picked(); ok {
				return unionOperation{Kind: operationKindKubeplayPickAddConst, B1: op.B1, U1: k, U2: depth}
			} else if prev := last(); prev.Kind == operationKindKubeplayPickExtend && unsignedType(op.B1) == unsignedTypeI64 {
				signed, depth := prev.B1, prev.U1
				drop()
				return unionOperation{Kind: operationKindKubeplayPickExtendAddConst, B1: op.B1, B2: signed, U1: k, U2: depth}
			}
			return unionOperation{Kind: operationKindKubeplayAddConst, B1: op.B1, U1: k}
		}
	case operationKindI32WrapFromI64:
		// The low 32 bits of an i64 add are the i32 add of the low bits.
		if prev := last(); (prev.Kind == operationKindKubeplayAddConst || prev.Kind == operationKindKubeplayPickAddConst ||
			prev.Kind == operationKindKubeplayPickExtendAddConst) && unsignedType(prev.B1) == unsignedTypeI64 {
			prev.B1 = byte(unsignedTypeI32)
			return unionOperation{Kind: operationKindEnd} // nothing to emit
		}
	case operationKindGlobalSet:
		if prev := last(); prev.Kind == operationKindKubeplayCopy && prev.U1 == 0 {
			to := prev.U2
			drop()
			return unionOperation{Kind: operationKindKubeplayTeeGlobalSet, U1: op.U1, U2: to}
		}
	case operationKindPick:
		if op.B3 || c.body[c.currentOpPC] == wasm.OpcodeLocalTee {
			break // a local.tee's pick fuses with its set
		}
		if first, ok := picked(); ok {
			return unionOperation{Kind: operationKindKubeplayPick2, U1: first, U2: op.U1}
		}
	case operationKindStore:
		if depth, ok := picked(); ok {
			op.Kind, op.U3 = operationKindKubeplayStorePick, depth
			return op
		}
	case operationKindExtend:
		if depth, ok := picked(); ok {
			return unionOperation{Kind: operationKindKubeplayPickExtend, B1: op.B1, U1: depth}
		}
	case operationKindBrIf:
		if prev := last(); prev.Kind == operationKindEqz {
			op.Kind, op.B1 = operationKindKubeplayBrIfEqz, prev.B1
			drop()
			return op
		}
	case operationKindSet:
		if op.B3 {
			break
		}
		if from, ok := picked(); ok {
			return unionOperation{Kind: operationKindKubeplayCopy, U1: from, U2: op.U1}
		} else if prev := last(); prev.Kind == operationKindConstI32 || prev.Kind == operationKindConstI64 {
			k := prev.U1
			drop()
			return unionOperation{Kind: operationKindKubeplaySetConst, U1: k, U2: op.U1}
		}
	case operationKindBrTable:
		if depth, ok := picked(); ok {
			op.Kind, op.U1 = operationKindKubeplayBrTablePick, depth
			return op
		}
	case operationKindLoad, operationKindLoad8, operationKindLoad16, operationKindLoad32:
		if last().Kind == operationKindI32WrapFromI64 {
			drop()
		}
		if op.Kind != operationKindLoad {
			break
		}
		if depth, ok := picked(); ok {
			return unionOperation{Kind: operationKindKubeplayLoadPick, B1: op.B1, U1: depth, U2: op.U2}
		}
	}
	return op
}

// kubeplayFuel compiles a global.get`},
	// A label stayed in the body as an operation that did nothing but
	// move on (a tenth of what was dispatched: every loop's turn, every
	// block's end that a branch leaves to). They are taken out, a branch
	// to a label goes to the operation after it, and a br that would go
	// to the operation after itself once they are out (a then arm's jump
	// over its missing else, a block's last jump to its end: 5 % of what
	// was dispatched) is taken out too.
	{"internal/engine/interpreter/interpreter.go", "", `	labelAddressResolutions := [labelKindNum][]uint64{}

	// First, we iterate all labels, and resolve the address.
	for i := range ret.body {
		op := &ret.body[i]
		switch op.Kind {
		case operationKindLabel:
			label := label(op.U1)
			address := uint64(i)
`, `	labelAddressResolutions := [labelKindNum][]uint64{}

	// kubeplay: the operations kubeplayRemoved takes out, and each
	// operation's index once they are out.
	removed, pcs := kubeplayRemoved(ret.body)

	// First, we iterate all labels, and resolve the address.
	for i := range ret.body {
		op := &ret.body[i]
		switch op.Kind {
		case operationKindLabel:
			label := label(op.U1)
			address := pcs[i]
`},
	{"internal/engine/interpreter/interpreter.go", "", `	// Resolve exception table entries (translate labels to PC).
`, `	if removed != nil {
		offsets := len(ret.offsetsInWasmBinary) > 0
		j := 0
		for i := range ret.body {
			if removed[i] {
				continue
			}
			ret.body[j] = ret.body[i]
			if offsets {
				ret.offsetsInWasmBinary[j] = ret.offsetsInWasmBinary[i]
			}
			j++
		}
		clear(ret.body[j:])
		ret.body = ret.body[:j]
		if offsets {
			ret.offsetsInWasmBinary = ret.offsetsInWasmBinary[:j]
		}
	}

	// Resolve exception table entries (translate labels to PC).
`},
	{"internal/engine/interpreter/interpreter.go", "", `func (e *engine) setLabelAddress(op *uint64, label label, labelAddressResolutions [labelKindNum][]uint64) {
`, `// kubeplayRemoved returns which operations of a body lowerIR takes out
// (nil if none): the labels, and each br whose target (a label after
// it) comes with nothing but removed operations between. pcs maps an
// operation's index to its index once they are out; a removed one's is
// the next kept one's, and pcs[len(body)] is the kept count.
func kubeplayRemoved(body []unionOperation) (removed []bool, pcs []uint64) {
	at := [labelKindNum][]uint64{} // the labels' indexes
	any := false
	for i := range body {
		if body[i].Kind != operationKindLabel {
			continue
		}
		any = true
		l := label(body[i].U1)
		k, id := l.Kind(), l.FrameID()
		if diff := id - len(at[k]) + 1; diff > 0 {
			at[k] = append(at[k], make([]uint64, diff)...)
		}
		at[k][id] = uint64(i)
	}
	pcs = make([]uint64, len(body)+1)
	if !any {
		for i := range pcs {
			pcs[i] = uint64(i)
		}
		return nil, pcs
	}
	removed = make([]bool, len(body))
	kept := make([]uint64, len(body)+1) // kept[i]: the kept operations of body[i:]
	for i := len(body) - 1; i >= 0; i-- {
		switch op := &body[i]; op.Kind {
		case operationKindLabel:
			removed[i] = true
		case operationKindBr:
			if l := label(op.U1); !l.IsReturnTarget() {
				t := at[l.Kind()][l.FrameID()]
				removed[i] = t > uint64(i) && kept[i+1] == kept[t]
			}
		}
		kept[i] = kept[i+1]
		if !removed[i] {
			kept[i]++
		}
	}
	for i := range pcs {
		pcs[i] = kept[0] - kept[i]
	}
	return removed, pcs
}

func (e *engine) setLabelAddress(op *uint64, label label, labelAddressResolutions [labelKindNum][]uint64) {
`},
	{"internal/engine/interpreter/interpreter.go", "", `		case operationKindBrIf:
			e.setLabelAddress(&op.U1, label(op.U1), labelAddressResolutions)
`, `		case operationKindBrIf, operationKindKubeplayBrIfEqz:
			e.setLabelAddress(&op.U1, label(op.U1), labelAddressResolutions)
`},
	{"internal/engine/interpreter/interpreter.go", "", `		case operationKindBrTable:
			for j := 0; j < len(op.Us); j += 2 {
`, `		case operationKindBrTable, operationKindKubeplayBrTablePick:
			for j := 0; j < len(op.Us); j += 2 {
`},
	{"internal/engine/interpreter/interpreter.go", "", `				startPC: uint64(pe.startOpIndex),
`, `				startPC: pcs[pe.startOpIndex],
`},
}

// BuildEngine compiles pkg, the browser's engine (./cmd/wasm), for
// js/wasm into the file out, with enginePatches. Any flags go to go
// build too, such as -ldflags=-s -w. A plain go build of the engine works
// as well, and does the same, in 0.9 MB more.
func BuildEngine(ctx context.Context, dir, pkg, out string, flags ...string) error {
	run, err := goRunner(ctx, dir)
	if err != nil {
		return err
	}
	args := append([]string{"build", "-trimpath", "-o", out}, flags...)
	return buildPatched(run, []string{"GOOS=js", "GOARCH=wasm"}, args, pkg, enginePatches)
}

// EngineModfile writes a go.mod (with its go.sum beside it) that builds
// the module in dir with the engine's patched wazero, for the go
// command's -modfile flag, and returns its path: the benchmarks build
// their test binaries with it, so that they measure what the page runs.
// The caller removes the file's directory.
func EngineModfile(ctx context.Context, dir string) (string, error) {
	run, err := goRunner(ctx, dir)
	if err != nil {
		return "", err
	}
	modfile, _, err := patchedModfile(run, enginePatches)
	return modfile, err
}
