package network

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/loop"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// fixedRouter sends one address to another, rejects one, and leaves the
// rest alone.
type fixedRouter map[netip.AddrPort]Verdict

func (r fixedRouter) Route(_ string, _ Protocol, _ netip.Addr, dst netip.AddrPort) Verdict {
	return r[dst]
}

func TestDialOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		dst     string
		err     error
		pending bool
		remote  string
	}{
		{name: "a listener accepts", dst: "10.244.1.3:80", remote: "10.244.1.3:80"},
		{name: "no listener refuses", dst: "10.244.1.3:81", err: ECONNREFUSED},
		{name: "nobody holds the address", dst: "10.244.9.9:80", pending: true},
		{name: "loopback reaches the own namespace", dst: "127.0.0.1:8080", remote: "127.0.0.1:8080"},
		{name: "loopback with no listener refuses", dst: "127.0.0.1:80", err: ECONNREFUSED},
		{name: "a Service goes to its endpoint", dst: "10.96.0.20:80", remote: "10.96.0.20:80"},
		{name: "a Service without endpoints rejects", dst: "10.96.0.21:80", err: ECONNREFUSED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := New(loop.New(epoch))
			n.SetRouter(fixedRouter{
				ap("10.96.0.20:80"): {Matched: true, To: ap("10.244.1.3:80")},
				ap("10.96.0.21:80"): {Matched: true, Reject: true},
			})
			server := n.Join(netip.MustParseAddr("10.244.1.3"), "node01")
			_, err := server.Listen(80)
			require.NoError(t, err)
			client := n.Join(netip.MustParseAddr("10.244.2.4"), "node02")
			_, err = client.Listen(8080)
			require.NoError(t, err)
			c, err := client.Dial(ap(tt.dst))
			if tt.err != nil {
				assert.Equal(t, tt.err, err)
				return
			}
			require.NoError(t, err)
			if tt.pending {
				assert.Equal(t, EINPROGRESS, c.Err())
				n.loop.AdvanceBy(SYNTimeout - time.Second)
				assert.Equal(t, EINPROGRESS, c.Err())
				n.loop.AdvanceBy(time.Second)
				assert.Equal(t, ETIMEDOUT, c.Err())
				return
			}
			assert.NoError(t, c.Err())
			assert.Equal(t, tt.remote, c.RemoteAddr().String())
		})
	}
}

func TestListenTwiceIsAddressInUse(t *testing.T) {
	n := New(loop.New(epoch))
	ns := n.Join(netip.MustParseAddr("10.244.1.3"), "node01")
	_, err := ns.Listen(80)
	require.NoError(t, err)
	_, err = ns.Listen(80)
	assert.Equal(t, EADDRINUSE, err)
	assert.Equal(t, "Address in use", err.Error())
}

func pair(t *testing.T) (*Network, *Conn, *Conn) {
	n := New(loop.New(epoch))
	server := n.Join(netip.MustParseAddr("10.244.1.3"), "node01")
	l, err := server.Listen(80)
	require.NoError(t, err)
	c, err := n.Join(netip.MustParseAddr("10.244.2.4"), "node02").Dial(ap("10.244.1.3:80"))
	require.NoError(t, err)
	s, err := l.Accept()
	require.NoError(t, err)
	return n, c, s
}

func TestCloseGivesEOFOrReset(t *testing.T) {
	_, c, s := pair(t)
	_, err := c.Write([]byte("GET /"))
	require.NoError(t, err)
	c.CloseWrite()
	buf := make([]byte, 16)
	k, err := s.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "GET /", string(buf[:k]))
	k, err = s.Read(buf)
	assert.NoError(t, err)
	assert.Zero(t, k, "EOF")
	_, err = s.Write([]byte("hi"))
	require.NoError(t, err)
	s.Close()
	k, _ = c.Read(buf)
	assert.Equal(t, "hi", string(buf[:k]))
	k, err = c.Read(buf)
	assert.NoError(t, err)
	assert.Zero(t, k)

	// Closing with unread data resets the peer.
	_, c, s = pair(t)
	_, _ = c.Write([]byte("unread"))
	s.Close()
	_, err = c.Read(buf)
	assert.Equal(t, ECONNRESET, err)

	// Writing to a closed peer succeeds once, then the pipe is broken.
	_, c, s = pair(t)
	s.Close()
	_, err = c.Write([]byte("a"))
	assert.NoError(t, err)
	_, err = c.Write([]byte("b"))
	assert.Equal(t, EPIPE, err)
}

func TestLeavingRemovesTheNamespace(t *testing.T) {
	n := New(loop.New(epoch))
	ip := netip.MustParseAddr("10.244.1.3")
	ns := n.Join(ip, "node01")
	_, _ = ns.Listen(80)
	ns.Leave()
	c, err := n.Join(netip.MustParseAddr("10.244.2.4"), "node02").Dial(ap("10.244.1.3:80"))
	require.NoError(t, err)
	assert.Equal(t, EINPROGRESS, c.Err(), "the address answers nothing")
}

// Whatever the sizes of writes and reads and however they interleave,
// the bytes arrive complete and in order, both ways.
func TestBytesArriveInOrder(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		_, c, s := pair(t)
		want := [2][]byte{make([]byte, r.IntN(1<<20)), make([]byte, r.IntN(1<<16))}
		for _, w := range want {
			for i := range w {
				w[i] = byte(r.UintN(256))
			}
		}
		ends := [2][2]*Conn{{c, s}, {s, c}}
		var got [2]bytes.Buffer
		sent := [2]int{}
		eof := [2]bool{}
		buf := make([]byte, 1<<17)
		for steps := 0; !(eof[0] && eof[1]); steps++ {
			require.Less(t, steps, 1_000_000, "seed %d: stuck", seed)
			d := r.IntN(2)
			from, to := ends[d][0], ends[d][1]
			if r.IntN(2) == 0 && sent[d] < len(want[d]) {
				k := min(len(want[d])-sent[d], 1+r.IntN(100_000))
				n, err := from.Write(want[d][sent[d] : sent[d]+k])
				if err != EAGAIN {
					require.NoError(t, err)
				}
				sent[d] += n
				if sent[d] == len(want[d]) {
					from.CloseWrite()
				}
				continue
			}
			n, err := to.Read(buf[:1+r.IntN(len(buf)-1)])
			if err == EAGAIN {
				continue
			}
			require.NoError(t, err)
			if n == 0 {
				eof[d] = true
			}
			got[d].Write(buf[:n])
		}
		for d := range want {
			require.True(t, bytes.Equal(want[d], got[d].Bytes()), "seed %d, direction %d", seed, d)
		}
	}
}
