package scheduler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// env is a cache holding the given nodes and their pods, and a handle over
// it, for running plugins without an API server.
func env(nodes ...*nodeInfo) *handle {
	c := newCache()
	for _, n := range nodes {
		c.addNode(n.node)
		for _, pi := range n.pods {
			c.addPod(pi, n.name(), false)
		}
	}
	h := newHandle(nil, c)
	h.nominator = newNominator()
	return h
}

// verdict runs the profile's PreFilter plugins and then the named filter
// plugin on the node, as a cycle would.
func verdict(t *testing.T, h *handle, p *api.Pod, pluginName, nodeName string) *Status {
	t.Helper()
	fw := &framework{profile: newProfile(h), h: h}
	s := newCycleState(newPodInfo(p))
	if _, st := fw.runPreFilter(s, p); !st.IsSuccess() {
		return st
	}
	n, ok := h.cache.node(nodeName)
	require.True(t, ok)
	for _, pl := range s.filters {
		if pl.Name() == pluginName {
			return pl.Filter(s, p, n)
		}
	}
	return nil // skipped
}

// scores runs the profile's scoring on the nodes and returns the named
// plugin's normalized scores.
func scores(t *testing.T, h *handle, p *api.Pod, pluginName string) []int64 {
	t.Helper()
	fw := &framework{profile: newProfile(h), h: h}
	s := newCycleState(newPodInfo(p))
	_, st := fw.runPreFilter(s, p)
	require.True(t, st.IsSuccess())
	out, _ := fw.runScore(s, p, h.cache.nodeList(), true)
	for _, ps := range out {
		if ps.name == pluginName {
			if ps.skipped {
				return nil
			}
			return ps.final
		}
	}
	t.Fatalf("no score plugin %s", pluginName)
	return nil
}

func withAlloc(res ...string) nodeOpt {
	return func(n *api.Node) {
		for i := 0; i+1 < len(res); i += 2 {
			n.Status.Allocatable[res[i]] = api.MustParse(res[i+1])
		}
	}
}

func container(req ...string) podOpt {
	return func(p *api.Pod) {
		r := api.ResourceList{}
		for i := 0; i+1 < len(req); i += 2 {
			r[req[i]] = api.MustParse(req[i+1])
		}
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "extra", Image: "busybox", Resources: api.ResourceRequirements{Requests: r}})
	}
}

func TestNodeResourcesFitFilter(t *testing.T) {
	full := func(pods string) nodeOpt { return withAlloc("pods", pods) }
	tests := []struct {
		name    string
		node    *api.Node
		running []*api.Pod
		pod     *api.Pod
		code    Code
		reasons []string
	}{
		{name: "fits", node: node("n", "2", "4Gi"), pod: pod("p", requests("1", "1Gi"))},
		{name: "a pod that asks nothing still takes a pod slot", node: node("n", "2", "4Gi", full("1")),
			running: []*api.Pod{pod("a")}, pod: pod("p"), code: Unschedulable, reasons: []string{"Too many pods"}},
		{name: "insufficient cpu, preemption may help", node: node("n", "2", "4Gi"),
			running: []*api.Pod{pod("a", requests("1500m", ""))}, pod: pod("p", requests("1", "")),
			code: Unschedulable, reasons: []string{"Insufficient cpu"}},
		{name: "larger than the node, preemption cannot help", node: node("n", "2", "4Gi"), pod: pod("p", requests("3", "")),
			code: UnschedulableAndUnresolvable, reasons: []string{"Insufficient cpu"}},
		{name: "every resource, in upstream's order", node: node("n", "1", "1Gi", withAlloc("ephemeral-storage", "1Gi", "example.com/gpu", "1", "hugepages-2Mi", "2Mi")),
			running: []*api.Pod{pod("a", requests("500m", "512Mi"))},
			pod:     pod("p", requests("1", "1Gi"), container("ephemeral-storage", "2Gi", "example.com/gpu", "2", "hugepages-2Mi", "4Mi")),
			code:    UnschedulableAndUnresolvable,
			reasons: []string{"Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage", "Insufficient example.com/gpu", "Insufficient hugepages-2Mi"}},
		{name: "an extended resource the node lacks", node: node("n", "2", "4Gi"), pod: pod("p", container("example.com/gpu", "1")),
			code: UnschedulableAndUnresolvable, reasons: []string{"Insufficient example.com/gpu"}},
		{name: "overhead counts", node: node("n", "2", "4Gi"), pod: pod("p", requests("1500m", ""), func(p *api.Pod) {
			p.Spec.Overhead = api.ResourceList{"cpu": api.MustParse("600m")}
		}), code: UnschedulableAndUnresolvable, reasons: []string{"Insufficient cpu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := env(nodeInfoFor(tt.node, tt.running...))
			st := verdict(t, h, tt.pod, "NodeResourcesFit", "n")
			if tt.code == Success {
				assert.Nil(t, st)
				return
			}
			require.NotNil(t, st)
			assert.Equal(t, tt.code, st.Code)
			assert.Equal(t, tt.reasons, st.Reasons)
		})
	}
}

func TestPodRequests(t *testing.T) {
	sidecar := api.Ptr(api.RestartAlways)
	initPod := func(init ...api.Container) *api.Pod {
		return pod("p", requests("100m", ""), func(p *api.Pod) { p.Spec.InitContainers = init })
	}
	c := func(name, cpu string, restart *string) api.Container {
		return api.Container{Name: name, RestartPolicy: restart, Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse(cpu)}}}
	}
	tests := []struct {
		name          string
		pod           *api.Pod
		cpu, nonZero  int64
		memoryNonZero int64
	}{
		{"containers add up", pod("p", requests("100m", ""), container("cpu", "200m")), 300, 300, 2 * defaultMemoryRequest},
		{"nothing asked: defaults for scoring only", pod("p"), 0, defaultMilliCPURequest, defaultMemoryRequest},
		{"the largest init container", initPod(c("init", "500m", nil)), 500, 500, defaultMemoryRequest},
		{"sidecars run beside the app", initPod(c("init", "50m", nil), c("side", "200m", sidecar)), 300, 300, 2 * defaultMemoryRequest},
		{"an init container after a sidecar runs with it", initPod(c("side", "200m", sidecar), c("init", "500m", nil)), 700, 700, 2 * defaultMemoryRequest},
		{"pod-level requests replace the containers'", pod("p", requests("100m", ""), func(p *api.Pod) {
			p.Spec.Resources = &api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("1")}}
		}), 1000, 1000, defaultMemoryRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.cpu, podRequests(tt.pod, false).MilliCPU)
			nz := podRequests(tt.pod, true)
			assert.Equal(t, tt.nonZero, nz.MilliCPU)
			assert.Equal(t, tt.memoryNonZero, nz.Memory)
		})
	}
}

func TestResourceScores(t *testing.T) {
	h := env(
		nodeInfoFor(node("a", "4", "8Gi"), pod("x", requests("1", "2Gi"))),
		nodeInfoFor(node("b", "4", "8Gi")),
	)
	p := pod("p", requests("1", "2Gi"))
	// LeastAllocated: a has (4-2)/4 free of both, b (4-1)/4.
	assert.Equal(t, []int64{50, 75}, scores(t, h, p, "NodeResourcesFit"))
	// BalancedAllocation: on a the pod keeps cpu and memory at the same
	// share (75); on b it moves from balance to 1/4 and 1/4: also 75.
	assert.Equal(t, []int64{75, 75}, scores(t, h, p, "NodeResourcesBalancedAllocation"))
	// Unbalancing: 2 cpu and 1Gi takes a from 1/4 and 1/4 to 3/4 and 3/8,
	// b from nothing to 1/2 and 1/8: both from 100 to 81, so 65.
	assert.Equal(t, []int64{65, 65}, scores(t, h, pod("q", requests("2", "1Gi")), "NodeResourcesBalancedAllocation"))
	// A BestEffort pod is not scored by BalancedAllocation.
	assert.Nil(t, scores(t, h, pod("be"), "NodeResourcesBalancedAllocation"))
}

func TestTaintToleration(t *testing.T) {
	tainted := node("n", "2", "4Gi", taint("dedicated", "gpu", api.TaintNoSchedule), taint("soft", "", api.TaintPreferNoSchedule))
	tests := []struct {
		name   string
		taints []nodeOpt
		pod    *api.Pod
		reason string
	}{
		{"untolerated NoSchedule", nil, pod("p"), "node(s) had untolerated taint {dedicated: gpu}"},
		{"tolerated with Exists", nil, pod("p", tolerate("dedicated", api.TaintNoSchedule)), ""},
		{"tolerated with Equal", nil, pod("p", func(p *api.Pod) {
			p.Spec.Tolerations = []api.Toleration{{Key: "dedicated", Operator: "Equal", Value: "gpu"}}
		}), ""},
		{"wrong value", nil, pod("p", func(p *api.Pod) {
			p.Spec.Tolerations = []api.Toleration{{Key: "dedicated", Value: "tpu", Effect: api.TaintNoSchedule}}
		}), "node(s) had untolerated taint {dedicated: gpu}"},
		{"wrong effect", nil, pod("p", tolerate("dedicated", api.TaintNoExecute)), "node(s) had untolerated taint {dedicated: gpu}"},
		{"tolerate everything", nil, pod("p", func(p *api.Pod) { p.Spec.Tolerations = []api.Toleration{{Operator: "Exists"}} }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := verdict(t, env(nodeInfoFor(tainted)), tt.pod, "TaintToleration", "n")
			if tt.reason == "" {
				assert.Nil(t, st)
				return
			}
			assert.Equal(t, &Status{Code: UnschedulableAndUnresolvable, Reasons: []string{tt.reason}}, st)
		})
	}
	// Scores: fewer intolerable PreferNoSchedule taints is better.
	h := env(
		nodeInfoFor(node("a", "2", "4Gi", taint("x", "", api.TaintPreferNoSchedule), taint("y", "", api.TaintPreferNoSchedule))),
		nodeInfoFor(node("b", "2", "4Gi", taint("x", "", api.TaintPreferNoSchedule))),
		nodeInfoFor(node("c", "2", "4Gi")),
	)
	assert.Equal(t, []int64{0, 50, 100}, scores(t, h, pod("p"), "TaintToleration"))
	assert.Equal(t, []int64{0, 100, 100}, scores(t, h, pod("p", tolerate("x", "")), "TaintToleration"))
}

func nodeAffinityTerms(terms ...api.NodeSelectorTerm) podOpt {
	return func(p *api.Pod) {
		ensureAffinity(p)
		p.Spec.Affinity.NodeAffinity = &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{NodeSelectorTerms: terms}}
	}
}

func expr(key, op string, values ...string) api.NodeSelectorTerm {
	return api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

func TestNodeAffinity(t *testing.T) {
	n := node("node01", "2", "4Gi", label("disk", "ssd"), label("gen", "3"))
	tests := []struct {
		name  string
		pod   *api.Pod
		match bool
	}{
		{"In", pod("p", nodeAffinityTerms(expr("disk", "In", "ssd", "nvme"))), true},
		{"NotIn", pod("p", nodeAffinityTerms(expr("disk", "NotIn", "ssd"))), false},
		{"NotIn a missing label", pod("p", nodeAffinityTerms(expr("gpu", "NotIn", "a100"))), true},
		{"Exists", pod("p", nodeAffinityTerms(expr("disk", "Exists"))), true},
		{"DoesNotExist", pod("p", nodeAffinityTerms(expr("disk", "DoesNotExist"))), false},
		{"Gt", pod("p", nodeAffinityTerms(expr("gen", "Gt", "2"))), true},
		{"Lt", pod("p", nodeAffinityTerms(expr("gen", "Lt", "2"))), false},
		{"terms are ORed", pod("p", nodeAffinityTerms(expr("disk", "In", "hdd"), expr("gen", "In", "3"))), true},
		{"an empty term matches nothing", pod("p", nodeAffinityTerms(api.NodeSelectorTerm{})), false},
		{"metadata.name", pod("p", nodeAffinityTerms(api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{"node01"}}}})), true},
		{"nodeSelector and affinity both apply", pod("p", withNodeSelector("disk", "hdd"), nodeAffinityTerms(expr("gen", "In", "3"))), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := verdict(t, env(nodeInfoFor(n)), tt.pod, "NodeAffinity", "node01")
			if tt.match {
				assert.Nil(t, st)
			} else {
				assert.Equal(t, &Status{Code: UnschedulableAndUnresolvable, Reasons: []string{"node(s) didn't match Pod's node affinity/selector"}}, st)
			}
		})
	}
	t.Run("terms that name no common node conflict", func(t *testing.T) {
		byName := func(name string) api.NodeSelectorTerm {
			return api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{
				{Key: "metadata.name", Operator: "In", Values: []string{name}},
				{Key: "metadata.name", Operator: "In", Values: []string{"other"}},
			}}
		}
		st := verdict(t, env(nodeInfoFor(n)), pod("p", nodeAffinityTerms(byName("node01"))), "NodeAffinity", "node01")
		assert.Equal(t, &Status{Code: UnschedulableAndUnresolvable, Reasons: []string{"pod affinity terms conflict"}, Plugin: "NodeAffinity"}, st)
	})
	t.Run("preferred terms score", func(t *testing.T) {
		h := env(nodeInfoFor(node("a", "2", "4Gi", label("disk", "ssd"))), nodeInfoFor(node("b", "2", "4Gi")))
		p := pod("p", func(p *api.Pod) {
			ensureAffinity(p)
			p.Spec.Affinity.NodeAffinity = &api.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []api.PreferredSchedulingTerm{
				{Weight: 20, Preference: expr("disk", "In", "ssd")},
			}}
		})
		assert.Equal(t, []int64{100, 0}, scores(t, h, p, "NodeAffinity"))
		assert.Nil(t, scores(t, h, pod("plain"), "NodeAffinity"), "skipped without preferences")
	})
}

func TestNodePorts(t *testing.T) {
	at := func(ip, proto string, port int32) podOpt {
		return func(p *api.Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, api.ContainerPort{HostIP: ip, Protocol: proto, HostPort: port, ContainerPort: port})
		}
	}
	tests := []struct {
		name     string
		running  podOpt
		wanted   podOpt
		conflict bool
	}{
		{"same port", at("", "TCP", 80), at("", "TCP", 80), true},
		{"another protocol", at("", "TCP", 80), at("", "UDP", 80), false},
		{"another port", at("", "TCP", 80), at("", "TCP", 81), false},
		{"a specific address against the wildcard", at("", "TCP", 80), at("10.0.0.1", "TCP", 80), true},
		{"the wildcard against a specific address", at("10.0.0.1", "TCP", 80), at("", "TCP", 80), true},
		{"two addresses", at("10.0.0.1", "TCP", 80), at("10.0.0.2", "TCP", 80), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := env(nodeInfoFor(node("n", "2", "4Gi"), pod("web", tt.running)))
			st := verdict(t, h, pod("p", tt.wanted), "NodePorts", "n")
			if !tt.conflict {
				assert.Nil(t, st)
				return
			}
			assert.Equal(t, &Status{Code: Unschedulable, Reasons: []string{"node(s) didn't have free ports for the requested pod ports"}}, st)
		})
	}
}

func TestImageLocality(t *testing.T) {
	withImage := func(size int64, names ...string) nodeOpt {
		return func(n *api.Node) {
			n.Status.Images = append(n.Status.Images, api.ContainerImage{Names: names, SizeBytes: size})
		}
	}
	h := env(
		nodeInfoFor(node("a", "2", "4Gi", withImage(500*mib, "example.com/big:latest"))),
		nodeInfoFor(node("b", "2", "4Gi")),
	)
	big := pod("p", func(p *api.Pod) { p.Spec.Containers[0].Image = "example.com/big" })
	// 500 MiB on half the nodes counts as 250 MiB: (250-23)/(1000-23).
	assert.Equal(t, []int64{23, 0}, scores(t, h, big, "ImageLocality"))
	// As upstream, only ":latest" is added: "busybox" does not find
	// "docker.io/library/busybox:latest".
	assert.Equal(t, "busybox:latest", normalizedImageName("busybox"))
	assert.Equal(t, "registry:5000/app:v1", normalizedImageName("registry:5000/app:v1"))
	assert.Equal(t, "registry:5000/app:latest", normalizedImageName("registry:5000/app"))
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	for all, want := range map[int]int{10: 10, 99: 99, 100: 100, 200: 100, 500: 230, 1000: 420, 5000: 500, 6000: 300} {
		assert.Equal(t, want, numFeasibleNodesToFind(all), "%d nodes", all)
	}
}

func TestNodeTreeTakesZonesInTurn(t *testing.T) {
	c := newCache()
	for _, n := range []*api.Node{
		node("a1", "1", "1Gi", zone("a")), node("a2", "1", "1Gi", zone("a")), node("a3", "1", "1Gi", zone("a")),
		node("b1", "1", "1Gi", zone("b")), node("none", "1", "1Gi"), node("b2", "1", "1Gi", zone("b")),
	} {
		c.addNode(n)
	}
	var got []string
	for _, n := range c.nodeList() {
		got = append(got, n.name())
	}
	assert.Equal(t, []string{"a1", "b1", "none", "a2", "b2", "a3"}, got)
	c.removeNode("b1")
	got = nil
	for _, n := range c.nodeList() {
		got = append(got, n.name())
	}
	assert.Equal(t, []string{"a1", "b2", "none", "a2", "a3"}, got)
}

// Every plugin that asks to be skipped returns the one shared Skip status;
// naming its plugin leaves it as it is.
func TestSkippedIsShared(t *testing.T) {
	for _, name := range []string{"NodePorts", "InterPodAffinity"} {
		got := skipped.withPlugin(name)
		assert.Same(t, skipped, got)
		assert.True(t, got.IsSkip())
		assert.Empty(t, skipped.Plugin)
	}
}

// A node's filters read its name, unschedulable flag and taints from its
// nodeInfo, which follows each version of the node.
func TestNodeInfoFollowsItsNode(t *testing.T) {
	n := newNodeInfo()
	p := &api.Pod{Spec: api.PodSpec{NodeName: "node01"}}
	for _, tt := range []struct {
		name                          string
		node                          *api.Node
		unschedulable, tainted, named bool
	}{
		{name: "ready", node: &api.Node{ObjectMeta: api.ObjectMeta{Name: "node01"}}, named: true},
		{name: "cordoned", node: &api.Node{ObjectMeta: api.ObjectMeta{Name: "node01"}, Spec: api.NodeSpec{Unschedulable: true}}, unschedulable: true, named: true},
		{name: "tainted", node: &api.Node{ObjectMeta: api.ObjectMeta{Name: "node01"}, Spec: api.NodeSpec{Taints: []api.Taint{{Key: "k", Effect: api.TaintNoSchedule}}}}, tainted: true, named: true},
		{name: "renamed", node: &api.Node{ObjectMeta: api.ObjectMeta{Name: "node02"}}},
	} {
		n.setNode(tt.node)
		assert.Equal(t, tt.node.Name, n.name(), tt.name)
		assert.Equal(t, tt.unschedulable, !nodeUnschedulable{}.Filter(nil, p, n).IsSuccess(), tt.name)
		assert.Equal(t, tt.tainted, !taintToleration{}.Filter(nil, p, n).IsSuccess(), tt.name)
		assert.Equal(t, tt.named, nodeName{}.Filter(nil, p, n).IsSuccess(), tt.name)
	}
}
