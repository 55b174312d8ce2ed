// Package h2 is the wire format that a gRPC call over HTTP/2 needs on
// both ends, the kubelet's probe (engine/network) and the servers image's
// gRPC server: HTTP/2 frames (RFC 9113), gRPC's message prefix and
// protobuf's field encoding. It has no state and no dependencies beyond
// encoding/binary, so a guest pays only for what it calls.
package h2

import "encoding/binary"

// Preface is the client's connection preface.
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// Frame types.
const (
	Data         = 0x0
	Headers      = 0x1
	RSTStream    = 0x3
	Settings     = 0x4
	Ping         = 0x6
	GoAway       = 0x7
	WindowUpdate = 0x8
	Continuation = 0x9
)

// Frame flags.
const (
	EndStream  = 0x1
	Ack        = 0x1
	EndHeaders = 0x4
	Padded     = 0x8
	Priority   = 0x20
)

// Error codes.
const (
	ProtocolError    = 0x1
	FrameSizeError   = 0x6
	RefusedStream    = 0x7
	CompressionError = 0x9
)

// HeaderLen is a frame header's length; MaxFrame is the default
// SETTINGS_MAX_FRAME_SIZE.
const (
	HeaderLen = 9
	MaxFrame  = 16384
)

// AppendFrame appends a frame.
func AppendFrame(b []byte, typ, flags byte, stream uint32, payload []byte) []byte {
	n := len(payload)
	b = append(b, byte(n>>16), byte(n>>8), byte(n), typ, flags)
	b = binary.BigEndian.AppendUint32(b, stream)
	return append(b, payload...)
}

// AppendUint32Frame appends a frame whose payload is one 32-bit value
// (RST_STREAM's error code, WINDOW_UPDATE's increment).
func AppendUint32Frame(b []byte, typ byte, stream, v uint32) []byte {
	b = AppendFrame(b, typ, 0, stream, nil)
	b[len(b)-HeaderLen+2] = 4
	return binary.BigEndian.AppendUint32(b, v)
}

// ParseHeader reads a frame header: its payload's length, type, flags and
// stream.
func ParseHeader(h []byte) (length int, typ, flags byte, stream uint32) {
	return int(h[0])<<16 | int(h[1])<<8 | int(h[2]), h[3], h[4], binary.BigEndian.Uint32(h[5:9]) & 0x7fffffff
}

// Content is what a DATA or HEADERS frame carries without its padding
// (and a HEADERS frame's priority); false for a malformed frame.
func Content(typ, flags byte, p []byte) ([]byte, bool) {
	if flags&Padded != 0 {
		if len(p) < 1 || int(p[0]) >= len(p) {
			return nil, false
		}
		p = p[1 : len(p)-int(p[0])]
	}
	if typ == Headers && flags&Priority != 0 {
		if len(p) < 5 {
			return nil, false
		}
		p = p[5:]
	}
	return p, true
}

// AppendMessage appends a gRPC message: not compressed, its length, it.
func AppendMessage(b, m []byte) []byte {
	b = append(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m)))
	return append(b, m...)
}

// Message reads one gRPC message that is all of data: ok is false when
// data is not exactly one uncompressed message.
func Message(data []byte) (m []byte, ok bool) {
	if len(data) < 5 || data[0] != 0 || int(binary.BigEndian.Uint32(data[1:5])) != len(data)-5 {
		return nil, false
	}
	return data[5:], true
}

// Field is one protobuf field: its number, and its value as a varint or
// as bytes (length-delimited; 32- and 64-bit fields' raw bytes).
type Field struct {
	Num    uint64
	Varint uint64
	Bytes  []byte
}

// Fields walks a protobuf message's fields; false for malformed data.
func Fields(m []byte, visit func(Field)) bool {
	for len(m) > 0 {
		key, k := binary.Uvarint(m)
		if k <= 0 {
			return false
		}
		m = m[k:]
		f := Field{Num: key >> 3}
		switch key & 7 {
		case 0:
			if f.Varint, k = binary.Uvarint(m); k <= 0 {
				return false
			}
			m = m[k:]
		case 1, 5:
			size := 8
			if key&7 == 5 {
				size = 4
			}
			if len(m) < size {
				return false
			}
			f.Bytes, m = m[:size], m[size:]
		case 2:
			l, k := binary.Uvarint(m)
			if k <= 0 || uint64(len(m)-k) < l {
				return false
			}
			f.Bytes, m = m[k:k+int(l)], m[k+int(l):]
		default:
			return false
		}
		visit(f)
	}
	return true
}

// AppendString appends a protobuf string field (left out when empty, as
// proto3 does).
func AppendString(b []byte, num uint64, s string) []byte {
	if s == "" {
		return b
	}
	b = binary.AppendUvarint(b, num<<3|2)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
