package network

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/loop"
)

// TestDialOutside: the host machine reaches a node's NodePorts and its
// own listeners, not pod or Service addresses.
func TestDialOutside(t *testing.T) {
	s := newServices(t)
	pod := s.net.Join(netip.MustParseAddr("10.244.1.5"), "node01")
	_, err := pod.Listen(8080)
	require.NoError(t, err)
	node := s.net.Join(netip.MustParseAddr("172.18.0.3"), "node01")
	_, err = node.Listen(10250)
	require.NoError(t, err)
	host := s.net.Host()
	assert.Equal(t, host, s.net.Host(), "one host namespace")
	tests := []struct {
		dst  string
		want error // nil: connected; EINPROGRESS: unanswered
	}{
		{"172.18.0.3:30080", nil},          // a NodePort, to an endpoint that listens
		{"172.18.0.3:10250", nil},          // the node's own listener
		{"172.18.0.3:30082", ECONNREFUSED}, // a node's port nobody uses
		{"10.96.0.20:80", EINPROGRESS},     // a ClusterIP is not routed here
		{"10.244.1.5:8080", EINPROGRESS},   // nor is a pod's address
		{"172.18.0.4:30080", EINPROGRESS},  // node02 runs no kube-proxy here: it is down
		{"127.0.0.1:8080", ECONNREFUSED},   // the host's own loopback
	}
	for _, tt := range tests {
		t.Run(tt.dst, func(t *testing.T) {
			var c *Conn
			for range 20 { // the NodePort's endpoints: only 10.244.1.5 listens
				c, err = host.Dial(ap(tt.dst))
				if err == nil && c.Err() == nil {
					break
				}
			}
			switch {
			case tt.want == nil:
				require.NoError(t, err)
				assert.NoError(t, c.Err())
			case tt.want == EINPROGRESS:
				require.NoError(t, err)
				assert.Equal(t, EINPROGRESS, c.Err())
			default:
				assert.Equal(t, tt.want, err)
			}
		})
	}
}

// TestSplice: bytes written at either end of a splice reach the other
// end whole and in order, over seeds of write sizes, and the ends' closes
// carry through.
func TestSplice(t *testing.T) {
	for seed := range 20 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			l := loop.New(epoch)
			n := New(l)
			a := n.Join(netip.MustParseAddr("10.244.1.2"), "node01")
			b := n.Join(netip.MustParseAddr("10.244.1.3"), "node01")
			la, err := a.Listen(80)
			require.NoError(t, err)
			lb, err := b.Listen(81)
			require.NoError(t, err)
			client, err := b.Dial(ap("10.244.1.2:80"))
			require.NoError(t, err)
			front, err := la.Accept()
			require.NoError(t, err)
			back, err := a.Dial(ap("10.244.1.3:81"))
			require.NoError(t, err)
			server, err := lb.Accept()
			require.NoError(t, err)
			done := false
			Splice(front, back, func() { done = true })
			size := 1000 + seed*40000
			want := bytes.Repeat([]byte(fmt.Sprint(seed)), size)
			var got []byte
			buf := make([]byte, 7000+seed)
			for sent := 0; len(got) < len(want); l.RunUntilIdle() {
				if sent < len(want) {
					k, _ := client.Write(want[sent:min(len(want), sent+3000+seed*500)])
					sent += k
					if sent == len(want) {
						client.CloseWrite()
					}
				}
				for {
					k, err := server.Read(buf)
					if err != nil || k == 0 {
						break
					}
					got = append(got, buf[:k]...)
				}
			}
			assert.Equal(t, want, got)
			k, err := server.Read(buf)
			assert.Equal(t, 0, k)
			assert.NoError(t, err, "the client's end of stream reached the server")
			server.Close()
			l.RunUntilIdle()
			assert.True(t, done)
		})
	}
}
