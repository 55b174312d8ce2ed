package scheduler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Each explanation in kube-scheduler's words, as a real cluster prints it
// in the FailedScheduling event and the PodScheduled condition.
func TestFailedSchedulingMessages(t *testing.T) {
	three := func() []*api.Node {
		return []*api.Node{node("controlplane", "2", "4Gi", controlPlaneTaint), node("node01", "2", "4Gi"), node("node02", "2", "4Gi")}
	}
	tests := []struct {
		name  string
		nodes []*api.Node
		setup []api.Object
		pod   *api.Pod
		want  string
	}{
		{
			name: "larger than any node", nodes: three(), pod: pod("big", requests("3", "")),
			want: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
				"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
		},
		{
			name: "no lower-priority pods to evict", nodes: three(),
			setup: []api.Object{pod("a", onNode("node01"), requests("1500m", "")), pod("b", onNode("node02"), requests("1500m", ""))},
			pod:   pod("p", requests("1", "")),
			want: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
				"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
		},
		{
			name:  "one node full of pods as important, one too small",
			nodes: []*api.Node{node("controlplane", "2", "4Gi", controlPlaneTaint), node("node01", "2", "4Gi"), node("node02", "500m", "4Gi")},
			setup: []api.Object{pod("a", onNode("node01"), requests("1500m", ""))},
			pod:   pod("p", requests("1", "")),
			want: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
				"preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
		},
		{
			name: "preemptionPolicy Never", nodes: three(),
			setup: []api.Object{pod("a", onNode("node01"), requests("1500m", "")), pod("b", onNode("node02"), requests("1500m", ""))},
			pod:   pod("p", requests("1", ""), priority(1000), func(p *api.Pod) { p.Spec.PreemptionPolicy = api.Ptr("Never") }),
			want: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
				"preemption: not eligible due to preemptionPolicy=Never.",
		},
		{
			name: "node selector", nodes: three(), pod: pod("p", withNodeSelector("disktype", "ssd")),
			want: "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. " +
				"preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
		},
		{
			name: "cordoned", nodes: []*api.Node{node("node01", "2", "4Gi", cordoned)}, pod: pod("p"),
			want: "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
		},
		{
			name: "host port taken", nodes: []*api.Node{node("node01", "2", "4Gi")},
			setup: []api.Object{pod("web", onNode("node01"), hostPort(8080))},
			pod:   pod("p", hostPort(8080)),
			want:  "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
		},
		{
			name: "anti-affinity", nodes: []*api.Node{node("node01", "2", "4Gi")},
			setup: []api.Object{pod("web-1", onNode("node01"), labels("app", "web"))},
			pod:   pod("web-2", labels("app", "web"), antiAffinity("kubernetes.io/hostname", map[string]string{"app": "web"})),
			want:  "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
		},
		{
			name: "existing pods' anti-affinity", nodes: []*api.Node{node("node01", "2", "4Gi")},
			setup: []api.Object{pod("db", onNode("node01"), labels("app", "db"), antiAffinity("kubernetes.io/hostname", map[string]string{"app": "web"}))},
			pod:   pod("web", labels("app", "web")),
			want:  "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
		},
		{
			name: "affinity", nodes: []*api.Node{node("node01", "2", "4Gi")},
			setup: []api.Object{pod("other", onNode("node01"), labels("app", "other"))},
			pod:   pod("web", affinity("kubernetes.io/hostname", map[string]string{"app": "cache"})),
			want:  "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
		},
		{
			name: "topology spread", nodes: []*api.Node{node("node01", "2", "4Gi", zone("a")), node("node02", "2", "4Gi", zone("b"), cordoned)},
			setup: []api.Object{pod("web-1", onNode("node01"), labels("app", "web"))},
			pod:   pod("web-2", labels("app", "web"), spread("topology.kubernetes.io/zone", 1, "DoNotSchedule", map[string]string{"app": "web"})),
			want: "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) were unschedulable. " +
				"preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
		},
		{
			name: "topology spread, missing label", nodes: []*api.Node{node("node01", "2", "4Gi")},
			pod: pod("web", labels("app", "web"), spread("topology.kubernetes.io/zone", 1, "DoNotSchedule", map[string]string{"app": "web"})),
			want: "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label). " +
				"preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
		},
		{
			name: "claim not found", nodes: three(), pod: pod("p", claimVolume("data")),
			want: `0/3 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.`,
		},
		{
			name: "unbound immediate claim", nodes: three(),
			setup: []api.Object{claim("data", "")},
			pod:   pod("p", claimVolume("data")),
			want:  "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
		},
		{
			name: "a pod pinned to a node, as a DaemonSet's", nodes: three(),
			setup: []api.Object{pod("a", onNode("node01"), requests("1500m", ""))},
			pod: pod("p", requests("1", ""), nodeAffinityTerms(api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{
				{Key: "metadata.name", Operator: "In", Values: []string{"node01"}},
			}})),
			want: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. " +
				"preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
		},
		{
			name: "volume node affinity", nodes: []*api.Node{node("node01", "2", "4Gi")},
			setup: []api.Object{pinnedVolume("pv", "node09", "ReadWriteOnce"), boundClaim("data", "pv", "ReadWriteOnce")},
			pod:   pod("p", claimVolume("data")),
			want: "0/1 nodes are available: 1 node(s) had volume node affinity conflict. " +
				"preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
		},
		{
			name: "ReadWriteOncePod claim in use", nodes: []*api.Node{node("node01", "2", "4Gi")},
			setup: []api.Object{pinnedVolume("pv", "node01", "ReadWriteOncePod"), boundClaim("data", "pv", "ReadWriteOncePod"), pod("a", onNode("node01"), claimVolume("data"))},
			pod:   pod("p", claimVolume("data")),
			want: "0/1 nodes are available: 1 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode. " +
				"preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
		},
		{
			name: "no nodes", pod: pod("p"),
			want: "no nodes available to schedule pods",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.nodes...)
			for _, obj := range tt.setup {
				f.create(obj)
			}
			f.settle()
			f.create(tt.pod)
			f.settle()
			require.Empty(t, f.pod(tt.pod.Name).Spec.NodeName)
			assert.Equal(t, []string{tt.want}, f.events(tt.pod.Name, "FailedScheduling"))
			c := f.condition(tt.pod.Name)
			assert.Equal(t, tt.want, c.Message)
			assert.Equal(t, "Unschedulable", c.Reason)
			assert.Equal(t, api.ConditionFalse, c.Status)
		})
	}
}

// pinnedVolume is a volume that only the node can use.
func pinnedVolume(name, nodeName, mode string) *api.PersistentVolume {
	return &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.PersistentVolumeSpec{
			Capacity:               api.ResourceList{"storage": api.MustParse("1Gi")},
			AccessModes:            []string{mode},
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/data"}},
			NodeAffinity: &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{
				expr("kubernetes.io/hostname", "In", nodeName),
			}}},
		},
	}
}

// boundClaim is a claim the volume controller has bound to the volume.
func boundClaim(name, volume, mode string) *api.PersistentVolumeClaim {
	c := claim(name, "")
	c.Spec.AccessModes = []string{mode}
	c.Spec.VolumeName = volume
	c.Annotations = map[string]string{annBindCompleted: "yes"}
	return c
}

func TestSchedulesWhenRoomAppears(t *testing.T) {
	f := newFixture(t, node("node01", "1", "4Gi"))
	f.create(pod("big", requests("2", "")))
	f.l.AdvanceBy(time.Minute)
	assert.Empty(t, f.pod("big").Spec.NodeName)
	f.create(node("node02", "4", "4Gi"))
	f.settle()
	assert.Equal(t, "node02", f.pod("big").Spec.NodeName)
	assert.Equal(t, []string{"Successfully assigned default/big to node02"}, f.events("big", "Scheduled"))
}
