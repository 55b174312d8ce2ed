package kubectl

import (
	"testing"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

func setupDisruptionBudgets(f *describeFixture) {
	// kubernetes.io's zk-pdb, and one by percentage.
	create(f, &api.PodDisruptionBudget{
		ObjectMeta: api.ObjectMeta{Name: "zk-pdb", Namespace: "default"},
		Spec:       api.PodDisruptionBudgetSpec{MinAvailable: api.Ptr(api.FromInt(2)), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "zookeeper"}}},
	}, func(p *api.PodDisruptionBudget) {
		p.Status = api.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3}
	})
	create(f, &api.PodDisruptionBudget{
		ObjectMeta: api.ObjectMeta{Name: "web-pdb", Namespace: "default"},
		Spec:       api.PodDisruptionBudgetSpec{MaxUnavailable: api.Ptr(api.FromString("25%")), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, nil)
	f.l.AdvanceBy(3 * time.Minute)
}

// setupPriorityClasses adds to the fixture's "high" class one from
// kubernetes.io and one that does not preempt.
func setupPriorityClasses(f *describeFixture) {
	create(f, &api.PriorityClass{
		ObjectMeta: api.ObjectMeta{Name: "high-priority"}, Value: 1000000, PreemptionPolicy: api.Ptr("PreemptLowerPriority"),
		Description: "This priority class should be used for XYZ service pods only.",
	}, nil)
	create(f, &api.PriorityClass{
		ObjectMeta: api.ObjectMeta{Name: "high-priority-nonpreempting"}, Value: 1000000, GlobalDefault: true, PreemptionPolicy: api.Ptr("Never"),
	}, nil)
	f.l.AdvanceBy(12 * time.Second)
}

func setupQuotas(f *describeFixture) {
	hard := api.ResourceList{"requests.cpu": api.MustParse("1"), "requests.memory": api.MustParse("1Gi"),
		"limits.cpu": api.MustParse("2"), "limits.memory": api.MustParse("2Gi"), "pods": api.MustParse("10")}
	create(f, &api.ResourceQuota{
		ObjectMeta: api.ObjectMeta{Name: "compute-resources", Namespace: "default"},
		Spec:       api.ResourceQuotaSpec{Hard: hard},
	}, func(q *api.ResourceQuota) {
		q.Status = api.ResourceQuotaStatus{Hard: hard, Used: api.ResourceList{"requests.cpu": api.MustParse("250m"), "requests.memory": api.MustParse("64Mi"),
			"limits.cpu": api.MustParse("500m"), "limits.memory": api.MustParse("128Mi"), "pods": api.MustParse("1")}}
	})
	// Not yet counted by the quota controller: nothing to show.
	create(f, &api.ResourceQuota{
		ObjectMeta: api.ObjectMeta{Name: "object-counts", Namespace: "default"},
		Spec:       api.ResourceQuotaSpec{Hard: api.ResourceList{"configmaps": api.MustParse("10"), "secrets": api.MustParse("10")}},
	}, nil)
	// Counted, with nothing used yet.
	create(f, &api.ResourceQuota{
		ObjectMeta: api.ObjectMeta{Name: "limits-only", Namespace: "default"},
		Spec:       api.ResourceQuotaSpec{Hard: api.ResourceList{"limits.memory": api.MustParse("4Gi")}},
	}, func(q *api.ResourceQuota) { q.Status.Hard = api.ResourceList{"limits.memory": api.MustParse("4Gi")} })
	f.l.AdvanceBy(16 * time.Minute)
}

func setupLimitRanges(f *describeFixture) {
	create(f, &api.LimitRange{
		ObjectMeta: api.ObjectMeta{Name: "cpu-resource-constraint", Namespace: "default"},
		Spec: api.LimitRangeSpec{Limits: []api.LimitRangeItem{{Type: "Container",
			Default: api.ResourceList{"cpu": api.MustParse("500m")}, DefaultRequest: api.ResourceList{"cpu": api.MustParse("500m")},
			Max: api.ResourceList{"cpu": api.MustParse("1")}, Min: api.ResourceList{"cpu": api.MustParse("100m")}}}},
	}, nil)
	f.l.AdvanceBy(90 * time.Minute)
	create(f, &api.LimitRange{ObjectMeta: api.ObjectMeta{Name: "mem-limit-range", Namespace: "default"},
		Spec: api.LimitRangeSpec{Limits: []api.LimitRangeItem{{Type: "Container", Default: api.ResourceList{"memory": api.MustParse("512Mi")}}}}}, nil)
	f.l.AdvanceBy(time.Minute)
}

func TestGetPolicy(t *testing.T) {
	runGetCases(t, []getCase{
		{"poddisruptionbudgets", setupDisruptionBudgets, []string{"pdb"}, `NAME      MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE
web-pdb   N/A             25%               0                     3m
zk-pdb    2               N/A               1                     3m
`},
		{"poddisruptionbudgets-wide", setupDisruptionBudgets, []string{"poddisruptionbudgets", "-o", "wide"}, `NAME      MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE
web-pdb   N/A             25%               0                     3m
zk-pdb    2               N/A               1                     3m
`},
		{"priorityclasses", setupPriorityClasses, []string{"priorityclasses", "high-priority", "high-priority-nonpreempting"}, `NAME                          VALUE     GLOBAL-DEFAULT   AGE   PREEMPTIONPOLICY
high-priority                 1000000   false            12s   PreemptLowerPriority
high-priority-nonpreempting   1000000   true             12s   Never
`},
		{"priorityclasses-wide", setupPriorityClasses, []string{"pc", "high-priority", "-o", "wide"}, `NAME            VALUE     GLOBAL-DEFAULT   AGE   PREEMPTIONPOLICY
high-priority   1000000   false            12s   PreemptLowerPriority
`},
		{"resourcequotas", setupQuotas, []string{"quota"}, `NAME                REQUEST                                                       LIMIT                                          AGE
compute-resources   pods: 1/10, requests.cpu: 250m/1, requests.memory: 64Mi/1Gi   limits.cpu: 500m/2, limits.memory: 128Mi/2Gi   16m
limits-only                                                                       limits.memory: 0/4Gi                           16m
object-counts                                                                                                                    16m
`},
		{"resourcequotas-wide", setupQuotas, []string{"resourcequotas", "compute-resources", "-o", "wide"}, `NAME                REQUEST                                                       LIMIT                                          AGE
compute-resources   pods: 1/10, requests.cpu: 250m/1, requests.memory: 64Mi/1Gi   limits.cpu: 500m/2, limits.memory: 128Mi/2Gi   16m
`},
		{"limitranges", setupLimitRanges, []string{"limits"}, `NAME                      CREATED AT
cpu-resource-constraint   2026-01-01T00:00:00Z
mem-limit-range           2026-01-01T01:30:00Z
`},
		{"limitranges-wide", setupLimitRanges, []string{"limitrange", "-o", "wide", "-A", "--show-kind"}, `NAMESPACE   NAME                                 CREATED AT
default     limitrange/cpu-resource-constraint   2026-01-01T00:00:00Z
default     limitrange/mem-limit-range           2026-01-01T01:30:00Z
`},
	})
}
