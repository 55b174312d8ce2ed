// Package hpack is HTTP/2's header compression (RFC 7541), as much of it
// as a client or server of single calls needs, and small: a Decoder that
// reads every representation (indexed fields, literals with and without
// indexing, dynamic table size updates, Huffman-coded strings) with a
// connection's dynamic table, and an encoder of literals that are never
// indexed nor Huffman-coded, which every decoder reads. It keeps no maps
// and builds no tables at start-up (the guests that use it run under an
// interpreter): the Huffman code is canonical, so its code lengths alone
// decode it.
package hpack

import (
	"errors"
	"strconv"
)

// Field is a header field.
type Field struct{ Name, Value string }

// Errors of malformed header blocks (COMPRESSION_ERROR in HTTP/2).
var (
	ErrTruncated = errors.New("hpack: truncated header block")
	ErrIndex     = errors.New("hpack: invalid index")
	ErrHuffman   = errors.New("hpack: invalid Huffman-encoded data")
	ErrTableSize = errors.New("hpack: dynamic table size update too large")
	ErrTooLong   = errors.New("hpack: header field too long")
)

// DefaultTableSize is SETTINGS_HEADER_TABLE_SIZE's initial value.
const DefaultTableSize = 4096

// maxString bounds a string in a header block.
const maxString = 1 << 20

// Decoder decodes the header blocks of one connection, in order.
type Decoder struct {
	dyn  []Field // newest first
	size int     // the entries' sizes (name, value and 32 each)
	max  int     // the table's size, as the last update set it
	cap  int     // what updates may set it to
}

// NewDecoder returns a decoder whose table may hold DefaultTableSize.
func NewDecoder() *Decoder { return &Decoder{max: DefaultTableSize, cap: DefaultTableSize} }

// Decode decodes a complete header block.
func (d *Decoder) Decode(b []byte) ([]Field, error) {
	var out []Field
	for len(b) > 0 {
		c := b[0]
		switch {
		case c&0x80 != 0: // indexed field
			i, rest, err := integer(b, 7)
			if err != nil {
				return nil, err
			}
			f, err := d.at(i)
			if err != nil {
				return nil, err
			}
			out, b = append(out, f), rest
		case c&0xe0 == 0x20: // dynamic table size update
			n, rest, err := integer(b, 5)
			if err != nil {
				return nil, err
			}
			if n > uint64(d.cap) {
				return nil, ErrTableSize
			}
			d.max, b = int(n), rest
			d.evict()
		default: // a literal: with incremental indexing, without, never
			prefix := uint8(4)
			if c&0xc0 == 0x40 {
				prefix = 6
			}
			i, rest, err := integer(b, prefix)
			if err != nil {
				return nil, err
			}
			var f Field
			if i > 0 {
				named, err := d.at(i)
				if err != nil {
					return nil, err
				}
				f.Name = named.Name
			} else if f.Name, rest, err = str(rest); err != nil {
				return nil, err
			}
			if f.Value, rest, err = str(rest); err != nil {
				return nil, err
			}
			if prefix == 6 {
				d.add(f)
			}
			out, b = append(out, f), rest
		}
	}
	return out, nil
}

// at is the field at index i: the static table's, then the dynamic's.
func (d *Decoder) at(i uint64) (Field, error) {
	switch {
	case i == 0:
		return Field{}, ErrIndex
	case i <= uint64(len(staticTable)):
		return Field{staticTable[i-1][0], staticTable[i-1][1]}, nil
	case i-uint64(len(staticTable)) <= uint64(len(d.dyn)):
		return d.dyn[i-uint64(len(staticTable))-1], nil
	}
	return Field{}, ErrIndex
}

func (d *Decoder) add(f Field) {
	d.dyn = append(d.dyn, Field{})
	copy(d.dyn[1:], d.dyn)
	d.dyn[0] = f
	d.size += len(f.Name) + len(f.Value) + 32
	d.evict()
}

func (d *Decoder) evict() {
	for d.size > d.max && len(d.dyn) > 0 {
		f := d.dyn[len(d.dyn)-1]
		d.dyn = d.dyn[:len(d.dyn)-1]
		d.size -= len(f.Name) + len(f.Value) + 32
	}
}

// integer reads an integer with an n-bit prefix (RFC 7541, 5.1).
func integer(b []byte, n uint8) (uint64, []byte, error) {
	if len(b) == 0 {
		return 0, nil, ErrTruncated
	}
	mask := uint64(1)<<n - 1
	v := uint64(b[0]) & mask
	b = b[1:]
	if v < mask {
		return v, b, nil
	}
	for shift := uint(0); ; shift += 7 {
		if len(b) == 0 {
			return 0, nil, ErrTruncated
		}
		if shift > 56 {
			return 0, nil, ErrTooLong
		}
		c := b[0]
		b = b[1:]
		v += uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, b, nil
		}
	}
}

// str reads a string literal, Huffman-coded or not (RFC 7541, 5.2).
func str(b []byte) (string, []byte, error) {
	if len(b) == 0 {
		return "", nil, ErrTruncated
	}
	huffman := b[0]&0x80 != 0
	n, b, err := integer(b, 7)
	if err != nil {
		return "", nil, err
	}
	if n > maxString {
		return "", nil, ErrTooLong
	}
	if uint64(len(b)) < n {
		return "", nil, ErrTruncated
	}
	s, rest := b[:n], b[n:]
	if !huffman {
		return string(s), rest, nil
	}
	out, err := huffmanDecode(s)
	return out, rest, err
}

// huffmanDecode decodes the canonical Huffman code of Appendix B: codes
// of each length are consecutive, in the order of their symbols.
func huffmanDecode(s []byte) (string, error) {
	out := make([]byte, 0, len(s)*8/5)
	code, length, ones := 0, 0, true
	for _, c := range s {
		for bit := 7; bit >= 0; bit-- {
			b := int(c>>bit) & 1
			code, length = code<<1|b, length+1
			ones = ones && b == 1
			if length < 5 {
				continue
			}
			if length > 30 {
				return "", ErrHuffman
			}
			if k := code - firstCode[length]; k >= 0 && k < int(lengthCount[length]) {
				sym := symbolsByLength[int(firstIndex[length])+k]
				if sym == 256 {
					return "", ErrHuffman // EOS must not appear
				}
				out = append(out, byte(sym))
				code, length, ones = 0, 0, true
			}
		}
	}
	// What is left is padding: at most 7 bits, all ones.
	if length > 7 || !ones {
		return "", ErrHuffman
	}
	return string(out), nil
}

// AppendNeverIndexed appends a literal field that is never indexed, with
// a literal name, not Huffman-coded (RFC 7541, 6.2.3).
func AppendNeverIndexed(b []byte, name, value string) []byte {
	b = append(b, 0x10)
	b = appendString(b, name)
	return appendString(b, value)
}

// AppendIndexed appends a field of the static table by its index (":method
// POST" is 3, ":scheme http" 6, ":status 200" 8).
func AppendIndexed(b []byte, i int) []byte { return appendInteger(b, 0x80, 7, uint64(i)) }

func appendString(b []byte, s string) []byte {
	return append(appendInteger(b, 0, 7, uint64(len(s))), s...)
}

func appendInteger(b []byte, first byte, n uint8, v uint64) []byte {
	mask := uint64(1)<<n - 1
	if v < mask {
		return append(b, first|byte(v))
	}
	b = append(b, first|byte(mask))
	for v -= mask; v >= 128; v >>= 7 {
		b = append(b, byte(v&0x7f|0x80))
	}
	return append(b, byte(v))
}

// String is a field as "name: value", for messages.
func (f Field) String() string { return f.Name + ": " + strconv.Quote(f.Value) }

// staticTable is Appendix A.
var staticTable = [61][2]string{
	{":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
	{":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
	{":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
	{"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
	{"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""}, {"cache-control", ""},
	{"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""}, {"content-length", ""},
	{"content-location", ""}, {"content-range", ""}, {"content-type", ""}, {"cookie", ""}, {"date", ""},
	{"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""}, {"if-match", ""},
	{"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""}, {"if-unmodified-since", ""},
	{"last-modified", ""}, {"link", ""}, {"location", ""}, {"max-forwards", ""}, {"proxy-authenticate", ""},
	{"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""}, {"retry-after", ""},
	{"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""}, {"transfer-encoding", ""},
	{"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""},
}

// codeLengths are the Huffman code's lengths in bits, by symbol (256 is
// EOS); the decoding tables below follow from them (TestDecodingTables).
var codeLengths = [257]uint8{13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30}

// The canonical code's decoding tables, by code length: the first code,
// how many codes, and where their symbols start in symbolsByLength.
var firstCode = [31]int{0, 0, 0, 0, 0, 0, 20, 92, 248, 508, 1016, 2042, 4090, 8184, 16380, 32764, 65534, 131068, 262136, 524272, 1048550, 2097116, 4194258, 8388568, 16777194, 33554412, 67108832, 134217694, 268435426, 536870910, 1073741820}
var lengthCount = [31]uint16{0, 0, 0, 0, 0, 10, 26, 32, 6, 0, 5, 3, 2, 6, 2, 3, 0, 0, 0, 3, 8, 13, 26, 29, 12, 4, 15, 19, 29, 0, 4}
var firstIndex = [31]uint16{0, 0, 0, 0, 0, 0, 10, 36, 68, 74, 74, 79, 82, 84, 90, 92, 95, 95, 95, 95, 98, 106, 119, 145, 174, 186, 190, 205, 224, 253, 253}

// symbolsByLength are the symbols in the order of their codes.
var symbolsByLength = [257]uint16{48, 49, 50, 97, 99, 101, 105, 111, 115, 116, 32, 37, 45, 46, 47, 51, 52, 53, 54, 55, 56, 57, 61, 65, 95, 98, 100, 102, 103, 104, 108, 109, 110, 112, 114, 117, 58, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 89, 106, 107, 113, 118, 119, 120, 121, 122, 38, 42, 44, 59, 88, 90, 33, 34, 40, 41, 63, 39, 43, 124, 35, 62, 0, 36, 64, 91, 93, 126, 94, 125, 60, 96, 123, 92, 195, 208, 128, 130, 131, 162, 184, 194, 224, 226, 153, 161, 167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230, 129, 132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232, 233, 1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182, 183, 188, 191, 197, 231, 239, 9, 142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237, 199, 207, 234, 235, 192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255, 203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252, 253, 254, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220, 249, 10, 13, 22, 256}
