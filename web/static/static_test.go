package static_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/web/static"
)

// Contents of the fixture site. The script is long and repetitive so that
// gzip shrinks it; the precompressed siblings are recognisable markers, since
// the handler never looks inside them.
var (
	indexHTML  = "<!doctype html><title>kubeplay</title>" + strings.Repeat("<p>kubeplay</p>", 20)
	mainJS     = strings.Repeat("console.log('kubeplay');\n", 200)
	engineWasm = append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("engine code "), 500)...)
	mainBr     = "BROTLI-BYTES"
	mainGz     = "GZIP-BYTES"
)

// site is a built site: index.html, assets with and without precompressed
// siblings, and the .gitkeep that the embedded directory always has.
func site() fstest.MapFS {
	return fstest.MapFS{
		".gitkeep":                   {Data: nil},
		"index.html":                 {Data: []byte(indexHTML)},
		"assets/main-1a2b.js":        {Data: []byte(mainJS)},
		"assets/main-1a2b.js.br":     {Data: []byte(mainBr)},
		"assets/main-1a2b.js.gz":     {Data: []byte(mainGz)},
		"assets/worker-3c4d.js":      {Data: []byte(mainJS)},
		"assets/worker-3c4d.js.gz":   {Data: []byte(mainGz)},
		"assets/main-1a2b.css":       {Data: []byte("body{}")},
		"assets/engine-5e6f.wasm":    {Data: engineWasm},
		"assets/images/busybox.wasm": {Data: engineWasm},
		"manifest.json":              {Data: []byte(`{}`)},
		"logo.svg":                   {Data: []byte("<svg/>")},
		"logo.png":                   {Data: []byte("\x89PNG")},
		"robots.txt":                 {Data: []byte("x")},
	}
}

// do sends a request to h and returns the response, with its body read.
func do(t *testing.T, h http.Handler, method, target string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// gunzip decompresses s, failing the test if it is not gzip.
func gunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(out)
}

func TestContentTypes(t *testing.T) {
	h := static.New(site(), static.Options{})
	tests := []struct {
		path, want string
	}{
		{"/", "text/html; charset=utf-8"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/assets/main-1a2b.js", "text/javascript; charset=utf-8"},
		{"/assets/main-1a2b.css", "text/css; charset=utf-8"},
		{"/assets/engine-5e6f.wasm", "application/wasm"},
		{"/manifest.json", "application/json"},
		{"/logo.svg", "image/svg+xml"},
		{"/logo.png", "image/png"},
		{"/robots.txt", "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, _ := do(t, h, http.MethodGet, tt.path)
			assert.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, tt.want, res.Header.Get("Content-Type"))
		})
	}
}

func TestNegotiatesPrecompressedSiblings(t *testing.T) {
	h := static.New(site(), static.Options{})
	tests := []struct {
		name, path, accept, wantEncoding, wantBody string
	}{
		{"no header", "/assets/main-1a2b.js", "", "", mainJS},
		{"browser", "/assets/main-1a2b.js", "gzip, deflate, br, zstd", "br", mainBr},
		{"gzip only", "/assets/main-1a2b.js", "gzip", "gzip", mainGz},
		{"x-gzip", "/assets/main-1a2b.js", "x-gzip", "gzip", mainGz},
		{"case", "/assets/main-1a2b.js", "BR", "br", mainBr},
		{"br refused", "/assets/main-1a2b.js", "br;q=0, gzip", "gzip", mainGz},
		{"q prefers gzip", "/assets/main-1a2b.js", "br;q=0.5, gzip;q=0.8", "gzip", mainGz},
		{"tie prefers br", "/assets/main-1a2b.js", "gzip;q=0.5, br;q=0.5", "br", mainBr},
		{"star", "/assets/main-1a2b.js", "*", "br", mainBr},
		{"star but br", "/assets/main-1a2b.js", "br;q=0, *", "gzip", mainGz},
		{"identity preferred", "/assets/main-1a2b.js", "identity, gzip;q=0.5", "", mainJS},
		{"identity by q", "/assets/main-1a2b.js", "identity;q=0.5, gzip;q=0.4", "", mainJS},
		{"least q beats unnamed identity", "/assets/main-1a2b.js", "gzip;q=0.001", "gzip", mainGz},
		{"all refused", "/assets/main-1a2b.js", "br;q=0, gzip;q=0", "", mainJS},
		{"identity refused too", "/assets/main-1a2b.js", "*;q=0", "", mainJS},
		{"bad q ignored", "/assets/main-1a2b.js", "br;q=2, gzip", "gzip", mainGz},
		{"unknown coding", "/assets/main-1a2b.js", "zstd", "", mainJS},
		{"gz sibling only", "/assets/worker-3c4d.js", "gzip, br", "gzip", mainGz},
		{"no sibling for br", "/assets/engine-5e6f.wasm", "br", "", string(engineWasm)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, h, http.MethodGet, tt.path, "Accept-Encoding", tt.accept)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, tt.wantEncoding, res.Header.Get("Content-Encoding"))
			assert.Equal(t, "Accept-Encoding", res.Header.Get("Vary"))
			assert.Equal(t, tt.wantBody, body)
			assert.Equal(t, strconv.Itoa(len(body)), res.Header.Get("Content-Length"))
			if strings.HasSuffix(tt.path, ".js") {
				assert.Equal(t, "text/javascript; charset=utf-8", res.Header.Get("Content-Type"), "type of the file, not of the sibling")
			}
		})
	}
}

func TestGzipsOnTheFly(t *testing.T) {
	h := static.New(site(), static.Options{})
	tests := []struct {
		name, path, want string
	}{
		{"wasm", "/assets/engine-5e6f.wasm", string(engineWasm)},
		{"page", "/", indexHTML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, body := do(t, h, http.MethodGet, tt.path, "Accept-Encoding", "gzip")
			require.Equal(t, http.StatusOK, first.StatusCode)
			assert.Equal(t, "gzip", first.Header.Get("Content-Encoding"))
			assert.Equal(t, "Accept-Encoding", first.Header.Get("Vary"))
			assert.Less(t, len(body), len(tt.want))
			assert.Equal(t, strconv.Itoa(len(body)), first.Header.Get("Content-Length"))
			assert.Equal(t, tt.want, gunzip(t, body))

			again, cached := do(t, h, http.MethodGet, tt.path, "Accept-Encoding", "gzip")
			assert.Equal(t, body, cached)
			assert.Equal(t, first.Header.Get("ETag"), again.Header.Get("ETag"))
		})
	}
}

func TestGzipSkippedWhenNotSmaller(t *testing.T) {
	h := static.New(site(), static.Options{})
	res, body := do(t, h, http.MethodGet, "/robots.txt", "Accept-Encoding", "gzip")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, res.Header.Get("Content-Encoding"))
	assert.Equal(t, "Accept-Encoding", res.Header.Get("Vary"))
	assert.Equal(t, "x", body)
}

func TestIncompressibleTypesAreNotNegotiated(t *testing.T) {
	h := static.New(site(), static.Options{})
	res, body := do(t, h, http.MethodGet, "/logo.png", "Accept-Encoding", "gzip, br")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, res.Header.Get("Content-Encoding"))
	assert.Empty(t, res.Header.Get("Vary"))
	assert.Equal(t, "\x89PNG", body)
}

func TestConditionalAndRangeOnEncodedContent(t *testing.T) {
	h := static.New(site(), static.Options{})
	tests := []struct {
		name       string
		header     []string
		wantStatus int
		wantBody   string
		wantLength string
	}{
		{"range", []string{"Range", "bytes=0-3"}, http.StatusPartialContent, mainGz[:4], "4"},
		{"if-match fails", []string{"If-Match", `"other"`}, http.StatusPreconditionFailed, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := append([]string{"Accept-Encoding", "gzip"}, tt.header...)
			res, body := do(t, h, http.MethodGet, "/assets/main-1a2b.js", header...)
			assert.Equal(t, tt.wantStatus, res.StatusCode)
			assert.Equal(t, tt.wantBody, body)
			assert.Equal(t, tt.wantLength, res.Header.Get("Content-Length"))
		})
	}
}

func TestCacheControl(t *testing.T) {
	h := static.New(site(), static.Options{})
	tests := []struct {
		path, want string
	}{
		{"/", "no-cache"},
		{"/index.html", "no-cache"},
		{"/manifest.json", "no-cache"},
		{"/assets/main-1a2b.js", "public, max-age=31536000, immutable"},
		{"/assets/images/busybox.wasm", "public, max-age=31536000, immutable"},
		{"/missing.js", "no-store"},
		{"/assets/missing.js", "no-store"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, _ := do(t, h, http.MethodGet, tt.path, "Accept-Encoding", "gzip")
			assert.Equal(t, tt.want, res.Header.Get("Cache-Control"))
		})
	}
}

func TestETagAndNotModified(t *testing.T) {
	h := static.New(site(), static.Options{})
	tests := []struct {
		name, path, accept string
	}{
		{"identity", "/", ""},
		{"on the fly", "/", "gzip"},
		{"brotli sibling", "/assets/main-1a2b.js", "br"},
		{"gzip sibling", "/assets/main-1a2b.js", "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := do(t, h, http.MethodGet, tt.path, "Accept-Encoding", tt.accept)
			etag := res.Header.Get("ETag")
			require.Regexp(t, `^"[0-9a-f]{32}"$`, etag)

			res, body := do(t, h, http.MethodGet, tt.path, "Accept-Encoding", tt.accept, "If-None-Match", etag)
			assert.Equal(t, http.StatusNotModified, res.StatusCode)
			assert.Empty(t, body)
			assert.Equal(t, etag, res.Header.Get("ETag"))

			res, _ = do(t, h, http.MethodGet, tt.path, "Accept-Encoding", tt.accept, "If-None-Match", `"other", W/`+etag)
			assert.Equal(t, http.StatusNotModified, res.StatusCode, "weak comparison, list")

			res, _ = do(t, h, http.MethodGet, tt.path, "Accept-Encoding", tt.accept, "If-None-Match", `"other"`)
			assert.Equal(t, http.StatusOK, res.StatusCode)
		})
	}
}

func TestETagDiffersByEncoding(t *testing.T) {
	h := static.New(site(), static.Options{})
	etags := map[string]bool{}
	for _, accept := range []string{"", "gzip", "br"} {
		res, _ := do(t, h, http.MethodGet, "/assets/main-1a2b.js", "Accept-Encoding", accept)
		etags[res.Header.Get("ETag")] = true
	}
	assert.Len(t, etags, 3)
}

func TestNotFoundAndBadPaths(t *testing.T) {
	h := static.New(site(), static.Options{})
	tests := []struct {
		path string
		want int
	}{
		{"/missing.html", http.StatusNotFound},
		{"/assets/", http.StatusNotFound},
		{"/assets", http.StatusNotFound},
		{"/.gitkeep", http.StatusNotFound},
		{"/assets/main-1a2b.js.br", http.StatusNotFound},
		{"/assets/main-1a2b.js.gz", http.StatusNotFound},
		{"/../etc/passwd", http.StatusBadRequest},
		{"/assets/../index.html", http.StatusBadRequest},
		{"/assets/%2e%2e/index.html", http.StatusBadRequest},
		{"/./index.html", http.StatusBadRequest},
		{"//index.html", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := do(t, h, http.MethodGet, tt.path)
			assert.Equal(t, tt.want, res.StatusCode)
			assert.Equal(t, "text/plain; charset=utf-8", res.Header.Get("Content-Type"))
			assert.NotEmpty(t, strings.TrimSpace(body))
			assert.Less(t, len(body), 100, "a short message")
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := static.New(site(), static.Options{})
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch} {
		t.Run(method, func(t *testing.T) {
			res, _ := do(t, h, method, "/")
			assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
			assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
		})
	}
}

func TestHeadHasNoBody(t *testing.T) {
	h := static.New(site(), static.Options{})
	tests := []struct {
		name, path, accept, wantEncoding string
	}{
		{"identity", "/", "", ""},
		{"on the fly", "/assets/engine-5e6f.wasm", "gzip", "gzip"},
		{"sibling", "/assets/main-1a2b.js", "br", "br"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get, getBody := do(t, h, http.MethodGet, tt.path, "Accept-Encoding", tt.accept)
			head, headBody := do(t, h, http.MethodHead, tt.path, "Accept-Encoding", tt.accept)
			assert.Equal(t, http.StatusOK, head.StatusCode)
			assert.Empty(t, headBody)
			assert.Equal(t, tt.wantEncoding, head.Header.Get("Content-Encoding"))
			assert.Equal(t, get.Header.Get("ETag"), head.Header.Get("ETag"))
			assert.Equal(t, get.Header.Get("Content-Length"), head.Header.Get("Content-Length"))
			assert.NotEmpty(t, getBody)
		})
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := static.New(site(), static.Options{})
	_, _ = do(t, h, http.MethodGet, "/")
	etagRes, _ := do(t, h, http.MethodGet, "/")
	etag := etagRes.Header.Get("ETag")
	tests := []struct {
		name, method, path string
		header             []string
		want               int
	}{
		{"ok", http.MethodGet, "/", nil, http.StatusOK},
		{"asset", http.MethodGet, "/assets/main-1a2b.js", []string{"Accept-Encoding", "br"}, http.StatusOK},
		{"not modified", http.MethodGet, "/", []string{"If-None-Match", etag}, http.StatusNotModified},
		{"not found", http.MethodGet, "/nope", nil, http.StatusNotFound},
		{"bad path", http.MethodGet, "/../x", nil, http.StatusBadRequest},
		{"method", http.MethodPost, "/", nil, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := do(t, h, tt.method, tt.path, tt.header...)
			require.Equal(t, tt.want, res.StatusCode)
			assertSecurityHeaders(t, res.Header)
		})
	}
}

// assertSecurityHeaders checks the headers every response must carry.
func assertSecurityHeaders(t *testing.T, hdr http.Header) {
	t.Helper()
	assert.Equal(t, static.ContentSecurityPolicy, hdr.Get("Content-Security-Policy"))
	assert.Equal(t, "nosniff", hdr.Get("X-Content-Type-Options"))
	assert.Equal(t, "no-referrer", hdr.Get("Referrer-Policy"))
	assert.Equal(t, "same-origin", hdr.Get("Cross-Origin-Opener-Policy"))
}

func TestContentSecurityPolicyIsStrict(t *testing.T) {
	csp := static.ContentSecurityPolicy
	assert.Contains(t, csp, "script-src 'self' 'wasm-unsafe-eval';")
	assert.Contains(t, csp, "object-src 'none'")
	assert.NotContains(t, csp, "'unsafe-inline'")
	assert.NotContains(t, csp, "'unsafe-eval'")
}

func TestNotBuilt(t *testing.T) {
	empty := fstest.MapFS{".gitkeep": {Data: nil}}
	h := static.New(empty, static.Options{})
	tests := []struct {
		path string
		want int
	}{
		{"/", http.StatusServiceUnavailable},
		{"/index.html", http.StatusServiceUnavailable},
		{"/assets/main.js", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := do(t, h, http.MethodGet, tt.path)
			assert.Equal(t, tt.want, res.StatusCode)
			assert.Equal(t, "text/plain; charset=utf-8", res.Header.Get("Content-Type"))
			assertSecurityHeaders(t, res.Header)
			if tt.want == http.StatusServiceUnavailable {
				assert.Equal(t, static.NotBuiltMessage+"\n", body)
				assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestRequestLog(t *testing.T) {
	var buf bytes.Buffer
	h := static.New(site(), static.Options{Logger: log.New(&buf, "", 0)})
	tests := []struct {
		method, path, accept, want string
	}{
		{http.MethodGet, "/", "", "GET / 200 " + strconv.Itoa(len(indexHTML)) + " "},
		{http.MethodGet, "/assets/main-1a2b.js", "br", "GET /assets/main-1a2b.js 200 " + strconv.Itoa(len(mainBr)) + " "},
		{http.MethodHead, "/", "", "HEAD / 200 0 "},
		{http.MethodGet, "/nope%0Afake", "", "GET /nope%0Afake 404 "},
		{http.MethodDelete, "/", "", "DELETE / 405 "},
	}
	wantEncoding := []string{"-", "br", "-", "-", "-"}
	for _, tt := range tests {
		do(t, h, tt.method, tt.path, "Accept-Encoding", tt.accept)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, len(tests))
	for i, tt := range tests {
		assert.True(t, strings.HasPrefix(lines[i], tt.want), "line %q, want prefix %q", lines[i], tt.want)
		fields := strings.Fields(lines[i])
		assert.Len(t, fields, 6, lines[i])
		assert.Equal(t, wantEncoding[i], fields[len(fields)-1], lines[i])
	}
}

// TestDirectoryRebuilt checks that the caches notice a file that changed on
// disk, as happens when serving a development directory with -dir.
func TestDirectoryRebuilt(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "index.html")
	require.NoError(t, os.WriteFile(file, []byte(indexHTML), 0o644))
	h := static.New(os.DirFS(dir), static.Options{})

	first, body := do(t, h, http.MethodGet, "/", "Accept-Encoding", "gzip")
	require.Equal(t, indexHTML, gunzip(t, body))

	rebuilt := indexHTML + strings.Repeat("<p>rebuilt</p>", 10)
	require.NoError(t, os.WriteFile(file, []byte(rebuilt), 0o644))
	second, body := do(t, h, http.MethodGet, "/", "Accept-Encoding", "gzip")
	assert.Equal(t, rebuilt, gunzip(t, body))
	assert.NotEqual(t, first.Header.Get("ETag"), second.Header.Get("ETag"))

	_, body = do(t, h, http.MethodGet, "/")
	assert.Equal(t, rebuilt, body)
}

// TestConcurrentRequests exercises the caches from many goroutines; it is
// meant for -race.
func TestConcurrentRequests(t *testing.T) {
	h := static.New(site(), static.Options{})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			accept := []string{"gzip", "br", ""}[i%3]
			res, body := do(t, h, http.MethodGet, "/assets/engine-5e6f.wasm", "Accept-Encoding", accept)
			assert.Equal(t, http.StatusOK, res.StatusCode)
			if res.Header.Get("Content-Encoding") == "gzip" {
				body = gunzip(t, body)
			}
			assert.Equal(t, string(engineWasm), body)
		})
	}
	wg.Wait()
}

// embed.html, which documentation pages frame, may be framed by any page;
// its policy is otherwise the page's. Everything else stays unframeable.
func TestEmbedMayBeFramed(t *testing.T) {
	fsys := site()
	fsys["embed.html"] = &fstest.MapFile{Data: []byte(indexHTML)}
	h := static.New(fsys, static.Options{})
	res, _ := do(t, h, http.MethodGet, "/embed.html")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, static.EmbedContentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
	assert.Equal(t, strings.Replace(static.ContentSecurityPolicy, "frame-ancestors 'self'", "frame-ancestors *", 1), static.EmbedContentSecurityPolicy)
	res, _ = do(t, h, http.MethodGet, "/")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'")
}
