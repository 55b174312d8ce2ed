package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

func newCluster(t *testing.T, seed uint64) *Cluster {
	t.Helper()
	c, err := New(Config{Seed: seed, Workers: 2, Modules: runtime.NewFSSource(wasmtest.Modules(t))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestBootstrap(t *testing.T) {
	c := newCluster(t, 1)
	nodes, err := c.API().List(resource("nodes"), "", apiserver.ListOptions{})
	require.NoError(t, err)
	var names []string
	for _, o := range nodes.Items {
		n := o.(*api.Node)
		names = append(names, n.Name)
		assert.True(t, nodeReady(n), n.Name)
		assert.NotEmpty(t, n.Spec.PodCIDR, n.Name)
	}
	assert.Equal(t, []string{"controlplane", "node01", "node02"}, names)

	pods, err := c.API().List(resource("pods"), "kube-system", apiserver.ListOptions{})
	require.NoError(t, err)
	byPrefix := map[string]int{}
	for _, o := range pods.Items {
		p := o.(*api.Pod)
		assert.Equal(t, "Running", p.Status.Phase, p.Name)
		for _, prefix := range []string{"coredns-", "kube-proxy-", "etcd-", "kube-apiserver-", "kube-controller-manager-", "kube-scheduler-"} {
			if len(p.Name) > len(prefix) && p.Name[:len(prefix)] == prefix {
				byPrefix[prefix]++
			}
		}
	}
	assert.Equal(t, map[string]int{"coredns-": 2, "kube-proxy-": 3, "etcd-": 1, "kube-apiserver-": 1, "kube-controller-manager-": 1, "kube-scheduler-": 1}, byPrefix)
}
