package httpapi

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/network"
)

// pods/proxy and services/proxy: an HTTP request to a pod's port, or to a
// ready endpoint of a service, passed on and its answer passed back, as
// kube-apiserver's proxy subresources do (what `kubectl proxy` and
// `kubectl get --raw .../services/NAME:PORT/proxy/` use). The connection
// to the pod is Server.PodPortForward's, spliced in the loop to a pipe
// the request's goroutine reads and writes.

// proxyTarget is where a proxy request goes.
type proxyTarget struct {
	pod  string
	ip   string
	port int32
}

// serveProxy serves a proxy request; rest is the path after "proxy".
func (h *Handler) serveProxy(w http.ResponseWriter, r *http.Request, t target, rest string) error {
	var pt proxyTarget
	var err error
	switch t.r.GroupResource() {
	case "pods":
		h.do(func() { pt, err = h.podProxyTarget(t) })
	case "services":
		h.do(func() { pt, err = h.serviceProxyTarget(t) })
	default:
		return newStatus(http.StatusNotImplemented, "",
			fmt.Sprintf("%s/proxy is not served over the HTTP API of kubeplay apiserver", t.r.GroupResource()))
	}
	if err != nil {
		return err
	}
	host := net.JoinHostPort(pt.ip, strconv.Itoa(int(pt.port)))
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", host
			pr.Out.URL.Path, pr.Out.URL.RawPath = rest, ""
			pr.Out.Host = host
		},
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return h.dialPod(t.namespace, pt)
			},
			DisableKeepAlives: true,
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeStatus(w, newStatus(http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("error trying to reach service: %v", err)))
		},
	}
	rp.ServeHTTP(w, r)
	return nil
}

// splitNamePort reads NAME, NAME:PORT or SCHEME:NAME:PORT (the scheme
// must be http: the pods serve no TLS).
func splitNamePort(id string) (name, port string, err error) {
	parts := strings.Split(id, ":")
	switch len(parts) {
	case 1:
		return parts[0], "", nil
	case 2:
		return parts[0], parts[1], nil
	case 3:
		if parts[0] == "" || parts[0] == "http" {
			return parts[1], parts[2], nil
		}
		if parts[0] == "https" {
			return "", "", newStatus(http.StatusNotImplemented, "", "the playground's pods serve no TLS: proxy over http")
		}
	}
	return "", "", apiserver.NewBadRequest(fmt.Sprintf("invalid request %q", id))
}

// proxied is the object a proxy path names, its name and the port given.
func (h *Handler) proxied(t target) (obj api.Object, name, port string, err error) {
	name, port, err = splitNamePort(t.name)
	if err == nil {
		obj, err = h.api.Get(t.r, t.namespace, name)
	}
	return obj, name, port, err
}

// podProxyTarget is the pod and port of pods/NAME[:PORT]/proxy: without
// a port, the first port a container declares, else 80.
func (h *Handler) podProxyTarget(t target) (proxyTarget, error) {
	obj, _, port, err := h.proxied(t)
	if err != nil {
		return proxyTarget{}, err
	}
	p := obj.(*api.Pod)
	if port == "" {
		port = "80"
		for _, c := range p.Spec.Containers {
			if len(c.Ports) > 0 {
				port = strconv.Itoa(int(c.Ports[0].ContainerPort))
				break
			}
		}
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return proxyTarget{}, apiserver.NewBadRequest(fmt.Sprintf("invalid port %q", port))
	}
	if _, err := netip.ParseAddr(p.Status.PodIP); err != nil {
		return proxyTarget{}, apiserver.NewBadRequest("address not allowed")
	}
	return proxyTarget{pod: p.Name, ip: p.Status.PodIP, port: int32(n)}, nil
}

// serviceProxyTarget is a ready endpoint of services/NAME[:PORT]/proxy,
// PORT being a service port's name or number, as kube-apiserver's
// service ResourceLocation finds it (the first ready address rather than
// a random one).
func (h *Handler) serviceProxyTarget(t target) (proxyTarget, error) {
	obj, name, port, err := h.proxied(t)
	if err != nil {
		return proxyTarget{}, err
	}
	svc := obj.(*api.Service)
	if n, err := strconv.ParseInt(port, 10, 64); err == nil {
		found := false
		for _, sp := range svc.Spec.Ports {
			if int64(sp.Port) == n {
				port, found = sp.Name, true
				break
			}
		}
		if !found {
			return proxyTarget{}, newStatus(http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("no service port %d found for service %q", n, name))
		}
	}
	unavailable := newStatus(http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("no endpoints available for service %q", name))
	epObj, err := h.api.Get(lookup("", "v1", "endpoints"), t.namespace, name)
	// Reading Endpoints is the server's own business here: no
	// deprecation warning for the client.
	h.api.TakeWarnings()
	if err != nil {
		return proxyTarget{}, unavailable
	}
	for _, ss := range epObj.(*api.Endpoints).Subsets {
		for _, ep := range ss.Ports {
			if ep.Name != port {
				continue
			}
			for _, addr := range ss.Addresses {
				// Only addresses that are pods.
				if addr.TargetRef == nil || addr.TargetRef.Kind != "Pod" {
					continue
				}
				return proxyTarget{pod: addr.TargetRef.Name, ip: addr.IP, port: ep.Port}, nil
			}
		}
	}
	return proxyTarget{}, unavailable
}

// dialPod connects to the target's port through the kubelet and returns
// the request's end of it.
func (h *Handler) dialPod(ns string, pt proxyTarget) (net.Conn, error) {
	c := newLoopConn(h)
	var err error
	h.do(func() {
		var st apiserver.PortForwardStream
		st, err = h.api.PodPortForward(ns, pt.pod, pt.port)
		if err == nil {
			network.Splice(c.end, st, nil)
		}
	})
	if _, ok := err.(*apiserver.StatusError); ok {
		return nil, err
	}
	if err != nil && strings.Contains(err.Error(), "connection refused") {
		// kube-apiserver dials the pod's address itself; the kubelet's
		// words here say it from inside the pod.
		return nil, fmt.Errorf("dial tcp %s: connect: connection refused", net.JoinHostPort(pt.ip, strconv.Itoa(int(pt.port))))
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// loopConn is a net.Conn for a goroutine whose other end (end) is a
// network.Stream in the loop.
type loopConn struct {
	h   *Handler
	end *loopEnd

	mu     sync.Mutex
	cond   *sync.Cond
	in     []byte // what the loop end wrote
	eof    bool
	closed bool
}

func newLoopConn(h *Handler) *loopConn {
	c := &loopConn{h: h}
	c.cond = sync.NewCond(&c.mu)
	c.end = &loopEnd{c: c}
	return c
}

func (c *loopConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.in) == 0 && !c.eof && !c.closed {
		c.cond.Wait()
	}
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := copy(b, c.in)
	c.in = c.in[n:]
	return n, nil
}

func (c *loopConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return 0, net.ErrClosed
	}
	data := append([]byte(nil), b...)
	c.h.api.Loop().Post(func() { c.end.recv(data, false) })
	return len(b), nil
}

func (c *loopConn) Close() error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	if !already {
		c.h.api.Loop().Post(func() { c.end.recv(nil, true) })
	}
	return nil
}

// deliver is the loop end's write; done its close.
func (c *loopConn) deliver(b []byte, done bool) {
	c.mu.Lock()
	c.in = append(c.in, b...)
	c.eof = c.eof || done
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *loopConn) LocalAddr() net.Addr              { return proxyAddr{} }
func (c *loopConn) RemoteAddr() net.Addr             { return proxyAddr{} }
func (c *loopConn) SetDeadline(time.Time) error      { return nil }
func (c *loopConn) SetReadDeadline(time.Time) error  { return nil }
func (c *loopConn) SetWriteDeadline(time.Time) error { return nil }

type proxyAddr struct{}

func (proxyAddr) Network() string { return "kubeplay" }
func (proxyAddr) String() string  { return "kubeplay" }

// loopEnd is the loop's side of a loopConn: a network.Stream.
type loopEnd struct {
	inbound
	c *loopConn
}

func (e *loopEnd) Write(b []byte) (int, error) {
	if e.closed {
		return 0, network.EPIPE
	}
	e.c.deliver(b, false)
	return len(b), nil
}

func (e *loopEnd) CloseWrite() { e.c.deliver(nil, true) }

func (e *loopEnd) Close() {
	e.closed = true
	e.c.deliver(nil, true)
}
