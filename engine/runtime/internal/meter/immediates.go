package meter

import (
	"bytes"
	"fmt"
	"io"

	"github.com/tetratelabs/wabin/leb128"
)

// copyImmediates copies the immediates of an instruction that has no
// meaning for metering.
func (w *writer) copyImmediates(op byte, r *bytes.Reader) error {
	switch {
	case op == 0x20 || op == 0x21 || op == 0x22 || op == 0x23 || op == 0x24 || op == 0x25 || op == 0x26 || op == opThrow || op == opRethrow:
		return w.copyU32(r, &w.seg) // locals, globals, table.get/set, throw, rethrow
	case op == opBrTable:
		n, err := w.copyU32Value(r)
		if err != nil {
			return err
		}
		for range n + 1 {
			if err := w.copyU32(r, &w.seg); err != nil {
				return err
			}
		}
		return nil
	case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect: type, table
		w.calls = true
		return w.copyU32s(r, 2)
	case op == 0x1c: // select with types
		n, err := w.copyU32Value(r)
		if err != nil {
			return err
		}
		return w.copyBytes(r, int(n))
	case op >= 0x28 && op <= 0x3e: // loads and stores: align, offset
		return w.copyU32s(r, 2)
	case op == 0x3f || op == 0x40: // memory.size, memory.grow
		return w.copyU32(r, &w.seg)
	case op == 0x41:
		return w.copySigned(r)
	case op == opI64Const:
		return w.copySigned(r)
	case op == 0x43:
		return w.copyBytes(r, 4)
	case op == 0x44:
		return w.copyBytes(r, 8)
	case op == 0xd0: // ref.null t
		return w.copyBytes(r, 1)
	case op == 0xfc:
		return w.copyMisc(r)
	case op == 0xfd:
		return w.copySIMD(r)
	case op == 0xfe:
		return w.copyAtomic(r)
	case op == opUnreachable || op == opNop || op == opReturn || op == 0x1a || op == 0x1b || op == 0xd1 || op >= 0x45 && op <= 0xc4:
		return nil
	}
	return fmt.Errorf("unknown opcode %#x", op)
}

// copyMisc copies the 0xfc instructions: saturating conversions, bulk
// memory and table operations.
func (w *writer) copyMisc(r *bytes.Reader) error {
	sub, err := w.copyU32Value(r)
	if err != nil {
		return err
	}
	switch {
	case sub <= 7:
		return nil
	case sub == 8 || sub == 10 || sub == 12 || sub == 14: // memory.init, memory.copy, table.init, table.copy
		return w.copyU32s(r, 2)
	case sub <= 17:
		return w.copyU32(r, &w.seg)
	}
	return fmt.Errorf("unknown opcode 0xfc %d", sub)
}

// copySIMD copies the 0xfd (vector) instructions.
func (w *writer) copySIMD(r *bytes.Reader) error {
	sub, err := w.copyU32Value(r)
	if err != nil {
		return err
	}
	switch {
	case sub <= 11 || sub == 92 || sub == 93: // loads and stores
		return w.copyU32s(r, 2)
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		return w.copyBytes(r, 16)
	case sub >= 21 && sub <= 34: // lane extraction and replacement
		return w.copyBytes(r, 1)
	case sub >= 84 && sub <= 91: // lane loads and stores
		if err := w.copyU32s(r, 2); err != nil {
			return err
		}
		return w.copyBytes(r, 1)
	case sub <= 0x113:
		return nil
	}
	return fmt.Errorf("unknown opcode 0xfd %d", sub)
}

// copyAtomic copies the 0xfe (threads) instructions.
func (w *writer) copyAtomic(r *bytes.Reader) error {
	sub, err := w.copyU32Value(r)
	if err != nil {
		return err
	}
	if sub == 3 { // atomic.fence
		return w.copyBytes(r, 1)
	}
	if sub <= 0x4e {
		return w.copyU32s(r, 2)
	}
	return fmt.Errorf("unknown opcode 0xfe %d", sub)
}

// copyBlockType copies a block type: empty, a value type, or a type index
// as a signed 33-bit number.
func (w *writer) copyBlockType(r *bytes.Reader) error {
	b, err := r.ReadByte()
	if err != nil {
		return err
	}
	if b == blockVoid || b >= 0x6f && b <= 0x7f {
		w.seg = append(w.seg, b)
		return nil
	}
	_ = r.UnreadByte()
	start := r.Len()
	if _, _, err := leb128.DecodeInt33AsInt64(r); err != nil {
		return err
	}
	return w.copyBack(r, start)
}

func (w *writer) copyU32(r *bytes.Reader, dst *[]byte) error {
	start := r.Len()
	v, _, err := leb128.DecodeUint32(r)
	if err != nil {
		return err
	}
	_ = start
	*dst = append(*dst, leb128.EncodeUint32(v)...)
	return nil
}

func (w *writer) copyU32s(r *bytes.Reader, n int) error {
	for range n {
		if err := w.copyU32(r, &w.seg); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) copyU32Value(r *bytes.Reader) (uint32, error) {
	v, _, err := leb128.DecodeUint32(r)
	if err != nil {
		return 0, err
	}
	w.seg = append(w.seg, leb128.EncodeUint32(v)...)
	return v, nil
}

func (w *writer) copySigned(r *bytes.Reader) error {
	start := r.Len()
	if _, _, err := leb128.DecodeInt64(r); err != nil {
		return err
	}
	return w.copyBack(r, start)
}

// copyBack copies the bytes read since the reader had start bytes left.
func (w *writer) copyBack(r *bytes.Reader, start int) error {
	n := start - r.Len()
	if _, err := r.Seek(int64(-n), io.SeekCurrent); err != nil {
		return err
	}
	return w.copyBytes(r, n)
}

func (w *writer) copyBytes(r *bytes.Reader, n int) error {
	for range n {
		b, err := r.ReadByte()
		if err != nil {
			return err
		}
		w.seg = append(w.seg, b)
	}
	return nil
}
