package shell

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/network"
)

// The response side of curl: where a response ends (Content-Length, the
// last chunk, or the connection's end) and its parts.

// responseHead splits a response into its head (through the blank line)
// and what follows, and reads the status code and the framing headers.
type responseHead struct {
	head    []byte
	rest    []byte
	status  int
	length  int // -1 when not given
	chunked bool
}

func splitResponse(got []byte) (responseHead, bool) {
	i := bytes.Index(got, []byte("\r\n\r\n"))
	if i < 0 {
		return responseHead{}, false
	}
	h := responseHead{head: got[:i+4], rest: got[i+4:], length: -1}
	lines := strings.Split(string(got[:i]), "\r\n")
	if f := strings.Fields(lines[0]); len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") {
		h.status, _ = strconv.Atoi(f[1])
	}
	for _, l := range lines[1:] {
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			if n, err := strconv.Atoi(value); err == nil {
				h.length = n
			}
		case "transfer-encoding":
			h.chunked = strings.Contains(strings.ToLower(value), "chunked")
		}
	}
	return h, true
}

// bodyless reports a response that has no body whatever its headers say.
func (h responseHead) bodyless(head bool) bool {
	return head || h.status/100 == 1 || h.status == 204 || h.status == 304
}

// responseComplete reports whether got holds a whole response.
func responseComplete(got []byte, head bool) bool {
	h, ok := splitResponse(got)
	switch {
	case !ok:
		return false
	case h.bodyless(head):
		return true
	case h.chunked:
		_, done := dechunk(h.rest)
		return done
	case h.length >= 0:
		return len(h.rest) >= h.length
	}
	return false // until the connection ends
}

// dechunk decodes a chunked body; done says the last chunk came.
func dechunk(b []byte) ([]byte, bool) {
	var out []byte
	for {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			return out, false
		}
		size, _, _ := strings.Cut(string(line), ";")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 32)
		if err != nil || n < 0 {
			return out, false
		}
		if n == 0 {
			return out, bytes.Contains(rest, []byte("\r\n")) || len(rest) >= 2
		}
		if int64(len(rest)) < n+2 {
			return out, false
		}
		out = append(out, rest[:n]...)
		b = rest[n+2:]
	}
}

// result is the response received, or curl's error for what came.
func (x *curlExchange) result() (*curlResult, error) {
	h, ok := splitResponse(x.got)
	switch {
	case len(x.got) == 0 && x.err == network.ECONNRESET:
		return nil, curlFail(56, "Recv failure: Connection reset by peer")
	case len(x.got) == 0:
		return nil, curlFail(52, "Empty reply from server")
	case !ok || h.status == 0:
		return nil, curlFail(1, "Received HTTP/0.9 when not allowed")
	}
	r := &curlResult{status: h.status, head: h.head}
	switch {
	case h.bodyless(x.head):
	case h.chunked:
		r.body, _ = dechunk(h.rest)
	case h.length >= 0:
		r.body = h.rest[:min(len(h.rest), h.length)]
		if len(h.rest) < h.length {
			return r, curlFail(18, "end of response with %d bytes missing", h.length-len(h.rest))
		}
	default:
		r.body = h.rest
	}
	return r, nil
}
