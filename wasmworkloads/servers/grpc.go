package main

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/network/h2"
	"github.com/kubeplay/kubeplay/engine/network/hpack"
)

// A small gRPC server for unary calls over HTTP/2 without TLS (h2c with
// prior knowledge, as gRPC's insecure credentials speak it), leaner than
// grpc-go: a call costs a few thousand guest instructions. It reads the
// client's preface and frames, answers SETTINGS and PING, decodes request
// headers with HPACK (the client's encoder may use Huffman codes and its
// dynamic table), gathers a stream's DATA into its message and calls the
// handler when the client ends the stream; it answers with headers, the
// message and trailers (grpc-status), or trailers only for an error.
// Responses' headers are HPACK literals that are never indexed, which
// every decoder reads. HPACK is engine/network/hpack, the kubelet's own:
// a few kilobytes, where golang.org/x/net's would add a hundred and build
// its tables at every start.

// grpcHandler answers a call to method ("/package.Service/Method") with a
// response message, or a status code other than 0 and its message.
type grpcHandler func(method string, req []byte) (resp []byte, code int, msg string)

// gRPC status codes the servers answer with.
const (
	codeNotFound          = 5
	codeResourceExhausted = 8
	codeUnimplemented     = 12
	codeInternal          = 13
)

// maxMessage bounds a request's message, as grpc-go's default 4 MiB
// does; maxStreams the streams open at once.
const (
	maxMessage = 4 << 20
	maxStreams = 100
)

// serveGRPC accepts connections and serves each in its own goroutine.
func serveGRPC(l net.Listener, handle grpcHandler) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go serveGRPCConn(c, handle)
	}
}

// h2stream is a call being received.
type h2stream struct {
	path, ctype string
	msg         []byte
}

func serveGRPCConn(c net.Conn, handle grpcHandler) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 4096)
	bw := bufio.NewWriterSize(c, 4096)
	var preface [len(h2.Preface)]byte
	if _, err := io.ReadFull(br, preface[:]); err != nil || string(preface[:]) != h2.Preface {
		return // grpc-go drops a connection that does not greet it in HTTP/2
	}
	out := h2.AppendFrame(nil, h2.Settings, 0, 0, nil)
	if _, err := bw.Write(out); err != nil || bw.Flush() != nil {
		return
	}
	dec := hpack.NewDecoder()
	streams := map[uint32]*h2stream{}
	var block []byte // a header block being gathered
	var blockStream uint32
	var blockEnd bool
	var head [h2.HeaderLen]byte
	payload := make([]byte, 0, 1024)
	for {
		out = out[:0]
		if _, err := io.ReadFull(br, head[:]); err != nil {
			return
		}
		length, typ, flags, id := h2.ParseHeader(head[:])
		if length > h2.MaxFrame {
			goAway(bw, h2.FrameSizeError)
			return
		}
		payload = payload[:length]
		if _, err := io.ReadFull(br, payload); err != nil {
			return
		}
		if block != nil && typ != h2.Continuation {
			goAway(bw, h2.ProtocolError) // a header block must go on
			return
		}
		switch typ {
		case h2.Settings:
			if flags&h2.Ack == 0 {
				out = h2.AppendFrame(out, h2.Settings, h2.Ack, 0, nil)
			}
		case h2.Ping:
			if flags&h2.Ack == 0 {
				out = h2.AppendFrame(out, h2.Ping, h2.Ack, 0, payload)
			}
		case h2.GoAway:
			bw.Flush()
			return
		case h2.RSTStream:
			delete(streams, id)
		case h2.Headers:
			p, ok := h2.Content(typ, flags, payload)
			if !ok || id == 0 || id%2 == 0 {
				goAway(bw, h2.ProtocolError)
				return
			}
			block, blockStream, blockEnd = append([]byte{}, p...), id, flags&h2.EndStream != 0
		case h2.Continuation:
			if block == nil || id != blockStream {
				goAway(bw, h2.ProtocolError)
				return
			}
			block = append(block, payload...)
		case h2.Data:
			s := streams[id]
			p, ok := h2.Content(typ, flags, payload)
			if !ok {
				goAway(bw, h2.ProtocolError)
				return
			}
			if length > 0 {
				// Give the window back: the connection's, and the stream's
				// unless it ends here.
				out = h2.AppendUint32Frame(out, h2.WindowUpdate, 0, uint32(length))
				if flags&h2.EndStream == 0 {
					out = h2.AppendUint32Frame(out, h2.WindowUpdate, id, uint32(length))
				}
			}
			if s == nil {
				break
			}
			if len(s.msg)+len(p) > maxMessage+5 {
				delete(streams, id)
				out = trailersOnly(out, id, codeResourceExhausted, "grpc: received message larger than max")
				break
			}
			s.msg = append(s.msg, p...)
			if flags&h2.EndStream != 0 {
				delete(streams, id)
				out = call(out, id, s, handle)
			}
		}
		if block != nil && (typ == h2.Headers || typ == h2.Continuation) && flags&h2.EndHeaders != 0 {
			fields, err := dec.Decode(block)
			block = nil
			if err != nil {
				goAway(bw, h2.CompressionError)
				return
			}
			s := &h2stream{}
			for _, f := range fields {
				switch f.Name {
				case ":path":
					s.path = f.Value
				case "content-type":
					s.ctype = f.Value
				}
			}
			switch {
			case blockEnd:
				out = call(out, blockStream, s, handle)
			case len(streams) < maxStreams:
				streams[blockStream] = s
			default:
				out = h2.AppendUint32Frame(out, h2.RSTStream, blockStream, h2.RefusedStream)
			}
		}
		if _, err := bw.Write(out); err != nil {
			return
		}
		if br.Buffered() == 0 && bw.Flush() != nil {
			return
		}
	}
}

// call runs a stream's call and appends its response.
func call(out []byte, id uint32, s *h2stream, handle grpcHandler) []byte {
	if !strings.HasPrefix(s.ctype, "application/grpc") {
		return trailersOnly(out, id, codeInternal, "invalid gRPC request content-type "+strconv.Quote(s.ctype))
	}
	req, ok := h2.Message(s.msg)
	if !ok {
		return trailersOnly(out, id, codeInternal, "grpc: error while reading the request message")
	}
	resp, code, text := handle(s.path, req)
	if code != 0 {
		return trailersOnly(out, id, code, text)
	}
	h := hpack.AppendIndexed(nil, 8) // :status 200
	h = hpack.AppendNeverIndexed(h, "content-type", "application/grpc")
	out = h2.AppendFrame(out, h2.Headers, h2.EndHeaders, id, h)
	out = h2.AppendFrame(out, h2.Data, 0, id, h2.AppendMessage(nil, resp))
	return h2.AppendFrame(out, h2.Headers, h2.EndHeaders|h2.EndStream, id, hpack.AppendNeverIndexed(nil, "grpc-status", "0"))
}

// trailersOnly ends a stream with a status and no message.
func trailersOnly(out []byte, id uint32, code int, msg string) []byte {
	h := hpack.AppendIndexed(nil, 8) // :status 200
	h = hpack.AppendNeverIndexed(h, "content-type", "application/grpc")
	h = hpack.AppendNeverIndexed(h, "grpc-status", strconv.Itoa(code))
	if msg != "" {
		h = hpack.AppendNeverIndexed(h, "grpc-message", percentEncode(msg))
	}
	return h2.AppendFrame(out, h2.Headers, h2.EndHeaders|h2.EndStream, id, h)
}

// percentEncode is grpc-message's encoding: bytes outside printable
// ASCII, and '%', as %XX.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '%' {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)>>4, 16)+strconv.FormatInt(int64(c)&15, 16)))
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// goAway ends the connection with an error code.
func goAway(bw *bufio.Writer, code uint32) {
	bw.Write(h2.AppendFrame(nil, h2.GoAway, 0, 0, []byte{0, 0, 0, 0, byte(code >> 24), byte(code >> 16), byte(code >> 8), byte(code)}))
	bw.Flush()
}

// protoString reads a protobuf message's string field n ("" when absent).
func protoString(m []byte, n uint64) (string, bool) {
	out := ""
	ok := h2.Fields(m, func(f h2.Field) {
		if f.Num == n && f.Bytes != nil {
			out = string(f.Bytes)
		}
	})
	return out, ok
}
