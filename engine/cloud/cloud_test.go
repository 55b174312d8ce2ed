package cloud

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func svc(uid, ip string) *api.Service {
	return &api.Service{ObjectMeta: api.ObjectMeta{Name: "s" + uid, Namespace: "default", UID: uid + "-0000-0000-0000-000000000000"}, Spec: api.ServiceSpec{Type: "LoadBalancer", LoadBalancerIP: ip}}
}

func TestLoadBalancerAddresses(t *testing.T) {
	c := New(nil)
	tests := []struct {
		svc  *api.Service
		want string
		err  string
	}{
		{svc("1", ""), "172.18.255.200", ""},
		{svc("2", ""), "172.18.255.201", ""},
		{svc("3", "172.18.255.240"), "172.18.255.240", ""},
		{svc("4", "172.18.255.240"), "", "requested address 172.18.255.240 is already in use"},
		{svc("5", "10.0.0.1"), "", "requested address 10.0.0.1 is not in the load balancer pool 172.18.255.200-172.18.255.250"},
		{svc("1", ""), "172.18.255.200", ""}, // the same Service, the same one
	}
	for _, tt := range tests {
		lb, err := c.EnsureLoadBalancer(tt.svc, epoch)
		if tt.err != "" {
			assert.EqualError(t, err, tt.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, lb.IP)
		assert.Equal(t, epoch.Add(ProvisionTime), lb.ReadyAt)
	}
	c.EnsureLoadBalancerDeleted(svc("1", ""))
	lb, err := c.EnsureLoadBalancer(svc("6", ""), epoch)
	require.NoError(t, err)
	assert.Equal(t, "172.18.255.200", lb.IP, "a freed address is the first taken")
	for i := 7; ; i++ {
		if _, err := c.EnsureLoadBalancer(svc(string(rune('a'+i)), ""), epoch); err != nil {
			assert.EqualError(t, err, "no addresses left in the load balancer pool 172.18.255.200-172.18.255.250")
			assert.Len(t, c.lbs, 51)
			break
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	c := New([]string{"east", "west"})
	require.NoError(t, c.Create(Instance{Name: "n1", Zone: "west", State: Running, Taints: []api.Taint{{Key: "k", Effect: api.TaintNoSchedule}}}))
	assert.ErrorIs(t, c.Create(Instance{Name: "n1"}), ErrExists)
	require.NoError(t, c.SetState("n1", Stopped))
	_, err := c.EnsureLoadBalancer(svc("1", ""), epoch)
	require.NoError(t, err)
	assert.True(t, c.Changed())
	data, err := c.Marshal()
	require.NoError(t, err)
	assert.False(t, c.Changed())

	back, err := Unmarshal(data)
	require.NoError(t, err)
	assert.Equal(t, c.Instances(), back.Instances())
	assert.Equal(t, []string{"east", "west"}, back.Zones())
	lb, ok := back.GetLoadBalancer(svc("1", ""))
	assert.True(t, ok)
	assert.Equal(t, "172.18.255.200", lb.IP)

	_, err = Unmarshal([]byte(`{"format": 9}`))
	assert.EqualError(t, err, "cloud: unknown format 9")
}

func TestInstancesOfNodes(t *testing.T) {
	c := New(nil)
	require.NoError(t, c.Create(Instance{Name: "n1", Zone: "zone-b", Type: "custom-2-4096", Address: "172.18.0.9", State: Stopped}))
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: "n1"}}
	md, err := c.InstanceMetadata(n)
	require.NoError(t, err)
	assert.Equal(t, Metadata{ProviderID: "kubeplay://zone-b/n1", Type: "custom-2-4096", Zone: "zone-b", Region: Region,
		Addresses: []api.NodeAddress{{Type: "InternalIP", Address: "172.18.0.9"}, {Type: "Hostname", Address: "n1"}}}, md)
	assert.True(t, c.InstanceShutdown(n))
	n.Spec.ProviderID = "kubeplay://zone-a/n1"
	assert.False(t, c.InstanceExists(n), "another machine of the same name")
	require.NoError(t, c.Delete("n1"))
	assert.False(t, c.InstanceExists(&api.Node{ObjectMeta: api.ObjectMeta{Name: "n1"}}))
	assert.Equal(t, "custom-500m-1536", InstanceType(api.MustParse("500m"), api.MustParse("1.5Gi")))
}
