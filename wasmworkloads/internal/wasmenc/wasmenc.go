// Package wasmenc encodes the few pieces of the WebAssembly binary format
// (the core specification's chapter 5) that kubeplay's hand-assembled
// images need: sections, vectors, names, LEB128 numbers, code entries and
// data segments. The pause and hello-world images are such modules: a few
// hundred bytes that start at once, where a Go program weighs megabytes.
package wasmenc

// Section ids.
const (
	SectionType     = 1
	SectionImport   = 2
	SectionFunction = 3
	SectionMemory   = 5
	SectionExport   = 7
	SectionCode     = 10
	SectionData     = 11
)

// Types, kinds and instructions used by the images.
const (
	ValI32     = 0x7f
	FuncType   = 0x60
	KindFunc   = 0x00
	KindMemory = 0x02
	LimitsMin  = 0x00 // limits with a minimum only

	OpUnreachable = 0x00
	OpLoop        = 0x03
	OpBrIf        = 0x0d
	OpEnd         = 0x0b
	OpCall        = 0x10
	OpDrop        = 0x1a
	OpI32Const    = 0x41
	OpI32Eqz      = 0x45
	BlockEmpty    = 0x40 // a block type with no results
)

// Header is the magic number and version 1 every module starts with.
var Header = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// Section frames a section body with its id and byte length.
func Section(id byte, body []byte) []byte {
	return Concat([]byte{id}, ULEB(uint64(len(body))), body)
}

// Vector encodes a vector: its element count, then the elements.
func Vector(items ...[]byte) []byte {
	return Concat(append([][]byte{ULEB(uint64(len(items)))}, items...)...)
}

// Name encodes a UTF-8 name: its byte length, then the bytes.
func Name(s string) []byte {
	return Concat(ULEB(uint64(len(s))), []byte(s))
}

// Function encodes a code entry without locals: its size, an empty local
// declaration vector, then the instructions, closed by end.
func Function(instructions []byte) []byte {
	body := Concat(Vector(), instructions, []byte{OpEnd})
	return Concat(ULEB(uint64(len(body))), body)
}

// ActiveData encodes a data segment for memory 0 placed at offset.
func ActiveData(offset int32, bytes []byte) []byte {
	return Concat(ULEB(0), I32Const(offset), []byte{OpEnd}, ULEB(uint64(len(bytes))), bytes)
}

// I32Const encodes the i32.const instruction.
func I32Const(v int32) []byte {
	return Concat([]byte{OpI32Const}, SLEB(int64(v)))
}

// ULEB encodes v as unsigned LEB128: seven bits a byte, low bits first,
// the high bit set on every byte but the last.
func ULEB(v uint64) []byte {
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

// SLEB encodes v as signed LEB128: like ULEB, but it stops once the rest
// is all sign bits and the last byte's bit 6 carries the sign.
func SLEB(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7 // arithmetic shift keeps the sign
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// Bytes turns each byte into a one-byte slice, for Vector.
func Bytes(bs []byte) [][]byte {
	out := make([][]byte, len(bs))
	for i := range bs {
		out[i] = bs[i : i+1]
	}
	return out
}

// Concat joins byte slices.
func Concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
