package e2e

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// countingProxy serves target's site through a proxy that counts the
// bytes of the response bodies it passes on, as they go over the wire
// (compressed: the browser's Accept-Encoding reaches the server), by
// kind of file: the page (its documents, scripts, styles), the engine and
// the images. The page's resource timings cannot tell this: the engine
// and the images are fetched by the worker, whose requests the page's
// performance entries do not list.
func countingProxy(t *testing.T, target string) (string, func() map[string]float64) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	var mu sync.Mutex
	counts := map[string]float64{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = &http.Transport{DisableCompression: true}
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Body = &countingBody{ReadCloser: r.Body, add: func(n int) {
			mu.Lock()
			defer mu.Unlock()
			counts[fileKind(r.Request.URL.Path)] += float64(n)
			counts["total"] += float64(n)
		}}
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: proxy}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/", func() map[string]float64 {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]float64{}
		for k, v := range counts {
			out[k] = v
		}
		return out
	}
}

var (
	imagePath  = regexp.MustCompile(`/images/`)
	enginePath = regexp.MustCompile(`engine-.*\.wasm`)
)

func fileKind(path string) string {
	switch {
	case imagePath.MatchString(path):
		return "images"
	case enginePath.MatchString(path):
		return "engine"
	}
	return "page"
}

type countingBody struct {
	io.ReadCloser
	add func(int)
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.add(n)
	return n, err
}
