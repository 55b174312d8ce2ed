package shell

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCurlURL(t *testing.T) {
	tests := []struct {
		raw  string
		want curlURL
		err  string
	}{
		{raw: "localhost:8080", want: curlURL{host: "localhost", port: 8080, path: "/"}},
		{raw: "http://hello-world.example/v2?x=1", want: curlURL{host: "hello-world.example", port: 80, path: "/v2?x=1"}},
		{raw: "HTTP://10.0.0.1:31000/a/b#frag", want: curlURL{host: "10.0.0.1", port: 31000, path: "/a/b"}},
		{raw: "web?q", want: curlURL{host: "web", port: 80, path: "/?q"}},
		{raw: "https://x", err: "kubeplay: HTTPS is not simulated (the playground has no TLS); use http://"},
		{raw: "ftp://x", err: `Protocol "ftp" not supported`},
		{raw: "http://x:99999/", err: "URL rejected: Port number was not a decimal number between 0 and 65535"},
		{raw: "http:///", err: "URL rejected: No host part in the URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := parseCurlURL(tt.raw)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestResponseComplete(t *testing.T) {
	tests := []struct {
		name string
		resp string
		head bool
		want bool
		body string
	}{
		{"no head yet", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", false, false, ""},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", false, false, ""},
		{"whole body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab", false, true, "ab"},
		{"HEAD has none", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true, true, ""},
		{"204 has none", "HTTP/1.1 204 No Content\r\n\r\n", false, true, ""},
		{"chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", false, true, "abcde"},
		{"chunks to come", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", false, false, ""},
		{"until the end", "HTTP/1.0 200 OK\r\n\r\nabc", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, responseComplete([]byte(tt.resp), tt.head))
			if tt.want {
				r, err := (&curlExchange{got: []byte(tt.resp), head: tt.head}).result()
				require.NoError(t, err)
				assert.Equal(t, tt.body, string(r.body))
			}
		})
	}
}
