package scheduler

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestExplain(t *testing.T) {
	f := newFixture(t,
		node("controlplane", "2", "4Gi", controlPlaneTaint),
		node("node02", "2", "4Gi"),
		node("node01", "2", "4Gi"),
	)
	f.create(pod("busy", requests("1", "1Gi"), onNode("node01")))
	f.create(pod("p", requests("500m", "512Mi"), func(p *api.Pod) {
		p.Spec.SchedulingGates = []api.PodSchedulingGate{{Name: "example.com/hold"}}
	}))
	f.settle()

	e, err := f.sched.Explain("default", "p")
	require.NoError(t, err)
	assert.Equal(t, "default/p", e.Pod)
	require.Len(t, e.Nodes, 3)
	assert.Equal(t, []string{"controlplane", "node01", "node02"}, []string{e.Nodes[0].Node, e.Nodes[1].Node, e.Nodes[2].Node})

	cp := e.Nodes[0]
	assert.False(t, cp.Feasible)
	assert.Equal(t, &Status{Code: UnschedulableAndUnresolvable, Reasons: []string{"node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"}, Plugin: "TaintToleration"}, cp.Status)
	assert.Equal(t, PluginResult{Plugin: "TaintToleration", Code: UnschedulableAndUnresolvable, Reasons: cp.Status.Reasons}, cp.Filters[2])
	assert.Equal(t, PluginResult{Plugin: "NodeResourcesFit", Code: Success}, cp.Filters[5], "every plugin runs, past the first rejection")
	assert.Equal(t, PluginResult{Plugin: "NodeAffinity", Code: Skip}, cp.Filters[3])
	assert.Empty(t, cp.Scores)

	assert.Equal(t, 2, e.FeasibleNodes)
	assert.Equal(t, "node02", e.SelectedNode, "the emptier node")
	n1, n2 := e.Nodes[1], e.Nodes[2]
	assert.True(t, n1.Feasible && n2.Feasible)
	assert.Greater(t, n2.Total, n1.Total)
	fit := func(ne NodeExplanation) NodeScore {
		for _, s := range ne.Scores {
			if s.Plugin == "NodeResourcesFit" {
				return s
			}
		}
		return NodeScore{}
	}
	// LeastAllocated on node02: 1500m of 2 cpu (75) and 3.5Gi of 4Gi
	// (87) left.
	assert.Equal(t, NodeScore{Plugin: "NodeResourcesFit", Raw: 81, Normalized: 81, Weighted: 81}, fit(n2))
	assert.Equal(t, []ScorePlugin{
		{Plugin: "TaintToleration", Weight: 3}, {Plugin: "NodeAffinity", Weight: 2, Skipped: true},
		{Plugin: "NodeResourcesFit", Weight: 1}, {Plugin: "PodTopologySpread", Weight: 2, Skipped: true},
		{Plugin: "InterPodAffinity", Weight: 2, Skipped: true}, {Plugin: "NodeResourcesBalancedAllocation", Weight: 1},
		{Plugin: "ImageLocality", Weight: 1},
	}, e.ScorePlugins)

	// The explanation changed nothing, and reads the same twice.
	assert.Empty(t, f.pod("p").Spec.NodeName)
	again, err := f.sched.Explain("default", "p")
	require.NoError(t, err)
	a, _ := json.Marshal(e)
	b, _ := json.Marshal(again)
	assert.JSONEq(t, string(a), string(b))
	assert.Contains(t, string(a), `"code":"UnschedulableAndUnresolvable"`)
}

func TestExplainWhenNothingFits(t *testing.T) {
	f := newFixture(t, node("node01", "2", "4Gi"))
	f.create(pod("low", requests("1500m", ""), priority(10), onNode("node01")))
	f.create(pod("p", requests("1", ""), priority(1000), func(p *api.Pod) {
		p.Spec.SchedulingGates = []api.PodSchedulingGate{{Name: "example.com/hold"}}
	}))
	f.settle()
	e, err := f.sched.Explain("default", "p")
	require.NoError(t, err)
	assert.Equal(t, 0, e.FeasibleNodes)
	assert.Equal(t, "0/1 nodes are available: 1 Insufficient cpu.", e.Message)
	assert.Equal(t, &PreemptionExplanation{Node: "node01", Victims: []string{"default/low"}}, e.Preemption)
	assert.Nil(t, f.pod("low").DeletionTimestamp, "a dry run")

	_, err = f.sched.Explain("default", "nope")
	assert.EqualError(t, err, `pods "nope" not found`)
}

func TestLastCycle(t *testing.T) {
	f := newFixture(t, node("node01", "1", "4Gi"), node("node02", "2", "4Gi"))
	f.create(pod("p", requests("1500m", "")))
	f.settle()
	r, ok := f.sched.LastCycle("default", "p")
	require.True(t, ok)
	assert.Equal(t, "Scheduled", r.Result)
	assert.Equal(t, "node02", r.Node)
	assert.Equal(t, 2, r.EvaluatedNodes)
	assert.Equal(t, 1, r.FeasibleNodes)
	assert.Equal(t, []NodeFilterState{{Node: "node01", Plugin: "NodeResourcesFit", Code: UnschedulableAndUnresolvable, Reason: []string{"Insufficient cpu"}}}, r.Rejected)
}
