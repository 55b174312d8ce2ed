package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// RawGet serves a GET of the API server's HTTP path and query (encoded)
// at once, on the caller's goroutine, which holds the cluster
// (httpapi.NewInline's Get); host is the Host the request names.
type RawGet func(path, query, host string) (code int, header http.Header, body []byte)

// rawHost is a host that serves the API server's HTTP paths, for kubectl
// get --raw.
type rawHost interface {
	RawAPI() RawGet
}

// apiServerHost is the host and port kubectl's kubeconfig names, as
// cluster-info prints it.
const apiServerHost = "172.18.0.2:6443"

// validateRaw is kubectl get's checks of --raw (Complete's, then
// Validate's), in their words.
func validateRaw(raw string, args []string, watching bool, selector, output string) error {
	if len(args) > 0 {
		return errors.New("arguments may not be passed when --raw is specified")
	}
	if watching || selector != "" {
		return errors.New("--raw may not be specified with other flags that filter the server request or alter the output")
	}
	if output != "" {
		return errors.New("--raw and --output are mutually exclusive")
	}
	if _, err := url.ParseRequestURI(raw); err != nil {
		return fmt.Errorf("--raw must be a valid URL path: %v", err)
	}
	return nil
}

// rawStreams says why a path cannot be fetched here: it streams (a
// watch, a followed log, exec, attach, port-forward) or goes through the
// API server's proxy to a pod; "" when it can.
func rawStreams(u *url.URL) string {
	q := u.Query()
	isTrue := func(k string) bool { return q.Get(k) == "true" || q.Get(k) == "1" }
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch {
	case isTrue("watch"):
		return "a watch streams its events until it is stopped; use kubectl get --watch"
	case isTrue("follow") && len(segs) > 0 && segs[len(segs)-1] == "log":
		return "a followed log streams until it is stopped; use kubectl logs -f"
	case len(segs) > 0 && (segs[len(segs)-1] == "exec" || segs[len(segs)-1] == "attach" || segs[len(segs)-1] == "portforward"):
		return "exec, attach and port-forward stream over an upgraded connection; use kubectl exec, attach or port-forward"
	}
	for _, s := range segs {
		if s == "proxy" {
			return "the API server's proxy to pods and services is not reached from the page; use curl from a pod, or kubectl port-forward"
		}
	}
	return ""
}

// rawGet is kubectl get --raw: a GET of the path, whose body is printed
// as it comes, as kubectl's rawhttp.RawGet copies it; a failure is
// reported as client-go's REST client reports it.
func (k *Kubectl) rawGet(ctx context.Context, io IO, raw string) error {
	u, err := url.ParseRequestURI(raw)
	if err != nil {
		return err
	}
	rh, ok := k.host.(rawHost)
	if !ok || rh.RawAPI() == nil {
		return errors.New("kubeplay: kubectl get --raw is not simulated here: this host serves no HTTP paths of the API server")
	}
	if why := rawStreams(u); why != "" {
		return fmt.Errorf("kubeplay: kubectl get --raw of %s is not simulated in the page: %s", u.Path, why)
	}
	// client-go's RequestURI keeps the path and encodes the query again.
	code, header, body := rh.RawAPI()(u.Path, u.Query().Encode(), apiServerHost)
	if code < 200 || code >= 300 {
		return rawError(code, header, body)
	}
	for _, v := range header.Values("Warning") {
		if msg, ok := warningText(v); ok {
			fmt.Fprintf(io.Err, "Warning: %s\n", msg)
		}
	}
	_, err = io.Out.Write(body)
	return err
}

// warningText is the text of a Warning header (`299 - "text"`).
func warningText(v string) (string, bool) {
	parts := strings.SplitN(v, " ", 3)
	if len(parts) < 3 || parts[0] != "299" {
		return "", false
	}
	msg, err := strconv.Unquote(parts[2])
	return msg, err == nil
}

// rawError is client-go's error of a response that failed: the Status
// the server answered with, else the generic error of its code.
func rawError(code int, header http.Header, body []byte) error {
	ct := header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "application/json" {
		var st api.Status
		if json.Unmarshal(body, &st) == nil && st.Kind == "Status" && st.Status == "Failure" {
			return &apiserver.StatusError{Status: st}
		}
	}
	message := "unknown"
	if ct == "" || strings.HasPrefix(mt, "text/") {
		message = strings.TrimSpace(string(body))
	}
	return genericServerResponse(code, message)
}

// genericServerResponse is apimachinery's NewGenericServerResponse for a
// GET of no resource.
func genericServerResponse(code int, serverMessage string) error {
	reason := "" // StatusReasonUnknown
	message := fmt.Sprintf("the server responded with the status code %d but did not return more information", code)
	switch code {
	case http.StatusNotFound:
		reason, message = "NotFound", "the server could not find the requested resource"
	case http.StatusBadRequest:
		reason, message = "BadRequest", "the server rejected our request for an unknown reason"
	case http.StatusUnauthorized:
		reason, message = "Unauthorized", "the server has asked for the client to provide credentials"
	case http.StatusForbidden:
		reason, message = "Forbidden", serverMessage
	case http.StatusMethodNotAllowed:
		reason, message = "MethodNotAllowed", "the server does not allow this method on the requested resource"
	case http.StatusServiceUnavailable:
		reason, message = "ServiceUnavailable", "the server is currently unable to handle the request"
	case http.StatusGatewayTimeout:
		reason, message = "Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request"
	case http.StatusTooManyRequests:
		reason, message = "TooManyRequests", "the server has received too many requests and has asked us to try again later"
	default:
		if code >= 500 {
			reason, message = "InternalError", fmt.Sprintf("an error on the server (%q) has prevented the request from succeeding", serverMessage)
		}
	}
	return &apiserver.StatusError{Status: api.Status{Status: "Failure", Code: int32(code), Reason: reason, Message: message}}
}
