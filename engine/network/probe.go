package network

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/clock"
)

// Prober makes the kubelet's network probes (httpGet, tcpSocket) from a
// node's own address, as the kubelet's prober does from the host's
// network, with its results and output messages.
type Prober struct {
	net    *Network
	node   string
	nodeIP netip.Addr
}

// Prober returns the prober of node, whose address is nodeIP.
func (n *Network) Prober(node, nodeIP string) *Prober {
	ip, _ := netip.ParseAddr(nodeIP)
	return &Prober{net: n, node: node, nodeIP: ip}
}

// ProbeResult is a probe's outcome, as the kubelet's probe.Result and its
// output (the event's message after "Liveness probe failed: ").
type ProbeResult struct {
	Success bool
	Output  string
}

// HTTPGet is an httpGet probe's request.
type HTTPGet struct {
	Scheme  string // HTTP; HTTPS is refused (no TLS in the playground)
	Host    string // an IP address: the pod's unless set
	Port    int
	Path    string
	Headers [][2]string
}

// probeUserAgent is the kubelet's, "kube-probe/MAJOR.MINOR".
const probeUserAgent = "kube-probe/1.37"

// maxProbeBody is how much of a response the kubelet reads (10 KiB).
const maxProbeBody = 10 << 10

// TCP checks that host:port accepts a connection within timeout; done
// gets the result as a loop task.
func (p *Prober) TCP(host string, port int, timeout time.Duration, done func(ProbeResult)) {
	addr := net4(host, port)
	p.dial(addr, timeout, func(c *Conn, err string) {
		if c != nil {
			c.Close()
			done(ProbeResult{Success: true})
			return
		}
		done(ProbeResult{Output: "dial tcp " + addr + ": " + err})
	})
}

func net4(host string, port int) string { return host + ":" + strconv.Itoa(port) }

// dial connects, calling back once with the connection or the error text
// Go's dialer gives.
func (p *Prober) dial(addr string, timeout time.Duration, then func(*Conn, string)) {
	dst, err := netip.ParseAddrPort(addr)
	if err != nil {
		p.net.loop.Post(func() { then(nil, "connect: invalid argument") })
		return
	}
	c, err := p.net.Dial(p.nodeIP, p.node, dst)
	if err != nil {
		p.net.loop.Post(func() { then(nil, "connect: "+strings.ToLower(err.Error())) })
		return
	}
	finished := false
	var timer *clock.Timer
	finish := func(c *Conn, msg string) {
		if finished {
			return
		}
		finished = true
		timer.Stop()
		c.OnEvent = nil
		if msg != "" {
			c.Close()
			then(nil, msg)
			return
		}
		then(c, "")
	}
	timer = p.net.loop.After(timeout, func() { finish(c, "i/o timeout") })
	check := func() {
		switch c.Err() {
		case nil:
			finish(c, "")
		case EINPROGRESS:
		default:
			finish(c, "connect: "+strings.ToLower(c.Err().Error()))
		}
	}
	c.OnEvent = check
	p.net.loop.Post(check)
}

// HTTP makes an httpGet probe: success for a status from 200 to 399,
// failure with the kubelet's messages otherwise.
func (p *Prober) HTTP(req HTTPGet, timeout time.Duration, done func(ProbeResult)) {
	scheme := strings.ToLower(req.Scheme)
	if scheme == "" {
		scheme = "http"
	}
	path := req.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	url := scheme + "://" + net4(req.Host, req.Port) + path
	if scheme != "http" {
		p.net.loop.Post(func() {
			done(ProbeResult{Output: fmt.Sprintf("Get %q: kubeplay: HTTPS probes are not simulated (the playground has no TLS)", url)})
		})
		return
	}
	start := p.net.loop.Now()
	p.dial(net4(req.Host, req.Port), timeout, func(c *Conn, err string) {
		if c == nil {
			if err == "i/o timeout" {
				done(ProbeResult{Output: fmt.Sprintf("Get %q: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", url)})
				return
			}
			done(ProbeResult{Output: fmt.Sprintf("Get %q: dial tcp %s: %s", url, net4(req.Host, req.Port), err)})
			return
		}
		left := timeout - p.net.loop.Now().Sub(start)
		p.exchange(c, request(req, path), url, left, done)
	})
}

// request is the kubelet's probe request.
func request(req HTTPGet, path string) []byte {
	var b bytes.Buffer
	host := net4(req.Host, req.Port)
	ua, accept := probeUserAgent, "*/*"
	var extra []string
	for _, h := range req.Headers {
		switch strings.ToLower(h[0]) {
		case "host":
			host = h[1]
		case "user-agent":
			ua = h[1]
		case "accept":
			accept = h[1]
		default:
			extra = append(extra, h[0]+": "+h[1])
		}
	}
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: %s\r\n", path, host, ua, accept)
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return b.Bytes()
}

// exchange writes the request and reads the response's status line.
func (p *Prober) exchange(c *Conn, req []byte, url string, timeout time.Duration, done func(ProbeResult)) {
	var got []byte
	finished := false
	var timer *clock.Timer
	finish := func(r ProbeResult) {
		if !finished {
			finished = true
			timer.Stop()
			c.OnEvent = nil
			c.Close()
			done(r)
		}
	}
	timer = p.net.loop.After(max(timeout, 0), func() {
		finish(ProbeResult{Output: fmt.Sprintf("Get %q: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", url)})
	})
	buf := make([]byte, 4096)
	step := func() {
		for len(req) > 0 {
			n, err := c.Write(req)
			if err == EAGAIN {
				return
			}
			if err != nil {
				finish(ProbeResult{Output: fmt.Sprintf("Get %q: write: %s", url, strings.ToLower(err.Error()))})
				return
			}
			req = req[n:]
		}
		for {
			n, err := c.Read(buf)
			if err == EAGAIN {
				return
			}
			if err != nil {
				finish(ProbeResult{Output: fmt.Sprintf("Get %q: read: %s", url, strings.ToLower(err.Error()))})
				return
			}
			got = append(got, buf[:n]...)
			if n == 0 || len(got) > maxProbeBody || bytes.Contains(got, []byte("\r\n\r\n")) {
				finish(judge(got, url))
				return
			}
		}
	}
	c.OnEvent = step
	p.net.loop.Post(step)
}

// judge reads the status line as the kubelet's HTTP prober judges it.
func judge(resp []byte, url string) ProbeResult {
	line, _, _ := bytes.Cut(resp, []byte("\r\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/") {
		return ProbeResult{Output: fmt.Sprintf("Get %q: net/http: HTTP/1.x transport connection broken: malformed HTTP response %q", url, string(line))}
	}
	code, err := strconv.Atoi(fields[1])
	if err != nil {
		return ProbeResult{Output: fmt.Sprintf("Get %q: malformed HTTP status code %q", url, fields[1])}
	}
	if code >= 200 && code < 400 {
		return ProbeResult{Success: true}
	}
	return ProbeResult{Output: fmt.Sprintf("HTTP probe failed with statuscode: %d", code)}
}
