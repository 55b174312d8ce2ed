package network

import (
	"context"
	"encoding/binary"
	"math"
	"net/netip"
	"slices"
	"sort"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/kubeplay/kubeplay/engine/clock"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// ModuleName is the host module guests import their sockets from.
const ModuleName = "kubeplay_net"

// The module's calls are non-blocking, as sockets with O_NONBLOCK are:
// a call that would wait returns -EAGAIN, and the guest waits for any of
// its sockets at once with wait, the way an event loop waits in epoll.
// This lets a Go guest's goroutines share one module instance: the SDK
// (wasmworkloads/sdk/net) parks the goroutine and one poller waits for
// all of them. Results are a value, or a negative errno.
//
//	listen(port i32) -> handle
//	accept(h) -> handle
//	connect(ip u32, port i32) -> handle (status tells when it is connected)
//	status(h) -> 0 connected, -EINPROGRESS, -errno
//	recv(h, ptr, len) -> n (0 at the end of the stream)
//	send(h, ptr, len) -> n
//	shutdown(h), close(h) -> 0
//	addr(h, ptr) -> 0; writes local ip(4) port(2) remote ip(4) port(2), big-endian
//	udp_bind(port i32) -> handle; a UDP socket on port (0: an ephemeral one)
//	udp_connect(h, ip u32, port i32) -> 0; the UDP socket's peer
//	sendto(h, ptr, len, ip u32, port i32) -> n; one datagram, to the peer when ip and port are 0
//	recvfrom(h, ptr, len, from_ptr) -> n; one datagram (truncated to len), its sender's ip(4) port(2) at from_ptr
//	wait(timeout_ns i64) -> 0; returns at once if anything happened since the last wait
//	wait_ready(timeout_ns i64, out_ptr, out_cap) -> n; wait, then writes the handles that had
//	    news since the last wait (i32 little-endian each, at most out_cap of them) and returns
//	    how many had; more than out_cap (some were not kept) means: any socket may have news
//	lookup(name_ptr, name_len, server u32, out_ptr, out_cap) -> count of IPv4 addresses written, or -rcode-1000
//	lookup_ptr(ip u32, server u32, out_ptr, out_cap) -> length of the name written, or -rcode-1000

// syscallFuel is what one call costs the guest, as a system call would.
const syscallFuel = 1000

// sockets is one process's sockets.
type sockets struct {
	ns      *Namespace
	handles map[int32]any // *Listener, *Conn or *UDPConn
	next    int32
	dirty   bool
	// ready are the handles with news since the last wait, once each, as
	// epoll_wait returns them: the guest wakes only the goroutines that
	// wait on those. Past maxReady of them, overflow says that any may
	// have news.
	ready    []int32
	overflow bool
	wake     func()
	timer    *clock.Timer
}

// maxReady is how many handles with news a process's sockets keep
// between two waits.
const maxReady = 64

type socketsKey struct{}

// Module returns the kubeplay_net host module, for runtime.Options.
func (n *Network) Module(dns *DNS) runtime.HostModule {
	return runtime.HostModule{
		Name: ModuleName,
		Define: func(b wazero.HostModuleBuilder) {
			i32, i64 := api.ValueTypeI32, api.ValueTypeI64
			def := func(name string, params []api.ValueType, f func(g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32) {
				b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
					g := runtime.GuestFrom(ctx)
					g.Charge(syscallFuel)
					s := n.socketsOf(g)
					stack[0] = uint64(uint32(f(g, s, m, stack)))
				}), params, []api.ValueType{i32}).Export(name)
			}
			def("listen", []api.ValueType{i32}, n.hostListen)
			def("accept", []api.ValueType{i32}, n.hostAccept)
			def("connect", []api.ValueType{i32, i32}, n.hostConnect)
			def("status", []api.ValueType{i32}, hostStatus)
			def("recv", []api.ValueType{i32, i32, i32}, hostRecv)
			def("send", []api.ValueType{i32, i32, i32}, hostSend)
			def("shutdown", []api.ValueType{i32}, hostShutdown)
			def("close", []api.ValueType{i32}, hostClose)
			def("addr", []api.ValueType{i32, i32}, hostAddr)
			def("udp_bind", []api.ValueType{i32}, n.hostUDPBind)
			def("udp_connect", []api.ValueType{i32, i32, i32}, hostUDPConnect)
			def("sendto", []api.ValueType{i32, i32, i32, i32, i32}, hostSendTo)
			def("recvfrom", []api.ValueType{i32, i32, i32, i32}, hostRecvFrom)
			def("wait", []api.ValueType{i64}, n.hostWait)
			def("wait_ready", []api.ValueType{i64, i32, i32}, n.hostWaitReady)
			def("lookup", []api.ValueType{i32, i32, i32, i32, i32}, func(g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
				return hostLookup(dns, g, s, m, st)
			})
			def("lookup_ptr", []api.ValueType{i32, i32, i32, i32}, func(g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
				return hostLookupPTR(dns, g, s, m, st)
			})
		},
		Started: func(g *runtime.Guest) { n.socketsOf(g) },
		Exited: func(g *runtime.Guest) {
			if s, ok := g.Value(socketsKey{}).(*sockets); ok {
				s.closeAll()
			}
		},
	}
}

// socketsOf returns the guest's sockets, joining its pod's namespace on
// first use.
func (n *Network) socketsOf(g *runtime.Guest) *sockets {
	if s, ok := g.Value(socketsKey{}).(*sockets); ok {
		return s
	}
	s := &sockets{handles: map[int32]any{}, next: 3}
	if ip, err := netip.ParseAddr(g.Sandbox().IP); err == nil {
		s.ns = n.Join(ip, g.Node())
	}
	g.SetValue(socketsKey{}, s)
	return s
}

// event marks that something happened to the process's socket h.
func (s *sockets) event(h int32) {
	switch {
	case slices.Contains(s.ready, h):
	case len(s.ready) < maxReady:
		s.ready = append(s.ready, h)
	default:
		s.overflow = true
	}
	s.dirty = true
	if w := s.wake; w != nil {
		s.wake = nil
		w()
	}
}

// maxSockets is how many sockets a process holds open at once: the soft
// RLIMIT_NOFILE of 1024 that containers get from containerd 2 on a
// systemd host, less standard input, output and error. Past it, listen,
// accept and connect fail with EMFILE ("Too many open files"), so a guest
// that opens connections without end runs into its limit as on a node,
// instead of growing the engine's memory without bound.
const maxSockets = 1024 - 3

// full reports whether the process holds all the sockets it may.
func (s *sockets) full() bool { return len(s.handles) >= maxSockets }

func (s *sockets) add(v any) int32 {
	h := s.next
	s.next++
	s.handles[h] = v
	event := func() { s.event(h) }
	switch v := v.(type) {
	case *Listener:
		v.OnEvent = event
	case *Conn:
		v.OnEvent = event
	case *UDPConn:
		v.OnEvent = event
	}
	return h
}

func (s *sockets) conn(h uint64) (*Conn, Errno) {
	c, ok := s.handles[int32(h)].(*Conn)
	if !ok {
		return nil, EBADF
	}
	return c, 0
}

// closeAll closes every socket of an ended process, in handle order, and
// leaves the namespace.
func (s *sockets) closeAll() {
	hs := make([]int32, 0, len(s.handles))
	for h := range s.handles {
		hs = append(hs, h)
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i] < hs[j] })
	for _, h := range hs {
		closeHandle(s.handles[h])
	}
	s.handles = map[int32]any{}
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.ns != nil {
		s.ns.Leave()
		s.ns = nil
	}
}

func closeHandle(v any) {
	switch v := v.(type) {
	case *Listener:
		v.Close()
	case *Conn:
		v.Close()
	case *UDPConn:
		v.Close()
	}
}

func fail(err error) int32 {
	if e, ok := err.(Errno); ok {
		return -int32(e)
	}
	return -int32(EINVAL)
}

func (n *Network) hostListen(_ *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	if s.ns == nil {
		return -int32(EADDRNOTAVAIL)
	}
	if s.full() {
		return -int32(EMFILE)
	}
	l, err := s.ns.Listen(uint16(st[0]))
	if err != nil {
		return fail(err)
	}
	return s.add(l)
}

// EADDRNOTAVAIL is a socket call from a process with no address.
const EADDRNOTAVAIL Errno = 4

func (n *Network) hostAccept(_ *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	l, ok := s.handles[int32(st[0])].(*Listener)
	if !ok {
		return -int32(EBADF)
	}
	if s.full() {
		return -int32(EMFILE) // the connection waits in the backlog, as Linux leaves it
	}
	c, err := l.Accept()
	if err != nil {
		return fail(err)
	}
	return s.add(c)
}

func (n *Network) hostConnect(_ *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	if s.ns == nil {
		return -int32(ENETUNREACH)
	}
	if s.full() {
		return -int32(EMFILE)
	}
	var ip [4]byte
	binary.BigEndian.PutUint32(ip[:], uint32(st[0]))
	c, err := s.ns.Dial(netip.AddrPortFrom(netip.AddrFrom4(ip), uint16(st[1])))
	if err != nil {
		return fail(err)
	}
	return s.add(c)
}

func hostStatus(_ *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	c, e := s.conn(st[0])
	if e != 0 {
		return -int32(e)
	}
	if err := c.Err(); err != nil {
		return fail(err)
	}
	return 0
}

func hostRecv(g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
	return transfer(g, s, m, st, (*Conn).Read)
}

func hostSend(g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
	return transfer(g, s, m, st, (*Conn).Write)
}

// transfer moves bytes between a connection and the guest's memory.
func transfer(g *runtime.Guest, s *sockets, m api.Module, st []uint64, op func(*Conn, []byte) (int, error)) int32 {
	c, e := s.conn(st[0])
	if e != 0 {
		return -int32(e)
	}
	buf, ok := m.Memory().Read(uint32(st[1]), uint32(st[2]))
	if !ok {
		return -int32(EINVAL)
	}
	k, err := op(c, buf)
	if err != nil {
		return fail(err)
	}
	g.Charge(int64(k) / 4)
	return int32(k)
}

func hostShutdown(_ *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	c, e := s.conn(st[0])
	if e != 0 {
		return -int32(e)
	}
	c.CloseWrite()
	return 0
}

func hostClose(_ *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	v, ok := s.handles[int32(st[0])]
	if !ok {
		return -int32(EBADF)
	}
	delete(s.handles, int32(st[0]))
	closeHandle(v)
	return 0
}

func hostAddr(_ *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
	var local, remote netip.AddrPort
	switch v := s.handles[int32(st[0])].(type) {
	case *Listener:
		local = v.Addr()
	case *Conn:
		local, remote = v.LocalAddr(), v.RemoteAddr()
	case *UDPConn:
		local, remote = v.LocalAddr(), v.RemoteAddr()
	default:
		return -int32(EBADF)
	}
	var b [12]byte
	putAddr(b[0:6], local)
	putAddr(b[6:12], remote)
	if !m.Memory().Write(uint32(st[1]), b[:]) {
		return -int32(EINVAL)
	}
	return 0
}

func putAddr(b []byte, a netip.AddrPort) {
	if a.Addr().Is4() {
		ip := a.Addr().As4()
		copy(b, ip[:])
	}
	binary.BigEndian.PutUint16(b[4:], a.Port())
}

// hostWait parks the guest until one of its sockets has news, or the
// timeout (negative: none) passes.
func (n *Network) hostWait(g *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	n.waitNews(g, s, time.Duration(int64(st[0])))
	s.ready, s.overflow = s.ready[:0], false
	return 0
}

// hostWaitReady is hostWait that tells which sockets had news.
func (n *Network) hostWaitReady(g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
	n.waitNews(g, s, time.Duration(int64(st[0])))
	ptr := uint64(uint32(st[1]))
	return s.takeReady(int(int32(st[2])), func(i int, h int32) bool {
		off := ptr + 4*uint64(i)
		return off <= math.MaxUint32 && m.Memory().WriteUint32Le(uint32(off), uint32(h))
	})
}

// takeReady hands over the handles with news, at most capacity of them
// (put writes the i-th), and forgets them: it returns how many had news,
// more than capacity when some were not handed over or not kept.
func (s *sockets) takeReady(capacity int, put func(i int, h int32) bool) int32 {
	count := len(s.ready)
	if s.overflow {
		count = max(count, capacity) + 1
	}
	for i, h := range s.ready[:min(len(s.ready), max(capacity, 0))] {
		if !put(i, h) {
			count = -int(EINVAL)
			break
		}
	}
	s.ready, s.overflow = s.ready[:0], false
	return int32(count)
}

// waitNews parks the guest until one of its sockets has news (at once if
// one had since the last wait), or the timeout (negative: none) passes.
func (n *Network) waitNews(g *runtime.Guest, s *sockets, timeout time.Duration) {
	if s.dirty {
		s.dirty = false
		return
	}
	if timeout == 0 {
		return
	}
	g.Block(func(wake func()) {
		s.wake = wake
		if timeout > 0 {
			s.timer = n.loop.After(timeout, func() {
				s.wake = nil
				wake()
			})
		}
	})
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.dirty = false
}

// hostLookup asks a DNS server for a fully qualified name's IPv4
// addresses, following a CNAME once.
func hostLookup(d *DNS, g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
	name, ok := m.Memory().Read(uint32(st[0]), uint32(st[1]))
	if !ok || d == nil {
		return -int32(EINVAL)
	}
	var server [4]byte
	binary.BigEndian.PutUint32(server[:], uint32(st[2]))
	var src netip.Addr
	if s.ns != nil {
		src = s.ns.IP
	}
	a := d.Query(g.Node(), src, netip.AddrFrom4(server), string(name))
	if a.CNAME != "" {
		a = d.Query(g.Node(), src, netip.AddrFrom4(server), a.CNAME)
	}
	if a.Rcode != NoError {
		return -1000 - int32(a.Rcode)
	}
	n := min(len(a.Addrs), int(st[4])/4)
	out := make([]byte, 0, 4*n)
	for _, ip := range a.Addrs[:n] {
		b := ip.As4()
		out = append(out, b[:]...)
	}
	if !m.Memory().Write(uint32(st[3]), out) {
		return -int32(EINVAL)
	}
	return int32(n)
}

// hostLookupPTR asks a DNS server for an address's name.
func hostLookupPTR(d *DNS, g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
	if d == nil {
		return -int32(EINVAL)
	}
	var ip, server [4]byte
	binary.BigEndian.PutUint32(ip[:], uint32(st[0]))
	binary.BigEndian.PutUint32(server[:], uint32(st[1]))
	var src netip.Addr
	if s.ns != nil {
		src = s.ns.IP
	}
	name, rc := d.QueryPTR(g.Node(), src, netip.AddrFrom4(server), netip.AddrFrom4(ip))
	if rc != NoError {
		return -1000 - int32(rc)
	}
	if len(name) > int(st[3]) || !m.Memory().Write(uint32(st[2]), []byte(name)) {
		return -int32(EINVAL)
	}
	return int32(len(name))
}

func (n *Network) hostUDPBind(_ *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	if s.ns == nil {
		return -int32(EADDRNOTAVAIL)
	}
	if s.full() {
		return -int32(EMFILE)
	}
	u, err := s.ns.ListenUDP(uint16(st[0]))
	if err != nil {
		return fail(err)
	}
	return s.add(u)
}

func (s *sockets) udp(h uint64) (*UDPConn, Errno) {
	u, ok := s.handles[int32(h)].(*UDPConn)
	if !ok {
		return nil, EBADF
	}
	return u, 0
}

// ipPort is an address the guest passed as ip u32 and port i32.
func ipPort(ip, port uint64) netip.AddrPort {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(ip))
	return netip.AddrPortFrom(netip.AddrFrom4(b), uint16(port))
}

func hostUDPConnect(_ *runtime.Guest, s *sockets, _ api.Module, st []uint64) int32 {
	u, e := s.udp(st[0])
	if e != 0 {
		return -int32(e)
	}
	if err := u.Connect(ipPort(st[1], st[2])); err != nil {
		return fail(err)
	}
	return 0
}

func hostSendTo(g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
	return charged(g, udpSendTo(s, m, st))
}

func hostRecvFrom(g *runtime.Guest, s *sockets, m api.Module, st []uint64) int32 {
	return charged(g, udpRecvFrom(s, m, st))
}

// charged charges the guest for the k bytes a call moved.
func charged(g *runtime.Guest, k int32) int32 {
	if k > 0 {
		g.Charge(int64(k) / 4)
	}
	return k
}

func udpSendTo(s *sockets, m api.Module, st []uint64) int32 {
	u, e := s.udp(st[0])
	if e != 0 {
		return -int32(e)
	}
	buf, ok := m.Memory().Read(uint32(st[1]), uint32(st[2]))
	if !ok {
		return -int32(EINVAL)
	}
	var dst netip.AddrPort
	if uint32(st[3]) != 0 || uint16(st[4]) != 0 {
		dst = ipPort(st[3], st[4])
	}
	k, err := u.WriteTo(buf, dst)
	if err != nil {
		return fail(err)
	}
	return int32(k)
}

func udpRecvFrom(s *sockets, m api.Module, st []uint64) int32 {
	u, e := s.udp(st[0])
	if e != 0 {
		return -int32(e)
	}
	buf, ok := m.Memory().Read(uint32(st[1]), uint32(st[2]))
	if _, fits := m.Memory().Read(uint32(st[3]), 6); !ok || !fits {
		return -int32(EINVAL)
	}
	k, from, err := u.ReadFrom(buf)
	if err != nil {
		return fail(err)
	}
	var b [6]byte
	putAddr(b[:], from)
	m.Memory().Write(uint32(st[3]), b[:])
	return int32(k)
}
