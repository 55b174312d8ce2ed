package httpapi

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// The SPDY/3 framing (draft-mbelshe-httpbis-spdy-00) that kubectl
// port-forward tunnels through its WebSocket: the part its client
// (moby/spdystream, without flow control) uses. Frames are 8 bytes of
// header and a payload; a control frame's header has the version and a
// type, a data frame's the stream id; both end with flags and a 24-bit
// length. Header blocks are zlib-compressed, one compression context per
// direction for the whole connection, with the protocol's dictionary.

// Control frame types.
const (
	spdySynStream    = 1
	spdySynReply     = 2
	spdyRstStream    = 3
	spdySettings     = 4
	spdyPing         = 6
	spdyGoAway       = 7
	spdyHeaders      = 8
	spdyWindowUpdate = 9
)

const (
	spdyVersion = 3
	spdyFlagFin = 0x01
	// spdyRstCancel is RST_STREAM's CANCEL status.
	spdyRstCancel = 5
	// spdyRstProtocolError is RST_STREAM's PROTOCOL_ERROR status.
	spdyRstProtocolError = 1
	// spdyMaxFrame bounds a frame's payload (the length field allows
	// 16 MiB; spdystream writes at most 32 KiB of data at once).
	spdyMaxFrame = 1 << 20
)

// spdyDictionary is the header compression dictionary of SPDY/3 (section
// 2.6.10.1): length-prefixed header names and values, then common
// strings.
var spdyDictionary = func() []byte {
	words := []string{"options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
		"accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base",
		"content-encoding", "content-language", "content-length", "content-location", "content-md5", "content-range",
		"content-type", "date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
		"if-range", "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate",
		"proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
		"user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK", "version",
		"HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin"}
	var b []byte
	for _, w := range words {
		b = binary.BigEndian.AppendUint32(b, uint32(len(w)))
		b = append(b, w...)
	}
	return append(b, "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"+
		"203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"+
		"403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"+
		"Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"+
		"chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"+
		"text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."...)
}()

// spdyFrame is a frame read: a control frame (control true, typ) or a
// data frame (stream).
type spdyFrame struct {
	control bool
	typ     uint16
	stream  uint32
	flags   byte
	payload []byte
}

// readSPDYFrame reads one frame.
func readSPDYFrame(r io.Reader) (spdyFrame, error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return spdyFrame{}, err
	}
	f := spdyFrame{flags: h[4]}
	n := uint32(h[5])<<16 | uint32(h[6])<<8 | uint32(h[7])
	if h[0]&0x80 != 0 {
		f.control = true
		if v := binary.BigEndian.Uint16(h[0:2]) & 0x7fff; v != spdyVersion {
			return f, fmt.Errorf("spdy: unsupported version %d", v)
		}
		f.typ = binary.BigEndian.Uint16(h[2:4])
	} else {
		f.stream = binary.BigEndian.Uint32(h[0:4]) & 0x7fffffff
	}
	if n > spdyMaxFrame {
		return f, fmt.Errorf("spdy: frame of %d bytes is too large", n)
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return f, err
	}
	return f, nil
}

// spdyControl is a control frame's bytes.
func spdyControl(typ uint16, flags byte, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, 0x8000|spdyVersion)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint32(b, uint32(flags)<<24|uint32(len(payload)))
	return append(b, payload...)
}

// spdyData is a data frame's bytes.
func spdyData(stream uint32, flags byte, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, stream&0x7fffffff)
	b = binary.BigEndian.AppendUint32(b, uint32(flags)<<24|uint32(len(data)))
	return append(b, data...)
}

// spdyRst is a RST_STREAM frame.
func spdyRst(stream, status uint32) []byte {
	return spdyControl(spdyRstStream, 0, binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, stream), status))
}

// spdyHeaderReader decompresses the header blocks of one direction of a
// connection: one zlib stream across all the frames.
type spdyHeaderReader struct {
	in *spdyFeed
	z  io.Reader
}

// spdyFeed is the compressed bytes received and not yet read. It is a
// byte reader, so that the decompressor reads no further than it needs
// (what a frame leaves unread belongs to the stream and is kept).
type spdyFeed struct{ b []byte }

func (f *spdyFeed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

func (f *spdyFeed) ReadByte() (byte, error) {
	if len(f.b) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c, nil
}

// maxHeaderBytes bounds a header block once decompressed.
const maxHeaderBytes = 64 << 10

// read decompresses one frame's header block into headers.
func (hr *spdyHeaderReader) read(block []byte) (http.Header, error) {
	if hr.in == nil {
		hr.in = &spdyFeed{}
	}
	hr.in.b = append(hr.in.b, block...)
	if hr.z == nil {
		z, err := zlib.NewReaderDict(hr.in, spdyDictionary)
		if err != nil {
			return nil, fmt.Errorf("spdy: header block: %w", err)
		}
		hr.z = z
	}
	total := 0
	u32 := func() (uint32, error) {
		var b [4]byte
		if _, err := io.ReadFull(hr.z, b[:]); err != nil {
			return 0, err
		}
		return binary.BigEndian.Uint32(b[:]), nil
	}
	str := func() (string, error) {
		n, err := u32()
		if err != nil {
			return "", err
		}
		if total += int(n); n > maxHeaderBytes || total > maxHeaderBytes {
			return "", errors.New("header block too large")
		}
		b := make([]byte, n)
		_, err = io.ReadFull(hr.z, b)
		return string(b), err
	}
	count, err := u32()
	if err != nil {
		return nil, fmt.Errorf("spdy: header block: %w", err)
	}
	h := http.Header{}
	for range min(count, maxHeaderBytes) {
		name, err := str()
		if err != nil {
			return nil, fmt.Errorf("spdy: header block: %w", err)
		}
		value, err := str()
		if err != nil {
			return nil, fmt.Errorf("spdy: header block: %w", err)
		}
		for _, v := range strings.Split(value, "\x00") {
			h.Add(name, v)
		}
	}
	return h, nil
}

// spdyHeaderWriter compresses the header blocks of the other direction.
type spdyHeaderWriter struct {
	buf bytes.Buffer
	z   *zlib.Writer
}

// write returns h's header block, compressed in the connection's stream.
func (hw *spdyHeaderWriter) write(h http.Header) []byte {
	if hw.z == nil {
		hw.z, _ = zlib.NewWriterLevelDict(&hw.buf, zlib.BestCompression, spdyDictionary)
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	// Sorted, so that the bytes do not depend on map order.
	slices.Sort(names)
	block := binary.BigEndian.AppendUint32(nil, uint32(len(names)))
	for _, name := range names {
		v := strings.Join(h[name], "\x00")
		block = binary.BigEndian.AppendUint32(block, uint32(len(name)))
		block = append(block, strings.ToLower(name)...)
		block = binary.BigEndian.AppendUint32(block, uint32(len(v)))
		block = append(block, v...)
	}
	_, _ = hw.z.Write(block)
	_ = hw.z.Flush()
	out := bytes.Clone(hw.buf.Bytes())
	hw.buf.Reset()
	return out
}
