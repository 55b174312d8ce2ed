package kubectl

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawFixtureHost answers get --raw with canned responses, by path and
// query, and records what it was asked.
type rawFixtureHost struct {
	jumpHost
	asked *[]string
}

func (h rawFixtureHost) RawAPI() RawGet {
	return func(path, query, host string) (int, http.Header, []byte) {
		*h.asked = append(*h.asked, path+"?"+query+" "+host)
		switch path {
		case "/healthz":
			return 200, http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, []byte("ok")
		case "/api/v1/componentstatuses":
			return 200, http.Header{"Content-Type": {"application/json"}, "Warning": {`299 - "v1 ComponentStatus is deprecated in v1.19+"`}},
				[]byte(`{"kind":"ComponentStatusList"}` + "\n")
		case "/api/v1/namespaces/default/pods/nope":
			return 404, http.Header{"Content-Type": {"application/json"}},
				[]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}` + "\n")
		case "/broken":
			return 500, http.Header{"Content-Type": {"text/plain"}}, []byte("etcd failed\n")
		case "/teapot":
			return 418, http.Header{"Content-Type": {"application/octet-stream"}}, []byte("\x00")
		}
		return 404, http.Header{"Content-Type": {"text/plain"}}, []byte("404 page not found\n")
	}
}

func TestGetRaw(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  string
		asked []string
	}{
		{name: "body as it comes", args: []string{"--raw", "/healthz"}, want: "ok", asked: []string{"/healthz? 172.18.0.2:6443"}},
		{name: "query encoded again", args: []string{"--raw=/healthz?verbose"}, want: "ok", asked: []string{"/healthz?verbose= 172.18.0.2:6443"}},
		{name: "warnings", args: []string{"--raw", "/api/v1/componentstatuses"}, want: "{\"kind\":\"ComponentStatusList\"}\n--- stderr\nWarning: v1 ComponentStatus is deprecated in v1.19+\n"},
		{name: "a Status", args: []string{"--raw", "/api/v1/namespaces/default/pods/nope"}, want: "--- stderr\nError from server (NotFound): pods \"nope\" not found\n[exit 1]\n"},
		{name: "text 404", args: []string{"--raw", "/nope"}, want: "--- stderr\nError from server (NotFound): the server could not find the requested resource\n[exit 1]\n"},
		{name: "text 500", args: []string{"--raw", "/broken"}, want: "--- stderr\nError from server (InternalError): an error on the server (\"etcd failed\") has prevented the request from succeeding\n[exit 1]\n"},
		{name: "other code", args: []string{"--raw", "/teapot"}, want: "--- stderr\nError from server: the server responded with the status code 418 but did not return more information\n[exit 1]\n"},
		{name: "arguments", args: []string{"pods", "--raw", "/healthz"}, want: "--- stderr\nerror: arguments may not be passed when --raw is specified\n[exit 1]\n"},
		{name: "watch", args: []string{"--raw", "/healthz", "-w"}, want: "--- stderr\nerror: --raw may not be specified with other flags that filter the server request or alter the output\n[exit 1]\n"},
		{name: "watch-only", args: []string{"--raw", "/healthz", "--watch-only"}, want: "--- stderr\nerror: --raw may not be specified with other flags that filter the server request or alter the output\n[exit 1]\n"},
		{name: "selector", args: []string{"--raw", "/healthz", "-l", "a=b"}, want: "--- stderr\nerror: --raw may not be specified with other flags that filter the server request or alter the output\n[exit 1]\n"},
		{name: "output", args: []string{"--raw", "/healthz", "-o", "json"}, want: "--- stderr\nerror: --raw and --output are mutually exclusive\n[exit 1]\n"},
		{name: "not a path", args: []string{"--raw", "healthz"}, want: "--- stderr\nerror: --raw must be a valid URL path: parse \"healthz\": invalid URI for request\n[exit 1]\n"},
		{name: "empty is no raw", args: []string{"--raw="}, want: "--- stderr\nYou must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n[exit 1]\n"},
		{name: "a watch streams", args: []string{"--raw", "/api/v1/pods?watch=true"}, want: "--- stderr\nerror: kubeplay: kubectl get --raw of /api/v1/pods is not simulated in the page: a watch streams its events until it is stopped; use kubectl get --watch\n[exit 1]\n"},
		{name: "proxy", args: []string{"--raw", "/api/v1/namespaces/default/services/web/proxy/"}, want: "--- stderr\nerror: kubeplay: kubectl get --raw of /api/v1/namespaces/default/services/web/proxy/ is not simulated in the page: the API server's proxy to pods and services is not reached from the page; use curl from a pod, or kubectl port-forward\n[exit 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			var asked []string
			got := f.kubectlOn(context.Background(), rawFixtureHost{jumpHost{f.l}, &asked}, "", append([]string{"get"}, tt.args...)...)
			assert.Equal(t, tt.want, got)
			if tt.asked != nil {
				assert.Equal(t, tt.asked, asked)
			}
		})
	}
	// A host that serves no paths.
	f := newDescribeFixture(t)
	assert.Equal(t, "--- stderr\nerror: kubeplay: kubectl get --raw is not simulated here: this host serves no HTTP paths of the API server\n[exit 1]\n",
		f.kubectlOn(context.Background(), jumpHost{f.l}, "", "get", "--raw", "/healthz"))
}

func TestParseRequestTimeout(t *testing.T) {
	const invalid = "Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)"
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "0", want: 0},
		{in: "5", want: 5 * time.Second},
		{in: "1s", want: time.Second},
		{in: "1m30s", want: 90 * time.Second},
		{in: "-1s", want: -time.Second},
		{in: "-1", err: invalid},
		{in: "1.5", err: invalid},
		{in: "bogus", err: invalid},
		{in: "", err: invalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := parseRequestTimeout(tt.in)
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
		})
	}
}

// TestWatchRequestTimeout: get -w and events -w end when the request
// timeout passes, in virtual time; 0 (or none) waits until interrupted.
func TestWatchRequestTimeout(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  string
		ended bool // before the context's own end
	}{
		{name: "get -w 1s", args: []string{"get", "serviceaccounts", "-w", "--request-timeout=1s"}, want: "NAME      SECRETS   AGE\ndefault   0         0s\n", ended: true},
		{name: "get -w 30 seconds", args: []string{"get", "serviceaccounts", "-w", "--request-timeout", "30"}, want: "NAME      SECRETS   AGE\ndefault   0         0s\n", ended: true},
		{name: "get --watch-only 1s", args: []string{"get", "serviceaccounts", "--watch-only", "--request-timeout=1s"}, want: "", ended: true},
		{name: "events -w 1s", args: []string{"events", "-w", "--request-timeout=1s"}, want: "", ended: true},
		{name: "global flag first", args: []string{"--request-timeout=1s", "get", "serviceaccounts", "-w"}, want: "NAME      SECRETS   AGE\ndefault   0         0s\n", ended: true},
		{name: "0 is none", args: []string{"get", "serviceaccounts", "-w", "--request-timeout=0"}, want: "NAME      SECRETS   AGE\ndefault   0         0s\n"},
		{name: "invalid", args: []string{"get", "serviceaccounts", "-w", "--request-timeout=soon"},
			want: "--- stderr\nerror: Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)\n[exit 1]\n", ended: true},
		{name: "invalid without watch", args: []string{"get", "serviceaccounts", "--request-timeout=-5"},
			want: "--- stderr\nerror: Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)\n[exit 1]\n", ended: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			start := f.l.Now()
			// The context ends after an hour of virtual time, as a Ctrl-C.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.l.After(time.Hour, cancel)
			got := f.kubectlOn(ctx, jumpHost{f.l}, "", tt.args...)
			if tt.ended {
				assert.Equal(t, tt.want, got)
				assert.Less(t, f.l.Now().Sub(start), time.Minute)
			} else {
				assert.Equal(t, tt.want+"[exit 130]\n", got)
				assert.GreaterOrEqual(t, f.l.Now().Sub(start), time.Hour)
			}
		})
	}
}
