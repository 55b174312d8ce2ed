// Package network is the cluster's network: every pod's network namespace
// (one address, one set of ports for each protocol, a loopback its
// containers share), TCP listeners and connections carrying bytes both
// ways, UDP sockets carrying datagrams (udp.go), the rules each node's
// kube-proxy programs for Services, and the answers CoreDNS gives.
//
// Everything happens on the cluster's loop. A connection is two ends, each
// with the bytes its peer sent and not yet read; a write appends to the
// peer's buffer and wakes whoever waits on it. Nothing is lost, reordered
// or delivered twice, and the outcome of a connect is what a Linux host
// gives: a listener accepts it, a live address with no listener refuses it
// (ECONNREFUSED), an address nobody holds times out after the kernel's SYN
// retries (ETIMEDOUT, 127 s), and a Service with no ready endpoint is
// rejected by kube-proxy's rule (ECONNREFUSED).
//
// Guests reach it through the kubeplay_net host module (Module); the
// kubelet's probers through Dial.
package network

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/kubeplay/kubeplay/engine/loop"
)

// Errno is a socket error, numbered as WASI numbers them, so that a Go
// guest's syscall.Errno is the same value and prints Linux's words.
type Errno int32

// The errors sockets give.
const (
	EADDRINUSE   Errno = 3
	EAGAIN       Errno = 6
	EBADF        Errno = 8
	ECONNREFUSED Errno = 14
	ECONNRESET   Errno = 15
	EDESTADDRREQ Errno = 17
	EHOSTUNREACH Errno = 23
	EINPROGRESS  Errno = 26
	EINVAL       Errno = 28
	ENETUNREACH  Errno = 40
	EMFILE       Errno = 33
	EMSGSIZE     Errno = 35
	ENOTCONN     Errno = 53
	EPIPE        Errno = 64
	ETIMEDOUT    Errno = 73
)

var errnoText = map[Errno]string{
	EADDRINUSE: "Address in use", EAGAIN: "Resource temporarily unavailable", EBADF: "Bad file descriptor",
	ECONNREFUSED: "Connection refused", ECONNRESET: "Connection reset by peer", EHOSTUNREACH: "Host is unreachable",
	EDESTADDRREQ: "Destination address required", EMSGSIZE: "Message too large",
	EINPROGRESS: "Operation in progress", EINVAL: "Invalid argument", ENETUNREACH: "Network unreachable", EMFILE: "Too many open files",
	ENOTCONN: "Socket not connected", EPIPE: "Broken pipe", ETIMEDOUT: "Connection timed out",
}

func (e Errno) Error() string {
	if s, ok := errnoText[e]; ok {
		return s
	}
	return fmt.Sprintf("errno %d", int32(e))
}

// Timings of the kernel's TCP, as Linux's defaults have them.
const (
	// SYNTimeout is how long a connect to an address nobody answers
	// takes to fail: net.ipv4.tcp_syn_retries=6, 1+2+4+8+16+32+64 s.
	SYNTimeout = 127 * time.Second
	// bufferSize is what one end holds unread before its peer's writes
	// wait (the receive window).
	bufferSize = 256 << 10
	// firstEphemeral and lastEphemeral are ip_local_port_range.
	firstEphemeral = 32768
	lastEphemeral  = 60999
)

// Network is the cluster's network.
type Network struct {
	loop   *loop.Loop
	spaces map[netip.Addr]*Namespace
	// router translates a connection's destination as the client's
	// node's kube-proxy rules do; nil routes nothing.
	router Router
	// flows are the UDP flows the rules translated (conntrack).
	flows conntrack
	// hostPorts are the portmap plugin's rules (hostport.go).
	hostPorts map[hostPortKey][]hostPortRule
}

// Protocol is a transport protocol, as a Service port names it.
type Protocol string

// The protocols the network carries.
const (
	TCP Protocol = "TCP"
	UDP Protocol = "UDP"
)

// Router is what kube-proxy programs: the rules that send a connection
// (or a UDP flow's first datagram) for a Service to one of its endpoints.
type Router interface {
	// Route decides where a connection or datagram of proto from src,
	// made on node, to dst goes.
	Route(node string, proto Protocol, src netip.Addr, dst netip.AddrPort) Verdict
}

// Verdict is a routing decision.
type Verdict struct {
	// Matched is set when dst is a Service's address: the connection goes
	// to To, or is rejected (Reject) or dropped when To is invalid.
	Matched bool
	To      netip.AddrPort
	Reject  bool
}

// New returns an empty network on l.
func New(l *loop.Loop) *Network {
	return &Network{loop: l, spaces: map[netip.Addr]*Namespace{}, flows: newConntrack()}
}

// SetRouter sets the Service rules.
func (n *Network) SetRouter(r Router) { n.router = r }

// Namespace is one network namespace: a pod's, or a node's (shared by its
// hostNetwork pods). It has one address and loopback, and a set of ports
// for each protocol: a TCP listener and a UDP socket may share a port, as
// CoreDNS's two on 53 do.
type Namespace struct {
	net       *Network
	IP        netip.Addr
	Node      string
	listeners map[uint16]*Listener
	udp       map[uint16]*UDPConn
	nextPort  uint16
	refs      int // the processes that use it
}

// Join returns the namespace of ip on node, making it if it is new; each
// process that uses it joins, and leaves when it ends (Leave).
func (n *Network) Join(ip netip.Addr, node string) *Namespace {
	ns, ok := n.spaces[ip]
	if !ok || ns.Node != node {
		ns = &Namespace{net: n, IP: ip, Node: node, listeners: map[uint16]*Listener{}, udp: map[uint16]*UDPConn{}, nextPort: firstEphemeral}
		n.spaces[ip] = ns
	}
	ns.refs++
	return ns
}

// Leave is a process leaving the namespace; the last one out removes it,
// so that its address then answers nothing.
func (ns *Namespace) Leave() {
	ns.refs--
	if ns.refs <= 0 && ns.net.spaces[ns.IP] == ns {
		delete(ns.net.spaces, ns.IP)
	}
}

// Lookup returns the namespace holding ip.
func (n *Network) Lookup(ip netip.Addr) (*Namespace, bool) {
	ns, ok := n.spaces[ip]
	return ns, ok
}

// Listen opens a listener on port of every address of the namespace.
func (ns *Namespace) Listen(port uint16) (*Listener, error) {
	if port == 0 {
		port = ns.ephemeral(TCP)
		if port == 0 {
			return nil, EADDRINUSE
		}
	}
	if _, used := ns.listeners[port]; used {
		return nil, EADDRINUSE
	}
	l := &Listener{ns: ns, port: port}
	ns.listeners[port] = l
	return l, nil
}

// ephemeral is the next local port free for proto, or 0.
func (ns *Namespace) ephemeral(proto Protocol) uint16 {
	for range lastEphemeral - firstEphemeral + 1 {
		p := ns.nextPort
		ns.nextPort++
		if ns.nextPort > lastEphemeral {
			ns.nextPort = firstEphemeral
		}
		if !ns.inUse(proto, p) {
			return p
		}
	}
	return 0
}

// inUse reports whether port is bound for proto.
func (ns *Namespace) inUse(proto Protocol, port uint16) bool {
	if proto == UDP {
		_, used := ns.udp[port]
		return used
	}
	_, used := ns.listeners[port]
	return used
}

var errLoopback = errors.New("loopback")

// Dial connects from the namespace to dst. The returned connection may be
// still connecting (a destination nobody answers): its Err is EINPROGRESS
// until it fails with ETIMEDOUT. A refused connection is an error at once.
func (ns *Namespace) Dial(dst netip.AddrPort) (*Conn, error) {
	local := netip.AddrPortFrom(ns.IP, ns.ephemeral(TCP))
	target := dst
	if dst.Addr().IsLoopback() {
		local = netip.AddrPortFrom(dst.Addr(), local.Port())
		return ns.connectTo(ns, local, dst, dst)
	}
	if ns.Node == "" {
		return ns.dialOutside(local, dst)
	}
	if r := ns.net.router; r != nil {
		v := r.Route(ns.Node, TCP, ns.IP, dst)
		if v.Matched {
			if v.Reject {
				return nil, ECONNREFUSED
			}
			target = v.To
		} else if _, to, ok := ns.net.hostPort(TCP, dst); ok {
			target = to
		}
	}
	if !target.IsValid() {
		return ns.unanswered(local, dst), nil
	}
	peer, ok := ns.net.spaces[target.Addr()]
	if !ok {
		return ns.unanswered(local, dst), nil
	}
	return ns.connectTo(peer, local, dst, target)
}

// connectTo connects local to the listener of target in peer; the client
// sees dst as its remote address (a Service's, before translation).
func (ns *Namespace) connectTo(peer *Namespace, local, dst, target netip.AddrPort) (*Conn, error) {
	l, ok := peer.listeners[target.Port()]
	if !ok || l.closed {
		return nil, ECONNREFUSED
	}
	client := &Conn{net: ns.net, local: local, remote: dst}
	server := &Conn{net: ns.net, local: target, remote: local, peer: client}
	client.peer = server
	l.queue = append(l.queue, server)
	l.notify()
	return client, nil
}

// unanswered is a connection to an address nobody holds: its SYNs go
// unanswered until the kernel gives up.
func (ns *Namespace) unanswered(local, dst netip.AddrPort) *Conn {
	c := &Conn{net: ns.net, local: local, remote: dst, err: EINPROGRESS}
	c.timer = ns.net.loop.After(SYNTimeout, func() {
		c.err = ETIMEDOUT
		c.notify()
	})
	return c
}

// Dial connects from a node's own namespace (the kubelet's probes, a
// NodePort check) to dst, as Namespace.Dial.
func (n *Network) Dial(nodeIP netip.Addr, node string, dst netip.AddrPort) (*Conn, error) {
	ns := n.Join(nodeIP, node)
	defer ns.Leave()
	return ns.Dial(dst)
}
