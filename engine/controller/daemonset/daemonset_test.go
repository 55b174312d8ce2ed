package daemonset

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

func status(ds *api.DaemonSet) []int32 {
	s := ds.Status
	return []int32{s.DesiredNumberScheduled, s.CurrentNumberScheduled, s.NumberReady, s.UpdatedNumberScheduled, s.NumberAvailable, s.NumberUnavailable, s.NumberMisscheduled}
}

func TestOnePodPerNode(t *testing.T) {
	f := newFixture(t, 1)
	f.addNode("node01")
	f.addNode("node02")
	f.create(daemonSet("agent"))
	f.settle()

	assert.Equal(t, []string{"node01:busybox:1.36", "node02:busybox:1.36"}, f.placement())
	ds := f.ds("agent")
	assert.Equal(t, []int32{2, 2, 2, 2, 2, 0, 0}, status(ds))
	assert.Equal(t, int64(1), ds.Status.ObservedGeneration)
	assert.Equal(t, "1", ds.Annotations[TemplateGenerationAnnotate])

	revs := f.revisions()
	require.Len(t, revs, 1)
	hash := controller.ComputeHash(&ds.Spec.Template, nil)
	assert.Equal(t, "agent-"+hash, revs[0].Name)
	assert.Equal(t, map[string]string{"app": "agent", RevisionHashLabel: hash}, revs[0].Labels)
	assert.Equal(t, int64(1), revs[0].Revision)

	p := f.pods()[0]
	assert.Equal(t, map[string]string{"app": "agent", RevisionHashLabel: hash, TemplateGenLabel: "1"}, p.Labels)
	assert.Equal(t, []api.NodeSelectorTerm{{MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{"node01"}}}}},
		p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms)
	var keys []string
	for _, tol := range p.Spec.Tolerations {
		keys = append(keys, tol.Key+":"+tol.Effect)
		assert.Nil(t, tol.TolerationSeconds)
	}
	assert.Equal(t, []string{
		"node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute",
		"node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule",
		"node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule",
	}, keys)
	assert.Equal(t, []string{"SuccessfulCreate: Created pod: " + f.pods()[0].Name, "SuccessfulCreate: Created pod: " + f.pods()[1].Name}, f.events("agent"))
}

func TestPodsFollowNodes(t *testing.T) {
	f := newFixture(t, 2)
	f.addNode("node01")
	f.create(daemonSet("agent"))
	f.settle()

	f.addNode("node02")
	f.settle()
	assert.Equal(t, []string{"node01:busybox:1.36", "node02:busybox:1.36"}, f.placement(), "a joining node gets a pod")

	// The pod on a deleted node is the pod garbage collector's to delete:
	// the set only stops counting the node.
	f.deleteNode("node02")
	f.update("agent", func(ds *api.DaemonSet) { ds.Spec.MinReadySeconds = 1 })
	f.advance(2 * time.Second)
	assert.Equal(t, []int32{1, 1, 1, 1, 1, 0, 0}, status(f.ds("agent")))
}

func TestEligibility(t *testing.T) {
	f := newFixture(t, 3)
	f.addNode("ssd", func(n *api.Node) { n.Labels["disk"] = "ssd" })
	f.addNode("hdd", func(n *api.Node) { n.Labels["disk"] = "hdd" })
	f.addNode("cordoned", func(n *api.Node) {
		n.Labels["disk"] = "ssd"
		n.Spec.Unschedulable = true
		n.Spec.Taints = []api.Taint{{Key: controller.TaintNodeUnschedulable, Effect: api.TaintNoSchedule}}
	})
	f.addNode("dedicated", func(n *api.Node) {
		n.Labels["disk"] = "ssd"
		n.Spec.Taints = []api.Taint{{Key: "dedicated", Value: "db", Effect: api.TaintNoSchedule}}
	})
	f.create(daemonSet("agent", func(ds *api.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"} }))
	f.settle()
	assert.Equal(t, []string{"cordoned:busybox:1.36", "ssd:busybox:1.36"}, f.placement(), "cordoned nodes run daemons; untolerated taints keep them out")

	// A NoSchedule taint lets the pod stay, but the node is no longer
	// desired and its pod counts as misscheduled.
	f.editNode("ssd", func(n *api.Node) {
		n.Spec.Taints = []api.Taint{{Key: "dedicated", Value: "db", Effect: api.TaintNoSchedule}}
	})
	f.settle()
	assert.Equal(t, []string{"cordoned:busybox:1.36", "ssd:busybox:1.36"}, f.placement())
	assert.Equal(t, []int32{1, 1, 1, 1, 1, 0, 1}, status(f.ds("agent")))

	// A NoExecute taint, or a node that stops matching, removes it.
	f.editNode("ssd", func(n *api.Node) {
		n.Spec.Taints = []api.Taint{{Key: "dedicated", Value: "db", Effect: api.TaintNoExecute}}
	})
	f.editNode("cordoned", func(n *api.Node) { n.Labels["disk"] = "hdd" })
	f.settle()
	assert.Empty(t, f.placement())
	assert.Equal(t, []int32{0, 0, 0, 0, 0, 0, 0}, status(f.ds("agent")))

	// Nodes that are not ready or unreachable keep their daemons.
	f.editNode("hdd", func(n *api.Node) {
		n.Labels["disk"] = "ssd"
		n.Spec.Taints = []api.Taint{{Key: controller.TaintNodeNotReady, Effect: api.TaintNoExecute}, {Key: controller.TaintNodeDiskPressure, Effect: api.TaintNoSchedule}}
	})
	f.settle()
	assert.Equal(t, []string{"hdd:busybox:1.36"}, f.placement())
}

// TestEditedSetIsSeenAgain checks that the controller judges nodes by
// the set as it is now (the pod spec it remembers for each version of
// the set): a toleration added later lets the pod onto a tainted node, a
// nodeSelector added later takes it off the nodes that do not match, and
// a set deleted and made again under the same name starts afresh.
func TestEditedSetIsSeenAgain(t *testing.T) {
	f := newFixture(t, 7)
	f.addNode("plain", func(n *api.Node) { n.Labels["disk"] = "hdd" })
	f.addNode("tainted", func(n *api.Node) {
		n.Labels["disk"] = "ssd"
		n.Spec.Taints = []api.Taint{{Key: "dedicated", Value: "db", Effect: api.TaintNoSchedule}}
	})
	f.create(daemonSet("agent"))
	f.settle()
	assert.Equal(t, []string{"plain:busybox:1.36"}, f.placement())

	f.update("agent", func(ds *api.DaemonSet) {
		ds.Spec.Template.Spec.Tolerations = []api.Toleration{{Key: "dedicated", Operator: "Equal", Value: "db", Effect: api.TaintNoSchedule}}
	})
	f.settle()
	assert.Equal(t, []int32{2, 2, 2, 2, 2, 0, 0}, status(f.ds("agent")), "the toleration lets a pod onto the tainted node")
	assert.Len(t, f.placement(), 2)

	f.update("agent", func(ds *api.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"} })
	f.settle()
	assert.Equal(t, []string{"tainted:busybox:1.36"}, f.placement(), "the selector takes the pod off the node that does not match")

	require.NoError(t, client.Delete[*api.DaemonSet](f.C, "default", "agent", apiserver.DeleteOptions{}))
	f.settle()
	f.create(daemonSet("agent"))
	f.settle()
	assert.Equal(t, []string{"plain:busybox:1.36"}, f.placement(), "the set made again has no toleration")
}

func TestNodeAffinityAndHostNetwork(t *testing.T) {
	f := newFixture(t, 4)
	f.addNode("a", func(n *api.Node) { n.Labels["zone"] = "a" })
	f.addNode("b", func(n *api.Node) {
		n.Labels["zone"] = "b"
		n.Spec.Taints = []api.Taint{{Key: controller.TaintNodeNetworkUnavailable, Effect: api.TaintNoSchedule}}
	})
	f.create(daemonSet("net", func(ds *api.DaemonSet) {
		spec := &ds.Spec.Template.Spec
		spec.HostNetwork = true
		spec.Tolerations = []api.Toleration{{Key: controller.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Ptr(int64(300))}}
		spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{
			NodeSelectorTerms: []api.NodeSelectorTerm{{MatchExpressions: []api.NodeSelectorRequirement{{Key: "zone", Operator: "In", Values: []string{"a", "b"}}}}},
		}}}
	}))
	f.settle()
	assert.Equal(t, []string{"a:busybox:1.36", "b:busybox:1.36"}, f.placement())
	p := f.pods()[1]
	assert.Nil(t, p.Spec.Tolerations[0].TolerationSeconds, "the daemon toleration replaces the template's")
	assert.Equal(t, controller.TaintNodeNetworkUnavailable, p.Spec.Tolerations[len(p.Spec.Tolerations)-1].Key)
	assert.Equal(t, []string{"b"}, p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields[0].Values)
}

func TestRollingUpdateMaxUnavailable(t *testing.T) {
	f := newFixture(t, 5)
	for _, n := range []string{"node01", "node02", "node03"} {
		f.addNode(n)
	}
	f.create(daemonSet("agent"))
	f.settle()
	f.unready = map[string]bool{"node01": true, "node02": true, "node03": true}
	f.setImage("agent", "busybox:1.37")
	f.L.RunUntilIdle()
	f.kubelets()
	f.L.RunUntilIdle()
	// One old pod at a time: the replacement is not ready, so no more go.
	f.settle()
	assert.Equal(t, []string{"node01:busybox:1.37", "node02:busybox:1.36", "node03:busybox:1.36"}, f.placement())
	ds := f.ds("agent")
	assert.Equal(t, "2", ds.Annotations[TemplateGenerationAnnotate])
	assert.Equal(t, []int32{3, 3, 2, 1, 2, 1, 0}, status(ds))

	f.unready = map[string]bool{}
	f.setStatus(f.pods()[0], api.PodRunning, true)
	f.settle()
	assert.Equal(t, []string{"node01:busybox:1.37", "node02:busybox:1.37", "node03:busybox:1.37"}, f.placement())
	revs := f.revisions()
	require.Len(t, revs, 2)
	assert.Equal(t, []int64{1, 2}, []int64{revs[0].Revision, revs[1].Revision})
	assert.Equal(t, "agent-"+controller.ComputeHash(&f.ds("agent").Spec.Template, nil), revs[1].Name)

	// Rolling back renumbers the first revision instead of making a third.
	f.setImage("agent", "busybox:1.36")
	f.settle()
	revs = f.revisions()
	require.Len(t, revs, 2)
	assert.Equal(t, int64(3), revs[1].Revision)
	assert.Equal(t, "busybox:1.36", f.pods()[0].Spec.Containers[0].Image)
}

func TestRollingUpdateSurge(t *testing.T) {
	f := newFixture(t, 6)
	f.addNode("node01")
	f.addNode("node02")
	f.create(daemonSet("agent", func(ds *api.DaemonSet) {
		ds.Spec.MinReadySeconds = 5
		ds.Spec.UpdateStrategy = api.DaemonSetUpdateStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateDaemonSet{
			MaxSurge: api.Ptr(api.FromInt(1)), MaxUnavailable: api.Ptr(api.FromInt(0)),
		}}
	}))
	f.advance(10 * time.Second)
	assert.Equal(t, []int32{2, 2, 2, 2, 2, 0, 0}, status(f.ds("agent")))

	f.setImage("agent", "busybox:1.37")
	f.settle()
	assert.Equal(t, []string{"node01:busybox:1.36", "node01:busybox:1.37", "node02:busybox:1.36"}, f.placement(),
		"the new pod starts beside the old one, on one node at a time")
	f.advance(5 * time.Second)
	assert.Len(t, f.placement(), 3, "the controller looks again a second after minReadySeconds")
	f.advance(time.Second)
	assert.Equal(t, []string{"node01:busybox:1.37", "node02:busybox:1.36", "node02:busybox:1.37"}, f.placement(),
		"the old pod goes once the new one has been ready for minReadySeconds")
	f.advance(10 * time.Second)
	assert.Equal(t, []string{"node01:busybox:1.37", "node02:busybox:1.37"}, f.placement())
	assert.Equal(t, []int32{2, 2, 2, 2, 2, 0, 0}, status(f.ds("agent")))
}

func TestOnDelete(t *testing.T) {
	f := newFixture(t, 7)
	f.addNode("node01")
	f.addNode("node02")
	f.create(daemonSet("agent", func(ds *api.DaemonSet) { ds.Spec.UpdateStrategy = api.DaemonSetUpdateStrategy{Type: "OnDelete"} }))
	f.settle()
	f.setImage("agent", "busybox:1.37")
	f.settle()
	assert.Equal(t, []string{"node01:busybox:1.36", "node02:busybox:1.36"}, f.placement())
	assert.Equal(t, []int32{2, 2, 2, 0, 2, 0, 0}, status(f.ds("agent")))

	require.NoError(t, deletePod(f, f.pods()[0].Name))
	f.settle()
	assert.Equal(t, []string{"node01:busybox:1.37", "node02:busybox:1.36"}, f.placement())
	assert.Equal(t, []int32{2, 2, 2, 1, 2, 0, 0}, status(f.ds("agent")))
}

func TestFailedPodsAreReplacedWithBackoff(t *testing.T) {
	f := newFixture(t, 8)
	f.addNode("node01")
	f.create(daemonSet("agent"))
	f.settle()

	first := f.pods()[0]
	f.setStatus(first, api.PodFailed, false)
	f.settle()
	second := f.pods()[0]
	assert.NotEqual(t, first.Name, second.Name)
	assert.Contains(t, f.events("agent"), "FailedDaemonPod: Found failed daemon pod default/"+first.Name+" on node node01, will try to kill it")

	// The next failure within a second waits out the backoff.
	f.setStatus(second, api.PodFailed, false)
	f.settle()
	assert.Equal(t, second.Name, f.pods()[0].Name, "still backing off")
	f.advance(2 * time.Second)
	assert.NotEqual(t, second.Name, f.pods()[0].Name)
}

func TestHistoryLimit(t *testing.T) {
	f := newFixture(t, 9)
	f.addNode("node01")
	f.create(daemonSet("agent", func(ds *api.DaemonSet) { ds.Spec.RevisionHistoryLimit = api.Ptr(int32(1)) }))
	f.settle()
	for _, tag := range []string{"1.37", "1.38", "1.39"} {
		f.setImage("agent", "busybox:"+tag)
		f.settle()
	}
	revs := f.revisions()
	require.Len(t, revs, 2, "the current revision and one more")
	assert.Equal(t, []int64{3, 4}, []int64{revs[0].Revision, revs[1].Revision})
}

// A set on many nodes creates controller.CreateChunk pods per event of
// the loop, and in the end one on every node; a rolling update that may replace every pod at once deletes them
// in chunks too.
func TestManyNodesSpreadOverEvents(t *testing.T) {
	f := newFixture(t, 7)
	const nodes = 300
	for i := range nodes {
		f.addNode(fmt.Sprintf("node%03d", i))
	}
	f.L.RunUntilIdle()
	// most runs the loop to idle, event by event, and returns the largest
	// change in the number of pods one event made, and the pods then.
	most := func(count func() int) (int, int) {
		n := 0
		for {
			before := count()
			if !f.L.Step() {
				return n, count()
			}
			n = max(n, abs(count()-before))
		}
	}
	all := func() int { return len(f.pods()) }
	f.create(daemonSet("agent"))
	n, got := most(all)
	assert.Equal(t, controller.CreateChunk, n, "at most a chunk of creates per event")
	assert.Equal(t, nodes, got, "a sync creates burstReplicas pods, the next the rest")
	f.settle()
	assert.Len(t, f.pods(), nodes)
	assert.Equal(t, []int32{nodes, nodes, nodes, nodes, nodes, 0, 0}, status(f.ds("agent")))

	f.update("agent", func(ds *api.DaemonSet) {
		ds.Spec.UpdateStrategy = api.DaemonSetUpdateStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateDaemonSet{
			MaxUnavailable: api.Ptr(api.FromString("100%")),
		}}
		ds.Spec.Template.Spec.Containers[0].Image = "busybox:1.37"
	})
	terminating := func() int {
		n := 0
		for _, p := range f.pods() {
			if p.DeletionTimestamp != nil {
				n++
			}
		}
		return n
	}
	n, got = most(terminating)
	assert.Equal(t, controller.CreateChunk, n, "at most a chunk of deletes per event")
	assert.Equal(t, nodes, got)
	f.settle()
	placement := f.placement()
	assert.Len(t, placement, nodes)
	for _, p := range placement {
		assert.Regexp(t, `^node\d{3}:busybox:1\.37$`, p)
	}
}

func abs(n int) int { return max(n, -n) }
