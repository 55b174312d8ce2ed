package httpapi

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// A small WebSocket (RFC 6455) endpoint, enough for the streams kubectl
// opens over one: pods/exec, attach and portforward. Messages are read
// whole (a fragmented one is joined), pings are answered, and a close
// frame is echoed, as the RFC asks of a server.

// WebSocket opcodes.
const (
	wsContinuation = 0x0
	wsText         = 0x1
	wsBinary       = 0x2
	wsClose        = 0x8
	wsPing         = 0x9
	wsPong         = 0xa
)

// Close codes.
const (
	wsCloseNormal        = 1000
	wsCloseProtocolError = 1002
	wsCloseTooBig        = 1009
)

// wsMaxMessage bounds a message from the client: kubectl sends its input
// in pieces of at most 32 KiB.
const wsMaxMessage = 4 << 20

// wsGUID is the RFC's key suffix for Sec-WebSocket-Accept.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// errWSClosed is a read on a connection whose peer has closed it.
var errWSClosed = errors.New("websocket: closed by the peer")

// isWebSocket reports whether r asks to upgrade to a WebSocket.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") && headerHasToken(r.Header, "Connection", "upgrade")
}

// isUpgrade reports whether r asks to upgrade its connection to anything
// (SPDY/3.1 for an older client).
func isUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// wsProtocols are the subprotocols a client offers, in its order.
func wsProtocols(r *http.Request) []string {
	var out []string
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// checkWebSocket validates an upgrade request before anything starts and
// picks the subprotocol: the first the client offers that is supported.
func checkWebSocket(r *http.Request, supported []string) (string, error) {
	if r.Method != http.MethodGet {
		return "", newStatus(http.StatusBadRequest, "BadRequest", "websocket: the upgrade request must be a GET")
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		return "", newStatus(http.StatusBadRequest, "BadRequest", "websocket: unsupported version: want Sec-WebSocket-Version 13")
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	if err != nil || len(key) != 16 {
		return "", newStatus(http.StatusBadRequest, "BadRequest", "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing or invalid")
	}
	offered := wsProtocols(r)
	for _, p := range offered {
		for _, s := range supported {
			if p == s {
				return p, nil
			}
		}
	}
	return "", newStatus(http.StatusBadRequest, "BadRequest",
		fmt.Sprintf("requested protocol(s) are not supported: %v; supports %v", offered, supported))
}

// wsAccept is the Sec-WebSocket-Accept for a client's key.
func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// acceptWebSocket completes the handshake checkWebSocket approved, with
// protocol as the subprotocol, and takes over the connection.
func acceptWebSocket(w http.ResponseWriter, r *http.Request, protocol string) (*wsConn, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, errors.New("websocket: the server cannot take over the connection")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, err
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + wsAccept(r.Header.Get("Sec-WebSocket-Key")) + "\r\n"
	if protocol != "" {
		resp += "Sec-WebSocket-Protocol: " + protocol + "\r\n"
	}
	if _, err := io.WriteString(conn, resp+"\r\n"); err != nil {
		conn.Close()
		return nil, err
	}
	return &wsConn{conn: conn, r: rw.Reader}, nil
}

// wsConn is one end of a WebSocket connection. One goroutine reads;
// writes may come from any.
type wsConn struct {
	conn net.Conn
	r    *bufio.Reader
	// client masks what it sends, as a client must (the tests' end).
	client bool

	wmu       sync.Mutex
	closeSent bool
}

// ReadMessage returns the next data message, answering the control
// frames met on the way; errWSClosed once the peer has closed.
func (c *wsConn) ReadMessage() (op byte, data []byte, err error) {
	op = 0
	for {
		fin, fop, payload, err := c.readFrame()
		if err != nil {
			return 0, nil, err
		}
		switch fop {
		case wsPing:
			if err := c.writeFrame(wsPong, payload); err != nil {
				return 0, nil, err
			}
			continue
		case wsPong:
			continue
		case wsClose:
			c.echoClose(payload)
			return 0, nil, errWSClosed
		case wsContinuation:
			if op == 0 {
				return 0, nil, c.fail(wsCloseProtocolError, "continuation frame without a message")
			}
		case wsText, wsBinary:
			if op != 0 {
				return 0, nil, c.fail(wsCloseProtocolError, "new message inside a fragmented one")
			}
			op = fop
		default:
			return 0, nil, c.fail(wsCloseProtocolError, fmt.Sprintf("unknown opcode %d", fop))
		}
		if len(data)+len(payload) > wsMaxMessage {
			return 0, nil, c.fail(wsCloseTooBig, "message too big")
		}
		data = append(data, payload...)
		if fin {
			return op, data, nil
		}
	}
}

// readFrame reads one frame and unmasks its payload.
func (c *wsConn) readFrame() (fin bool, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return false, 0, nil, err
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0f
	masked, n := h[1]&0x80 != 0, uint64(h[1]&0x7f)
	if h[0]&0x70 != 0 {
		return false, 0, nil, c.fail(wsCloseProtocolError, "reserved bits set")
	}
	if masked == c.client {
		return false, 0, nil, c.fail(wsCloseProtocolError, "wrong masking")
	}
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if op >= wsClose && (n > 125 || !fin) {
		return false, 0, nil, c.fail(wsCloseProtocolError, "invalid control frame")
	}
	if n > wsMaxMessage {
		return false, 0, nil, c.fail(wsCloseTooBig, "message too big")
	}
	var mask [4]byte
	if masked {
		if _, err := io.ReadFull(c.r, mask[:]); err != nil {
			return false, 0, nil, err
		}
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.r, payload); err != nil {
		return false, 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return fin, op, payload, nil
}

// WriteMessage sends a whole message in one frame.
func (c *wsConn) WriteMessage(op byte, data []byte) error {
	return c.writeFrame(op, data)
}

func (c *wsConn) writeFrame(op byte, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return errWSClosed
	}
	if op == wsClose {
		c.closeSent = true
	}
	return c.writeLocked(op, data)
}

func (c *wsConn) writeLocked(op byte, data []byte) error {
	hdr := make([]byte, 2, 14)
	hdr[0] = 0x80 | op
	n := len(data)
	switch {
	case n < 126:
		hdr[1] = byte(n)
	case n <= 0xffff:
		hdr[1] = 126
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr[1] = 127
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	frame := data
	if c.client {
		// The key need not be unpredictable here: the client end is
		// the tests', and masking only guards proxies' caches.
		mask := [4]byte{0x6b, 0x75, 0x62, 0x65}
		hdr[1] |= 0x80
		hdr = append(hdr, mask[:]...)
		frame = make([]byte, n)
		for i := range data {
			frame[i] = data[i] ^ mask[i%4]
		}
	}
	_, err := c.conn.Write(append(hdr, frame...))
	return err
}

// Close sends a close frame with code and reason, if none was sent yet.
func (c *wsConn) Close(code int, reason string) error {
	return c.writeFrame(wsClose, closePayload(code, reason))
}

func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// echoClose answers a peer's close frame with the same code.
func (c *wsConn) echoClose(payload []byte) {
	code := wsCloseNormal
	if len(payload) >= 2 {
		code = int(binary.BigEndian.Uint16(payload))
	}
	_ = c.Close(code, "")
}

// fail closes the connection for a protocol error.
func (c *wsConn) fail(code int, reason string) error {
	_ = c.Close(code, reason)
	return fmt.Errorf("websocket: %s", reason)
}
