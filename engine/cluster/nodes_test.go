package cluster

import (
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/cloud"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// fixture drives a cluster in a test through the API, as a user would.
type fixture struct {
	t *testing.T
	c *Cluster
	k *client.Client
}

func newFixture(t *testing.T) *fixture {
	c := newCluster(t, 1)
	return &fixture{t: t, c: c, k: c.Client("test")}
}

func (f *fixture) node(name string) *api.Node {
	n, err := client.Get[*api.Node](f.k, "", name)
	require.NoError(f.t, err)
	return n
}

func (f *fixture) ready(name string) string {
	if c := controller.NodeCondition(f.node(name), "Ready"); c != nil {
		return c.Status
	}
	return ""
}

func (f *fixture) pods(selector string) []*api.Pod {
	l, err := client.List[*api.Pod](f.k, "default", apiserver.ListOptions{LabelSelector: selector})
	require.NoError(f.t, err)
	return l
}

// until runs the cluster until cond holds, failing after limit.
func (f *fixture) until(what string, limit time.Duration, cond func() bool) {
	f.t.Helper()
	require.True(f.t, f.c.Loop().RunUntil(cond, f.c.Now().Add(limit)), "%s within %v", what, limit)
}

func (f *fixture) deployment(name string, replicas int32) {
	labels := map[string]string{"app": name}
	_, err := client.Create(f.k, &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.DeploymentSpec{
			Replicas: api.Ptr(replicas),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec:       api.PodSpec{Containers: []api.Container{{Name: "web", Image: imagePause}}},
			},
		},
	})
	require.NoError(f.t, err)
	f.until("the deployment is available", time.Minute, func() bool { return f.available(name) == replicas })
}

func (f *fixture) available(name string) int32 {
	d, err := client.Get[*api.Deployment](f.k, "default", name)
	require.NoError(f.t, err)
	return d.Status.AvailableReplicas
}

func (f *fixture) events(reason string) []*api.Event {
	l, err := client.List[*api.Event](f.k, "", apiserver.ListOptions{})
	require.NoError(f.t, err)
	var out []*api.Event
	for _, e := range l {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

func taintsOf(n *api.Node) []string {
	var out []string
	for _, t := range n.Spec.Taints {
		out = append(out, t.Key+":"+t.Effect)
	}
	return out
}

func onNode(pods []*api.Pod, node string) (on []*api.Pod) {
	for _, p := range pods {
		if p.Spec.NodeName == node {
			on = append(on, p)
		}
	}
	return on
}

// A worker loses power. Its node goes Unknown once the grace period has
// passed without a heartbeat, gets the unreachable taints, and five
// minutes later its pods are evicted and run again on the other worker.
// When it boots again it recovers. All in virtual time.
func TestNodeFailure(t *testing.T) {
	f := newFixture(t)
	f.deployment("web", 4)
	victims := onNode(f.pods("app=web"), "node01")
	require.NotEmpty(t, victims)

	lease, err := client.Get[*api.Lease](f.k, "kube-node-lease", "node01")
	require.NoError(t, err)
	require.NoError(t, f.c.StopNode("node01"))
	stopped := f.c.Now()

	f.c.Advance(40 * time.Second)
	assert.Equal(t, "True", f.ready("node01"), "the grace period has not passed")
	f.until("node01 is Unknown", 30*time.Second, func() bool { return f.ready("node01") == "Unknown" })
	silent := f.c.Now().Sub(lease.Spec.RenewTime.Time)
	assert.Greater(t, silent, 50*time.Second, "no sooner than the grace period after the last heartbeat")
	assert.LessOrEqual(t, silent, 60*time.Second, "at the first monitor pass after it, give or take one")
	t.Logf("stopped at %v, unknown %v after the last lease renewal", stopped.Format(time.TimeOnly), silent)

	n := f.node("node01")
	for _, cond := range n.Status.Conditions {
		assert.Equal(t, "Unknown", cond.Status, cond.Type)
		assert.Equal(t, "NodeStatusUnknown", cond.Reason, cond.Type)
		assert.Equal(t, "Kubelet stopped posting node status.", cond.Message, cond.Type)
	}
	assert.Contains(t, taintsOf(n), "node.kubernetes.io/unreachable:NoSchedule", "NoSchedule at once")
	assert.NotContains(t, taintsOf(n), "node.kubernetes.io/unreachable:NoExecute", "NoExecute at the next pass")
	all, err := client.List[*api.Pod](f.k, "", apiserver.ListOptions{FieldSelector: "spec.nodeName=node01"})
	require.NoError(t, err)
	assert.Len(t, f.events("NodeNotReady"), 1+len(all), "on the node and each of its pods")
	for _, p := range onNode(f.pods("app=web"), "node01") {
		assert.Equal(t, "False", controller.PodCondition(p, api.PodReady).Status, p.Name)
	}

	f.until("the NoExecute taint", 10*time.Second, func() bool { return len(f.node("node01").Spec.Taints) == 3 })
	n = f.node("node01")
	assert.ElementsMatch(t, []string{"node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute", "node.cloudprovider.kubernetes.io/shutdown:NoSchedule"}, taintsOf(n))
	tainted := taintAdded(n, "node.kubernetes.io/unreachable", api.TaintNoExecute)

	f.c.Loop().AdvanceTo(tainted.Add(299 * time.Second))
	for _, p := range onNode(f.pods("app=web"), "node01") {
		assert.Nil(t, p.DeletionTimestamp, "%s tolerates the taint for 300 s", p.Name)
	}
	f.until("the pods are evicted", 2*time.Second, func() bool {
		for _, p := range onNode(f.pods("app=web"), "node01") {
			if p.DeletionTimestamp == nil {
				return false
			}
		}
		return true
	})
	for _, p := range onNode(f.pods("app=web"), "node01") {
		c := controller.PodCondition(p, controller.DisruptionTarget)
		require.NotNil(t, c, p.Name)
		assert.Equal(t, "DeletionByTaintManager", c.Reason)
	}
	var evictions []*api.Event
	for _, e := range f.events("TaintManagerEviction") {
		if e.InvolvedObject.Namespace == "default" {
			evictions = append(evictions, e)
		}
	}
	require.Len(t, evictions, len(victims))
	assert.Equal(t, "Marking for deletion Pod default/"+evictions[0].InvolvedObject.Name, evictions[0].Message)

	f.until("the deployment is whole again", time.Minute, func() bool { return f.available("web") == 4 })
	var running int
	for _, p := range f.pods("app=web") {
		if p.DeletionTimestamp == nil {
			assert.Equal(t, "node02", p.Spec.NodeName, p.Name)
			running++
		}
	}
	assert.Equal(t, 4, running)

	require.NoError(t, f.c.StartNode("node01"))
	f.until("node01 recovers", 10*time.Second, func() bool {
		return f.ready("node01") == "True" && len(f.node("node01").Spec.Taints) == 0 && len(onNode(f.pods("app=web"), "node01")) == 0
	})
	assert.Len(t, f.events("Rebooted"), 1)
}

func taintAdded(n *api.Node, key, effect string) time.Time {
	for _, t := range n.Spec.Taints {
		if t.Key == key && t.Effect == effect && t.TimeAdded != nil {
			return t.TimeAdded.Time
		}
	}
	return time.Time{}
}

// The cloud's machines: a new one joins with its cloud identity; a deleted
// one's Node goes once it is found unreachable, and its pods after it.
func TestAddAndDeleteNodes(t *testing.T) {
	f := newFixture(t)
	name, err := f.c.AddNode(NodeOptions{CPU: "4", Memory: "8Gi", Labels: map[string]string{"disk": "ssd"}, Taints: []api.Taint{{Key: "dedicated", Value: "db", Effect: api.TaintNoSchedule}}})
	require.NoError(t, err)
	assert.Equal(t, "node03", name)
	f.c.RunUntilIdle()
	n := f.node("node03")
	assert.Equal(t, "True", f.ready("node03"))
	assert.Equal(t, "kubeplay://zone-a/node03", n.Spec.ProviderID)
	assert.Equal(t, "zone-a", n.Labels["topology.kubernetes.io/zone"])
	assert.Equal(t, "region-1", n.Labels["topology.kubernetes.io/region"])
	assert.Equal(t, "custom-4-8192", n.Labels["node.kubernetes.io/instance-type"])
	assert.Equal(t, "ssd", n.Labels["disk"])
	assert.Equal(t, []string{"dedicated:NoSchedule"}, taintsOf(n), "the uninitialized taint is gone")
	assert.Equal(t, []api.NodeAddress{{Type: "InternalIP", Address: "172.18.0.5"}, {Type: "Hostname", Address: "node03"}}, n.Status.Addresses)
	cpu := n.Status.Capacity["cpu"]
	assert.Equal(t, "4", cpu.String())

	tests := []struct {
		opts NodeOptions
		err  string
	}{
		{NodeOptions{Name: "node01"}, `node "node01" already exists`},
		{NodeOptions{Name: "Node_4"}, `invalid node name "Node_4": a lowercase RFC 1123 label must consist of`},
		{NodeOptions{Memory: "lots"}, `invalid memory "lots": quantities must match the regular expression`},
		{NodeOptions{CPU: "0"}, `invalid cpu "0": must be greater than 0`},
		{NodeOptions{Zone: "zone-z"}, `unknown zone "zone-z" (the zones are zone-a, zone-b)`},
		{NodeOptions{Labels: map[string]string{"node-role.kubernetes.io/worker": ""}}, `unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [node-role.kubernetes.io/worker]`},
	}
	for _, tt := range tests {
		_, err := f.c.AddNode(tt.opts)
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), tt.err)
		}
	}
	for _, tt := range []struct {
		op   func(string) error
		name string
		err  string
	}{
		{f.c.StopNode, "node09", `node "node09" not found`},
		{f.c.StartNode, "node01", `node "node01" is already running`},
		{f.c.DeleteNode, "controlplane", `node "controlplane" runs the control plane`},
	} {
		assert.ErrorContains(t, tt.op(tt.name), tt.err)
	}

	f.deployment("web", 2)
	on := onNode(f.pods("app=web"), "node02")
	require.NotEmpty(t, on)
	require.NoError(t, f.c.DeleteNode("node02"))
	_, ok := f.c.cloud.Instance("node02")
	assert.False(t, ok)
	f.until("the cloud controller manager deletes the node", 70*time.Second, func() bool {
		_, err := client.Get[*api.Node](f.k, "", "node02")
		return apiserver.IsNotFound(err)
	})
	assert.Len(t, f.events("DeletingNode"), 1)
	f.until("the pod garbage collector deletes its pods", time.Minute, func() bool { return len(onNode(f.pods("app=web"), "node02")) == 0 })
	f.until("the deployment is whole again", time.Minute, func() bool { return f.available("web") == 2 })
	_, err = client.Get[*api.Lease](f.k, "kube-node-lease", "node02")
	assert.True(t, apiserver.IsNotFound(err), "the lease goes with its node")

	name, err = f.c.AddNode(NodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, "node04", name, "names are not reused")
	in, _ := f.c.cloud.Instance(name)
	assert.Equal(t, cloud.Instance{Name: "node04", Zone: "zone-b", Type: "custom-2-4096", CPU: "2", Memory: "4Gi", Address: "172.18.0.4", State: "running", Boots: 1}, in)
}

// keptConfig configures a cluster kept in a memory file system.
func keptConfig(t *testing.T, workers int) (Config, *mem.FS) {
	data, err := mem.NewFS()
	require.NoError(t, err)
	return Config{Seed: 1, Workers: workers, Modules: runtime.NewFSSource(wasmtest.Modules(t)), Data: data, DataDir: "cluster"}, data
}

// The cloud is kept with the store: a restored cluster has the machines
// it had, added, stopped and deleted ones alike, and a stopped machine
// stays stopped.
func TestMachinesAreKept(t *testing.T) {
	cfg, _ := keptConfig(t, 2)
	c, err := New(cfg)
	require.NoError(t, err)
	_, err = c.AddNode(NodeOptions{Name: "big", CPU: "8", Memory: "16Gi", Zone: "zone-b", Labels: map[string]string{"disk": "ssd"}})
	require.NoError(t, err)
	require.NoError(t, c.StopNode("node01"))
	require.NoError(t, c.DeleteNode("node02"))
	c.Advance(10 * time.Second)
	require.NoError(t, c.Flush())
	before := c.Machines()
	require.NoError(t, c.Close())

	c, err = New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	assert.True(t, c.Restored().Restored)
	assert.Equal(t, before, c.Machines())
	assert.Equal(t, []string{"controlplane", "node01", "big"}, c.Nodes())
	_, running := c.Kubelet("node01")
	assert.False(t, running, "a stopped machine stays stopped")
	_, running = c.Kubelet("big")
	assert.True(t, running)
	f := &fixture{t: t, c: c, k: c.Client("test")}
	assert.Equal(t, "ssd", f.node("big").Labels["disk"])
	f.until("the deleted machine's node goes", 2*time.Minute, func() bool {
		_, err := client.Get[*api.Node](f.k, "", "node02")
		return apiserver.IsNotFound(err)
	})
	assert.Equal(t, "Unknown", f.ready("node01"))
	require.NoError(t, c.StartNode("node01"))
	f.until("node01 is back", 10*time.Second, func() bool { return f.ready("node01") == "True" })
}

// A store kept before the cloud was: the machines are those of its Node
// objects.
func TestMachinesFromKeptNodes(t *testing.T) {
	cfg, data := keptConfig(t, 1)
	c, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.NoError(t, data.Remove("cluster/cloud.json"))

	c, err = New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	var names []string
	for _, in := range c.Machines() {
		names = append(names, in.Name+" "+in.Zone+" "+in.Address+" "+in.State)
	}
	assert.Equal(t, []string{"controlplane zone-a 172.18.0.2 running", "node01 zone-a 172.18.0.3 running"}, names)
}
