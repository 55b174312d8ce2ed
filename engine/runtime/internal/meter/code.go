package meter

import (
	"bytes"
	"fmt"

	"github.com/tetratelabs/wabin/leb128"
)

// Opcodes the writer looks at or emits.
const (
	opUnreachable = 0x00
	opNop         = 0x01
	opBlock       = 0x02
	opLoop        = 0x03
	opIf          = 0x04
	opElse        = 0x05
	opTry         = 0x06
	opCatch       = 0x07
	opEnd         = 0x0b
	opBr          = 0x0c
	opBrIf        = 0x0d
	opBrTable     = 0x0e
	opReturn      = 0x0f
	opCall        = 0x10
	opReturnCall  = 0x12
	opCatchAll    = 0x19
	opDelegate    = 0x18
	opRethrow     = 0x09
	opThrow       = 0x08
	opGlobalGet   = 0x23
	opGlobalSet   = 0x24
	opI64Const    = 0x42
	opI64LtS      = 0x53
	opI64Sub      = 0x7d
	opRefFunc     = 0xd2
	blockVoid     = 0x40
)

// writer rewrites function bodies.
type writer struct {
	yield, fuel uint32
	shift       func(uint32) uint32

	out  []byte // the rewritten body so far
	seg  []byte // the current segment's instructions
	cost int64  // the current segment's cost
	test bool   // the current segment starts with a fuel test
	id   int    // the current segment's number
	dead bool   // the current segment follows an unconditional branch

	frames []frame // the open blocks, loops, ifs, innermost last

	calls     bool   // the function calls others
	entryTest [2]int // where the entry's fuel test is in out, if any
}

// frame is an open structured instruction.
type frame struct {
	op byte
	// from is the first segment that branches to the block's end with br
	// or br_if, or -1. When only the current segment does, the code after
	// the end is charged with it: every way there passed its charge.
	// (A br_table's targets are not counted: Go's code uses one to resume
	// a function after a goroutine switch, which is rare, and undercounting
	// that entry is the price of not charging after every call.)
	from int
}

// body returns a function's code (wabin keeps its locals apart) with
// metering added.
func (w *writer) body(body []byte) ([]byte, error) {
	r := bytes.NewReader(body)
	w.out = w.out[:0]
	w.seg, w.cost, w.test, w.dead = w.seg[:0], 0, true, false
	w.frames = append(w.frames[:0], frame{op: opBlock, from: -1})
	w.calls, w.entryTest = false, [2]int{-1, -1}
	for r.Len() > 0 {
		start := len(body) - r.Len()
		op, _ := r.ReadByte()
		if err := w.instruction(op, r); err != nil {
			return nil, fmt.Errorf("offset %d: %w", start, err)
		}
	}
	w.flush()
	out := w.out
	if !w.calls && w.entryTest[0] >= 0 {
		// A function that calls none cannot recurse: the test at its
		// entry is not needed to bound its work.
		out = append(append([]byte(nil), out[:w.entryTest[0]]...), out[w.entryTest[1]:]...)
	}
	return append([]byte(nil), out...), nil
}

// instruction copies one instruction, renumbering function references,
// and ends the segment where control flow may join or leave.
func (w *writer) instruction(op byte, r *bytes.Reader) error {
	switch op {
	case opBlock, opLoop, opIf, opTry:
		if op == opLoop && w.cost == 0 {
			w.test = false // the loop's header tests before any work
		}
		w.seg = append(w.seg, op)
		if err := w.copyBlockType(r); err != nil {
			return err
		}
		if op == opIf {
			w.cost++
		}
		w.frames = append(w.frames, frame{op: op, from: -1})
		if op != opBlock {
			w.flush()
			w.test = op == opLoop
		}
		return nil
	case opEnd:
		if len(w.frames) == 0 {
			return fmt.Errorf("end without a block")
		}
		f := w.frames[len(w.frames)-1]
		w.frames = w.frames[:len(w.frames)-1]
		if !w.dead && (f.op == opBlock || f.op == opLoop) && (f.from < 0 || f.from == w.id) {
			w.seg = append(w.seg, op)
			return nil
		}
		w.flush()
		w.out = append(w.out, op)
		return nil
	case opElse, opCatchAll:
		w.flush()
		w.out = append(w.out, op)
		return nil
	case opCatch, opDelegate:
		w.flush()
		w.out = append(w.out, op)
		return w.copyU32(r, &w.out)
	case opCall, opReturnCall, opRefFunc:
		w.calls = w.calls || op != opRefFunc
		idx, _, err := leb128.DecodeUint32(r)
		if err != nil {
			return err
		}
		w.seg = append(append(w.seg, op), leb128.EncodeUint32(w.shift(idx))...)
		w.cost++
		if op == opReturnCall {
			w.flush()
		}
		return nil
	}
	w.seg = append(w.seg, op)
	w.cost++
	if op == opBr || op == opBrIf {
		return w.branch(op, r)
	}
	if err := w.copyImmediates(op, r); err != nil {
		return err
	}
	switch op {
	case opBrTable, opReturn, opUnreachable, opThrow, opRethrow:
		w.flush()
		w.dead = true // until the next end or else
	}
	return nil
}

// branch copies a br or br_if and notes the segment it leaves from.
func (w *writer) branch(op byte, r *bytes.Reader) error {
	depth, err := w.copyU32Value(r)
	if err != nil {
		return err
	}
	if int(depth) >= len(w.frames) {
		return fmt.Errorf("branch to depth %d in %d blocks", depth, len(w.frames))
	}
	f := &w.frames[len(w.frames)-1-int(depth)]
	if f.from < 0 {
		f.from = w.id
	}
	if op == opBr {
		w.flush()
		w.dead = true // until the next end or else
	}
	return nil
}

// flush writes the current segment, preceded by its fuel charge and, at a
// function's entry or a loop's header, the fuel test.
func (w *writer) flush() {
	if w.cost > 0 {
		w.out = append(w.out, opGlobalGet)
		w.out = append(w.out, leb128.EncodeUint32(w.fuel)...)
		w.out = append(w.out, opI64Const)
		w.out = append(w.out, leb128.EncodeInt64(w.cost)...)
		w.out = append(w.out, opI64Sub, opGlobalSet)
		w.out = append(w.out, leb128.EncodeUint32(w.fuel)...)
	}
	if w.test {
		start := len(w.out)
		w.out = append(w.out, opGlobalGet)
		w.out = append(w.out, leb128.EncodeUint32(w.fuel)...)
		w.out = append(w.out, opI64Const, 0, opI64LtS, opIf, blockVoid, opCall)
		w.out = append(w.out, leb128.EncodeUint32(w.yield)...)
		w.out = append(w.out, opEnd)
		if w.id == 0 {
			w.entryTest = [2]int{start, len(w.out)}
		}
	}
	w.out = append(w.out, w.seg...)
	w.seg, w.cost, w.test, w.dead = w.seg[:0], 0, false, false
	w.id++
}
