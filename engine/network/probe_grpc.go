package network

import (
	"encoding/binary"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/clock"
	"github.com/kubeplay/kubeplay/engine/network/h2"
	"github.com/kubeplay/kubeplay/engine/network/hpack"
)

// The kubelet's grpc probe calls grpc.health.v1.Health/Check on the pod's
// address with grpc-go, without TLS: HTTP/2 with prior knowledge (h2c).
// This is that call made over the playground's network with a small
// HTTP/2 client of its own: the connection preface and SETTINGS, one
// stream with its HEADERS (HPACK) and DATA (the gRPC length prefix and
// the protobuf HealthCheckRequest), and the response's headers, message
// and trailers (grpc-status, grpc-message). Its results and messages are
// pkg/probe/grpc's:
//
//   - SERVING is a success; another status is `service unhealthy
//     (responded with "NOT_SERVING")`.
//   - grpc-go dials with WithBlock: the connection is ready once the
//     server's SETTINGS came. A refused or reset connection, or a server
//     that does not speak HTTP/2, is retried with grpc-go's backoff (1 s,
//     growing 1.6 times; without its jitter, which would need a random
//     source) until the probe's timeout, which then gives `timeout: failed
//     to connect service "IP:PORT" within 1s: context deadline exceeded`.
//   - A call that does not end within what is left of the timeout gives
//     `timeout: health rpc did not complete within 1s`; Unimplemented
//     `error: this server does not implement the grpc health protocol
//     (grpc.health.v1.Health): MESSAGE`; any other status `error: health
//     rpc probe failed: rpc error: code = NotFound desc = unknown service`.

// healthCheckPath is the method the probe calls.
const healthCheckPath = "/grpc.health.v1.Health/Check"

// grpcUserAgent is what grpc-go sends: the kubelet's user agent and its own.
const grpcUserAgent = probeUserAgent + " grpc-go/1.72.2"

// maxGRPCInput bounds what a probe reads of a response (a health check's
// is a dozen bytes; a server that sends more is not answering it).
const maxGRPCInput = 1 << 20

// GRPC makes a grpc probe of service on host:port; done gets the result
// as a loop task.
func (p *Prober) GRPC(host string, port int, service string, timeout time.Duration, done func(ProbeResult)) {
	c := &grpcCall{p: p, addr: net4(host, port), service: service, timeout: timeout, done: done,
		deadline: p.net.loop.Now().Add(timeout), backoff: time.Second}
	c.timer = p.net.loop.After(timeout, c.expire)
	c.connect()
}

// grpcCall is one probe: a connection attempt (again after a failure,
// until the deadline), then the call.
type grpcCall struct {
	p        *Prober
	addr     string
	service  string
	timeout  time.Duration
	deadline time.Time
	done     func(ProbeResult)
	finished bool
	timer    *clock.Timer
	retry    *clock.Timer
	backoff  time.Duration

	conn     *Conn
	stepping bool   // in step
	more     bool   // step was called meanwhile
	ready    bool   // the server's SETTINGS came: the call is under way
	out      []byte // what is still to be written
	in       []byte // what came and is not parsed yet

	dec        *hpack.Decoder
	block      []byte // a header block being gathered from CONTINUATIONs
	blockEnd   bool   // its HEADERS frame ended the stream
	headers    bool   // the response's headers came
	httpStatus string
	ctype      string
	grpcStatus string
	grpcMsg    string
	message    []byte
}

func (c *grpcCall) finish(r ProbeResult) {
	if c.finished {
		return
	}
	c.finished = true
	c.timer.Stop()
	if c.retry != nil {
		c.retry.Stop()
	}
	c.drop()
	c.done(r)
}

// drop closes the current connection.
func (c *grpcCall) drop() {
	if c.conn != nil {
		c.conn.OnEvent = nil
		c.conn.Close()
		c.conn = nil
	}
}

// expire is the probe's deadline: while connecting, grpc.DialContext's
// context deadline; once connected, the call's.
func (c *grpcCall) expire() {
	if c.ready {
		c.finish(ProbeResult{Output: fmt.Sprintf("timeout: health rpc did not complete within %v", c.timeout)})
		return
	}
	c.finish(ProbeResult{Output: fmt.Sprintf("timeout: failed to connect service %q within %v: context deadline exceeded", c.addr, c.timeout)})
}

// connect makes one connection attempt.
func (c *grpcCall) connect() {
	c.retry = nil
	left := c.deadline.Sub(c.p.net.loop.Now())
	if left <= 0 || c.finished {
		return
	}
	c.p.dial(c.addr, left, func(conn *Conn, _ string) {
		if c.finished {
			if conn != nil {
				conn.Close()
			}
			return
		}
		if conn == nil {
			c.again()
			return
		}
		c.conn, c.in, c.ready = conn, nil, false
		c.dec = hpack.NewDecoder()
		c.out = h2.AppendFrame([]byte(h2.Preface), h2.Settings, 0, 0, nil)
		conn.OnEvent = c.step
		c.step()
	})
}

// again retries the connection after grpc-go's backoff.
func (c *grpcCall) again() {
	c.drop()
	wait := c.backoff
	c.backoff = min(time.Duration(float64(c.backoff)*1.6), 120*time.Second)
	c.retry = c.p.net.loop.After(wait, c.connect)
}

// fail ends the call with a status of grpc-go's, as the prober words it.
func (c *grpcCall) fail(code int, desc string) {
	switch code {
	case grpcUnimplemented:
		c.finish(ProbeResult{Output: "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): " + desc})
	case grpcDeadlineExceeded:
		c.finish(ProbeResult{Output: fmt.Sprintf("timeout: health rpc did not complete within %v", c.timeout)})
	default:
		c.finish(ProbeResult{Output: fmt.Sprintf("error: health rpc probe failed: rpc error: code = %s desc = %s", grpcCodeName(code), desc)})
	}
}

// broken is a connection that failed: before the server's preface, a
// reason to connect again; after, the call's end (Unavailable).
func (c *grpcCall) broken(desc string) {
	if !c.ready {
		c.again()
		return
	}
	c.fail(grpcUnavailable, desc)
}

// step writes what is pending and reads and handles what came, until
// the connection has nothing more to give for now.
func (c *grpcCall) step() {
	if c.stepping {
		// A write can call back at once (the peer answered): the outer
		// step goes round again.
		c.more = true
		return
	}
	c.stepping = true
	defer func() { c.stepping = false }()
	conn := c.conn
	var buf [4096]byte
	for !c.finished && conn == c.conn {
		c.more = false
		for len(c.out) > 0 {
			n, err := conn.Write(c.out)
			if err == EAGAIN {
				break
			}
			if err != nil {
				c.broken("connection error: desc = \"transport: write: " + strings.ToLower(err.Error()) + "\"")
				return
			}
			c.out = c.out[n:]
		}
		n, err := conn.Read(buf[:])
		if err == EAGAIN {
			if c.more {
				continue
			}
			return
		}
		if err != nil {
			c.broken(fmt.Sprintf("error reading from server: read tcp %s->%s: read: %s", conn.LocalAddr(), c.addr, strings.ToLower(err.Error())))
			return
		}
		if n == 0 {
			c.broken("error reading from server: EOF")
			return
		}
		c.in = append(c.in, buf[:n]...)
		if len(c.in) > maxGRPCInput {
			c.fail(grpcInternal, "grpc: received message larger than max")
			return
		}
		c.frames()
	}
}

// frames handles the complete frames that came.
func (c *grpcCall) frames() {
	conn := c.conn
	for !c.finished && conn == c.conn && len(c.in) >= h2.HeaderLen {
		length, typ, flags, stream := h2.ParseHeader(c.in)
		if len(c.in) < h2.HeaderLen+length {
			return
		}
		payload := c.in[h2.HeaderLen : h2.HeaderLen+length]
		c.in = c.in[h2.HeaderLen+length:]
		if !c.ready {
			// The server's preface is a SETTINGS frame.
			if typ != h2.Settings || flags&h2.Ack != 0 {
				c.again()
				return
			}
			c.ready = true
			c.out = h2.AppendFrame(c.out, h2.Settings, h2.Ack, 0, nil)
			c.out = c.appendRequest(c.out)
			continue
		}
		c.frame(typ, flags, stream, payload)
	}
}

// frame handles one frame of an established connection.
func (c *grpcCall) frame(typ, flags byte, stream uint32, payload []byte) {
	switch typ {
	case h2.Settings:
		if flags&h2.Ack == 0 {
			c.out = h2.AppendFrame(c.out, h2.Settings, h2.Ack, 0, nil)
		}
	case h2.Ping:
		if flags&h2.Ack == 0 {
			c.out = h2.AppendFrame(c.out, h2.Ping, h2.Ack, 0, payload)
		}
	case h2.GoAway:
		if len(payload) >= 8 && binary.BigEndian.Uint32(payload[:4])&0x7fffffff < 1 {
			c.fail(grpcUnavailable, "the connection is draining")
		}
	case h2.RSTStream:
		if stream == 1 && len(payload) >= 4 {
			code := binary.BigEndian.Uint32(payload)
			c.fail(rstCode(code), "stream terminated by RST_STREAM with error code: "+h2ErrorName(code))
		}
	case h2.Headers, h2.Continuation, h2.Data:
		if stream != 1 {
			return
		}
		content, ok := h2.Content(typ, flags, payload)
		switch {
		case !ok:
			c.fail(grpcInternal, "transport: malformed frame")
			return
		case typ == h2.Headers:
			c.block, c.blockEnd = append(c.block[:0], content...), flags&h2.EndStream != 0
		case typ == h2.Continuation:
			c.block = append(c.block, content...)
		default:
			c.message = append(c.message, content...)
			if flags&h2.EndStream != 0 {
				c.end()
			}
			return
		}
		if flags&h2.EndHeaders != 0 {
			c.headerBlock()
		}
	}
}

// headerBlock decodes a complete header block: the response's headers,
// then its trailers (or both at once, a trailers-only response).
func (c *grpcCall) headerBlock() {
	fields, err := c.dec.Decode(c.block)
	if err != nil {
		c.fail(grpcInternal, "transport: "+err.Error())
		return
	}
	for _, f := range fields {
		switch f.Name {
		case ":status":
			c.httpStatus = f.Value
		case "content-type":
			c.ctype = f.Value
		case "grpc-status":
			c.grpcStatus = f.Value
		case "grpc-message":
			c.grpcMsg = decodeGRPCMessage(f.Value)
		}
	}
	c.headers = true
	if c.blockEnd {
		c.end()
	}
}

// end judges the response once the server ended the stream.
func (c *grpcCall) end() {
	if c.httpStatus != "200" && c.grpcStatus == "" {
		code, _ := strconv.Atoi(c.httpStatus)
		c.fail(httpStatusCode(code), fmt.Sprintf("unexpected HTTP status code received from server: %d (%s)", code, httpStatusText(code)))
		return
	}
	if !strings.HasPrefix(c.ctype, "application/grpc") {
		c.fail(grpcInternal, fmt.Sprintf("transport: received unexpected content-type %q", c.ctype))
		return
	}
	if c.grpcStatus == "" {
		c.fail(grpcInternal, "server closed the stream without sending trailers")
		return
	}
	code, err := strconv.Atoi(c.grpcStatus)
	if err != nil {
		c.fail(grpcInternal, fmt.Sprintf("transport: malformed grpc-status: %v", err))
		return
	}
	if code != grpcOK {
		c.fail(code, c.grpcMsg)
		return
	}
	status, desc := healthStatus(c.message)
	if desc != "" {
		c.fail(grpcInternal, desc)
		return
	}
	if status != servingStatus {
		c.finish(ProbeResult{Output: fmt.Sprintf("service unhealthy (responded with %q)", servingStatusName(status))})
		return
	}
	c.finish(ProbeResult{Success: true, Output: "service healthy"})
}

// appendRequest appends the call's HEADERS and DATA frames, stream 1.
func (c *grpcCall) appendRequest(b []byte) []byte {
	left := c.deadline.Sub(c.p.net.loop.Now())
	block := hpack.AppendIndexed(nil, 3)  // :method POST
	block = hpack.AppendIndexed(block, 6) // :scheme http
	for _, f := range [][2]string{
		{":path", healthCheckPath}, {":authority", c.addr},
		{"content-type", "application/grpc"}, {"user-agent", grpcUserAgent}, {"te", "trailers"},
		{"grpc-timeout", strconv.FormatInt(max(left.Microseconds(), 1), 10) + "u"},
	} {
		block = hpack.AppendNeverIndexed(block, f[0], f[1])
	}
	b = h2.AppendFrame(b, h2.Headers, h2.EndHeaders, 1, block)
	// HealthCheckRequest{service}: field 1, a string.
	return h2.AppendFrame(b, h2.Data, h2.EndStream, 1, h2.AppendMessage(nil, h2.AppendString(nil, 1, c.service)))
}

// Health statuses of grpc.health.v1.HealthCheckResponse.
const servingStatus = 1

var servingStatusNames = []string{"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"}

// servingStatusName is the enum's String(): its name, or its number.
func servingStatusName(s int32) string {
	if s >= 0 && int(s) < len(servingStatusNames) {
		return servingStatusNames[s]
	}
	return strconv.Itoa(int(s))
}

// healthStatus reads the response: one gRPC message holding a
// HealthCheckResponse, whose field 1 (an enum, a varint) is the status;
// desc says what is wrong with a malformed one, in grpc-go's words.
func healthStatus(data []byte) (status int32, desc string) {
	m, ok := h2.Message(data)
	switch {
	case ok:
	case len(data) < 5:
		return 0, "cardinality violation: received no response message from non-streaming RPC"
	case data[0] != 0:
		return 0, "grpc: compressed flag set with identity or empty encoding"
	case len(data)-5 < int(binary.BigEndian.Uint32(data[1:5])):
		return 0, "server closed the stream without sending trailers"
	default:
		return 0, "cardinality violation: expected <EOF> for non server-streaming RPCs, but received another message"
	}
	if !h2.Fields(m, func(f h2.Field) {
		if f.Num == 1 && f.Bytes == nil {
			status = int32(f.Varint)
		}
	}) {
		return 0, "grpc: failed to unmarshal the received message: proto: cannot parse invalid wire-format data"
	}
	return status, ""
}

// gRPC status codes.
const (
	grpcOK               = 0
	grpcCanceled         = 1
	grpcUnknown          = 2
	grpcDeadlineExceeded = 4
	grpcPermissionDenied = 7
	grpcResourceExhaust  = 8
	grpcUnimplemented    = 12
	grpcInternal         = 13
	grpcUnavailable      = 14
	grpcUnauthenticated  = 16
)

var grpcCodeNames = []string{"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
	"PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal",
	"Unavailable", "DataLoss", "Unauthenticated"}

// grpcCodeName is codes.Code's String().
func grpcCodeName(c int) string {
	if c >= 0 && c < len(grpcCodeNames) {
		return grpcCodeNames[c]
	}
	return "Code(" + strconv.Itoa(c) + ")"
}

// httpStatusCode maps a non-gRPC response's HTTP status to a code, as
// grpc-go does.
func httpStatusCode(status int) int {
	switch status {
	case 400:
		return grpcInternal
	case 401:
		return grpcUnauthenticated
	case 403:
		return grpcPermissionDenied
	case 404:
		return grpcUnimplemented
	case 429, 502, 503, 504:
		return grpcUnavailable
	}
	return grpcUnknown
}

func httpStatusText(code int) string {
	if s, ok := map[int]string{200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
		429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[code]; ok {
		return s
	}
	return ""
}

// rstCode maps an RST_STREAM error code to a gRPC code, as grpc-go does.
func rstCode(code uint32) int {
	switch code {
	case 0x8: // CANCEL
		return grpcCanceled
	case 0x7: // REFUSED_STREAM
		return grpcUnavailable
	case 0xb: // ENHANCE_YOUR_CALM
		return grpcResourceExhaust
	case 0xc: // INADEQUATE_SECURITY
		return grpcPermissionDenied
	}
	return grpcInternal
}

var h2ErrorNames = []string{"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
	"STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR",
	"ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"}

func h2ErrorName(code uint32) string {
	if int(code) < len(h2ErrorNames) {
		return h2ErrorNames[code]
	}
	return fmt.Sprintf("unknown error code 0x%x", code)
}

// decodeGRPCMessage undoes grpc-message's percent-encoding.
func decodeGRPCMessage(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
