package podautoscaler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

var t0 = time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC)

// runningPod is a pod ready since long before the CPU initialization
// period, requesting cpu.
func runningPod(name, cpu string) *api.Pod {
	started := api.NewTime(t0.Add(-time.Hour))
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name}}
	p.Spec.Containers = []api.Container{{Name: "c", Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse(cpu)}}}}
	p.Status.Phase = api.PodRunning
	p.Status.StartTime = &started
	p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: started}}
	return p
}

func sample(milli int64) podMetric { return podMetric{at: t0, window: 15 * time.Second, value: milli} }

func TestResourceReplicas(t *testing.T) {
	pending := runningPod("pending", "200m")
	pending.Status.Phase = api.PodPending
	fresh := runningPod("fresh", "200m")
	fresh.Status.StartTime = api.Ptr(api.NewTime(t0.Add(-time.Minute)))
	fresh.Status.Conditions[0].LastTransitionTime = api.NewTime(t0.Add(-5 * time.Second))
	tests := []struct {
		name    string
		pods    []*api.Pod
		metrics podMetrics
		target  int32
		want    int32
		util    int32
		err     string
	}{
		{"scale up", []*api.Pod{runningPod("a", "200m")}, podMetrics{"a": sample(500)}, 50, 5, 250, ""},
		{"within tolerance", []*api.Pod{runningPod("a", "200m"), runningPod("b", "200m")}, podMetrics{"a": sample(105), "b": sample(105)}, 50, 2, 52, ""},
		{"scale down", []*api.Pod{runningPod("a", "200m"), runningPod("b", "200m")}, podMetrics{"a": sample(0), "b": sample(10)}, 50, 1, 2, ""},
		// A missing pod counts as using its whole request on a scale-down,
		// which here turns the direction: no change.
		{"missing on scale down", []*api.Pod{runningPod("a", "200m"), runningPod("b", "200m")}, podMetrics{"a": sample(40)}, 50, 2, 20, ""},
		// An unready pod counts as using nothing on a scale-up.
		{"pending on scale up", []*api.Pod{runningPod("a", "200m"), pending}, podMetrics{"a": sample(400)}, 50, 4, 200, ""},
		// Within the initialization period a sample that may predate
		// readiness is not trusted.
		{"fresh pod ignored", []*api.Pod{fresh}, podMetrics{"fresh": sample(400)}, 50, 0, 0, "did not receive metrics for targeted pods (pods might be unready)"},
		{"no pods", nil, podMetrics{"a": sample(1)}, 50, 0, 0, "no pods returned by selector while calculating replica count"},
		{"no request", []*api.Pod{{ObjectMeta: api.ObjectMeta{Name: "a"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c"}}},
			Status: api.PodStatus{Phase: api.PodRunning, StartTime: runningPod("x", "1").Status.StartTime, Conditions: runningPod("x", "1").Status.Conditions}}},
			podMetrics{"a": sample(1)}, 50, 0, 0, "missing request for cpu in container c of Pod a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &calculator{now: t0, pods: tt.pods, tol: tolerances{tolerance, tolerance}}
			current := int32(len(tt.pods))
			got, util, _, err := c.resourceReplicas(current, tt.target, "cpu", "", tt.metrics)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.util, util)
		})
	}
}

func TestWithRules(t *testing.T) {
	tests := []struct {
		current, desired, min, max int32
		want                       limit
	}{
		{1, 5, 1, 10, limit{4, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"}},
		{3, 20, 1, 10, limit{6, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"}},
		{8, 20, 1, 10, limit{10, "TooManyReplicas", "the desired replica count is more than the maximum replica count"}},
		{4, 0, 1, 10, limit{1, "TooFewReplicas", "the desired replica count is less than the minimum replica count"}},
		{4, 3, 1, 10, limit{3, "DesiredWithinRange", "the desired count is within the acceptable range"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, withRules(tt.current, tt.desired, tt.min, tt.max))
	}
}

func TestStabilizeKeepsHighestForFiveMinutes(t *testing.T) {
	h := &history{recommendations: []recommendation{{4, t0}}}
	assert.Equal(t, int32(4), h.stabilize(t0.Add(time.Minute), 1))
	assert.Equal(t, int32(4), h.stabilize(t0.Add(5*time.Minute), 1))
	assert.Equal(t, int32(1), h.stabilize(t0.Add(5*time.Minute+time.Second), 1))
}

func TestBehaviorRate(t *testing.T) {
	b := &api.HorizontalPodAutoscalerBehavior{
		ScaleUp: &api.HPAScalingRules{StabilizationWindowSeconds: api.Ptr(int32(0)), SelectPolicy: api.Ptr("Max"),
			Policies: []api.HPAScalingPolicy{{Type: "Pods", Value: 4, PeriodSeconds: 15}, {Type: "Percent", Value: 100, PeriodSeconds: 15}}},
		ScaleDown: &api.HPAScalingRules{StabilizationWindowSeconds: api.Ptr(int32(300)), SelectPolicy: api.Ptr("Max"),
			Policies: []api.HPAScalingPolicy{{Type: "Pods", Value: 1, PeriodSeconds: 60}}},
	}
	h := &history{}
	// Max of +4 pods and +100%: from 2, up to 6.
	l := h.withBehaviorRate(t0, b, 2, 20, 1, 50)
	assert.Equal(t, limit{6, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"}, l)
	h.storeScaleEvent(t0, b, 2, 6)
	// Within the same 15 s the period started at 2.
	assert.Equal(t, int32(6), h.withBehaviorRate(t0.Add(10*time.Second), b, 6, 20, 1, 50).replicas)
	assert.Equal(t, int32(12), h.withBehaviorRate(t0.Add(16*time.Second), b, 6, 20, 1, 50).replicas)
	// One pod a minute down.
	assert.Equal(t, int32(5), h.withBehaviorRate(t0, b, 6, 1, 1, 50).replicas)
	h.storeScaleEvent(t0, b, 6, 5)
	assert.Equal(t, int32(5), h.withBehaviorRate(t0.Add(30*time.Second), b, 5, 1, 1, 50).replicas)
	// Min selects the smaller change; Disabled none.
	b.ScaleUp.SelectPolicy = api.Ptr("Min")
	assert.Equal(t, int32(10), (&history{}).withBehaviorRate(t0, b, 6, 20, 1, 50).replicas)
	b.ScaleUp.SelectPolicy = api.Ptr("Disabled")
	assert.Equal(t, int32(6), (&history{}).withBehaviorRate(t0, b, 6, 20, 1, 50).replicas)
}

func TestStabilizeWithBehavior(t *testing.T) {
	b := &api.HorizontalPodAutoscalerBehavior{
		ScaleUp:   &api.HPAScalingRules{StabilizationWindowSeconds: api.Ptr(int32(60))},
		ScaleDown: &api.HPAScalingRules{StabilizationWindowSeconds: api.Ptr(int32(300))},
	}
	h := &history{recommendations: []recommendation{{3, t0}}}
	// Up is held to the lowest of the last minute.
	got, reason, _ := h.stabilizeWithBehavior(t0.Add(30*time.Second), b, 3, 8)
	assert.Equal(t, int32(3), got)
	assert.Equal(t, "ScaleUpStabilized", reason)
	got, _, _ = h.stabilizeWithBehavior(t0.Add(91*time.Second), b, 3, 8)
	assert.Equal(t, int32(8), got)
	// Down is held to the highest of the last five minutes.
	got, reason, _ = h.stabilizeWithBehavior(t0.Add(2*time.Minute), b, 8, 2)
	assert.Equal(t, int32(8), got)
	assert.Equal(t, "ScaleDownStabilized", reason)
}
