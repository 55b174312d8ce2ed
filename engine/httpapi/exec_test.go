package httpapi

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// newClusterServer serves a whole cluster (a worker, the images) over
// HTTP; a driver moves its virtual time 20 times faster than the wall
// clock and runs whatever a request posts.
func newClusterServer(t *testing.T) *httptest.Server {
	c, err := cluster.New(cluster.Config{Seed: 1, Workers: 1, Modules: runtime.NewFSSource(wasmtest.Modules(t))})
	require.NoError(t, err)
	l := c.Loop()
	wake := make(chan struct{}, 1)
	l.OnPost(func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-wake:
				l.RunUntilIdle()
			case <-tick.C:
				l.AdvanceBy(20 * time.Millisecond)
			}
		}
	}()
	srv := httptest.NewServer(New(c.API()))
	t.Cleanup(func() {
		srv.Close()
		close(stop)
		<-stopped
		c.Close()
	})
	return srv
}

// runningPod creates a busybox pod with the given containers (each
// sleeping) and waits for it to run.
func runningPod(t *testing.T, srv *httptest.Server, name string, containers ...string) {
	var cs []string
	for _, c := range containers {
		cs = append(cs, fmt.Sprintf(`{"name":%q,"image":"busybox","command":["sleep","3600"]}`, c))
	}
	body := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q},"spec":{"containers":[%s]}}`, name, strings.Join(cs, ","))
	r := call(t, srv, "POST", "/api/v1/namespaces/default/pods", "application/json", body)
	require.Equal(t, 201, r.code, r.body)
	require.Eventually(t, func() bool {
		r := call(t, srv, "GET", "/api/v1/namespaces/default/pods/"+name, "", "")
		var p api.Pod
		require.NoError(t, json.Unmarshal([]byte(r.body), &p))
		return p.Status.Phase == api.PodRunning
	}, 60*time.Second, 20*time.Millisecond)
}

// dialWS opens a WebSocket to path with the given subprotocols, as
// client-go's dialer does; resp is the server's answer to the handshake.
func dialWS(t *testing.T, srv *httptest.Server, path string, protocols ...string) (*wsConn, *http.Response) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key))
	if len(protocols) > 0 {
		req.Header.Set("Sec-WebSocket-Protocol", strings.Join(protocols, ", "))
	}
	require.NoError(t, req.Write(conn))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	require.NoError(t, err)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, resp
	}
	assert.Equal(t, wsAccept(base64.StdEncoding.EncodeToString(key)), resp.Header.Get("Sec-WebSocket-Accept"))
	return &wsConn{conn: conn, r: br, client: true}, resp
}

// session is what a client saw of a stream: its channels' data, the
// final status and whether the server closed the connection cleanly.
type session struct {
	out    map[byte]string
	first  []byte // the first message
	status map[string]any
	closed bool
}

// readSession reads messages until the server closes.
func readSession(t *testing.T, ws *wsConn) session {
	t.Helper()
	s := session{out: map[byte]string{}}
	require.NoError(t, ws.conn.SetReadDeadline(time.Now().Add(60*time.Second)))
	for {
		op, data, err := ws.ReadMessage()
		if err == errWSClosed {
			s.closed = true
			return s
		}
		require.NoError(t, err)
		require.Equal(t, byte(wsBinary), op)
		require.NotEmpty(t, data)
		if s.first == nil {
			s.first = data
		}
		if data[0] == chanError && len(data) > 1 {
			require.Nil(t, s.status, "a second status")
			require.NoError(t, json.Unmarshal(data[1:], &s.status))
			continue
		}
		s.out[data[0]] += string(data[1:])
	}
}

func execPath(pod string, query string) string {
	return "/api/v1/namespaces/default/pods/" + pod + "/exec?" + query
}

func TestExec(t *testing.T) {
	srv := newClusterServer(t)
	runningPod(t, srv, "web", "c")
	runningPod(t, srv, "two", "a", "b")
	tests := []struct {
		name       string
		path       string
		stdout     string
		stderr     string
		statusJSON string
	}{
		{name: "a file", path: execPath("web", "command=cat&command=/etc/hostname&stdout=true&stderr=true"),
			stdout: "web\n", statusJSON: `{"metadata":{},"status":"Success"}`},
		{name: "stderr and an exit code", path: execPath("web", "command=sh&command=-c&command=echo+oops+>%262%3B+exit+3&stdout=true&stderr=true"),
			stderr: "oops\n",
			statusJSON: `{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 3",` +
				`"reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`},
		{name: "a named container", path: execPath("two", "container=b&command=hostname&stdout=true"),
			stdout: "two\n", statusJSON: `{"metadata":{},"status":"Success"}`},
		{name: "a terminal puts stderr on stdout", path: execPath("web", "command=sh&command=-c&command=echo+oops+>%262&stdout=true&tty=true"),
			stdout: "oops\n", statusJSON: `{"metadata":{},"status":"Success"}`},
		{name: "no such program", path: execPath("web", "command=nope&stdout=true&stderr=true"),
			statusJSON: `{"metadata":{},"status":"Failure","reason":"InternalError","code":500}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, resp := dialWS(t, srv, tt.path, protoV5, protoV4)
			require.NotNil(t, ws, "handshake: %s", resp.Status)
			assert.Equal(t, protoV5, resp.Header.Get("Sec-WebSocket-Protocol"))
			s := readSession(t, ws)
			assert.True(t, s.closed, "the server closes the connection")
			assert.Equal(t, []byte{chanStdout}, s.first[:1], "the first message opens stdout")
			assert.Equal(t, tt.stdout, s.out[chanStdout])
			assert.Equal(t, tt.stderr, s.out[chanStderr])
			got, err := json.Marshal(s.status)
			require.NoError(t, err)
			if tt.name == "no such program" {
				// The message is the kubelet's, with a random exec id.
				msg := s.status["message"].(string)
				assert.Contains(t, msg, "Internal error occurred: error executing command in container")
				delete(s.status, "message")
				delete(s.status, "details")
				got, _ = json.Marshal(s.status)
			}
			assert.JSONEq(t, tt.statusJSON, string(got))
		})
	}
}

// echo hi | kubectl exec -i POD -- cat: the input reaches the command,
// v5's close of stdin ends it.
func TestExecStdin(t *testing.T) {
	srv := newClusterServer(t)
	runningPod(t, srv, "web", "c")
	for _, proto := range []string{protoV5, protoV4} {
		t.Run(proto, func(t *testing.T) {
			ws, resp := dialWS(t, srv, execPath("web", "command=cat&stdin=true&stdout=true&stderr=true"), proto)
			require.NotNil(t, ws, "handshake: %s", resp.Status)
			assert.Equal(t, proto, resp.Header.Get("Sec-WebSocket-Protocol"))
			require.NoError(t, ws.WriteMessage(wsBinary, append([]byte{chanStdin}, "hi\n"...)))
			require.NoError(t, ws.WriteMessage(wsBinary, append([]byte{chanStdin}, "there\n"...)))
			if proto == protoV5 {
				require.NoError(t, ws.WriteMessage(wsBinary, []byte{chanClose, chanStdin}))
				s := readSession(t, ws)
				assert.Equal(t, "hi\nthere\n", s.out[chanStdout])
				assert.Equal(t, "Success", s.status["status"])
				return
			}
			// v4 has no close of stdin: the client ends by closing the
			// connection, which stops the command.
			var got string
			require.NoError(t, ws.conn.SetReadDeadline(time.Now().Add(60*time.Second)))
			for got != "hi\nthere\n" {
				_, data, err := ws.ReadMessage()
				require.NoError(t, err)
				if data[0] == chanStdout {
					got += string(data[1:])
				}
			}
			require.NoError(t, ws.Close(wsCloseNormal, ""))
			_, _, err := ws.ReadMessage()
			assert.Equal(t, errWSClosed, err, "the server answers the close")
		})
	}
}

// Requests refused before the upgrade get a Status, as kube-apiserver's.
func TestExecBadRequests(t *testing.T) {
	srv := newClusterServer(t)
	runningPod(t, srv, "web", "c")
	runningPod(t, srv, "two", "a", "b")
	tests := []struct {
		name, path string
		protocols  []string
		code       int
		reason     string
		message    string
	}{
		{"no such pod", execPath("nope", "command=ls&stdout=true"), []string{protoV5}, 404, "NotFound", `pods "nope" not found`},
		{"no such container", execPath("web", "container=x&command=ls&stdout=true"), []string{protoV5}, 400, "BadRequest", "container x is not valid for pod web"},
		{"which container", execPath("two", "command=ls&stdout=true"), []string{protoV5}, 400, "BadRequest", "a container name must be specified for pod two, choose one of: [a b]"},
		{"no command", execPath("web", "stdout=true"), []string{protoV5}, 400, "BadRequest", "you must specify at least 1 command"},
		{"no stream", execPath("web", "command=ls"), []string{protoV5}, 400, "BadRequest", "you must specify at least one of stdin, stdout, stderr"},
		{"unknown subprotocol", execPath("web", "command=ls&stdout=true"), []string{"v3.channel.k8s.io"}, 400, "BadRequest",
			"requested protocol(s) are not supported: [v3.channel.k8s.io]; supports [v5.channel.k8s.io v4.channel.k8s.io]"},
		{"attach to no such container", "/api/v1/namespaces/default/pods/web/attach?container=x&stdout=true", []string{protoV5}, 400, "BadRequest", "container x is not valid for pod web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, resp := dialWS(t, srv, tt.path, tt.protocols...)
			require.Nil(t, ws, "no upgrade")
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.code, resp.StatusCode)
			st := decodeMap(t, string(body))
			assert.Equal(t, "Status", st["kind"])
			assert.Equal(t, tt.reason, st["reason"])
			assert.Equal(t, tt.message, st["message"])
		})
	}
	// Without a WebSocket: plain POST, and kubectl's SPDY fallback.
	r := call(t, srv, "POST", execPath("web", "command=ls&stdout=true"), "", "")
	assert.Equal(t, 400, r.code)
	assert.Equal(t, "Upgrade request required", decodeMap(t, r.body)["message"])
	r = call(t, srv, "POST", execPath("web", "command=ls&stdout=true"), "", "", "Connection", "Upgrade", "Upgrade", "SPDY/3.1")
	assert.Equal(t, 400, r.code)
	assert.Contains(t, decodeMap(t, r.body)["message"], "streams exec over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io) only, not SPDY/3.1")
	r = call(t, srv, "POST", execPath("nope", "command=ls&stdout=true"), "", "", "Connection", "Upgrade", "Upgrade", "SPDY/3.1")
	assert.Equal(t, 404, r.code)
}

// kubectl attach: the output of the container's main process, until it
// ends; the client leaving detaches.
func TestAttach(t *testing.T) {
	srv := newClusterServer(t)
	body := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"counter"},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox",` +
		`"stdin":true,"stdinOnce":true,"command":["sh","-c","read x; echo got $x; echo bye >&2"]}]}}`
	r := call(t, srv, "POST", "/api/v1/namespaces/default/pods", "application/json", body)
	require.Equal(t, 201, r.code, r.body)
	require.Eventually(t, func() bool {
		var p api.Pod
		require.NoError(t, json.Unmarshal([]byte(call(t, srv, "GET", "/api/v1/namespaces/default/pods/counter", "", "").body), &p))
		return p.Status.Phase == api.PodRunning
	}, 60*time.Second, 20*time.Millisecond)
	ws, resp := dialWS(t, srv, "/api/v1/namespaces/default/pods/counter/attach?container=c&stdin=true&stdout=true&stderr=true", protoV5)
	require.NotNil(t, ws, "handshake: %s", resp.Status)
	require.NoError(t, ws.WriteMessage(wsBinary, append([]byte{chanStdin}, "it\n"...)))
	s := readSession(t, ws)
	assert.Equal(t, "got it\n", s.out[chanStdout])
	assert.Equal(t, "bye\n", s.out[chanStderr])
	assert.Equal(t, "Success", s.status["status"])
	assert.True(t, s.closed)
}
