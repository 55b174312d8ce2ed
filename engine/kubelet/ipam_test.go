package kubelet

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// TestAllocateIPSkipsUsed: the kubelet's IPAM goes round the node's pod
// CIDR and never gives out an address a sandbox holds, as host-local does.
func TestAllocateIPSkipsUsed(t *testing.T) {
	k := newTestKubelet(t)
	k.nextIP, k.rand = 2, rand.New(rand.NewPCG(1, 1))
	node := &api.Node{ObjectMeta: api.ObjectMeta{Name: "node01"}, Spec: api.NodeSpec{PodCIDR: "10.244.1.0/24"}}
	_, err := k.c.Create(api.ResourceFor(node), "", node)
	require.NoError(t, err)
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"}}

	k.states["default/a"] = &podState{sandbox: true, ip: "10.244.1.3"}
	k.states["default/gone"] = &podState{ip: "10.244.1.4"} // no sandbox: free
	var got []string
	for range 3 {
		ip, ok := k.allocateIP(pod)
		require.True(t, ok)
		got = append(got, ip)
	}
	assert.Equal(t, []string{"10.244.1.2", "10.244.1.4", "10.244.1.5"}, got)

	k.nextIP = 254
	ip, _ := k.allocateIP(pod)
	assert.Equal(t, "10.244.1.254", ip)
	ip, _ = k.allocateIP(pod)
	assert.Equal(t, "10.244.1.2", ip, "after .254 it wraps to .2")

	for i := 2; i <= 254; i++ {
		k.states[fmt.Sprintf("default/p%d", i)] = &podState{sandbox: true, ip: fmt.Sprintf("10.244.1.%d", i)}
	}
	_, ok := k.allocateIP(pod)
	assert.False(t, ok, "a full range gives nothing")
	evs, err := client.List[*api.Event](k.c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	assert.Equal(t, "FailedCreatePodSandBox", evs[len(evs)-1].Reason)
	assert.Contains(t, evs[len(evs)-1].Message, "no IP addresses available in range set: 10.244.1.1-10.244.1.254")
}

// TestAllocateIPWiderRange: a node's pod CIDR wider than a /24 (a wider
// --node-cidr-mask-size) gives out all of its addresses but the network's,
// the gateway's and the broadcast address.
func TestAllocateIPWiderRange(t *testing.T) {
	k := newTestKubelet(t)
	k.rand = rand.New(rand.NewPCG(1, 1))
	node := &api.Node{ObjectMeta: api.ObjectMeta{Name: "node01"}, Spec: api.NodeSpec{PodCIDR: "10.244.2.0/23"}}
	_, err := k.c.Create(api.ResourceFor(node), "", node)
	require.NoError(t, err)
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"}}
	seen := map[string]bool{}
	for i := range 509 {
		ip, ok := k.allocateIP(pod)
		require.True(t, ok, "address %d", i)
		require.False(t, seen[ip], ip)
		seen[ip] = true
		k.states[fmt.Sprintf("default/p%d", i)] = &podState{sandbox: true, ip: ip}
	}
	for _, ip := range []string{"10.244.2.2", "10.244.2.255", "10.244.3.0", "10.244.3.254"} {
		assert.True(t, seen[ip], ip)
	}
	for _, ip := range []string{"10.244.2.0", "10.244.2.1", "10.244.3.255"} {
		assert.False(t, seen[ip], ip)
	}
	_, ok := k.allocateIP(pod)
	assert.False(t, ok, "a full range gives nothing")
	evs, err := client.List[*api.Event](k.c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	assert.Contains(t, evs[len(evs)-1].Message, "no IP addresses available in range set: 10.244.2.1-10.244.3.254")
}
