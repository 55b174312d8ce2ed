package nodelifecycle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func cond(status string) *api.NodeCondition { return &api.NodeCondition{Type: "Ready", Status: status} }

func TestComputeZoneState(t *testing.T) {
	tests := []struct {
		name     string
		statuses []string
		notReady int
		state    string
	}{
		{"all ready", []string{"True", "True"}, 0, stateNormal},
		{"one down of two", []string{"True", "Unknown"}, 1, stateNormal},
		{"none ready", []string{"Unknown", "False"}, 2, stateFullDisruption},
		{"two of three is not more than two", []string{"Unknown", "Unknown", "True"}, 2, stateNormal},
		{"three of five", []string{"Unknown", "Unknown", "False", "True", "True"}, 3, statePartialDisruption},
		{"three of six is below 55%", []string{"Unknown", "Unknown", "False", "True", "True", "True"}, 3, stateNormal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cs []*api.NodeCondition
			for _, s := range tt.statuses {
				cs = append(cs, cond(s))
			}
			n, state := computeZoneState(cs)
			assert.Equal(t, tt.notReady, n)
			assert.Equal(t, tt.state, state)
		})
	}
}

func TestZoneQPS(t *testing.T) {
	assert.Equal(t, 0.1, zoneQPS(stateNormal, 3))
	assert.Equal(t, 0.1, zoneQPS(stateFullDisruption, 3), "one zone down: evict at the normal rate")
	assert.Equal(t, 0.0, zoneQPS(statePartialDisruption, 50), "a small zone in trouble stops evicting")
	assert.Equal(t, 0.01, zoneQPS(statePartialDisruption, 51))
}

// The queue lets one node through at once, then one every ten seconds.
func TestRateLimitedQueue(t *testing.T) {
	q := newRateLimitedQueue(newTokenBucket(evictionLimiterQPS, evictionRateLimiterBurst, epoch))
	for _, n := range []string{"a", "b", "c"} {
		assert.True(t, q.add(n, "", epoch))
	}
	assert.False(t, q.add("a", "", epoch), "once queued")
	var done []string
	take := func(v timedValue) (bool, time.Duration) { done = append(done, v.node); return true, 0 }
	q.try(epoch, take)
	assert.Equal(t, []string{"a"}, done)
	next, ok := q.next(epoch)
	assert.True(t, ok)
	assert.Equal(t, 10*time.Second, next.Sub(epoch).Round(time.Second))
	q.try(epoch.Add(5*time.Second), take)
	assert.Equal(t, []string{"a"}, done)
	q.try(next, take)
	assert.Equal(t, []string{"a", "b"}, done)
	assert.False(t, q.add("a", "", next), "a node done stays in the set")
	assert.True(t, q.remove("a"))
	assert.True(t, q.add("a", "", next), "until it is removed")

	q.swapLimiter(0, next)
	q.try(next.Add(time.Hour), take)
	assert.Equal(t, []string{"a", "b"}, done, "a zero rate stops the queue")
	_, ok = q.next(next)
	assert.False(t, ok)
}

func TestNoScheduleTaints(t *testing.T) {
	n := &api.Node{Spec: api.NodeSpec{Unschedulable: true}, Status: api.NodeStatus{Conditions: []api.NodeCondition{
		{Type: "MemoryPressure", Status: "True"}, {Type: "DiskPressure", Status: "False"}, {Type: "Ready", Status: "Unknown"},
	}}}
	var keys []string
	for _, t := range noScheduleTaints(n) {
		keys = append(keys, t.Key+":"+t.Effect)
	}
	assert.Equal(t, []string{"node.kubernetes.io/memory-pressure:NoSchedule", "node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule"}, keys)

	add, remove := taintSetDiff(noScheduleTaints(n), []api.Taint{
		{Key: "node.kubernetes.io/not-ready", Effect: api.TaintNoSchedule},
		{Key: "node.kubernetes.io/memory-pressure", Effect: api.TaintNoSchedule},
	})
	assert.Len(t, add, 2)
	assert.Equal(t, []api.Taint{{Key: "node.kubernetes.io/not-ready", Effect: api.TaintNoSchedule}}, remove)
}

func TestMarkUnknown(t *testing.T) {
	n := &api.Node{Status: api.NodeStatus{Conditions: []api.NodeCondition{
		{Type: "Ready", Status: "True", Reason: "KubeletReady"},
		{Type: "DiskPressure", Status: "Unknown", Reason: "Before", LastTransitionTime: api.NewTime(epoch)},
	}}}
	markUnknown(n, epoch.Add(time.Minute))
	got := map[string]string{}
	for _, c := range n.Status.Conditions {
		got[c.Type] = c.Status + " " + c.Reason + " " + c.LastTransitionTime.Format(time.TimeOnly)
	}
	assert.Equal(t, map[string]string{
		"Ready":          "Unknown NodeStatusUnknown 00:01:00",
		"DiskPressure":   "Unknown Before 00:00:00",
		"MemoryPressure": "Unknown NodeStatusNeverUpdated 00:01:00",
		"PIDPressure":    "Unknown NodeStatusNeverUpdated 00:01:00",
	}, got)
}
