// Package meter instruments a WebAssembly module so that its work can be
// counted and interrupted, the way gas metering does in blockchains.
//
// Under js/wasm the engine has one thread and no preemption: a guest that
// spins in a loop without calling the host would keep the event loop, and
// the page, forever (wazero's WithCloseOnContextDone needs a second
// goroutine to fire, which never runs). So before a module is compiled,
// Instrument rewrites every function body:
//
//   - the code is cut into straight-line segments (a function's entry, a
//     loop's header, the start of an if or else arm, what follows an end or
//     an unconditional branch); each segment starts by subtracting its
//     length in instructions from a mutable i64 global, the fuel;
//   - at a function's entry and at every loop header, where unbounded work
//     can recur, the fuel is also tested: below zero, the module calls the
//     imported host function kubeplay_meter.yield.
//
// The host gives the fuel (sets the exported global FuelExport) and, in
// yield, reads how much was used, counts it as CPU time and may suspend the
// guest's coroutine before giving it more. A segment's cost is its static
// instruction count, so a run's fuel is a pure function of the module and
// its inputs: metering is as deterministic as the rest of the cluster.
//
// Structural instructions (block, loop, end, else, nop) cost nothing: the
// interpreter compiles them away. A br_if does not end a segment: what
// follows it is charged even when the branch is taken, which costs a few
// instructions of accuracy and saves a charge in every conditional.
package meter

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/leb128"
	"github.com/tetratelabs/wabin/wasm"
)

// Names the instrumented module uses.
const (
	ImportModule = "kubeplay_meter" // the host module of yield
	ImportYield  = "yield"          // func(): called when the fuel is below zero
	FuelExport   = "kubeplay_fuel"  // the exported mutable i64 global holding the fuel
)

// Instrument returns the module with metering added. It fails on a module
// it cannot decode or an instruction it does not know; running such a
// module unmetered would let it freeze the host.
func Instrument(bin []byte) ([]byte, error) {
	m, err := binary.DecodeModule(bin, wasm.CoreFeaturesV2)
	if err != nil {
		return nil, fmt.Errorf("decode module: %w", err)
	}
	return instrument(m)
}

// Reactor is a metered module prepared to start from a snapshot of its
// initialized memory: a WASI reactor (it exports _initialize) with the
// entry point MainExport. Module exports each global the module defines
// as GlobalExport(i) and has no active data segments: Data holds them,
// for the first instance, the one that runs _initialize, to write
// itself; every later instance gets the snapshot's memory instead.
type Reactor struct {
	Module  []byte
	Data    []Segment
	Globals int
}

// Segment is an active data segment: bytes at an offset in memory 0.
type Segment struct {
	Offset uint32
	Init   []byte
}

// Names a reactor's module uses.
const (
	InitializeExport = "_initialize"
	MainExport       = "kubeplay_main"
)

// GlobalExport is the name a Reactor's module exports its i-th global by.
func GlobalExport(i int) string { return "kubeplay_global_" + strconv.Itoa(i) }

// InstrumentReactor is Instrument for a module that exports _initialize
// and MainExport; for another module it returns ok false and the module
// as Instrument meters it. Data segments stay in the module when they
// cannot be written from outside (passive ones, offsets that are not
// constants).
func InstrumentReactor(bin []byte) (r Reactor, ok bool, err error) {
	m, err := binary.DecodeModule(bin, wasm.CoreFeaturesV2)
	if err != nil {
		return Reactor{}, false, fmt.Errorf("decode module: %w", err)
	}
	funcs := map[string]bool{}
	for _, e := range m.ExportSection {
		if e.Type == wasm.ExternTypeFunc {
			funcs[e.Name] = true
		}
	}
	if !funcs[InitializeExport] || !funcs[MainExport] {
		out, err := instrument(m)
		return Reactor{Module: out}, false, err
	}
	r.Globals = len(m.GlobalSection)
	for i := range r.Globals {
		m.ExportSection = append(m.ExportSection, &wasm.Export{Type: wasm.ExternTypeGlobal, Name: GlobalExport(i), Index: m.ImportGlobalCount() + uint32(i)})
	}
	if segs, ok := activeSegments(m); ok {
		r.Data, m.DataSection = segs, nil
	}
	r.Module, err = instrument(m)
	return r, true, err
}

// activeSegments returns the module's data segments when each is active
// at a constant offset in a module without a data count section (which
// memory.init and data.drop need).
func activeSegments(m *wasm.Module) ([]Segment, bool) {
	if m.DataCountSection != nil {
		return nil, false
	}
	out := make([]Segment, 0, len(m.DataSection))
	for _, d := range m.DataSection {
		e := d.OffsetExpression
		if e == nil || e.Opcode != wasm.OpcodeI32Const {
			return nil, false
		}
		off, _, err := leb128.DecodeInt32(bytes.NewReader(e.Data))
		if err != nil {
			return nil, false
		}
		out = append(out, Segment{Offset: uint32(off), Init: d.Init})
	}
	return out, true
}

func instrument(m *wasm.Module) ([]byte, error) {
	for _, imp := range m.ImportSection {
		if imp.Module == ImportModule {
			return nil, errors.New("module is already metered")
		}
	}
	funcImports := m.ImportFuncCount()
	yield := funcImports // the new import goes last among the imports
	fuel := m.ImportGlobalCount() + uint32(len(m.GlobalSection))
	shift := func(i uint32) uint32 {
		if i >= funcImports {
			return i + 1
		}
		return i
	}
	w := &writer{yield: yield, fuel: fuel, shift: shift}
	for i, code := range m.CodeSection {
		body, err := w.body(code.Body)
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", funcImports+uint32(i), err)
		}
		code.Body = body
	}
	m.ImportSection = append(m.ImportSection, &wasm.Import{Type: wasm.ExternTypeFunc, Module: ImportModule, Name: ImportYield, DescFunc: voidType(m)})
	m.GlobalSection = append(m.GlobalSection, &wasm.Global{
		Type: &wasm.GlobalType{ValType: wasm.ValueTypeI64, Mutable: true},
		Init: &wasm.ConstantExpression{Opcode: wasm.OpcodeI64Const, Data: leb128.EncodeInt64(0)},
	})
	renumber(m, shift)
	m.ExportSection = append(m.ExportSection, &wasm.Export{Type: wasm.ExternTypeGlobal, Name: FuelExport, Index: fuel})
	return encode(m), nil
}

// voidType returns the index of the type func(), adding it if needed.
func voidType(m *wasm.Module) uint32 {
	for i, t := range m.TypeSection {
		if len(t.Params) == 0 && len(t.Results) == 0 {
			return uint32(i)
		}
	}
	m.TypeSection = append(m.TypeSection, &wasm.FunctionType{})
	return uint32(len(m.TypeSection) - 1)
}

// renumber moves the module's references to defined functions up by one,
// past the new import.
func renumber(m *wasm.Module, shift func(uint32) uint32) {
	for _, e := range m.ExportSection {
		if e.Type == wasm.ExternTypeFunc {
			e.Index = shift(e.Index)
		}
	}
	if m.StartSection != nil {
		s := shift(*m.StartSection)
		m.StartSection = &s
	}
	for _, seg := range m.ElementSection {
		for i, idx := range seg.Init {
			if idx != nil {
				s := shift(*idx)
				seg.Init[i] = &s
			}
		}
	}
	for _, g := range m.GlobalSection {
		if g.Init.Opcode == wasm.OpcodeRefFunc {
			idx, _, _ := leb128.DecodeUint32(bytes.NewReader(g.Init.Data))
			g.Init.Data = leb128.EncodeUint32(shift(idx))
		}
	}
	if n := m.NameSection; n != nil {
		for _, a := range n.FunctionNames {
			a.Index = shift(a.Index)
		}
		for _, a := range n.LocalNames {
			a.Index = shift(a.Index)
		}
	}
}

// encode writes the module; wabin leaves out the data count section, which
// must come before the code section when a module has one.
func encode(m *wasm.Module) []byte {
	out := binary.EncodeModule(m)
	if m.DataCountSection == nil {
		return out
	}
	i := sectionOffset(out, wasm.SectionIDCode)
	payload := leb128.EncodeUint32(*m.DataCountSection)
	sec := append([]byte{wasm.SectionIDDataCount}, leb128.EncodeUint32(uint32(len(payload)))...)
	sec = append(sec, payload...)
	return append(append(append([]byte(nil), out[:i]...), sec...), out[i:]...)
}

// sectionOffset finds where the section with the given id starts, or the
// end of the module.
func sectionOffset(mod []byte, id byte) int {
	r := bytes.NewReader(mod[8:])
	for r.Len() > 0 {
		at := len(mod) - r.Len()
		sid, _ := r.ReadByte()
		size, _, err := leb128.DecodeUint32(r)
		if err != nil || sid == id {
			return at
		}
		_, _ = r.Seek(int64(size), 1)
	}
	return len(mod)
}
