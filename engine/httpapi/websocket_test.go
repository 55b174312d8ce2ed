package httpapi

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wsPair is a server end and a client end over an in-memory connection.
func wsPair(t *testing.T) (server, client *wsConn) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return &wsConn{conn: a, r: bufio.NewReader(a)}, &wsConn{conn: b, r: bufio.NewReader(b), client: true}
}

// The RFC's example: the key dGhlIHNhbXBsZSBub25jZQ== is accepted with
// s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
func TestWSAccept(t *testing.T) {
	assert.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", wsAccept("dGhlIHNhbXBsZSBub25jZQ=="))
}

func TestWSFraming(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 7000) // a 64-bit length
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short", []byte{chanStdin, 'h', 'i'}},
		{"16-bit length", bytes.Repeat([]byte{7}, 300)},
		{"64-bit length", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := wsPair(t)
			go func() { _ = client.WriteMessage(wsBinary, tt.data) }()
			op, data, err := server.ReadMessage()
			require.NoError(t, err)
			assert.Equal(t, byte(wsBinary), op)
			assert.Equal(t, len(tt.data), len(data))
			assert.True(t, bytes.Equal(tt.data, data))
			// And back, unmasked.
			go func() { _ = server.WriteMessage(wsBinary, tt.data) }()
			_, data, err = client.ReadMessage()
			require.NoError(t, err)
			assert.True(t, bytes.Equal(tt.data, data))
		})
	}
}

// A fragmented message is joined; a ping between its fragments is
// answered with a pong carrying its data.
func TestWSFragmentsAndPing(t *testing.T) {
	server, client := wsPair(t)
	go func() {
		raw := func(b0 byte, payload string) {
			client.wmu.Lock()
			defer client.wmu.Unlock()
			frame := append([]byte{b0, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...) // a zero mask
			_, _ = client.conn.Write(frame)
		}
		raw(wsBinary, "\x01hel")    // not FIN
		raw(0x80|wsPing, "beat")    // a control frame in between
		raw(wsContinuation, "lo, ") // not FIN
		raw(0x80|wsContinuation, "world")
	}()
	got := make(chan []byte, 1)
	go func() {
		_, data, err := server.ReadMessage()
		assert.NoError(t, err)
		got <- data
	}()
	fin, op, payload, err := client.readFrame()
	require.NoError(t, err)
	assert.True(t, fin)
	assert.Equal(t, byte(wsPong), op)
	assert.Equal(t, "beat", string(payload))
	assert.Equal(t, "\x01hello, world", string(<-got))
}

// The server refuses what the RFC forbids with a close frame saying why.
func TestWSProtocolErrors(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
	}{
		{"unmasked client frame", []byte{0x80 | wsBinary, 1, 'x'}},
		{"reserved bits", []byte{0xc0 | wsBinary, 0x80, 0, 0, 0, 0}},
		{"unknown opcode", []byte{0x80 | 0x3, 0x80, 0, 0, 0, 0}},
		{"continuation first", []byte{0x80 | wsContinuation, 0x80, 0, 0, 0, 0}},
		{"fragmented control", []byte{wsPing, 0x80, 0, 0, 0, 0}},
		{"too big", append([]byte{0x80 | wsBinary, 0x80 | 127}, binary.BigEndian.AppendUint64(nil, wsMaxMessage+1)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := wsPair(t)
			go func() { _, _ = client.conn.Write(tt.frame) }()
			errc := make(chan error, 1)
			go func() {
				_, _, err := server.ReadMessage()
				errc <- err
			}()
			_, op, payload, err := client.readFrame()
			require.NoError(t, err)
			assert.Equal(t, byte(wsClose), op)
			require.GreaterOrEqual(t, len(payload), 2)
			code := binary.BigEndian.Uint16(payload)
			assert.Contains(t, []uint16{wsCloseProtocolError, wsCloseTooBig}, code)
			assert.Error(t, <-errc)
		})
	}
}

// A close from the client is echoed once, and ends the reading.
func TestWSClose(t *testing.T) {
	server, client := wsPair(t)
	go func() { _ = client.Close(wsCloseNormal, "bye") }()
	errc := make(chan error, 1)
	go func() {
		_, _, err := server.ReadMessage()
		errc <- err
	}()
	_, op, payload, err := client.readFrame()
	require.NoError(t, err)
	assert.Equal(t, byte(wsClose), op)
	assert.Equal(t, uint16(wsCloseNormal), binary.BigEndian.Uint16(payload))
	assert.Equal(t, errWSClosed, <-errc)
	assert.Equal(t, errWSClosed, server.WriteMessage(wsBinary, []byte{1}), "nothing is sent after the close")
}

func TestCheckWebSocket(t *testing.T) {
	good := func() *http.Request {
		r := httptest.NewRequest("GET", "/api/v1/namespaces/default/pods/web/exec", nil)
		r.Header.Set("Upgrade", "websocket")
		r.Header.Set("Connection", "keep-alive, Upgrade")
		r.Header.Set("Sec-WebSocket-Version", "13")
		r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		r.Header.Set("Sec-WebSocket-Protocol", "v4.channel.k8s.io, v5.channel.k8s.io")
		return r
	}
	tests := []struct {
		name   string
		change func(r *http.Request)
		proto  string
		err    string
	}{
		{"the client's first choice", func(r *http.Request) {}, protoV4, ""},
		{"v5", func(r *http.Request) {
			r.Header.Set("Sec-WebSocket-Protocol", "base64.channel.k8s.io,v5.channel.k8s.io")
		}, protoV5, ""},
		{"POST", func(r *http.Request) { r.Method = "POST" }, "", "the upgrade request must be a GET"},
		{"old version", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "8") }, "", "unsupported version"},
		{"no key", func(r *http.Request) { r.Header.Del("Sec-WebSocket-Key") }, "", "'Sec-WebSocket-Key' header is missing or invalid"},
		{"short key", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "c2hvcnQ=") }, "", "'Sec-WebSocket-Key' header is missing or invalid"},
		{"no subprotocol", func(r *http.Request) { r.Header.Del("Sec-WebSocket-Protocol") }, "", "requested protocol(s) are not supported: []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			tt.change(r)
			require.True(t, isWebSocket(r) || tt.err != "")
			proto, err := checkWebSocket(r, []string{protoV5, protoV4})
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Equal(t, int32(400), statusOf(err).Code)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.proto, proto)
		})
	}
}
