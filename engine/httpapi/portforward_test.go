package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The SPDY/3 dictionary is the protocol's 1423 bytes.
func TestSPDYDictionary(t *testing.T) {
	assert.Len(t, spdyDictionary, 1423)
	assert.Equal(t, "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02", fmt.Sprintf("%x", sha256.Sum256(spdyDictionary)))
	assert.Equal(t, []byte{0, 0, 0, 7, 'o', 'p', 't', 'i', 'o', 'n', 's'}, spdyDictionary[:11])
	assert.True(t, bytes.HasSuffix(spdyDictionary, []byte(",utf-,*,enq=0.")))
}

// Header blocks round-trip through one compression context per direction,
// frame after frame.
func TestSPDYHeaderBlocks(t *testing.T) {
	var w spdyHeaderWriter
	var r spdyHeaderReader
	for i, h := range []http.Header{
		{"Streamtype": {"error"}, "Port": {"80"}, "Requestid": {"0"}},
		{"Streamtype": {"data"}, "Port": {"80"}, "Requestid": {"0"}},
		{},
		{"X": {"a", "b"}},
	} {
		got, err := r.read(w.write(h))
		require.NoError(t, err, "block %d", i)
		want := http.Header{}
		for k, vs := range h {
			for _, v := range vs {
				want.Add(k, v)
			}
		}
		assert.Equal(t, want, got, "block %d", i)
	}
}

// spdyClient is a test's kubectl port-forward: SPDY over a WebSocket.
type spdyClient struct {
	t  *testing.T
	ws *wsConn
	in *wsStream
	hw spdyHeaderWriter
	hr spdyHeaderReader
	// What until saw, by stream.
	data           map[uint32]string
	replied, ended map[uint32]bool
}

func (c *spdyClient) send(frame []byte) {
	require.NoError(c.t, c.ws.WriteMessage(wsBinary, frame))
}

func (c *spdyClient) open(id uint32, typ, port, reqID string) {
	h := http.Header{"Streamtype": {typ}, "Port": {port}, "Requestid": {reqID}}
	p := binary.BigEndian.AppendUint32(nil, id)
	p = append(p, 0, 0, 0, 0, 0, 0)
	c.send(spdyControl(spdySynStream, 0, append(p, c.hw.write(h)...)))
}

func (c *spdyClient) frame() spdyFrame {
	f, err := readSPDYFrame(c.in)
	require.NoError(c.t, err)
	return f
}

// until reads frames until the given streams have ended (a FIN or a
// reset), keeping their data and the replies seen.
func (c *spdyClient) until(ids ...uint32) {
	if c.data == nil {
		c.data, c.replied, c.ended = map[uint32]string{}, map[uint32]bool{}, map[uint32]bool{}
	}
	for slices.ContainsFunc(ids, func(id uint32) bool { return !c.ended[id] }) {
		f := c.frame()
		switch {
		case !f.control:
			c.data[f.stream] += string(f.payload)
			if f.flags&spdyFlagFin != 0 {
				c.ended[f.stream] = true
			}
		case f.typ == spdySynReply:
			id := binary.BigEndian.Uint32(f.payload)
			_, err := c.hr.read(f.payload[4:])
			require.NoError(c.t, err)
			c.replied[id] = true
		case f.typ == spdyRstStream:
			c.ended[binary.BigEndian.Uint32(f.payload)] = true
		}
	}
}

func TestPortForward(t *testing.T) {
	srv := newClusterServer(t)
	r := call(t, srv, "POST", "/api/v1/namespaces/default/pods", "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{"containers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":80}]}]}}`)
	require.Equal(t, 201, r.code, r.body)
	require.Eventually(t, func() bool {
		var p api.Pod
		require.NoError(t, json.Unmarshal([]byte(call(t, srv, "GET", "/api/v1/namespaces/default/pods/web", "", "").body), &p))
		return p.Status.Phase == api.PodRunning && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready
	}, 60*time.Second, 20*time.Millisecond)

	ws, resp := dialWS(t, srv, "/api/v1/namespaces/default/pods/web/portforward?ports=80", protoPortForward)
	require.NotNil(t, ws, "handshake: %s", resp.Status)
	assert.Equal(t, protoPortForward, resp.Header.Get("Sec-WebSocket-Protocol"))
	require.NoError(t, ws.conn.SetReadDeadline(time.Now().Add(60*time.Second)))
	c := &spdyClient{t: t, ws: ws, in: &wsStream{ws: ws}}

	// A ping is answered with its id.
	c.send(spdyControl(spdyPing, 0, []byte{0, 0, 0, 1}))
	f := c.frame()
	assert.Equal(t, uint16(spdyPing), f.typ)
	assert.Equal(t, []byte{0, 0, 0, 1}, f.payload)

	// An HTTP request through port 80, as curl through kubectl
	// port-forward: the error stream (closed at once by the client), then
	// the data stream.
	// nginx may not listen yet when its container is ready: the
	// request is retried, with the next streams and request id.
	id := uint32(1)
	for try := 0; ; try++ {
		errID, dataID := id, id+2
		c.open(errID, "error", "80", strconv.Itoa(try))
		c.send(spdyData(errID, spdyFlagFin, nil))
		c.open(dataID, "data", "80", strconv.Itoa(try))
		c.send(spdyData(dataID, 0, []byte("GET / HTTP/1.0\r\nHost: web\r\n\r\n")))
		// As kubectl: the data stream's end, a reset, then the error
		// stream's end.
		c.until(dataID)
		c.send(spdyRst(dataID, spdyRstCancel))
		c.until(errID)
		data, replied := c.data, c.replied
		assert.True(t, replied[errID] && replied[dataID], "both streams get a reply")
		id += 4
		if data[errID] == "" || try == 20 {
			assert.Contains(t, data[dataID], "HTTP/1.1 200 OK")
			assert.Contains(t, data[dataID], "<title>Welcome to nginx!</title>")
			assert.Empty(t, data[errID], "no error")
			break
		}
		assert.Contains(t, data[errID], "connection refused")
		time.Sleep(50 * time.Millisecond)
	}

	// The data stream first, with its data before the error stream
	// comes: nothing is lost.
	c.open(id+2, "data", "80", "late-error")
	c.send(spdyData(id+2, 0, []byte("GET / HTTP/1.0\r\nHost: web\r\n\r\n")))
	c.open(id, "error", "80", "late-error")
	c.until(id + 2)
	c.send(spdyRst(id+2, spdyRstCancel))
	c.until(id)
	assert.Contains(t, c.data[id+2], "<title>Welcome to nginx!</title>")
	assert.Empty(t, c.data[id])
	id += 4

	// A port nothing listens on: the error stream says why, in the
	// kubelet's words.
	c.open(id, "error", "81", "x")
	c.send(spdyData(id, spdyFlagFin, nil))
	c.open(id+2, "data", "81", "x")
	c.until(id, id+2)
	data := c.data
	var e struct {
		CloseConnection bool   `json:"closeConnection"`
		Message         string `json:"message"`
	}
	require.NoError(t, json.Unmarshal([]byte(data[id]), &e), data[id])
	assert.True(t, e.CloseConnection)
	assert.Contains(t, e.Message, "error forwarding port 81 to pod")
	assert.Contains(t, e.Message, "connect: connection refused")

	// A stream without a port is reset.
	c.open(id+4, "data", "", "y")
	f = c.frame()
	assert.Equal(t, uint16(spdyRstStream), f.typ)
	assert.Equal(t, id+4, binary.BigEndian.Uint32(f.payload))

	require.NoError(t, ws.Close(wsCloseNormal, ""))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			assert.ErrorIs(t, err, errWSClosed)
			break
		}
	}

	// Refused before the upgrade, with a Status.
	ws, resp = dialWS(t, srv, "/api/v1/namespaces/default/pods/nope/portforward?ports=80", protoPortForward)
	require.Nil(t, ws)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, `pods "nope" not found`, decodeMap(t, string(body))["message"])
	ws, resp = dialWS(t, srv, "/api/v1/namespaces/default/pods/web/portforward?ports=80", protoV5)
	require.Nil(t, ws)
	body, _ = io.ReadAll(resp.Body)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, decodeMap(t, string(body))["message"], "supports [SPDY/3.1+portforward.k8s.io]")
}

// pods/proxy and services/proxy pass a request to a pod's port and its
// answer back.
func TestProxy(t *testing.T) {
	srv := newClusterServer(t)
	r := call(t, srv, "POST", "/api/v1/namespaces/default/pods", "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":80}]}]}}`)
	require.Equal(t, 201, r.code, r.body)
	r = call(t, srv, "POST", "/api/v1/namespaces/default/services", "application/json",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":8080,"targetPort":80}]}}`)
	require.Equal(t, 201, r.code, r.body)
	var ip string
	require.Eventually(t, func() bool {
		var p api.Pod
		require.NoError(t, json.Unmarshal([]byte(call(t, srv, "GET", "/api/v1/namespaces/default/pods/web", "", "").body), &p))
		ip = p.Status.PodIP
		return call(t, srv, "GET", "/api/v1/namespaces/default/pods/web/proxy/", "", "").code == 200 &&
			call(t, srv, "GET", "/api/v1/namespaces/default/services/web:http/proxy/", "", "").code == 200
	}, 60*time.Second, 50*time.Millisecond, "nginx answers through the proxy")

	tests := []struct {
		name, path string
		code       int
		body       string
	}{
		{"a pod's declared port", "/api/v1/namespaces/default/pods/web/proxy/", 200, "<title>Welcome to nginx!</title>"},
		{"a pod's port", "/api/v1/namespaces/default/pods/web:80/proxy/index.html", 200, "<title>Welcome to nginx!</title>"},
		{"a path nginx lacks", "/api/v1/namespaces/default/pods/web/proxy/nope", 404, "404 Not Found"},
		{"a service by port name", "/api/v1/namespaces/default/services/web:http/proxy/", 200, "<title>Welcome to nginx!</title>"},
		{"a service by port number", "/api/v1/namespaces/default/services/http:web:8080/proxy/", 200, "<title>Welcome to nginx!</title>"},
		{"a closed port", "/api/v1/namespaces/default/pods/web:81/proxy/", 503, "error trying to reach service: dial tcp " + ip + ":81: connect: connection refused"},
		{"a named port not named", "/api/v1/namespaces/default/services/web/proxy/", 503, `no endpoints available for service \"web\"`},
		{"no such service port", "/api/v1/namespaces/default/services/web:99/proxy/", 503, `no service port 99 found for service \"web\"`},
		{"no such pod", "/api/v1/namespaces/default/pods/nope/proxy/", 404, `pods \"nope\" not found`},
		{"no such service", "/api/v1/namespaces/default/services/nope/proxy/", 404, `services \"nope\" not found`},
		{"a bad port", "/api/v1/namespaces/default/pods/web:x/proxy/", 400, `invalid port \"x\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, "GET", tt.path, "", "")
			assert.Equal(t, tt.code, r.code, r.body)
			assert.Contains(t, r.body, tt.body)
		})
	}
}
