package network

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	wapi "github.com/tetratelabs/wazero/api"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// received is what a socket read: the datagrams and who sent them, then
// the error that ended the reading (EAGAIN: nothing more).
func received(u *UDPConn) (got []string, err error) {
	buf := make([]byte, 8)
	for {
		n, from, err := u.ReadFrom(buf)
		if err != nil {
			return got, err
		}
		got = append(got, from.String()+" "+string(buf[:n]))
	}
}

// A datagram reaches the socket bound to its port whole (truncated to the
// reader's buffer), from its sender's address, or is lost; a connected
// sender hears of a port nobody listens on as Linux's ICMP error makes it
// hear, at its next call; a Service's address goes to its endpoint, and
// the reply comes back from the Service's.
func TestUDPDelivery(t *testing.T) {
	tests := []struct {
		name    string
		dst     string
		connect bool   // the client connects to dst first
		payload string // "ping" unless set
		// serverGot is what the server read; clientGot and clientErr
		// what the client read after the server echoed every datagram.
		serverGot []string
		sendErr   error
		clientGot []string
		clientErr error
	}{
		{name: "to a bound port", dst: "10.244.1.3:53", serverGot: []string{"10.244.2.4:40000 ping"}, clientGot: []string{"10.244.1.3:53 ping"}},
		{name: "connected, to a bound port", dst: "10.244.1.3:53", connect: true,
			serverGot: []string{"10.244.2.4:40000 ping"}, clientGot: []string{"10.244.1.3:53 ping"}},
		{name: "truncated to the reader's buffer", dst: "10.244.1.3:53", payload: "a long datagram",
			serverGot: []string{"10.244.2.4:40000 a long d"}, clientGot: []string{"10.244.1.3:53 a long d"}},
		{name: "no socket on the port: lost", dst: "10.244.1.3:54"},
		{name: "connected, no socket on the port: refused", dst: "10.244.1.3:54", connect: true, clientErr: ECONNREFUSED},
		{name: "nobody holds the address: lost unheard", dst: "10.244.9.9:53", connect: true},
		{name: "a TCP listener is not a UDP socket", dst: "10.244.1.3:80", connect: true, clientErr: ECONNREFUSED},
		{name: "loopback is the own namespace", dst: "127.0.0.1:9000", clientGot: []string{"127.0.0.1:9000 ping"}},
		{name: "a Service goes to its endpoint, replies come from the Service", dst: "10.96.0.20:53", connect: true,
			serverGot: []string{"10.244.2.4:40000 ping"}, clientGot: []string{"10.96.0.20:53 ping"}},
		{name: "a Service without endpoints rejects", dst: "10.96.0.21:53", connect: true, clientErr: ECONNREFUSED},
		{name: "a Service whose rule drops", dst: "10.96.0.22:53", connect: true},
		{name: "too large", dst: "10.244.1.3:53", payload: string(make([]byte, maxDatagram+1)), sendErr: EMSGSIZE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := New(loop.New(epoch))
			n.SetRouter(fixedRouter{
				ap("10.96.0.20:53"): {Matched: true, To: ap("10.244.1.3:53")},
				ap("10.96.0.21:53"): {Matched: true, Reject: true},
				ap("10.96.0.22:53"): {Matched: true},
			})
			serverNS := n.Join(netip.MustParseAddr("10.244.1.3"), "node01")
			_, err := serverNS.Listen(80)
			require.NoError(t, err)
			server, err := serverNS.ListenUDP(53)
			require.NoError(t, err)
			clientNS := n.Join(netip.MustParseAddr("10.244.2.4"), "node02")
			client, err := clientNS.ListenUDP(40000)
			require.NoError(t, err)
			self, err := clientNS.ListenUDP(9000)
			require.NoError(t, err)
			if tt.connect {
				require.NoError(t, client.Connect(ap(tt.dst)))
			}
			payload := "ping"
			if tt.payload != "" {
				payload = tt.payload
			}
			_, err = client.WriteTo([]byte(payload), ap(tt.dst))
			require.Equal(t, tt.sendErr, err)

			var got []string
			buf := make([]byte, 8)
			for _, u := range []*UDPConn{server, self} {
				for {
					k, from, err := u.ReadFrom(buf)
					if err != nil {
						assert.Equal(t, EAGAIN, err)
						break
					}
					if u == server {
						got = append(got, from.String()+" "+string(buf[:k]))
					}
					_, err = u.WriteTo(buf[:k], from)
					require.NoError(t, err)
				}
			}
			assert.Equal(t, tt.serverGot, got)
			// (the loopback case: the datagram came to the client's own
			// other socket, which echoed it)
			got, err = received(client)
			assert.Equal(t, tt.clientGot, got)
			want := tt.clientErr
			if want == nil {
				want = EAGAIN
			}
			assert.Equal(t, want, err)
			if tt.clientErr != nil {
				_, _, err := client.ReadFrom(buf)
				assert.Equal(t, EAGAIN, err, "the error is read once")
			}
		})
	}
}

// Ports are per protocol: a TCP listener and a UDP socket share 53, two
// UDP sockets do not; a closed socket frees its port, and ephemeral ports
// skip those in use.
func TestUDPPorts(t *testing.T) {
	n := New(loop.New(epoch))
	ns := n.Join(netip.MustParseAddr("10.244.1.3"), "node01")
	_, err := ns.Listen(53)
	require.NoError(t, err)
	u, err := ns.ListenUDP(53)
	require.NoError(t, err)
	_, err = ns.ListenUDP(53)
	assert.Equal(t, EADDRINUSE, err)
	u.Close()
	_, err = ns.ListenUDP(53)
	assert.NoError(t, err, "free again once closed")

	_, err = ns.ListenUDP(firstEphemeral)
	require.NoError(t, err)
	e, err := ns.ListenUDP(0)
	require.NoError(t, err)
	assert.Equal(t, ap("10.244.1.3:32769"), e.LocalAddr())

	_, err = e.WriteTo([]byte("x"), netip.AddrPort{})
	assert.Equal(t, EDESTADDRREQ, err, "no address and no peer")
	require.NoError(t, e.Connect(ap("127.0.0.1:53")))
	assert.Equal(t, ap("127.0.0.1:32769"), e.LocalAddr())
	assert.Equal(t, ap("127.0.0.1:53"), e.RemoteAddr())
}

// A connected socket takes datagrams from its peer only; the others are
// refused as if nobody listened. A socket holds rmem_default's worth of
// datagrams unread; the rest are dropped.
func TestUDPReceiving(t *testing.T) {
	n := New(loop.New(epoch))
	a := n.Join(netip.MustParseAddr("10.244.1.3"), "node01")
	b := n.Join(netip.MustParseAddr("10.244.1.4"), "node01")
	server, _ := a.ListenUDP(53)
	peer, _ := b.ListenUDP(1000)
	other, _ := b.ListenUDP(1001)
	require.NoError(t, server.Connect(ap("10.244.1.4:1000")))
	require.NoError(t, other.Connect(ap("10.244.1.3:53")))
	_, err := other.WriteTo([]byte("x"), netip.AddrPort{})
	require.NoError(t, err)
	_, _, err = other.ReadFrom(nil)
	assert.Equal(t, ECONNREFUSED, err, "the server is connected to another peer")
	_, err = peer.WriteTo([]byte("y"), ap("10.244.1.3:53"))
	require.NoError(t, err)
	got, _ := received(server)
	assert.Equal(t, []string{"10.244.1.4:1000 y"}, got)

	full := 0
	for range 1000 {
		_, err := peer.WriteTo(make([]byte, 1000), ap("10.244.1.3:53"))
		require.NoError(t, err, "a lost datagram is no error")
	}
	got, _ = received(server)
	full = len(got)
	assert.Equal(t, udpBuffer/(1000+udpOverhead), full, "what rmem_default holds")
}

// The first datagram of a flow is routed by kube-proxy's rules; conntrack
// keeps the flow on its endpoint while it lives (30 s after its last
// datagram, 120 s once it is a stream), forgets it once its endpoint is
// not ready any more, and a client's other flows are routed anew.
func TestUDPConntrack(t *testing.T) {
	s := newServices(t)
	l := s.net.loop
	servers := map[string]*UDPConn{}
	for _, ip := range []string{"10.244.1.10", "10.244.2.11"} {
		u, err := s.net.Join(netip.MustParseAddr(ip), "node01").ListenUDP(8081)
		require.NoError(t, err)
		servers[ip] = u
	}
	clientNS := s.net.Join(netip.MustParseAddr("10.244.1.2"), "node01")
	// served sends a datagram from port and tells which server got it,
	// which answers.
	served := func(port uint16) string {
		t.Helper()
		c, ok := clientNS.udp[port]
		if !ok {
			var err error
			c, err = clientNS.ListenUDP(port)
			require.NoError(t, err)
			require.NoError(t, c.Connect(ap("10.96.0.24:81")))
		}
		_, err := c.WriteTo([]byte("hostname"), netip.AddrPort{})
		require.NoError(t, err)
		who := ""
		for ip, u := range servers {
			if _, from, err := u.ReadFrom(make([]byte, 16)); err == nil {
				assert.Empty(t, who, "one datagram, one server")
				who = ip
				_, err = u.WriteTo([]byte(ip), from)
				require.NoError(t, err)
			}
		}
		buf := make([]byte, 16)
		k, from, err := c.ReadFrom(buf)
		require.NoError(t, err, "the reply")
		assert.Equal(t, ap("10.96.0.24:81"), from, "from the Service's address")
		assert.Equal(t, who, string(buf[:k]))
		return who
	}

	first := served(40000)
	for range 20 {
		assert.Equal(t, first, served(40000), "a flow stays on its endpoint")
	}
	spread := map[string]bool{}
	for port := range uint16(20) {
		spread[served(41000+port)] = true
	}
	assert.Len(t, spread, 2, "other flows go to either endpoint")
	l.AdvanceBy(udpStreamAfter)

	tests := []struct {
		name  string
		idle  time.Duration
		stays bool
	}{
		{"a stream lives 120 s after its last datagram", UDPStreamTimeout - time.Second, true},
		{"and not longer", UDPStreamTimeout, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = served(40000)
			l.AdvanceBy(tt.idle)
			f := s.net.flows.out[flowKey{ap("10.244.1.2:40000"), ap("10.96.0.24:81")}]
			before := f != nil && l.Now().Before(f.expires)
			assert.Equal(t, tt.stays, before)
		})
	}

	// A new flow without replies yet lives 30 s.
	c, err := clientNS.ListenUDP(42000)
	require.NoError(t, err)
	_, err = c.WriteTo([]byte("x"), ap("10.96.0.24:81"))
	require.NoError(t, err)
	f := s.net.flows.out[flowKey{ap("10.244.1.2:42000"), ap("10.96.0.24:81")}]
	require.NotNil(t, f)
	assert.Equal(t, l.Now().Add(UDPTimeout), f.expires)
	for _, u := range servers {
		_, _ = received(u)
	}

	// The flow's endpoint goes away: its next datagram goes to the other.
	to := s.net.flows.out[flowKey{ap("10.244.1.2:40000"), ap("10.96.0.24:81")}].to
	other := "10.244.1.10"
	if to.Addr().String() == other {
		other = "10.244.2.11"
	}
	sl, ok := s.proxy.slices.Get("default", "echo-1")
	require.True(t, ok)
	sl = sl.DeepCopy()
	for i := range sl.Endpoints {
		if sl.Endpoints[i].Addresses[0] == to.Addr().String() {
			sl.Endpoints[i].Conditions.Ready = api.Ptr(false)
		}
	}
	_, err = s.client.Update(api.ResourceFor(sl), sl)
	require.NoError(t, err)
	l.RunUntilIdle()
	for range 5 {
		assert.Equal(t, other, served(40000), "re-routed to the ready endpoint")
	}
}

// memory is a guest's linear memory, for the host calls.
type memory struct {
	wapi.Memory
	b []byte
}

func (m *memory) Read(off, n uint32) ([]byte, bool) {
	if uint64(off)+uint64(n) > uint64(len(m.b)) {
		return nil, false
	}
	return m.b[off : off+n], true
}

func (m *memory) Write(off uint32, v []byte) bool {
	if uint64(off)+uint64(len(v)) > uint64(len(m.b)) {
		return false
	}
	copy(m.b[off:], v)
	return true
}

type module struct {
	wapi.Module
	mem *memory
}

func (m module) Memory() wapi.Memory { return m.mem }

// The host calls: udp_bind (on the port a TCP listener has too),
// udp_connect, sendto to an address or the peer, recvfrom with the
// sender's address; the errors as errnos; and the sockets counted
// against the process's limit.
func TestUDPHostCalls(t *testing.T) {
	n := New(loop.New(epoch))
	mem := &memory{b: make([]byte, 4096)}
	m := module{mem: mem}
	process := func(ip string) *sockets {
		return &sockets{ns: n.Join(netip.MustParseAddr(ip), "node01"), handles: map[int32]any{}, next: 3}
	}
	ipOf := func(s string) uint64 { return uint64(binary.BigEndian.Uint32(netip.MustParseAddr(s).AsSlice())) }
	server, client := process("10.244.1.3"), process("10.244.1.4")
	require.Positive(t, n.hostListen(nil, server, nil, []uint64{53}))
	sh := n.hostUDPBind(nil, server, m, []uint64{53})
	require.Positive(t, sh)
	assert.Equal(t, -int32(EADDRINUSE), n.hostUDPBind(nil, server, m, []uint64{53}))
	ch := n.hostUDPBind(nil, client, m, []uint64{0})
	require.Positive(t, ch)

	copy(mem.b[100:], "hostname")
	tests := []struct {
		name string
		call func() int32
		want int32
	}{
		{"sendto an address", func() int32 {
			return udpSendTo(client, m, []uint64{uint64(ch), 100, 8, ipOf("10.244.1.3"), 53})
		}, 8},
		{"recvfrom", func() int32 { return udpRecvFrom(server, m, []uint64{uint64(sh), 200, 64, 300}) }, 8},
		{"nothing more", func() int32 { return udpRecvFrom(server, m, []uint64{uint64(sh), 200, 64, 300}) }, -int32(EAGAIN)},
		{"sendto the peer, unconnected", func() int32 { return udpSendTo(client, m, []uint64{uint64(ch), 100, 8, 0, 0}) }, -int32(EDESTADDRREQ)},
		{"connect", func() int32 { return hostUDPConnect(nil, client, m, []uint64{uint64(ch), ipOf("10.244.1.3"), 54}) }, 0},
		{"sendto the peer", func() int32 { return udpSendTo(client, m, []uint64{uint64(ch), 100, 8, 0, 0}) }, 8},
		{"the peer's port unreachable", func() int32 { return udpRecvFrom(client, m, []uint64{uint64(ch), 200, 64, 300}) }, -int32(ECONNREFUSED)},
		{"a TCP handle", func() int32 { return udpRecvFrom(server, m, []uint64{3, 200, 64, 300}) }, -int32(EBADF)},
		{"the sender's address out of memory", func() int32 { return udpRecvFrom(server, m, []uint64{uint64(sh), 200, 64, 4093}) }, -int32(EINVAL)},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.call(), tt.name)
		if tt.name == "recvfrom" {
			assert.Equal(t, "hostname", string(mem.b[200:208]))
			assert.True(t, bytes.Equal([]byte{10, 244, 1, 4, 0x80, 0x00}, mem.b[300:306]), "from 10.244.1.4:32768: % x", mem.b[300:306])
		}
	}
	require.Zero(t, hostAddr(nil, client, m, []uint64{uint64(ch), 400}))
	assert.Equal(t, []byte{10, 244, 1, 4, 0x80, 0x00, 10, 244, 1, 3, 0, 54}, mem.b[400:412])

	for len(client.handles) < maxSockets {
		require.Positive(t, n.hostUDPBind(nil, client, m, []uint64{0}))
	}
	assert.Equal(t, -int32(EMFILE), n.hostUDPBind(nil, client, m, []uint64{0}), "UDP sockets count against the limit")
	require.Zero(t, hostClose(nil, client, nil, []uint64{uint64(ch)}))
	assert.Positive(t, n.hostUDPBind(nil, client, m, []uint64{0}))
}
