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
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// Handler is the HTTP front of an API server.
type Handler struct {
	api     *apiserver.Server
	openapi *openAPI
}

// New returns a handler serving s.
func New(s *apiserver.Server) *Handler {
	return &Handler{api: s, openapi: newOpenAPI()}
}

// do runs f as a task of the cluster's loop and waits for it: the only
// way a request touches the cluster.
func (h *Handler) do(f func()) {
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

// version is /version, as `kubectl version` reads it.
func (h *Handler) version(w http.ResponseWriter, r *http.Request) {
	major, minor := versionParts(apiserver.Version)
	writeJSON(w, http.StatusOK, map[string]string{
		"major":        major,
		"minor":        minor,
		"gitVersion":   apiserver.Version,
		"gitTreeState": "clean",
		"goVersion":    goVersion,
		"compiler":     "gc",
		"platform":     platform,
	})
}

func versionParts(v string) (string, string) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return "", ""
	}
	return parts[0], parts[1]
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

func writeBody(w http.ResponseWriter, code int, contentType string, data []byte) {
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
