package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
)

// A small HTTP/1.1 server, leaner than net/http: a request costs a guest
// some ten thousand instructions, not hundreds of thousands, which in
// the browser's interpreter is the difference between tens and hundreds
// of requests a second. It keeps connections alive, reads bodies by
// Content-Length, and answers malformed requests with 400.

// request is what the servers need of a request.
type request struct {
	method, target, path, proto string
	host, userAgent, referer    string
	remote                      string // the client's address, without the port
	remoteAddr                  string // with it
	close                       bool
	length                      int64
	body                        []byte   // up to maxBody of it
	extra                       []string // the other headers, "Name: value"
	size                        int      // the request's length in bytes (head and body)
}

// maxBody is how much of a request's body a handler gets.
const maxBody = 1 << 20

// response is built by a handler and written after it returns.
type response struct {
	status  int
	headers []string // "Name: value" in order
	body    []byte
	head    bool // a HEAD request: no body is sent
}

func (r *response) header(name, value string) { r.headers = append(r.headers, name+": "+value) }

// httpDate is an instant as HTTP writes it, "Mon, 02 Jan 2006
// 15:04:05 GMT". As nginx keeps its time strings cached for the second,
// the last one made is kept: time.Format costs a request some thousands
// of instructions.
func httpDate(t time.Time) string { return dateHeader(t)[len("Date: "):] }

// dateHeader is the Date header line of a response made at t.
func dateHeader(t time.Time) string {
	sec := t.Unix()
	if c := lastHTTPDate.Load(); c != nil && c.sec == sec {
		return c.text
	}
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b := make([]byte, 0, 35)
	b = append(b, "Date: "...)
	b = append(b, t.Weekday().String()[:3]...)
	b = append(b, ", "...)
	b = append2(b, d)
	b = append(b, ' ')
	b = append(b, mo.String()[:3]...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, ' ')
	b = appendClock(b, h, mi, s)
	b = append(b, " GMT"...)
	text := string(b)
	lastHTTPDate.Store(&cachedTime{sec, text})
	return text
}

type cachedTime struct {
	sec  int64
	text string
}

var lastHTTPDate, lastLogTime atomic.Pointer[cachedTime]

// logTime is an instant as nginx's $time_local writes it, "02/Jan/2006:15:04:05 -0700".
func logTime(t time.Time) string {
	sec := t.Unix()
	if c := lastLogTime.Load(); c != nil && c.sec == sec {
		return c.text
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	_, off := t.Zone()
	b := make([]byte, 0, 26)
	b = append2(b, d)
	b = append(b, '/')
	b = append(b, mo.String()[:3]...)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, ':')
	b = appendClock(b, h, mi, s)
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, ' ', sign)
	b = append2(b, off/3600)
	b = append2(b, off/60%60)
	text := string(b)
	lastLogTime.Store(&cachedTime{sec, text})
	return text
}

// append2 appends n (0-99) in two digits.
func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func appendClock(b []byte, h, m, s int) []byte {
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, m)
	b = append(b, ':')
	return append2(b, s)
}

var statusText = map[int]string{200: "OK", 201: "Created", 204: "No Content", 308: "Permanent Redirect", 502: "Bad Gateway", 301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect", 400: "Bad Request",
	403: "Forbidden", 404: "Not Found", 405: "Not Allowed", 412: "Precondition Failed", 500: "Internal Server Error", 503: "Service Unavailable"}

// serveHTTP accepts connections and serves each in a goroutine of its
// own. A goroutine that has served its connection waits for the next
// one rather than ending: a new goroutine's stack grows (copied, its
// frames adjusted) on every connection, which under the interpreter
// costs more than parsing the request.
func serveHTTP(l net.Listener, handle func(*request, *response)) error {
	idle := make(chan net.Conn)
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		select {
		case idle <- c:
		default:
			go serveWorker(c, handle, idle)
		}
	}
}

// serveWorker serves connections, the first c, then those the accept
// loop hands it while it waits idle.
func serveWorker(c net.Conn, handle func(*request, *response), idle chan net.Conn) {
	br := bufio.NewReaderSize(c, 8192) // nginx's large_client_header_buffers: 8k a line
	bw := bufio.NewWriterSize(c, 4096)
	for {
		serveConn(c, br, bw, handle)
		// Waiting for the accept loop, which waits in the poller.
		kpnet.Parked(1)
		c = <-idle
		kpnet.Parked(-1)
		br.Reset(c)
		bw.Reset(c)
	}
}

// serveInline is serveHTTP for handlers that wait on nothing but their
// connection (nginx's files, http-echo's text): the goroutine that
// accepts a connection serves it itself, as an event loop does, as long
// as serving it does not wait (a request all there, a response the
// peer's window takes). The moment it would wait on the connection, it
// hands the accepting over to an idle goroutine or a new one, finishes
// the connection, and waits idle. So a request served at once costs no
// hand-over between goroutines, and a slow client still holds up no
// other. A handler that waited on anything else would hold up the
// accepting meanwhile.
func serveInline(l net.Listener, handle func(*request, *response)) error {
	s := &inlineServer{l: l, handle: handle, idle: make(chan struct{}), failed: make(chan error, 1)}
	// A goroutine is always back in Accept: the poller's round trip is
	// not needed for the goroutines waiting on this one.
	kpnet.Heartbeat(l)
	go s.accept()
	// Waiting for the accepting goroutine, which waits in the poller.
	kpnet.Parked(1)
	defer kpnet.Parked(-1)
	return <-s.failed
}

type inlineServer struct {
	l      net.Listener
	handle func(*request, *response)
	idle   chan struct{} // an idle goroutine takes over the accepting
	failed chan error
}

// accept accepts and serves connections until the listener fails.
func (s *inlineServer) accept() {
	br := bufio.NewReaderSize(nil, 8192) // nginx's large_client_header_buffers: 8k a line
	bw := bufio.NewWriterSize(nil, 4096)
	handedOver := false
	hook := func() { handedOver = true; s.handOver() }
	for {
		c, err := s.l.Accept()
		if err != nil {
			select {
			case s.failed <- err:
			default:
			}
			return
		}
		handedOver = false
		// The SDK's connection by its type: a conversion to an interface
		// looks its methods up each time under js/wasm and wasip1.
		if kc, ok := c.(*kpnet.Conn); ok {
			kc.OnWait(hook)
			br.Reset(kc)
			bw.Reset(kc)
			serveConn(kc, br, bw, s.handle)
		} else {
			handedOver = true
			s.handOver()
			br.Reset(c)
			bw.Reset(c)
			serveConn(c, br, bw, s.handle)
		}
		if handedOver {
			kpnet.Parked(1)
			<-s.idle
			kpnet.Parked(-1)
		}
	}
}

// handOver has an idle goroutine, or a new one, accept from now on.
func (s *inlineServer) handOver() {
	select {
	case s.idle <- struct{}{}:
	default:
		go s.accept()
	}
}

func serveConn(c net.Conn, br *bufio.Reader, bw *bufio.Writer, handle func(*request, *response)) {
	defer c.Close()
	var remote, remoteAddr string
	if a, ok := c.(*kpnet.Conn); ok {
		// One buffer for both: the address, then with its port.
		var buf [len("255.255.255.255:65535")]byte
		ap := a.RemoteAddrPort()
		b := ap.Addr().AppendTo(buf[:0])
		n := len(b)
		b = strconv.AppendUint(append(b, ':'), uint64(ap.Port()), 10)
		remoteAddr = string(b)
		remote = remoteAddr[:n]
		if !ap.Addr().Is4() {
			remote, remoteAddr = ap.Addr().String(), ap.String()
		}
	} else if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		remote = a.IP.String()
		remoteAddr = net.JoinHostPort(remote, strconv.Itoa(a.Port))
	} else {
		remote, remoteAddr = c.RemoteAddr().String(), c.RemoteAddr().String()
		if h, _, err := net.SplitHostPort(remote); err == nil {
			remote = h
		}
	}
	for {
		req, ok, err := readRequest(br)
		if err != nil {
			if ok {
				writeResponse(bw, &response{status: 400, body: []byte("400 Bad Request")}, true)
				bw.Flush()
			}
			return
		}
		req.remote, req.remoteAddr = remote, remoteAddr
		if req.length > 0 {
			keep := min(req.length, maxBody)
			req.body = make([]byte, keep)
			if _, err := io.ReadFull(br, req.body); err != nil {
				return
			}
			if _, err := io.CopyN(io.Discard, br, req.length-keep); err != nil {
				return
			}
			req.size += int(req.length)
		}
		resp := &response{status: 200, head: req.method == "HEAD"}
		handle(req, resp)
		writeResponse(bw, resp, req.close)
		if bw.Flush() != nil || req.close {
			return
		}
	}
}

// readLine reads a line of the request's head without its end (CRLF or
// LF); the slice is valid until the next read. A line longer than the
// reader's buffer is an error, as nginx's large_client_header_buffers
// (8k) answers 400 beyond its size.
func readLine(br *bufio.Reader) ([]byte, int, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, len(line), errLineTooLong
	}
	if err != nil {
		return nil, len(line), err
	}
	n := len(line)
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, n, nil
}

var errLineTooLong = errors.New("request header line too long")

// readRequest reads a request's head; ok reports that something came
// (a malformed request gets a 400, a closed connection nothing).
func readRequest(br *bufio.Reader) (*request, bool, error) {
	line, n, err := readLine(br)
	if err != nil {
		return nil, n > 0 || err == errLineTooLong, err
	}
	method, target, proto, ok := requestLine(line)
	if !ok {
		return nil, true, io.ErrUnexpectedEOF
	}
	req := &request{method: method, target: target, proto: proto, close: proto == "HTTP/1.0", size: n}
	p, _, _ := strings.Cut(req.target, "?")
	if strings.IndexByte(p, '%') >= 0 {
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
	}
	req.path = p
	for {
		h, n, err := readLine(br)
		if err != nil {
			return nil, true, err
		}
		req.size += n
		if len(h) == 0 {
			return req, true, nil
		}
		colon := bytes.IndexByte(h, ':')
		if colon < 0 {
			colon = len(h)
		}
		name, value := h[:colon], h[min(colon+1, len(h)):]
		value = bytes.TrimSpace(value)
		switch {
		case headerIs(name, "host"):
			req.host = string(value)
		case headerIs(name, "user-agent"):
			req.userAgent = string(value)
		case headerIs(name, "referer"):
			req.referer = string(value)
		case headerIs(name, "content-length"):
			req.length, _ = strconv.ParseInt(string(value), 10, 64)
		case headerIs(name, "connection"):
			switch {
			case headerIs(value, "close"):
				req.close = true
			case headerIs(value, "keep-alive"):
				req.close = false
			}
		case headerIs(name, "accept"), headerIs(name, "content-type"), headerIs(name, "authorization"), headerIs(name, "cookie"),
			headerIs(name, "accept-encoding"), headerIs(name, "accept-language"):
			req.extra = append(req.extra, string(name)+": "+string(value))
		}
	}
}

// requestLine splits "METHOD TARGET HTTP/1.x" (runs of blanks between).
func requestLine(line []byte) (method, target, proto string, ok bool) {
	var parts [3][]byte
	k := 0
	for i := 0; i < len(line); {
		for i < len(line) && isBlank(line[i]) {
			i++
		}
		if i == len(line) {
			break
		}
		j := i
		for j < len(line) && !isBlank(line[j]) {
			j++
		}
		if k == 3 {
			return "", "", "", false
		}
		parts[k] = line[i:j]
		k++
		i = j
	}
	if k != 3 || !bytes.HasPrefix(parts[2], []byte("HTTP/1.")) {
		return "", "", "", false
	}
	return token(parts[0]), string(parts[1]), token(parts[2]), true
}

// token is a method or protocol as a string, the usual ones without
// allocating one.
func token(b []byte) string {
	switch string(b) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	}
	return string(b)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' }

// headerIs compares a header's name (or a token) with a lower-case one,
// ignoring the case of ASCII letters.
func headerIs(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// connectionHeader marks where a handler wants the Connection header.
const connectionHeader = "Connection: "

func writeResponse(bw *bufio.Writer, r *response, close bool) {
	conn := "Connection: keep-alive"
	if close {
		conn = "Connection: close"
	}
	// The head is appended in the writer's free space (a few hundred
	// bytes in its 4 KiB) and written once.
	b := bw.AvailableBuffer()
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(r.status), 10)
	b = append(b, ' ')
	b = append(b, statusText[r.status]...)
	b = append(b, "\r\n"...)
	placed := false
	for _, h := range r.headers {
		if h == connectionHeader {
			h, placed = conn, true
		}
		b = append(b, h...)
		b = append(b, "\r\n"...)
	}
	if !placed {
		b = append(b, conn...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	bw.Write(b)
	if !r.head {
		bw.Write(r.body)
	}
}
