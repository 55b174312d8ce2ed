// Package static serves the built kubeplay site from an fs.FS.
//
// It is what cmd/serve runs, kept apart so that other commands (and tests) can
// serve the site too. The site is a handful of immutable files, so the handler
// is deliberately small: no directory listings, no fallback page, no
// templating. What it does take care of is what a browser needs to run the
// playground well: the right content types (WebAssembly streaming compilation
// insists on application/wasm), compression negotiated from precompressed
// siblings, long-lived caching of content-hashed assets, and a strict
// Content-Security-Policy.
package static

import (
	"errors"
	"io/fs"
	"log"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// ContentSecurityPolicy is sent with every response.
//
// The page loads only its own scripts, styles and workers, so everything is
// 'self'. There is no inline script and no 'unsafe-eval': the one exception
// needed is 'wasm-unsafe-eval', which allows WebAssembly compilation (the
// engine and the container images are wasm) without allowing eval.
const ContentSecurityPolicy = cspBase + "frame-ancestors 'self'"

// cspBase is the policy but for who may frame the page.
const cspBase = "default-src 'self'; " +
	"script-src 'self' 'wasm-unsafe-eval'; " +
	"worker-src 'self'; " +
	"style-src 'self'; " +
	"img-src 'self' data:; " +
	"font-src 'self'; " +
	"connect-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'none'; " +
	"form-action 'none'; "

// EmbedContentSecurityPolicy is sent with embed.html, the page that
// <kube-playground> (embed.js) puts in an iframe on documentation pages:
// the same policy, but any page may frame it. It keeps its cluster in
// memory and talks to its parent only by postMessage (docs/embed.md).
const EmbedContentSecurityPolicy = cspBase + "frame-ancestors *"

// embedName is the embedded form of the page.
const embedName = "embed.html"

// NotBuiltMessage is the body of the 503 answered for the page when the FS has
// no index.html, which is what happens when cmd/serve was compiled before the
// site was built.
const NotBuiltMessage = "kubeplay: the site is not built; run 'make build' (or 'make serve')"

// indexName is the file served for "/".
const indexName = "index.html"

// assetsPrefix marks the files whose names carry a hash of their content and
// so can be cached forever.
const assetsPrefix = "assets/"

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	cacheNever      = "no-store"
)

// Options configures the handler made by New.
type Options struct {
	// Logger, if not nil, gets one line per request: method, path, status,
	// bytes written, duration and content encoding.
	Logger *log.Logger
}

// handler serves files from an fs.FS. The FS is assumed not to change while
// the handler runs, except for a development directory being rebuilt, which
// the caches notice because they are keyed by size and modification time.
type handler struct {
	files  fs.FS
	mu     sync.Mutex
	hashes map[string]hashEntry // file name -> ETag of its content
	gzips  map[string]*gzEntry  // file name -> gzip made on the fly
}

// New returns a handler that serves files, which must not be nil. "/" serves
// index.html.
func New(files fs.FS, opts Options) http.Handler {
	var h http.Handler = &handler{
		files:  files,
		hashes: make(map[string]hashEntry),
		gzips:  make(map[string]*gzEntry),
	}
	if opts.Logger != nil {
		h = logRequests(h, opts.Logger)
	}
	return h
}

// ServeHTTP answers GET and HEAD for the files of the site.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r.URL.Path)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plainError(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, status := resolve(r.URL.Path)
	if status != http.StatusOK {
		plainError(w, strings.ToLower(http.StatusText(status)), status)
		return
	}
	h.serveFile(w, r, name)
}

// setSecurityHeaders sets the headers that every response carries, errors
// included: an error page is a document too.
func setSecurityHeaders(hdr http.Header, urlPath string) {
	csp := ContentSecurityPolicy
	if urlPath == "/"+embedName {
		csp = EmbedContentSecurityPolicy
	}
	hdr.Set("Content-Security-Policy", csp)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// resolve maps a request path to a file name in the FS. It answers
// http.StatusOK with the name, or the status to answer instead.
//
// The handler is usually the server's whole handler, with no ServeMux to clean
// the path first, so "..", empty and "." elements arrive here verbatim;
// fs.ValidPath rejects them. Directories (a trailing slash), dot-files (the
// embedded .gitkeep) and the precompressed siblings are not resources of the
// site, so they are simply not found.
func resolve(urlPath string) (string, int) {
	name := strings.TrimPrefix(urlPath, "/")
	switch {
	case name == "":
		return indexName, http.StatusOK
	case strings.HasSuffix(name, "/"):
		return "", http.StatusNotFound
	case !fs.ValidPath(name):
		return "", http.StatusBadRequest
	case hasDotElement(name), isSibling(name):
		return "", http.StatusNotFound
	}
	return name, http.StatusOK
}

// hasDotElement reports whether any element of name begins with a dot.
func hasDotElement(name string) bool {
	for elem := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(elem, ".") {
			return true
		}
	}
	return false
}

// isSibling reports whether name is a precompressed sibling (NAME.br or
// NAME.gz). Those are other encodings of NAME, served only under NAME, so
// that a cache never stores compressed bytes without their Content-Encoding.
func isSibling(name string) bool {
	ext := path.Ext(name)
	return ext == ".br" || ext == ".gz"
}

// serveFile answers with the named file, in the best encoding the client
// accepts, with caching headers and an ETag; http.ServeContent then does the
// conditional (If-None-Match → 304), range and HEAD handling.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	info, err := fs.Stat(h.files, name)
	if err != nil || !info.Mode().IsRegular() {
		h.notFound(w, name, err)
		return
	}
	rep, err := h.choose(name, info, r.Header.Get("Accept-Encoding"))
	if err != nil {
		plainError(w, "internal server error", http.StatusInternalServerError)
		return
	}
	defer rep.close()
	hdr := w.Header()
	ctype := contentType(name)
	hdr.Set("Content-Type", ctype)
	hdr.Set("Cache-Control", cacheControl(name))
	if rep.varies || compressible(ctype) {
		hdr.Add("Vary", "Accept-Encoding")
	}
	if rep.encoding != identity {
		hdr.Set("Content-Encoding", rep.encoding)
		w = &lengthWriter{ResponseWriter: w, size: rep.size}
	}
	hdr.Set("ETag", rep.etag)
	http.ServeContent(w, r, "", info.ModTime(), rep.content)
}

// lengthWriter puts back the Content-Length of a full response, which
// http.ServeContent leaves out whenever Content-Encoding is set (in case a
// wrapper compresses on the fly). Here the encoded bytes are known in
// advance, and without a length the page cannot show download progress of
// the engine and the images.
type lengthWriter struct {
	http.ResponseWriter
	size int64
}

// WriteHeader sets Content-Length for 200 only: a 206 has its own, set by
// ServeContent, and a 304 or 412 has no body.
func (lw *lengthWriter) WriteHeader(status int) {
	if status == http.StatusOK {
		lw.Header().Set("Content-Length", strconv.FormatInt(lw.size, 10))
	}
	lw.ResponseWriter.WriteHeader(status)
}

// Unwrap gives http.ResponseController access to the underlying writer.
func (lw *lengthWriter) Unwrap() http.ResponseWriter {
	return lw.ResponseWriter
}

// notFound answers for a name that is not a file. A missing index.html means
// the whole site is missing, which deserves a hint rather than a bare 404.
func (h *handler) notFound(w http.ResponseWriter, name string, err error) {
	switch {
	case name == indexName && errors.Is(err, fs.ErrNotExist):
		plainError(w, NotBuiltMessage, http.StatusServiceUnavailable)
	case err == nil || errors.Is(err, fs.ErrNotExist):
		plainError(w, "not found", http.StatusNotFound)
	default:
		plainError(w, "internal server error", http.StatusInternalServerError)
	}
}

// cacheControl says how long a browser may keep name: content-hashed assets
// forever, everything else (the page, which names the assets) only after
// revalidating with the ETag.
func cacheControl(name string) string {
	if strings.HasPrefix(name, assetsPrefix) {
		return cacheImmutable
	}
	return cacheRevalidate
}

// plainError writes a short plain-text error. Errors are never cached, so
// that a 404 for an asset that is not there yet does not outlive a rebuild.
func plainError(w http.ResponseWriter, msg string, status int) {
	w.Header().Set("Cache-Control", cacheNever)
	http.Error(w, msg, status)
}
