package network

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2/hpack"

	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/network/h2"
)

// The kubelet's grpc probe against agnhost's grpc-health-checking, with
// pkg/probe/grpc's results and messages.
func TestGRPCProbes(t *testing.T) {
	g := newGuests(t)
	agnhost := "registry.k8s.io/e2e-test-images/agnhost:2.40"
	g.run(t, "node01", "10.244.1.2", agnhost, "grpc-health-checking")
	g.run(t, "node01", "10.244.1.3", agnhost, "grpc-health-checking", "--port=5001", "--service=etcd", "--delay-unhealthy-sec=0")
	g.run(t, "node01", "10.244.1.4", "nginx")
	g.loop.AdvanceBy(5 * time.Second)
	p := g.net.Prober("node01", "172.18.0.3")
	probe := func(host string, port int, service string) func(func(ProbeResult)) {
		return func(done func(ProbeResult)) { p.GRPC(host, port, service, time.Second, done) }
	}
	tests := []struct {
		name  string
		probe func(func(ProbeResult))
		want  ProbeResult
	}{
		{"serving", probe("10.244.1.2", 5000, ""), ProbeResult{Success: true, Output: "service healthy"}},
		{"unknown service", probe("10.244.1.2", 5000, "nosuch"),
			ProbeResult{Output: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"}},
		{"not serving", probe("10.244.1.3", 5001, "etcd"), ProbeResult{Output: `service unhealthy (responded with "NOT_SERVING")`}},
		{"refused", probe("10.244.1.2", 5002, ""),
			ProbeResult{Output: `timeout: failed to connect service "10.244.1.2:5002" within 1s: context deadline exceeded`}},
		{"no answer", probe("10.244.9.9", 5000, ""),
			ProbeResult{Output: `timeout: failed to connect service "10.244.9.9:5000" within 1s: context deadline exceeded`}},
		{"not HTTP/2", probe("10.244.1.4", 80, ""),
			ProbeResult{Output: `timeout: failed to connect service "10.244.1.4:80" within 1s: context deadline exceeded`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *ProbeResult
			tt.probe(func(r ProbeResult) { got = &r })
			g.loop.AdvanceBy(2 * time.Second)
			require.NotNil(t, got)
			assert.Equal(t, tt.want, *got)
		})
	}

	// /make-not-serving on the HTTP port turns it NOT_SERVING, and
	// /make-serving back.
	rt, id := g.run(t, "node02", "10.244.2.2", "busybox", "sh", "-c", "wget -qO- 10.244.1.2:8080/make-not-serving; echo; sleep 5; wget -qO- 10.244.1.2:8080/make-serving")
	g.loop.AdvanceBy(time.Second)
	var got ProbeResult
	p.GRPC("10.244.1.2", 5000, "", time.Second, func(r ProbeResult) { got = r })
	g.loop.AdvanceBy(time.Second)
	assert.Equal(t, ProbeResult{Output: `service unhealthy (responded with "NOT_SERVING")`}, got)
	g.loop.AdvanceBy(10 * time.Second)
	p.GRPC("10.244.1.2", 5000, "", time.Second, func(r ProbeResult) { got = r })
	g.loop.AdvanceBy(time.Second)
	assert.True(t, got.Success, got.Output)
	assert.Regexp(t, `^\d+(\.\d+)?s\n\d+(\.\d+)?s\n$`, logText(t, rt, id))
}

// h2Server is a scripted HTTP/2 server on the network: it sends preface
// when a connection comes, and reply once the client's request stream
// ended; it records the request's headers and message.
type h2Server struct {
	preface, reply []byte
	closeAfter     bool // close once it replied
	headers        map[string]string
	message        []byte
}

func (s *h2Server) listen(t *testing.T, n *Network, ip string, port uint16) {
	l, err := n.Join(netip.MustParseAddr(ip), "node01").Listen(port)
	require.NoError(t, err)
	dec := hpack.NewDecoder(4096, nil)
	l.OnEvent = func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		var in []byte
		var step func()
		out := append([]byte(nil), s.preface...)
		replied := false
		c.OnEvent = func() { n.loop.Post(step) }
		step = func() {
			for len(out) > 0 {
				n, err := c.Write(out)
				if err != nil {
					break
				}
				out = out[n:]
			}
			if replied && len(out) == 0 && s.closeAfter {
				c.Close()
				return
			}
			buf := make([]byte, 4096)
			for {
				n, err := c.Read(buf)
				if err != nil || n == 0 {
					return
				}
				in = append(in, buf[:n]...)
				rest, ok := bytes.CutPrefix(in, []byte(h2.Preface))
				for ok && len(rest) >= 9 && !replied {
					length := int(rest[0])<<16 | int(rest[1])<<8 | int(rest[2])
					if len(rest) < 9+length {
						break
					}
					typ, flags, payload := rest[3], rest[4], rest[9:9+length]
					rest = rest[9+length:]
					switch typ {
					case h2.Headers:
						fields, err := dec.DecodeFull(payload)
						require.NoError(t, err)
						s.headers = map[string]string{}
						for _, f := range fields {
							s.headers[f.Name] = f.Value
						}
					case h2.Data:
						s.message = append(s.message, payload...)
						if flags&h2.EndStream != 0 {
							replied = true
							out = append(out, s.reply...)
							step()
							return
						}
					}
				}
				if !ok {
					continue
				}
				in = append([]byte(h2.Preface), rest...)
			}
		}
		step()
	}
}

func frame(typ, flags byte, stream uint32, payload []byte) []byte {
	return h2.AppendFrame(nil, typ, flags, stream, payload)
}

// headerFrame encodes fields with an HPACK encoder of its own (Huffman
// codes and its dynamic table), as a HEADERS frame of stream 1.
func headerFrame(enc *hpack.Encoder, buf *bytes.Buffer, flags byte, fields ...string) []byte {
	buf.Reset()
	for i := 0; i < len(fields); i += 2 {
		_ = enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return frame(h2.Headers, flags|h2.EndHeaders, 1, buf.Bytes())
}

// The client against scripted servers: what it sends, and how it reads
// each kind of answer.
func TestGRPCProbeResponses(t *testing.T) {
	settings := frame(h2.Settings, 0, 0, nil)
	// Each reply goes to a new connection: an encoder of its own.
	var buf bytes.Buffer
	fresh := func() *hpack.Encoder { return hpack.NewEncoder(&buf) }
	ok := func(msg []byte) []byte {
		enc := fresh()
		var b []byte
		b = append(b, headerFrame(enc, &buf, 0, ":status", "200", "content-type", "application/grpc")...)
		b = append(b, frame(h2.Data, 0, 1, h2.AppendMessage(nil, msg))...)
		return append(b, headerFrame(enc, &buf, h2.EndStream, "grpc-status", "0")...)
	}
	status := func(code, msg string) []byte {
		return headerFrame(fresh(), &buf, h2.EndStream, ":status", "200", "content-type", "application/grpc", "grpc-status", code, "grpc-message", msg)
	}
	rst := make([]byte, 4)
	rst[3] = 0x8 // CANCEL
	tests := []struct {
		name   string
		server h2Server
		want   ProbeResult
	}{
		{"serving", h2Server{preface: settings, reply: ok([]byte{0x08, 0x01})}, ProbeResult{Success: true, Output: "service healthy"}},
		{"ping and settings first", h2Server{preface: append(append(settings, frame(h2.Ping, 0, 0, make([]byte, 8))...), frame(h2.Settings, 0, 0, []byte{0, 4, 0, 1, 0, 0})...),
			reply: ok([]byte{0x08, 0x01})}, ProbeResult{Success: true, Output: "service healthy"}},
		{"service unknown", h2Server{preface: settings, reply: ok([]byte{0x08, 0x03})}, ProbeResult{Output: `service unhealthy (responded with "SERVICE_UNKNOWN")`}},
		{"status left out", h2Server{preface: settings, reply: ok(nil)}, ProbeResult{Output: `service unhealthy (responded with "UNKNOWN")`}},
		{"status unknown to the enum", h2Server{preface: settings, reply: ok([]byte{0x08, 0x07})}, ProbeResult{Output: `service unhealthy (responded with "7")`}},
		{"unimplemented", h2Server{preface: settings, reply: status("12", "unknown%20service grpc.health.v1.Health")},
			ProbeResult{Output: "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"}},
		{"deadline exceeded", h2Server{preface: settings, reply: status("4", "too slow")}, ProbeResult{Output: "timeout: health rpc did not complete within 1s"}},
		{"permission denied", h2Server{preface: settings, reply: status("7", "no")},
			ProbeResult{Output: "error: health rpc probe failed: rpc error: code = PermissionDenied desc = no"}},
		{"plain HTTP/2 404", h2Server{preface: settings, reply: headerFrame(fresh(), &buf, h2.EndStream, ":status", "404", "content-type", "text/plain")},
			ProbeResult{Output: "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unexpected HTTP status code received from server: 404 (Not Found)"}},
		{"reset stream", h2Server{preface: settings, reply: frame(h2.RSTStream, 0, 1, rst)},
			ProbeResult{Output: "error: health rpc probe failed: rpc error: code = Canceled desc = stream terminated by RST_STREAM with error code: CANCEL"}},
		{"closed after the preface", h2Server{preface: settings, closeAfter: true},
			ProbeResult{Output: "error: health rpc probe failed: rpc error: code = Unavailable desc = error reading from server: EOF"}},
		{"no answer to the call", h2Server{preface: settings}, ProbeResult{Output: "timeout: health rpc did not complete within 1s"}},
		{"no preface", h2Server{}, ProbeResult{Output: `timeout: failed to connect service "10.244.1.2:5000" within 1s: context deadline exceeded`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := loop.New(epoch)
			n := New(l)
			s := tt.server
			s.listen(t, n, "10.244.1.2", 5000)
			var got *ProbeResult
			n.Prober("node01", "172.18.0.3").GRPC("10.244.1.2", 5000, "etcd", time.Second, func(r ProbeResult) { got = &r })
			l.AdvanceBy(2 * time.Second)
			require.NotNil(t, got)
			assert.Equal(t, tt.want, *got)
			if s.preface != nil {
				assert.Equal(t, "/grpc.health.v1.Health/Check", s.headers[":path"])
				assert.Equal(t, "POST", s.headers[":method"])
				assert.Equal(t, "application/grpc", s.headers["content-type"])
				assert.Equal(t, "trailers", s.headers["te"])
				assert.Equal(t, "kube-probe/1.37 grpc-go/1.72.2", s.headers["user-agent"])
				assert.Equal(t, []byte{0, 0, 0, 0, 6, 0x0a, 4, 'e', 't', 'c', 'd'}, s.message)
			}
		})
	}
}
