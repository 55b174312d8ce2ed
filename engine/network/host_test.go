package network

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/loop"
)

// A process holds at most maxSockets sockets, the soft RLIMIT_NOFILE
// containers get less the standard streams: past it listen, accept and
// connect fail with EMFILE, and closing one makes room again.
func TestSocketsPerProcessAreLimited(t *testing.T) {
	n := New(loop.New(epoch))
	process := func(ip string) *sockets {
		return &sockets{ns: n.Join(netip.MustParseAddr(ip), "node01"), handles: map[int32]any{}, next: 3}
	}
	server, client := process("10.244.1.3"), process("10.244.1.4")
	require.Positive(t, n.hostListen(nil, server, nil, []uint64{80}))
	addr := uint64(binary.BigEndian.Uint32(netip.MustParseAddr("10.244.1.3").AsSlice()))

	var first int32
	for i := range maxSockets {
		h := n.hostConnect(nil, client, nil, []uint64{addr, 80})
		require.Positive(t, h, "connection %d", i+1)
		if i == 0 {
			first = h
		}
	}
	assert.Equal(t, -int32(EMFILE), n.hostConnect(nil, client, nil, []uint64{addr, 80}))
	assert.Equal(t, -int32(EMFILE), n.hostListen(nil, client, nil, []uint64{8080}))
	assert.Equal(t, "Too many open files", EMFILE.Error())

	// The server has its listener and takes all but one of the waiting
	// connections; the last waits in the backlog until a socket closes.
	for i := range maxSockets - 1 {
		require.Positive(t, n.hostAccept(nil, server, nil, []uint64{3}), "accept %d", i+1)
	}
	assert.Equal(t, -int32(EMFILE), n.hostAccept(nil, server, nil, []uint64{3}))
	require.Zero(t, hostClose(nil, server, nil, []uint64{4}))
	assert.Positive(t, n.hostAccept(nil, server, nil, []uint64{3}), "the waiting connection, once a socket closed")

	require.Zero(t, hostClose(nil, client, nil, []uint64{uint64(first)}))
	assert.Positive(t, n.hostConnect(nil, client, nil, []uint64{addr, 80}), "room again after a close")
}

// wait_ready tells which sockets had news since the last wait, each once,
// in the order the news came: a connection on the listener, then data on
// the accepted connection; past maxReady of them, any may have.
func TestWaitReadyListsTheSocketsWithNews(t *testing.T) {
	n := New(loop.New(epoch))
	process := func(ip string) *sockets {
		return &sockets{ns: n.Join(netip.MustParseAddr(ip), "node01"), handles: map[int32]any{}, next: 3}
	}
	server, client := process("10.244.1.3"), process("10.244.1.4")
	take := func(s *sockets, capacity int) (int32, []int32) {
		var got []int32
		count := s.takeReady(capacity, func(_ int, h int32) bool { got = append(got, h); return true })
		return count, got
	}
	l := n.hostListen(nil, server, nil, []uint64{80})
	addr := uint64(binary.BigEndian.Uint32(netip.MustParseAddr("10.244.1.3").AsSlice()))
	c := n.hostConnect(nil, client, nil, []uint64{addr, 80})
	n.hostConnect(nil, client, nil, []uint64{addr, 80})
	count, got := take(server, 8)
	assert.Equal(t, int32(1), count)
	assert.Equal(t, []int32{l}, got, "two connections, one listener with news")

	a := n.hostAccept(nil, server, nil, []uint64{uint64(l)})
	client.handles[c].(*Conn).Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	client.handles[c].(*Conn).CloseWrite()
	count, got = take(server, 8)
	assert.Equal(t, int32(1), count)
	assert.Equal(t, []int32{a}, got)
	count, _ = take(server, 8)
	assert.Zero(t, count, "the news was taken")

	server.event(a)
	server.event(l)
	server.event(a)
	count, got = take(server, 1)
	assert.Equal(t, int32(2), count, "more news than room: the guest looks at every socket")
	assert.Equal(t, []int32{a}, got)

	for h := range int32(maxReady + 1) {
		server.event(100 + h)
	}
	count, got = take(server, maxReady)
	assert.Equal(t, int32(maxReady+1), count, "more news than kept")
	assert.Len(t, got, maxReady)
}
