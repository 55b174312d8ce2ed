package network

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// node is a runtime on the shared loop and network.
type guests struct {
	loop *loop.Loop
	net  *Network
	rts  map[string]*runtime.Runtime
}

func newGuests(t testing.TB) *guests { return newGuestsWith(t, runtime.Options{}) }

// newGuestsWith is newGuests with the engine's options (the network's
// host module is added).
func newGuestsWith(t testing.TB, opts runtime.Options) *guests {
	l := loop.New(epoch)
	n := New(l)
	opts.HostModules = append(opts.HostModules, n.Module(nil))
	e := runtime.NewEngine(runtime.NewFSSource(wasmtest.Modules(t)), opts)
	t.Cleanup(func() { _ = e.Close() })
	g := &guests{loop: l, net: n, rts: map[string]*runtime.Runtime{}}
	for i, node := range []string{"node01", "node02"} {
		g.rts[node] = runtime.New(node, e, l, rand.New(rand.NewPCG(uint64(i), 1)), nil)
	}
	return g
}

// run starts a container of image on node as a pod with ip.
func (g *guests) run(t testing.TB, node, ip, image string, args ...string) (*runtime.Runtime, string) {
	t.Helper()
	rt := g.rts[node]
	img, present := rt.ImageStatus(image)
	if !present {
		var pullErr error
		rt.PullImage(image, func(i runtime.Image, _ time.Duration, err error) { img, pullErr = i, err })
		g.loop.AdvanceBy(10 * time.Second)
		require.NoError(t, pullErr)
	}
	cfg := img.Config
	argv := append(append([]string(nil), cfg.Entrypoint...), cfg.Cmd...)
	if len(args) > 0 {
		argv = append(append([]string(nil), cfg.Entrypoint...), args...)
	}
	id, err := rt.CreateContainer(runtime.ContainerConfig{Name: "c", Image: img, Command: argv[:1], Args: argv[1:],
		Sandbox: runtime.Sandbox{PodUID: ip, PodName: ip, Network: ip, IP: ip}})
	require.NoError(t, err)
	require.NoError(t, rt.StartContainer(id))
	return rt, id
}

// shell is a busybox command line and what it prints.
type shell struct {
	cmd  string
	want string
}

// shells runs each command line in a busybox pod of its own on node02
// and checks what it printed a minute later.
func (g *guests) shells(t *testing.T, tests []shell) {
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			rt, id := g.run(t, "node02", "10.244.2.2", "busybox", "sh", "-c", tt.cmd+" 2>&1")
			g.loop.AdvanceBy(time.Minute)
			assert.Equal(t, tt.want, logText(t, rt, id))
		})
	}
}

func logText(t testing.TB, rt *runtime.Runtime, id string) string {
	lines, err := rt.Logs(id)
	require.NoError(t, err)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}

// A busybox container's wget reaches an http-echo container on another
// node, and nginx's welcome page, and gets busybox's errors otherwise.
func TestGuestsTalk(t *testing.T) {
	g := newGuests(t)
	g.run(t, "node01", "10.244.1.2", "hashicorp/http-echo", "-text=hello from echo")
	nginxRT, nginxID := g.run(t, "node01", "10.244.1.3", "nginx")
	g.run(t, "node01", "10.244.1.4", "busybox", "sleep", "3600")
	g.loop.AdvanceBy(5 * time.Second)

	tests := []shell{
		{"wget -qO- http://10.244.1.2:5678/", "hello from echo\n"},
		{"wget -qO- 10.244.1.3 | grep title", "<title>Welcome to nginx!</title>\n"},
		{"wget -qO- http://10.244.1.3/nosuch", "wget: server returned error: HTTP/1.1 404 Not Found\n"},
		{"wget -qO- http://10.244.1.3:81/", "wget: can't connect to remote host (10.244.1.3): Connection refused\n"},
		{"wget -qO- -T 5 http://10.244.9.9/", "wget: download timed out\n"},
		{"wget -qO- http://10.244.1.4/", "wget: can't connect to remote host (10.244.1.4): Connection refused\n"},
	}
	g.shells(t, tests)
	assert.Contains(t, logText(t, nginxRT, nginxID), `10.244.2.2 - - [01/Jan/2026:00:0`)
	assert.Contains(t, logText(t, nginxRT, nginxID), `"GET / HTTP/1.1" 200 615 "-" "Wget" "-"`)
}

// The kubelet's probes from a node: results and messages as upstream's.
func TestProbes(t *testing.T) {
	g := newGuests(t)
	g.run(t, "node01", "10.244.1.3", "nginx")
	g.loop.AdvanceBy(5 * time.Second)
	p := g.net.Prober("node01", "172.18.0.3")
	tests := []struct {
		name  string
		probe func(done func(ProbeResult))
		want  ProbeResult
	}{
		{"tcp open", func(d func(ProbeResult)) { p.TCP("10.244.1.3", 80, time.Second, d) }, ProbeResult{Success: true}},
		{"tcp refused", func(d func(ProbeResult)) { p.TCP("10.244.1.3", 81, time.Second, d) },
			ProbeResult{Output: "dial tcp 10.244.1.3:81: connect: connection refused"}},
		{"tcp timeout", func(d func(ProbeResult)) { p.TCP("10.244.9.9", 80, time.Second, d) },
			ProbeResult{Output: "dial tcp 10.244.9.9:80: i/o timeout"}},
		{"http 200", func(d func(ProbeResult)) { p.HTTP(HTTPGet{Host: "10.244.1.3", Port: 80, Path: "/"}, time.Second, d) }, ProbeResult{Success: true}},
		{"http 404", func(d func(ProbeResult)) {
			p.HTTP(HTTPGet{Host: "10.244.1.3", Port: 80, Path: "/healthz"}, time.Second, d)
		},
			ProbeResult{Output: "HTTP probe failed with statuscode: 404"}},
		{"http refused", func(d func(ProbeResult)) {
			p.HTTP(HTTPGet{Host: "10.244.1.3", Port: 8080, Path: "/healthz"}, time.Second, d)
		},
			ProbeResult{Output: `Get "http://10.244.1.3:8080/healthz": dial tcp 10.244.1.3:8080: connect: connection refused`}},
		{"http timeout", func(d func(ProbeResult)) { p.HTTP(HTTPGet{Host: "10.244.9.9", Port: 80, Path: "/"}, time.Second, d) },
			ProbeResult{Output: `Get "http://10.244.9.9:80/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`}},
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
}

// agnhost's subcommands and hpa-example answer as theirs do.
func TestTestImages(t *testing.T) {
	g := newGuests(t)
	g.run(t, "node02", "10.244.2.3", "busybox", "true")
	g.run(t, "node01", "10.244.1.5", "registry.k8s.io/hpa-example")
	g.run(t, "node01", "10.244.1.2", "registry.k8s.io/e2e-test-images/agnhost:2.39", "serve-hostname")
	g.run(t, "node01", "10.244.1.3", "registry.k8s.io/e2e-test-images/agnhost:2.39", "netexec", "--http-port=8080")
	g.run(t, "node01", "10.244.1.4", "registry.k8s.io/e2e-test-images/agnhost:2.39", "liveness")
	g.loop.AdvanceBy(2 * time.Second)
	rt, id := g.run(t, "node02", "10.244.2.2", "busybox", "sh", "-c", `wget -qO- 10.244.1.2:9376; echo; wget -qO- "10.244.1.3:8080/echo?msg=hi+there"; echo; wget -qO- 10.244.1.4:8080/healthz; echo; wget -qO- 10.244.1.5; echo; sleep 20; wget -qO- 10.244.1.4:8080/healthz 2>&1`)
	g.loop.AdvanceBy(time.Minute)
	out := logText(t, rt, id)
	assert.Equal(t, "localhost\nhi there\nok\nOK!\nwget: server returned error: HTTP/1.1 500 Internal Server Error\n", out)
}

// redis answers redis-cli over RESP.
func TestRedis(t *testing.T) {
	g := newGuests(t)
	g.run(t, "node01", "10.244.1.2", "redis")
	g.loop.AdvanceBy(2 * time.Second)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"redis-cli", "-h", "10.244.1.2", "ping"}, "PONG\n"},
		{[]string{"redis-cli", "-h", "10.244.1.2", "set", "hits", "41"}, "OK\n"},
		{[]string{"redis-cli", "-h", "10.244.1.2", "INCR", "hits"}, "42\n"},
		{[]string{"redis-cli", "-h", "10.244.1.2", "get", "hits"}, "42\n"},
		{[]string{"redis-cli", "-h", "10.244.1.2", "get", "nosuch"}, "\n"},
		{[]string{"redis-cli", "-h", "10.244.1.2", "keys", "*"}, "hits\n"},
		{[]string{"redis-cli", "-h", "10.244.1.2", "nosuch", "a"}, "ERR unknown command 'nosuch', with args beginning with: 'a'\n"},
		{[]string{"redis-cli", "-h", "10.244.1.2", "-p", "6380", "ping"}, "Could not connect to Redis at 10.244.1.2:6380: Connection refused\n"},
	}
	for _, tt := range tests {
		rt, id := g.run(t, "node02", "10.244.2.2", "redis", tt.args...)
		g.loop.AdvanceBy(5 * time.Second)
		assert.Equal(t, tt.want, logText(t, rt, id), "%q", tt.args)
	}
	// busybox's nc speaks to it too.
	rt, id := g.run(t, "node02", "10.244.2.3", "busybox", "sh", "-c", "printf 'PING\\r\\nQUIT\\r\\n' | nc 10.244.1.2 6379; nc -z 10.244.1.2 6379 && echo open; nc 10.244.1.2 6380; echo $?; nc -v 10.244.1.2 6380; nc -vv 10.244.1.2 6380")
	g.loop.AdvanceBy(5 * time.Second)
	assert.Equal(t, "+PONG\n+OK\nopen\n1\nnc: 10.244.1.2 (10.244.1.2:6380): Connection refused\nsent 0, rcvd 0\n", strings.ReplaceAll(logText(t, rt, id), "\r", ""),
		"nc 1.10 tells a refusal with -vv only")
}

// UDP between guests: agnhost netexec answers its UDP commands to
// busybox's nc -u, a port nobody listens on refuses a connected socket,
// and nc -u -l prints what its first sender sends.
func TestGuestsUDP(t *testing.T) {
	g := newGuests(t)
	g.run(t, "node01", "10.244.1.3", "registry.k8s.io/e2e-test-images/agnhost:2.39", "netexec")
	lrt, lid := g.run(t, "node01", "10.244.1.4", "busybox", "nc", "-u", "-l", "-p", "9000")
	g.loop.AdvanceBy(2 * time.Second)
	tests := []shell{
		{"echo hostname | nc -u -w 1 10.244.1.3 8081", "localhost\n"},
		{"echo 'echo Foo Bar' | nc -u -w1 10.244.1.3 8081", "foo bar\n"},
		{"echo clientip | nc -u -w 1 -p 5353 10.244.1.3 8081", "10.244.2.2:5353\n"},
		{"echo hi | nc -u -w 1 10.244.1.3 9999; echo $?", "0\n"},
		{"echo hi | nc -vv -u -w 1 10.244.1.3 9999", "10.244.1.3 (10.244.1.3:9999) open\nnc: net read: Connection refused\nsent 3, rcvd 0\n"},
		{"echo hello | nc -u -w 1 10.244.1.4 9000", ""},
		{"wget -qO- 10.244.1.3:8080/healthz && echo healthy", "healthy\n"},
	}
	g.shells(t, tests)
	assert.Equal(t, "hello\n", logText(t, lrt, lid), "the first sender's datagram")
}

// agnhost netexec's HTTP endpoints as upstream's: /dial over HTTP and UDP
// (responses and errors as JSON), /echo with a code, /redirect, and the
// log lines of its handlers.
func TestNetexecEndpoints(t *testing.T) {
	g := newGuests(t)
	nrt, nid := g.run(t, "node01", "10.244.1.3", "registry.k8s.io/e2e-test-images/agnhost:2.39", "netexec")
	g.run(t, "node01", "10.244.1.4", "registry.k8s.io/e2e-test-images/agnhost:2.39", "netexec", "--http-port=8090", "--udp-port=-1")
	g.loop.AdvanceBy(2 * time.Second)
	tests := []shell{
		{"wget -qO- 'http://10.244.1.3:8080/dial?host=10.244.1.3&port=8081&protocol=udp&request=hostname&tries=2'",
			`{"responses":["localhost","localhost"]}` + "\n"},
		{"wget -qO- 'http://10.244.1.3:8080/dial?host=10.244.1.4&port=8090&request=echo%3Fmsg%3D%3Cb%3E'",
			`{"responses":["\u003cb\u003e"]}` + "\n"},
		{"wget -qO- 'http://10.244.1.3:8080/dial?host=10.244.1.4&port=8081&protocol=udp&request=hostname'",
			`{"errors":["reading from udp connection failed. err:'read udp 10.244.1.3:32771-\u003e10.244.1.4:8081: read: connection refused'"]}` + "\n"},
		{"wget -qO- 'http://10.244.1.3:8080/dial?host=10.244.1.4&port=8091&request=hostname'",
			`{"errors":["Get \"http://10.244.1.4:8091/hostname\": dial tcp 10.244.1.4:8091: connect: connection refused"]}` + "\n"},
		{"wget -qO- 'http://10.244.1.3:8080/dial?host=10.244.1.4&port=8090'", "wget: server returned error: HTTP/1.1 400 Bad Request\n"},
		{"wget -qO- 'http://10.244.1.3:8080/echo?msg=gone&code=404'", "wget: server returned error: HTTP/1.1 404 Not Found\n"},
		{"wget -S -O /dev/null 'http://10.244.1.3:8080/redirect?location=/hostName&code=307' 2>&1 | grep -i location", "  Location: /hostName\n"},
		{"wget -S -O /dev/null 'http://10.244.1.4:8090/healthz' 2>&1 | head -2", "Connecting to 10.244.1.4:8090 (10.244.1.4:8090)\n  HTTP/1.1 412 Precondition Failed\n"},
	}
	g.shells(t, tests)
	logs := logText(t, nrt, nid)
	assert.Contains(t, logs, "Started UDP server on port  8081\n")
	assert.Contains(t, logs, "GET /dial?host=10.244.1.3&protocol=udp&port=8081&request=hostname&tries=2\n")
	assert.Contains(t, logs, "GET /echo?msg=gone&code=404\n")
	assert.Contains(t, logs, "GET /redirect?msg=/hostName&code=307\n")
}

// nginx and http-echo serve a connection in the goroutine that accepted
// it while they can: a client that sends half a request holds up no
// other, and gets its answer once it sends the rest.
func TestSlowClientHoldsUpNoOther(t *testing.T) {
	for _, server := range []struct{ image, port, want string }{{"nginx", "80", "Welcome to nginx!"}, {"hashicorp/http-echo", "5678", "hello"}} {
		t.Run(server.image, func(t *testing.T) {
			g := newGuests(t)
			args := []string{}
			if server.image == "hashicorp/http-echo" {
				args = []string{"-text=hello"}
			}
			g.run(t, "node01", "10.244.1.3", server.image, args...)
			g.loop.AdvanceBy(5 * time.Second)
			dst := netip.MustParseAddrPort("10.244.1.3:" + server.port)
			slow, err := g.net.Dial(netip.MustParseAddr("172.18.0.3"), "node02", dst)
			require.NoError(t, err)
			_, err = slow.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n"))
			require.NoError(t, err)
			g.loop.AdvanceBy(time.Second)
			read := func(c *Conn) string {
				buf := make([]byte, 4096)
				n, _ := c.Read(buf)
				return string(buf[:n])
			}
			for i := range 3 {
				fast, err := g.net.Dial(netip.MustParseAddr("172.18.0.3"), "node02", dst)
				require.NoError(t, err)
				_, err = fast.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
				require.NoError(t, err)
				g.loop.AdvanceBy(time.Second)
				assert.Contains(t, read(fast), server.want, "request %d beside the slow one", i+1)
				fast.Close()
			}
			assert.Empty(t, read(slow), "the slow client has sent half its request")
			_, err = slow.Write([]byte("Connection: close\r\n\r\n"))
			require.NoError(t, err)
			g.loop.AdvanceBy(time.Second)
			assert.Contains(t, read(slow), server.want)
		})
	}
}

// A server whose accept loop waits in the host itself (no poller
// goroutine) still takes its stop signal at once: nginx's SIGQUIT ends it
// gracefully, http-echo's SIGTERM as the Go runtime does, each before
// its grace period, after a request served and while idle.
func TestServersStopWhileAccepting(t *testing.T) {
	for _, server := range []struct {
		image, port string
		code        int32
	}{{"nginx", "80", 0}, {"hashicorp/http-echo", "5678", 2}} {
		t.Run(server.image, func(t *testing.T) {
			g := newGuests(t)
			args := []string{}
			if server.image == "hashicorp/http-echo" {
				args = []string{"-text=hello"}
			}
			rt, id := g.run(t, "node01", "10.244.1.3", server.image, args...)
			g.loop.AdvanceBy(5 * time.Second)
			c, err := g.net.Dial(netip.MustParseAddr("172.18.0.3"), "node02", netip.MustParseAddrPort("10.244.1.3:"+server.port))
			require.NoError(t, err)
			_, err = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
			require.NoError(t, err)
			g.loop.AdvanceBy(time.Second)
			require.True(t, c.Readable())
			c.Close()
			g.loop.AdvanceBy(time.Second)
			stopped := g.loop.Now()
			rt.StopContainer(id, 30*time.Second)
			g.loop.AdvanceBy(time.Second)
			s, _ := rt.ContainerStatus(id)
			require.Equal(t, runtime.Exited, s.State)
			assert.Equal(t, server.code, s.ExitCode)
			assert.Less(t, s.FinishedAt.Sub(stopped), time.Second)
		})
	}
}
