package network

import (
	"net/netip"
	"time"
)

// UDP sockets carry datagrams, each delivered whole or not at all, on the
// loop as a Conn carries bytes: a send puts the datagram in the receiving
// socket's queue at once and wakes whoever waits on it; a receive takes
// the oldest, or EAGAIN. What Linux does, this does:
//
//   - a datagram for a port of a live address where no socket is bound
//     (or only one connected to another peer) is dropped, and the host
//     answers with ICMP port unreachable, which a connected sender reads
//     as ECONNREFUSED from its next receive or send (an unconnected one
//     never hears of it); one for an address nobody holds is dropped
//     unheard of;
//   - a Service's UDP port with no ready endpoint answers as kube-proxy's
//     REJECT rule does, with the same ICMP error;
//   - a socket holds at most net.core.rmem_default of datagrams unread
//     (each counted with the kernel's per-buffer overhead); past it they
//     are dropped;
//   - a connected socket receives only from its peer;
//   - the first datagram of a flow (client address and port, destination)
//     to a Service is routed by the client's node's rules, and conntrack
//     keeps the flow's later datagrams on the same endpoint, and sends the
//     endpoint's replies back from the Service's address, for as long as
//     the flow lives: 30 s after its last datagram, or 120 s once replies
//     were seen and it is older than 2 s (a stream), as the kernel's
//     nf_conntrack_udp_timeout and _stream are. kube-proxy deletes the
//     flows to an endpoint that is no longer ready.
//
// Nothing is reordered or duplicated: the network is one loop.

const (
	// maxDatagram is the largest UDP payload over IPv4.
	maxDatagram = 65507
	// udpBuffer is what a socket holds unread (net.core.rmem_default).
	udpBuffer = 212992
	// udpOverhead is what the kernel counts for each datagram besides
	// its payload (a small skb's truesize), so that empty datagrams fill
	// a socket too.
	udpOverhead = 768
	// UDPTimeout is how long a UDP flow lives after its last datagram
	// (nf_conntrack_udp_timeout), and UDPStreamTimeout once it is a
	// stream (nf_conntrack_udp_timeout_stream).
	UDPTimeout       = 30 * time.Second
	UDPStreamTimeout = 120 * time.Second
	// udpStreamAfter is how old a flow with replies must be to be a stream.
	udpStreamAfter = 2 * time.Second
)

type datagram struct {
	from netip.AddrPort
	data []byte
}

// UDPConn is a UDP socket, bound to a port of every address of its
// namespace, and connected to a peer or not.
type UDPConn struct {
	ns     *Namespace
	port   uint16
	remote netip.AddrPort // the peer it is connected to, if valid
	queue  []datagram
	queued int   // bytes the queue counts against udpBuffer
	err    error // an ICMP error for a connected socket, read once
	closed bool
	// OnEvent is called when something changed: a datagram or an error
	// to read.
	OnEvent func()
}

func (u *UDPConn) notify() {
	if u.OnEvent != nil {
		u.OnEvent()
	}
}

// ListenUDP opens a UDP socket on port of every address of the namespace;
// port 0 is a free ephemeral port. A TCP listener on the same port does
// not stand in its way.
func (ns *Namespace) ListenUDP(port uint16) (*UDPConn, error) {
	if port == 0 {
		port = ns.ephemeral(UDP)
		if port == 0 {
			return nil, EADDRINUSE
		}
	}
	if ns.inUse(UDP, port) {
		return nil, EADDRINUSE
	}
	u := &UDPConn{ns: ns, port: port}
	ns.udp[port] = u
	return u, nil
}

// LocalAddr is the socket's address: loopback's when it is connected to
// loopback, else the namespace's.
func (u *UDPConn) LocalAddr() netip.AddrPort {
	if u.remote.IsValid() && u.remote.Addr().IsLoopback() {
		return netip.AddrPortFrom(u.remote.Addr(), u.port)
	}
	return netip.AddrPortFrom(u.ns.IP, u.port)
}

// RemoteAddr is the peer it is connected to, or the zero address.
func (u *UDPConn) RemoteAddr() netip.AddrPort { return u.remote }

// Connect makes dst the socket's peer: sends without an address go there,
// and only its datagrams are received.
func (u *UDPConn) Connect(dst netip.AddrPort) error {
	if u.closed {
		return EBADF
	}
	if !dst.Addr().Is4() || dst.Port() == 0 {
		return EINVAL
	}
	u.remote = dst
	return nil
}

// WriteTo sends b as one datagram to dst, or to the peer when dst is not
// valid. A datagram lost on the way is no error; a pending ICMP error is
// returned, once.
func (u *UDPConn) WriteTo(b []byte, dst netip.AddrPort) (int, error) {
	switch {
	case u.closed:
		return 0, EBADF
	case u.err != nil:
		err := u.err
		u.err = nil
		return 0, err
	case !dst.IsValid() && !u.remote.IsValid():
		return 0, EDESTADDRREQ
	case len(b) > maxDatagram:
		return 0, EMSGSIZE
	}
	if !dst.IsValid() {
		dst = u.remote
	}
	if !dst.Addr().Is4() {
		return 0, ENETUNREACH
	}
	u.ns.net.sendUDP(u, append([]byte(nil), b...), dst)
	return len(b), nil
}

// ReadFrom takes the oldest datagram into b (what does not fit is lost,
// as recvfrom truncates) and tells who sent it: EAGAIN when none is
// there, a pending ICMP error once.
func (u *UDPConn) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	switch {
	case u.closed:
		return 0, netip.AddrPort{}, EBADF
	case u.err != nil:
		err := u.err
		u.err = nil
		return 0, netip.AddrPort{}, err
	case len(u.queue) == 0:
		return 0, netip.AddrPort{}, EAGAIN
	}
	d := u.queue[0]
	u.queue[0] = datagram{}
	u.queue = u.queue[1:]
	if len(u.queue) == 0 {
		u.queue = nil
	}
	u.queued -= len(d.data) + udpOverhead
	return copy(b, d.data), d.from, nil
}

// Readable reports whether a ReadFrom would not return EAGAIN.
func (u *UDPConn) Readable() bool { return u.closed || u.err != nil || len(u.queue) > 0 }

// Close closes the socket and frees its port; unread datagrams are lost.
func (u *UDPConn) Close() {
	if u.closed {
		return
	}
	u.closed, u.queue, u.queued = true, nil, 0
	if u.ns.udp[u.port] == u {
		delete(u.ns.udp, u.port)
	}
}

// receive queues a datagram from from, if the socket takes it: it is
// not connected to someone else (accepts reports that) and has room.
func (u *UDPConn) receive(from netip.AddrPort, b []byte) {
	if u.queued+len(b)+udpOverhead > udpBuffer {
		return
	}
	u.queue = append(u.queue, datagram{from, b})
	u.queued += len(b) + udpOverhead
	u.notify()
}

// accepts reports whether the socket takes datagrams from from: Linux
// looks up a connected socket by its peer too.
func (u *UDPConn) accepts(from netip.AddrPort) bool {
	return !u.closed && (!u.remote.IsValid() || u.remote == from)
}

// unreachable is the ICMP port unreachable a datagram from u to dst
// brought back: a socket connected to dst reads it as ECONNREFUSED.
func (u *UDPConn) unreachable(dst netip.AddrPort) {
	if u.remote == dst && !u.closed {
		u.err = ECONNREFUSED
		u.notify()
	}
}

// flowChecker is a Router that tells whether a flow's endpoint still
// serves the flow's destination on node (kube-proxy keeps the conntrack
// entries of the endpoints it has).
type flowChecker interface {
	Serves(node string, proto Protocol, dst, to netip.AddrPort) bool
}

// sendUDP carries a datagram from u to dst: a reply on a flow goes back
// from the address its client sent to, a flow's datagram to the endpoint
// conntrack has for it, and a new flow's where the rules send it.
func (n *Network) sendUDP(u *UDPConn, b []byte, dst netip.AddrPort) {
	now := n.loop.Now()
	src := u.LocalAddr()
	if dst.Addr().IsLoopback() {
		n.deliverUDP(u, netip.AddrPortFrom(dst.Addr(), u.port), dst, dst, b)
		return
	}
	if f := n.flows.reply(src, dst, now); f != nil {
		n.deliverUDP(u, f.orig, dst, dst, b)
		return
	}
	if f := n.flows.forward(src, dst, now); f != nil {
		if n.serves(f) {
			n.deliverUDP(u, src, dst, f.to, b)
			return
		}
		n.flows.remove(f)
	}
	node, v := n.routeUDP(u.ns, src, dst)
	if !v.Matched {
		if hpNode, to, ok := n.hostPort(UDP, dst); ok {
			node, v = hpNode, Verdict{Matched: true, To: to}
		}
	}
	switch {
	case !v.Matched:
		n.deliverUDP(u, src, dst, dst, b)
	case v.Reject:
		u.unreachable(dst)
	case v.To.IsValid():
		n.flows.add(&flow{node: node, client: src, orig: dst, to: v.To}, now)
		n.deliverUDP(u, src, dst, v.To, b)
	}
}

// routeUDP is what the rules make of a datagram from src to dst: the
// client's node's, or for a datagram from outside the cluster, those of
// the node whose address it is for, or of the first node with a rule for
// a load balancer's address; anything else from outside is not routed
// from there (a matched verdict with nowhere to go: dropped).
func (n *Network) routeUDP(ns *Namespace, src, dst netip.AddrPort) (string, Verdict) {
	if n.router == nil {
		return "", Verdict{}
	}
	if ns.Node != "" {
		return ns.Node, n.router.Route(ns.Node, UDP, src.Addr(), dst)
	}
	or, ok := n.router.(outsideRouter)
	if !ok {
		return "", Verdict{Matched: true}
	}
	if node, ok := or.NodeOf(dst.Addr()); ok {
		return node, n.router.Route(node, UDP, src.Addr(), dst)
	}
	for _, node := range or.Nodes() {
		if v := or.RouteExternal(node, UDP, src.Addr(), dst); v.Matched {
			return node, v
		}
	}
	return "", Verdict{Matched: true}
}

// serves reports whether a flow's endpoint still serves it.
func (n *Network) serves(f *flow) bool {
	fc, ok := n.router.(flowChecker)
	return !ok || fc.Serves(f.node, UDP, f.orig, f.to)
}

// deliverUDP hands a datagram that src sent (as its receiver sees it) to
// the socket at target; the sender u addressed it to dst. An address
// nobody holds drops it; a port nobody has bound answers unreachable.
func (n *Network) deliverUDP(u *UDPConn, src, dst, target netip.AddrPort, b []byte) {
	peer := u.ns
	if !target.Addr().IsLoopback() {
		p, ok := n.spaces[target.Addr()]
		if !ok {
			return
		}
		peer = p
	}
	r, ok := peer.udp[target.Port()]
	if !ok || !r.accepts(src) {
		u.unreachable(dst)
		return
	}
	r.receive(src, b)
}

// conntrack is the UDP flows the rules translated, by their client's
// address and the destination it sent to, and by the endpoint's address
// and the client's, for the replies.
type conntrack struct {
	out, back map[flowKey]*flow
	sweepAt   int // the size at which expired flows are swept out
}

type flowKey struct{ from, to netip.AddrPort }

// flow is a UDP flow from client to orig, which the rules sent to to.
type flow struct {
	node             string // whose rules translated it
	client, orig, to netip.AddrPort
	created, expires time.Time
	replied          bool
}

func newConntrack() conntrack {
	return conntrack{out: map[flowKey]*flow{}, back: map[flowKey]*flow{}, sweepAt: 1024}
}

// add records a new flow, in place of any with the same keys.
func (c *conntrack) add(f *flow, now time.Time) {
	c.sweep(now)
	for _, old := range []*flow{c.out[flowKey{f.client, f.orig}], c.back[flowKey{f.to, f.client}]} {
		if old != nil {
			c.remove(old)
		}
	}
	f.created, f.expires = now, now.Add(UDPTimeout)
	c.out[flowKey{f.client, f.orig}] = f
	c.back[flowKey{f.to, f.client}] = f
}

func (c *conntrack) remove(f *flow) {
	if c.out[flowKey{f.client, f.orig}] == f {
		delete(c.out, flowKey{f.client, f.orig})
	}
	if c.back[flowKey{f.to, f.client}] == f {
		delete(c.back, flowKey{f.to, f.client})
	}
}

// forward is the live flow of a datagram from src to dst, refreshed.
func (c *conntrack) forward(src, dst netip.AddrPort, now time.Time) *flow {
	return c.live(c.out[flowKey{src, dst}], now)
}

// reply is the live flow a datagram from src to dst answers, refreshed.
func (c *conntrack) reply(src, dst netip.AddrPort, now time.Time) *flow {
	f := c.live(c.back[flowKey{src, dst}], now)
	if f != nil {
		f.replied = true
		f.refresh(now)
	}
	return f
}

func (c *conntrack) live(f *flow, now time.Time) *flow {
	if f == nil {
		return nil
	}
	if !now.Before(f.expires) {
		c.remove(f)
		return nil
	}
	f.refresh(now)
	return f
}

// refresh extends a flow's life from a datagram at now.
func (f *flow) refresh(now time.Time) {
	d := UDPTimeout
	if f.replied && now.Sub(f.created) >= udpStreamAfter {
		d = UDPStreamTimeout
	}
	f.expires = now.Add(d)
}

// sweep forgets the expired flows once there are sweepAt of them, so
// that flows nobody sends on again do not pile up.
func (c *conntrack) sweep(now time.Time) {
	if len(c.out) < c.sweepAt {
		return
	}
	for _, f := range c.out {
		if !now.Before(f.expires) {
			c.remove(f)
		}
	}
	c.sweepAt = max(1024, 2*len(c.out))
}
