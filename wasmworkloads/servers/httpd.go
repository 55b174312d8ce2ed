package main

import (
	"bufio"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
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

// httpDate is an instant as HTTP writes it.
func httpDate(t time.Time) string { return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT") }

var statusText = map[int]string{200: "OK", 201: "Created", 204: "No Content", 308: "Permanent Redirect", 502: "Bad Gateway", 301: "Moved Permanently", 302: "Found", 400: "Bad Request",
	403: "Forbidden", 404: "Not Found", 405: "Not Allowed", 500: "Internal Server Error", 503: "Service Unavailable"}

// serveHTTP accepts connections and serves each in its own goroutine.
func serveHTTP(l net.Listener, handle func(*request, *response)) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go serveConn(c, handle)
	}
}

func serveConn(c net.Conn, handle func(*request, *response)) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 2048)
	bw := bufio.NewWriterSize(c, 4096)
	remoteAddr := c.RemoteAddr().String()
	remote := remoteAddr
	if h, _, err := net.SplitHostPort(remote); err == nil {
		remote = h
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

// readRequest reads a request's head; ok reports that something came
// (a malformed request gets a 400, a closed connection nothing).
func readRequest(br *bufio.Reader) (*request, bool, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, false, err
	}
	parts := strings.Fields(line)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return nil, true, io.ErrUnexpectedEOF
	}
	req := &request{method: parts[0], target: parts[1], proto: parts[2], close: parts[2] == "HTTP/1.0", size: len(line)}
	p, _, _ := strings.Cut(req.target, "?")
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	req.path = p
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return nil, true, err
		}
		req.size += len(h)
		h = strings.TrimRight(h, "\r\n")
		if h == "" {
			return req, true, nil
		}
		name, value, _ := strings.Cut(h, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "host":
			req.host = value
		case "user-agent":
			req.userAgent = value
		case "referer":
			req.referer = value
		case "accept", "content-type", "authorization", "cookie", "accept-encoding", "accept-language":
			req.extra = append(req.extra, name+": "+value)
		case "content-length":
			req.length, _ = strconv.ParseInt(value, 10, 64)
		case "connection":
			switch strings.ToLower(value) {
			case "close":
				req.close = true
			case "keep-alive":
				req.close = false
			}
		}
	}
}

// connectionHeader marks where a handler wants the Connection header.
const connectionHeader = "Connection: "

func writeResponse(bw *bufio.Writer, r *response, close bool) {
	conn := "Connection: keep-alive"
	if close {
		conn = "Connection: close"
	}
	bw.WriteString("HTTP/1.1 " + strconv.Itoa(r.status) + " " + statusText[r.status] + "\r\n")
	placed := false
	for _, h := range r.headers {
		if h == connectionHeader {
			h, placed = conn, true
		}
		bw.WriteString(h + "\r\n")
	}
	if !placed {
		bw.WriteString(conn + "\r\n")
	}
	bw.WriteString("\r\n")
	if !r.head {
		bw.Write(r.body)
	}
}
