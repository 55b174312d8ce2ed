package network

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pod's host port: a connection or datagram for the node's address on
// that port goes to the pod, from another pod and from the host machine,
// and the replies come back from the node's address; other nodes and
// other ports are not the pod's, a hostIP narrows the rule to that
// address, and the mapping goes with the pod.
func TestHostPorts(t *testing.T) {
	s := newServices(t)
	n := s.net
	pod := n.Join(netip.MustParseAddr("10.244.1.20"), "node01")
	_, err := pod.Listen(80)
	require.NoError(t, err)
	u, err := pod.ListenUDP(53)
	require.NoError(t, err)
	n.MapHostPort("node01", TCP, netip.Addr{}, 8080, ap("10.244.1.20:80"))
	n.MapHostPort("node01", UDP, netip.MustParseAddr("0.0.0.0"), 5353, ap("10.244.1.20:53"))
	// hostIP: the node's own address, and one it does not have.
	n.MapHostPort("node01", TCP, netip.MustParseAddr("172.18.0.3"), 8082, ap("10.244.1.20:80"))
	n.MapHostPort("node01", TCP, netip.MustParseAddr("192.0.2.7"), 8083, ap("10.244.1.20:80"))
	client := n.Join(netip.MustParseAddr("10.244.2.30"), "node02")

	tests := []struct {
		name string
		from *Namespace
		dst  string
		ok   bool
	}{
		{"from a pod", client, "172.18.0.3:8080", true},
		{"from the host machine", n.Host(), "172.18.0.3:8080", true},
		{"another port", client, "172.18.0.3:8081", false},
		{"another node", client, "172.18.0.4:8080", false},
		{"hostIP the node's address", client, "172.18.0.3:8082", true},
		{"hostIP an address the node does not have", client, "172.18.0.3:8083", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.from.Dial(ap(tt.dst))
			if !tt.ok {
				if err == nil {
					assert.Equal(t, EINPROGRESS, c.Err(), "nobody answers")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, ap(tt.dst), c.RemoteAddr())
		})
	}

	c, err := client.ListenUDP(40000)
	require.NoError(t, err)
	require.NoError(t, c.Connect(ap("172.18.0.3:5353")))
	_, err = c.WriteTo([]byte("q"), netip.AddrPort{})
	require.NoError(t, err)
	buf := make([]byte, 8)
	k, from, err := u.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, "10.244.2.30:40000 q", from.String()+" "+string(buf[:k]))
	_, err = u.WriteTo([]byte("a"), from)
	require.NoError(t, err)
	_, from, err = c.ReadFrom(buf)
	require.NoError(t, err)
	assert.Equal(t, ap("172.18.0.3:5353"), from, "the reply comes from the node's address")

	n.UnmapHostPorts("node01", netip.MustParseAddr("10.244.1.20"))
	gone, err := client.Dial(ap("172.18.0.3:8080"))
	require.NoError(t, err)
	assert.Equal(t, EINPROGRESS, gone.Err(), "no longer the pod's: nobody answers")
}
