package replicaset

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func rankedPod(name, node, phase string, ready bool, created time.Duration) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, CreationTimestamp: api.NewTime(epoch.Add(created))}}
	p.Spec.NodeName = node
	p.Status.Phase = phase
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: status, LastTransitionTime: api.NewTime(epoch.Add(created))}}
	return p
}

func TestScaleDownOrder(t *testing.T) {
	pods := []*api.Pod{
		rankedPod("ready-old", "n1", "Running", true, 0),
		rankedPod("ready-new", "n2", "Running", true, time.Minute),
		rankedPod("unscheduled", "", "Pending", false, 0),
		rankedPod("pending", "n1", "Pending", false, 0),
		rankedPod("not-ready", "n2", "Running", false, 0),
	}
	var names []string
	for _, p := range podsToDelete(pods, 5) {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"unscheduled", "pending", "not-ready", "ready-new", "ready-old"}, names)
}

func TestDeletionCostWins(t *testing.T) {
	cheap := rankedPod("cheap", "n1", "Running", true, 0)
	cheap.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "-10"}
	dear := rankedPod("dear", "n2", "Running", true, time.Minute)
	dear.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "10"}
	assert.Equal(t, "cheap", podsToDelete([]*api.Pod{dear, cheap}, 1)[0].Name)
}
