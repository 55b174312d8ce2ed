package httpapi

import (
	"bufio"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/loop"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// newTestServer serves a bare API server (no controllers, no nodes) over
// HTTP, with a driver that runs the loop whenever a task is posted; time
// moves only when the test advances it.
func newTestServer(t *testing.T) (*httptest.Server, *apiserver.Server) {
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 2)))
	wake := make(chan struct{}, 1)
	l.OnPost(func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-wake:
				l.RunUntilIdle()
			}
		}
	}()
	srv := httptest.NewServer(New(s))
	t.Cleanup(func() {
		srv.Close()
		close(stop)
	})
	return srv, s
}

type response struct {
	code        int
	contentType string
	body        string
	header      http.Header
}

func call(t *testing.T, srv *httptest.Server, method, path, contentType, body string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp.StatusCode, resp.Header.Get("Content-Type"), string(data), resp.Header}
}

func decodeMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), s)
	return m
}

const podJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}`

func TestCRUDAndErrors(t *testing.T) {
	srv, _ := newTestServer(t)
	sa := `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}}`
	require.Equal(t, 201, call(t, srv, "POST", "/api/v1/namespaces/default/serviceaccounts", "application/json", sa).code)

	r := call(t, srv, "POST", "/api/v1/namespaces/default/pods", "application/json", podJSON)
	require.Equal(t, 201, r.code, r.body)
	pod := decodeMap(t, r.body)
	assert.Equal(t, "Pod", pod["kind"])
	assert.NotEmpty(t, pod["metadata"].(map[string]any)["uid"])

	tests := []struct {
		name, method, path, ctype, body string
		code                            int
		reason, message                 string
	}{
		{"again", "POST", "/api/v1/namespaces/default/pods", "application/json", podJSON, 409, "AlreadyExists", `pods "web" already exists`},
		{"missing", "GET", "/api/v1/namespaces/default/pods/nope", "", "", 404, "NotFound", `pods "nope" not found`},
		{"unknown resource", "GET", "/api/v1/namespaces/default/widgets", "", "", 404, "NotFound", "the server could not find the requested resource"},
		{"unknown group", "GET", "/apis/example.com/v1/things", "", "", 404, "NotFound", "the server could not find the requested resource"},
		{"strict", "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"bogus":1}`, 400, "BadRequest", `strict decoding error: unknown field "bogus"`},
		{"invalid", "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}`, 422, "Invalid", `ConfigMap "Bad_Name" is invalid`},
		{"name mismatch", "PUT", "/api/v1/namespaces/default/pods/other", "application/json", podJSON, 400, "BadRequest", "the name of the object (web) does not match the name on the URL (other)"},
		{"bad patch type", "PATCH", "/api/v1/namespaces/default/pods/web", "text/plain", "{}", 415, "UnsupportedMediaType", "the body of the request was in an unknown format"},
		{"server-side apply without a field manager", "PATCH", "/api/v1/namespaces/default/pods/web", "application/apply-patch+yaml", "{}", 422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`},
		{"no scale", "GET", "/api/v1/namespaces/default/pods/web/scale", "", "", 404, "NotFound", "the server could not find the requested resource"},
		{"protobuf", "POST", "/api/v1/namespaces/default/configmaps", "application/vnd.kubernetes.protobuf", "k8s\x00", 415, "UnsupportedMediaType", "which kubeplay apiserver does not read"},
		{"exec before scheduling", "POST", "/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true", "", "", 400, "BadRequest", "pod web does not have a host assigned"},
		{"port-forward before scheduling", "POST", "/api/v1/namespaces/default/pods/web/portforward", "", "", 400, "BadRequest", "pod web does not have a host assigned"},
		{"service proxy without endpoints", "GET", "/api/v1/namespaces/default/services/kubernetes/proxy", "", "", 503, "ServiceUnavailable", `no endpoints available for service "kubernetes"`},
		{"node proxy", "GET", "/api/v1/nodes/n1/proxy/metrics", "", "", 501, "", "nodes/proxy is not served over the HTTP API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, tt.method, tt.path, tt.ctype, tt.body)
			assert.Equal(t, tt.code, r.code, r.body)
			st := decodeMap(t, r.body)
			assert.Equal(t, "Status", st["kind"])
			assert.Equal(t, "Failure", st["status"])
			assert.Equal(t, float64(tt.code), st["code"])
			reason, _ := st["reason"].(string)
			assert.Equal(t, tt.reason, reason)
			assert.Contains(t, st["message"], tt.message)
		})
	}

	// Warn (the default) drops an unknown field and says so.
	r = call(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"bogus":1}`)
	assert.Equal(t, 201, r.code, r.body)
	assert.Equal(t, []string{`299 - "unknown field \"bogus\""`}, r.header.Values("Warning"))

	r = call(t, srv, "PATCH", "/api/v1/namespaces/default/pods/web", "application/merge-patch+json", `{"metadata":{"labels":{"tier":"front"}}}`)
	require.Equal(t, 200, r.code, r.body)
	assert.Equal(t, "front", decodeMap(t, r.body)["metadata"].(map[string]any)["labels"].(map[string]any)["tier"])

	r = call(t, srv, "PATCH", "/api/v1/namespaces/default/pods/web/status", "application/merge-patch+json", `{"status":{"phase":"Running"},"metadata":{"labels":{"ignored":"yes"}}}`)
	require.Equal(t, 200, r.code, r.body)
	got := decodeMap(t, r.body)
	assert.Equal(t, "Running", got["status"].(map[string]any)["phase"])
	assert.NotContains(t, got["metadata"].(map[string]any)["labels"], "ignored")

	r = call(t, srv, "DELETE", "/api/v1/namespaces/default/pods/web", "application/json", `{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`)
	assert.Equal(t, 200, r.code, r.body)
	assert.Equal(t, 404, call(t, srv, "GET", "/api/v1/namespaces/default/pods/web", "", "").code)
}

func TestListChunksAndSelectors(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"` + n + `","labels":{"odd":"` + map[bool]string{true: "yes", false: "no"}[strings.Contains("ace", n)] + `"}}}`
		require.Equal(t, 201, call(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", body).code)
	}
	var names []string
	cont := ""
	for pages := 0; pages < 10; pages++ {
		r := call(t, srv, "GET", "/api/v1/namespaces/default/configmaps?limit=2&continue="+cont, "", "")
		require.Equal(t, 200, r.code, r.body)
		l := decodeMap(t, r.body)
		assert.Equal(t, "ConfigMapList", l["kind"])
		for _, it := range l["items"].([]any) {
			names = append(names, it.(map[string]any)["metadata"].(map[string]any)["name"].(string))
		}
		cont, _ = l["metadata"].(map[string]any)["continue"].(string)
		if cont == "" {
			break
		}
	}
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, names)

	r := call(t, srv, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=odd%3Dyes&fieldSelector=metadata.name!%3Da", "", "")
	l := decodeMap(t, r.body)
	require.Len(t, l["items"], 2)

	r = call(t, srv, "GET", "/api/v1/configmaps?fieldSelector=spec.bogus%3D1", "", "")
	assert.Equal(t, 400, r.code)
	assert.Contains(t, r.body, "field label not supported: spec.bogus")
}

func TestTable(t *testing.T) {
	srv, _ := newTestServer(t)
	require.Equal(t, 201, call(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"1","b":"2"}}`).code)
	r := call(t, srv, "GET", "/api/v1/namespaces/default/configmaps", "", "", "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
	require.Equal(t, 200, r.code, r.body)
	assert.Equal(t, tableContentType, r.contentType)
	tbl := decodeMap(t, r.body)
	assert.Equal(t, "Table", tbl["kind"])
	var headers []string
	for _, c := range tbl["columnDefinitions"].([]any) {
		headers = append(headers, c.(map[string]any)["name"].(string))
	}
	assert.Equal(t, []string{"NAME", "DATA", "AGE"}, headers)
	rows := tbl["rows"].([]any)
	require.Len(t, rows, 1)
	row := rows[0].(map[string]any)
	assert.Equal(t, []any{"cm", "2", "0s"}, row["cells"])
	assert.Equal(t, "PartialObjectMetadata", row["object"].(map[string]any)["kind"])
}

func TestDiscovery(t *testing.T) {
	srv, _ := newTestServer(t)
	r := call(t, srv, "GET", "/apis", "", "", "Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
	require.Equal(t, 200, r.code)
	assert.Equal(t, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", r.contentType)
	assert.Contains(t, r.body, `"resource":"deployments","responseKind":{"group":"apps","version":"v1","kind":"Deployment"},"scope":"Namespaced","singularResource":"deployment"`)
	assert.NotContains(t, r.body, "metrics.k8s.io", "an aggregated group without its server is left out")

	r = call(t, srv, "GET", "/api/v1", "", "")
	l := decodeMap(t, r.body)
	assert.Equal(t, "APIResourceList", l["kind"])
	var names []string
	for _, res := range l["resources"].([]any) {
		names = append(names, res.(map[string]any)["name"].(string))
	}
	assert.Subset(t, names, []string{"pods", "pods/log", "pods/eviction", "pods/status", "pods/ephemeralcontainers", "replicationcontrollers/scale", "namespaces/finalize"})

	r = call(t, srv, "GET", "/apis", "", "")
	assert.Contains(t, r.body, `{"name":"autoscaling","versions":[{"groupVersion":"autoscaling/v2","version":"v2"},{"groupVersion":"autoscaling/v1","version":"v1"}],"preferredVersion":{"groupVersion":"autoscaling/v2","version":"v2"}}`)

	r = call(t, srv, "GET", "/version", "", "")
	assert.Equal(t, apiserver.Version, decodeMap(t, r.body)["gitVersion"])
	assert.Equal(t, "ok", call(t, srv, "GET", "/readyz", "", "").body)
}

func TestWatchSendsInitialEventsThenChanges(t *testing.T) {
	srv, _ := newTestServer(t)
	require.Equal(t, 201, call(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"one"}}`).code)
	resp, err := http.Get(srv.URL + "/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")
	require.NoError(t, err)
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	next := func() map[string]any {
		require.True(t, lines.Scan())
		return decodeMap(t, lines.Text())
	}
	ev := next()
	assert.Equal(t, "ADDED", ev["type"])
	assert.Equal(t, "one", ev["object"].(map[string]any)["metadata"].(map[string]any)["name"])
	ev = next()
	assert.Equal(t, "BOOKMARK", ev["type"])
	assert.Equal(t, "true", ev["object"].(map[string]any)["metadata"].(map[string]any)["annotations"].(map[string]any)[initialEventsEnd])
	require.Equal(t, 201, call(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"two"}}`).code)
	ev = next()
	assert.Equal(t, "ADDED", ev["type"])
	assert.Equal(t, "two", ev["object"].(map[string]any)["metadata"].(map[string]any)["name"])
	require.Equal(t, 200, call(t, srv, "DELETE", "/api/v1/namespaces/default/configmaps/one", "", "").code)
	ev = next()
	assert.Equal(t, "DELETED", ev["type"])
}

func TestWatchFromCompactedRevisionIsExpired(t *testing.T) {
	srv, s := newTestServer(t)
	for _, n := range []string{"a", "b", "c"} {
		require.Equal(t, 201, call(t, srv, "POST", "/api/v1/namespaces/default/configmaps", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"`+n+`"}}`).code)
	}
	done := make(chan struct{})
	s.Loop().Post(func() {
		s.Store().Compact(s.Store().Revision())
		close(done)
	})
	<-done
	r := call(t, srv, "GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2", "", "")
	assert.Equal(t, 200, r.code)
	ev := decodeMap(t, strings.TrimSpace(r.body))
	assert.Equal(t, "ERROR", ev["type"])
	assert.Equal(t, float64(410), ev["object"].(map[string]any)["code"])
	assert.Equal(t, "Expired", ev["object"].(map[string]any)["reason"])
}

func TestOpenAPIv3(t *testing.T) {
	srv, _ := newTestServer(t)
	var index struct {
		Paths map[string]struct{ ServerRelativeURL string }
	}
	require.NoError(t, json.Unmarshal([]byte(call(t, srv, "GET", "/openapi/v3", "", "").body), &index))
	require.Contains(t, index.Paths, "apis/apps/v1")
	url := index.Paths["apis/apps/v1"].ServerRelativeURL
	assert.Regexp(t, `^/openapi/v3/apis/apps/v1\?hash=[0-9A-F]{128}$`, url)

	doc := decodeMap(t, call(t, srv, "GET", url, "", "").body)
	op := doc["paths"].(map[string]any)["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].(map[string]any)["patch"].(map[string]any)
	assert.Equal(t, map[string]any{"group": "apps", "version": "v1", "kind": "Deployment"}, op["x-kubernetes-group-version-kind"])
	var params []string
	for _, p := range op["parameters"].([]any) {
		params = append(params, p.(map[string]any)["name"].(string))
	}
	assert.Contains(t, params, "fieldValidation")
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	dep := schemas["kubeplay.Deployment"].(map[string]any)
	assert.Equal(t, []any{map[string]any{"group": "apps", "version": "v1", "kind": "Deployment"}}, dep["x-kubernetes-group-version-kind"])
	spec := dep["properties"].(map[string]any)["spec"].(map[string]any)
	assert.Equal(t, []any{map[string]any{"$ref": "#/components/schemas/kubeplay.DeploymentSpec"}}, spec["allOf"])
	assert.Contains(t, schemas, "kubeplay.PodSpec", "types the kinds reach are there")

	assert.Equal(t, 404, call(t, srv, "GET", "/openapi/v3/apis/example.com/v1", "", "").code)
	assert.Equal(t, 404, call(t, srv, "GET", "/openapi/v2", "", "").code)
}

// pods/ephemeralcontainers is served as kubectl debug uses it: a strategic
// merge patch adds a container; get and put read and write the pod.
func TestEphemeralContainersSubresource(t *testing.T) {
	srv, _ := newTestServer(t)
	sa := `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}}`
	require.Equal(t, 201, call(t, srv, "POST", "/api/v1/namespaces/default/serviceaccounts", "application/json", sa).code)
	require.Equal(t, 201, call(t, srv, "POST", "/api/v1/namespaces/default/pods", "application/json", podJSON).code)
	const path = "/api/v1/namespaces/default/pods/web/ephemeralcontainers"
	r := call(t, srv, "PATCH", path, "application/strategic-merge-patch+json", `{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox","stdin":true,"tty":true}]}}`)
	require.Equal(t, 200, r.code, r.body)
	assert.Equal(t, "Pod", decodeMap(t, r.body)["kind"])

	r = call(t, srv, "GET", path, "", "")
	require.Equal(t, 200, r.code, r.body)
	pod := decodeMap(t, r.body)
	ecs := pod["spec"].(map[string]any)["ephemeralContainers"].([]any)
	require.Len(t, ecs, 1)
	assert.Equal(t, "debugger", ecs[0].(map[string]any)["name"])

	spec := pod["spec"].(map[string]any)
	spec["ephemeralContainers"] = append(ecs, map[string]any{"name": "two", "image": "busybox"})
	body, err := json.Marshal(pod)
	require.NoError(t, err)
	r = call(t, srv, "PUT", path, "application/json", string(body))
	require.Equal(t, 200, r.code, r.body)
	assert.Len(t, decodeMap(t, r.body)["spec"].(map[string]any)["ephemeralContainers"], 2)

	r = call(t, srv, "PATCH", path, "application/merge-patch+json", `{"spec":{"ephemeralContainers":null}}`)
	assert.Equal(t, 422, r.code, r.body)
	assert.Contains(t, decodeMap(t, r.body)["message"], `existing ephemeral containers "debugger" may not be removed`)
}

// TestInlineHandler serves requests on the test's goroutine, which holds
// the loop, as the in-page kubectl get --raw does: what answers at once is
// served as New serves it, what streams answers 501.
func TestInlineHandler(t *testing.T) {
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 2)))
	h := NewInline(s)
	_, err := s.Create(lookup("", "v1", "configmaps"), "default", &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "one"}})
	require.NoError(t, err)
	tests := []struct {
		path     string
		code     int
		contains string
		exact    string
	}{
		{path: "/healthz", code: 200, exact: "ok"},
		{path: "/readyz?verbose", code: 200, contains: "readyz check passed\n"},
		{path: "/version", code: 200, contains: "{\n  \"major\": \"1\",\n  \"minor\": \"37\",\n  \"emulationMajor\": \"1\","},
		{path: "/api", code: 200, exact: `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"example.com"}]}` + "\n"},
		{path: "/apis", code: 200, contains: `{"kind":"APIGroupList","apiVersion":"v1","groups":[`},
		{path: "/apis/apps/v1", code: 200, contains: `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[`},
		{path: "/api/v1/namespaces/default/configmaps", code: 200, contains: `"kind":"ConfigMapList"`},
		{path: "/api/v1/namespaces/default/configmaps/one", code: 200, contains: `"name":"one"`},
		{path: "/api/v1/namespaces/default/configmaps/two", code: 404, contains: `"message":"configmaps \"two\" not found"`},
		{path: "/openapi/v3/apis/apiregistration.k8s.io/v1", code: 200, contains: `"/apis/apiregistration.k8s.io/v1/apiservices/{name}":{"get":{"operationId":"readAPIService"`},
		{path: "/api/v1/componentstatuses/etcd-0", code: 200, contains: `"conditions":[{"type":"Healthy","status":"True","message":"ok"}]`},
		{path: "/nope", code: 404, contains: `"message":"the server could not find the requested resource"`},
		{path: "/api/v1/namespaces/default/configmaps?watch=true", code: 501, contains: NotStreamed},
		{path: "/api/v1/namespaces/default/pods/web/log?follow=true", code: 501, contains: NotStreamed},
		{path: "/api/v1/namespaces/default/services/web/proxy/", code: 501, contains: NotStreamed},
		{path: "/api/v1/namespaces/default/pods/web/exec?command=ls", code: 501, contains: NotStreamed},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.code, rec.Code)
			if tt.exact != "" {
				assert.Equal(t, tt.exact, rec.Body.String())
			}
			assert.Contains(t, rec.Body.String(), tt.contains)
			if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && tt.path != "/version" && !strings.HasPrefix(tt.path, "/openapi/") {
				assert.True(t, strings.HasSuffix(rec.Body.String(), "}\n"), "the JSON serializer ends an object with a newline: %q", rec.Body.String())
			}
		})
	}
}
