package main

import (
	"bufio"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadRequest(t *testing.T) {
	for _, tc := range []struct {
		name, in               string
		ok                     bool
		method, path, host, ua string
		close                  bool
		length                 int64
		extra                  []string
	}{
		{name: "wget", in: "GET / HTTP/1.1\r\nHost: 10.96.0.20\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n",
			ok: true, method: "GET", path: "/", host: "10.96.0.20", ua: "Wget", close: true},
		{name: "case and blanks", in: "HEAD  /a%20b?x=1   HTTP/1.1\nhOST:  web \nCONNECTION: Keep-Alive\nAccept: */*\ncontent-length: 0\n\n",
			ok: true, method: "HEAD", path: "/a b", host: "web", extra: []string{"Accept: */*"}},
		{name: "HTTP/1.0 closes", in: "GET /x HTTP/1.0\r\n\r\n", ok: true, method: "GET", path: "/x", close: true},
		{name: "keep-alive overrides 1.0", in: "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", ok: true, method: "GET", path: "/x"},
		{name: "body length", in: "POST /p HTTP/1.1\r\nContent-Length: 12\r\n\r\n", ok: true, method: "POST", path: "/p", length: 12},
		{name: "two words", in: "GET /\r\n\r\n"},
		{name: "four words", in: "GET / x HTTP/1.1\r\n\r\n"},
		{name: "not http", in: "GET / FTP/1.1\r\n\r\n"},
		{name: "line too long", in: "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, came, err := readRequest(bufio.NewReaderSize(strings.NewReader(tc.in), 8192))
			assert.True(t, came)
			if !tc.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.method, req.method)
			assert.Equal(t, tc.path, req.path)
			assert.Equal(t, tc.host, req.host)
			assert.Equal(t, tc.ua, req.userAgent)
			assert.Equal(t, tc.close, req.close)
			assert.Equal(t, tc.length, req.length)
			assert.Equal(t, tc.extra, req.extra)
			assert.Equal(t, len(tc.in), req.size)
		})
	}
	_, came, err := readRequest(bufio.NewReader(strings.NewReader("")))
	assert.False(t, came)
	assert.Error(t, err)
}

func TestTimeStrings(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 12, 1, 14, 5, 9, 0, time.UTC),
		time.Date(1999, 1, 31, 0, 0, 0, 0, time.FixedZone("X", -(5*3600+30*60))),
		time.Date(2024, 2, 29, 23, 59, 59, 999, time.FixedZone("Y", 2*3600)),
	} {
		t.Run(at.String(), func(t *testing.T) {
			assert.Equal(t, at.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"), httpDate(at))
			assert.Equal(t, at.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"), httpDate(at), "cached")
			assert.Equal(t, at.Format("02/Jan/2006:15:04:05 -0700"), logTime(at))
			assert.Equal(t, at.Format("02/Jan/2006:15:04:05 -0700"), logTime(at), "cached")
		})
	}
}

func TestCleanPath(t *testing.T) {
	for _, p := range []string{"", "/", "/a", "/a/", "/a//b", "/a/./b", "/a/../b", "/../x", "a/b", "/.hidden", "/a/b/"} {
		assert.Equal(t, path.Clean("/"+p), cleanPath(p), p)
	}
}

func TestWriteResponse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		resp  response
		close bool
		want  string
	}{
		{name: "connection placed", resp: response{status: 200, headers: []string{"Server: nginx/1.29.3", "Content-Length: 2", connectionHeader, "ETag: \"1-2\""}, body: []byte("hi")},
			want: "HTTP/1.1 200 OK\r\nServer: nginx/1.29.3\r\nContent-Length: 2\r\nConnection: keep-alive\r\nETag: \"1-2\"\r\n\r\nhi"},
		{name: "connection last, closing", resp: response{status: 404, headers: []string{"Content-Length: 1"}, body: []byte("x")}, close: true,
			want: "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"},
		{name: "HEAD", resp: response{status: 200, headers: []string{"Content-Length: 5"}, body: []byte("hello"), head: true},
			want: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n"},
		{name: "longer than the buffer", resp: response{status: 200, headers: []string{"X-Long: " + strings.Repeat("a", 5000)}},
			want: "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("a", 5000) + "\r\nConnection: keep-alive\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			bw := bufio.NewWriterSize(&out, 4096)
			writeResponse(bw, &tc.resp, tc.close)
			require.NoError(t, bw.Flush())
			assert.Equal(t, tc.want, out.String())
		})
	}
}
