package scheduler

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// BenchmarkSchedule10kPodsOn1kNodes schedules 10,000 pods onto 1,000
// nodes, with scheduler_perf's default node (4 cpu, 32 GiB, 110 pods) and
// pod (100m cpu, 500 MiB): the pods are created first, then the timer
// runs while the scheduler takes them from its watch to their bindings.
func BenchmarkSchedule10kPodsOn1kNodes(b *testing.B) {
	const nodes, pods = 1000, 10000
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		f := benchCluster(b, nodes, pods)
		b.StartTimer()
		start := time.Now()
		f.settle()
		elapsed += time.Since(start)
		b.StopTimer()
		requireAllBound(b, f, pods)
	}
	b.ReportMetric(float64(pods*b.N)/elapsed.Seconds(), "pods/s")
}

func benchCluster(b *testing.B, nodes, pods int) *fixture {
	f := newFixture(b)
	for i := range nodes {
		n := node(fmt.Sprintf("node-%04d", i), "4", "32Gi", zone(fmt.Sprintf("zone-%d", i%3)))
		f.create(n)
	}
	f.settle()
	for i := range pods {
		f.create(pod(fmt.Sprintf("pod-%05d", i), requests("100m", "500Mi")))
	}
	return f
}

func requireAllBound(b *testing.B, f *fixture, want int) {
	list, err := client.List[*api.Pod](f.c, "default", apiserver.ListOptions{})
	require.NoError(b, err)
	bound := 0
	for _, p := range list {
		if p.Spec.NodeName != "" {
			bound++
		}
	}
	require.Equal(b, want, bound)
}
