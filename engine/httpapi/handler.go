// Package httpapi serves the Kubernetes REST API over HTTP, so that the
// real kubectl, client-go programs and other tools work against a
// kubeplay cluster. It is a thin layer over engine/apiserver, the same API
// server core every component and the in-page kubectl use: it parses a
// request's path and query, hands the call to the core and writes the
// answer (an object, a list, a Table, a stream of watch events or a
// Status) as kube-apiserver does.
//
// The cluster is one deterministic event loop. HTTP requests arrive on
// their own goroutines; each is posted to the loop as a task and waits for
// it, so the cluster's state is only ever touched by the loop. Whoever
// drives the loop (kubeplay apiserver paces it by the wall clock) must keep
// it running for requests to be answered.
package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// Handler is the HTTP front of an API server.
type Handler struct {
	api     *apiserver.Server
	openapi *openAPI
	// inline handlers run a request on the caller's goroutine, which
	// holds the cluster (NewInline).
	inline bool
	// The requests that stream, over goroutines beside the loop, and
	// those that write: set by New only, so that a program that makes
	// inline handlers alone (the page) links none of them.
	writeFn  func(http.ResponseWriter, *http.Request, target) error
	watchFn  func(http.ResponseWriter, *http.Request, target) error
	streamFn func(http.ResponseWriter, *http.Request, target) error
	proxyFn  func(http.ResponseWriter, *http.Request, target, string) error
}

// New returns a handler serving s.
func New(s *apiserver.Server) *Handler {
	h := &Handler{api: s, openapi: newOpenAPI()}
	h.writeFn, h.watchFn, h.streamFn, h.proxyFn = h.write, h.watch, h.stream, h.serveProxy
	return h
}

// NewInline returns a handler serving s whose requests run at once on the
// caller's goroutine, which must hold the cluster (the in-page kubectl's
// get --raw, which runs as a command of the shell does). It serves what
// answers at once: discovery, health, version, OpenAPI, gets and lists,
// logs as they are. Watches, followed logs, proxies and exec, attach and
// port-forward answer 501 (NotStreamed); writes 405.
func NewInline(s *apiserver.Server) *Handler {
	return &Handler{api: s, openapi: newOpenAPI(), inline: true}
}

// Get serves a GET of path and query (encoded) at once, as NewInline's
// handler does, and returns the response. It takes no http.Handler
// interface on the way, so that a program that uses it alone (the page)
// does not link the net/http request methods reflection would keep.
func (h *Handler) Get(path, query, host string) (code int, header http.Header, body []byte) {
	u := &url.URL{Path: path, RawQuery: query}
	r := &http.Request{Method: http.MethodGet, URL: u, Host: host, RequestURI: u.RequestURI(),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{"Accept": {"application/json, */*"}}, Body: http.NoBody}
	w := &recorder{header: http.Header{}}
	h.ServeHTTP(w, r)
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.code, w.header, w.body
}

// recorder keeps what a handler answers.
type recorder struct {
	header http.Header
	code   int
	body   []byte
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.body = append(w.body, b...)
	return len(b), nil
}

// NotStreamed is the message of an inline handler's 501 to a request
// that streams.
const NotStreamed = "this request streams, which an inline handler does not serve"

func notStreamed() *apiserver.StatusError {
	return newStatus(http.StatusNotImplemented, "", NotStreamed)
}

// do runs f as a task of the cluster's loop and waits for it: the only
// way a request touches the cluster.
func (h *Handler) do(f func()) {
	if h.inline {
		f()
		return
	}
	done := make(chan struct{})
	h.api.Loop().Post(func() {
		defer close(done)
		f()
	})
	<-done
}

// maxBody bounds a request body, as kube-apiserver's 3 MiB limit on
// writes (plus room for the JSON envelope).
const maxBody = 3*1024*1024 + 64*1024

// ServeHTTP routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/version":
		h.version(w, r)
	case path == "/healthz" || path == "/readyz" || path == "/livez" ||
		strings.HasPrefix(path, "/healthz/") || strings.HasPrefix(path, "/readyz/") || strings.HasPrefix(path, "/livez/"):
		health(w, r)
	case path == "/api" || path == "/apis":
		h.discoveryRoot(w, r, path)
	case path == "/openapi/v3" || strings.HasPrefix(path, "/openapi/v3/"):
		h.openapi.serve(w, r, strings.TrimPrefix(strings.TrimPrefix(path, "/openapi/v3"), "/"))
	case path == "/openapi/v2":
		writeStatus(w, notFound("the playground serves OpenAPI v3 only (/openapi/v3)"))
	case strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/apis/"):
		h.resource(w, r, path)
	default:
		writeStatus(w, notFound(""))
	}
}

func health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Has("verbose") {
		name := strings.TrimPrefix(r.URL.Path, "/")
		fmt.Fprintf(w, "[+]ping ok\n[+]etcd ok\n%s check passed\n", name)
		return
	}
	io.WriteString(w, "ok")
}

// version is /version, as `kubectl version` reads it: apimachinery's
// version.Info, indented, as kube-apiserver's WriteRawJSON writes it.
func (h *Handler) version(w http.ResponseWriter, r *http.Request) {
	data, err := json.MarshalIndent(kubectl.ServerVersion(goVersion, platform), "", "  ")
	if err != nil {
		writeStatus(w, apiserver.NewInternal(err))
		return
	}
	writeRaw(w, http.StatusOK, "application/json", data)
}

// writeJSON writes v as the body of a JSON response.
func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeStatus(w, apiserver.NewInternal(err))
		return
	}
	writeBody(w, code, "application/json", data)
}

// writeBody writes an encoded object, ended by a newline as the API
// server's JSON serializer (a json.Encoder) ends it.
func writeBody(w http.ResponseWriter, code int, contentType string, data []byte) {
	writeRaw(w, code, contentType, append(data, '\n'))
}

// writeRaw writes data as it is.
func writeRaw(w http.ResponseWriter, code int, contentType string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(code)
	w.Write(data)
}

// writeStatus writes an error as the Status kube-apiserver answers with.
func writeStatus(w http.ResponseWriter, err error) {
	st := statusOf(err)
	writeJSON(w, int(st.Code), st)
}

func statusOf(err error) api.Status {
	if se, ok := err.(*apiserver.StatusError); ok {
		st := se.Status
		if st.Code == 0 {
			st.Code = http.StatusInternalServerError
		}
		if st.Status == "" {
			st.Status = "Failure"
		}
		return st
	}
	return apiserver.NewInternal(err).Status
}

func newStatus(code int32, reason, msg string) *apiserver.StatusError {
	return &apiserver.StatusError{Status: api.Status{
		TypeMeta: api.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   "Failure", Message: msg, Reason: reason, Code: code,
		Details: &api.StatusDetails{},
	}}
}

// notFound is the 404 of a path the server does not serve.
func notFound(detail string) *apiserver.StatusError {
	msg := "the server could not find the requested resource"
	if detail != "" {
		msg += ": " + detail
	}
	return newStatus(http.StatusNotFound, "NotFound", msg)
}

func methodNotAllowed(verb, what string) *apiserver.StatusError {
	return newStatus(http.StatusMethodNotAllowed, "MethodNotAllowed",
		fmt.Sprintf("the server does not allow this method on the requested resource (%s %s)", verb, what))
}

// success is the Status of a request that returns no object.
func success(code int32) api.Status {
	return api.Status{TypeMeta: api.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: "Success", Code: code}
}

// setWarnings sends the core's warnings about the request just served as
// Warning headers (code 299), as kube-apiserver does.
func setWarnings(w http.ResponseWriter, warnings []string) {
	for _, msg := range warnings {
		w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
	}
}
