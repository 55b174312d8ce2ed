package deployment_test

import (
	"flag"
	"fmt"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// BenchmarkDeployment10kOn1k measures, natively and in wall time, a
// Deployment of 10,000 pause pods on 1,000 workers of a whole cluster
// (API server, scheduler, controllers, kubelets, runtime) from its
// creation to its Available condition, then a rolling update to a new
// image until it is complete. The cluster's boot is not timed. The
// smaller sizes show how the figures grow.
func BenchmarkDeployment(b *testing.B) {
	for _, size := range []struct{ nodes, replicas int }{{10, 100}, {100, 1000}, {1000, 10000}} {
		b.Run(fmt.Sprintf("%dreplicas-%dnodes", size.replicas, size.nodes), func(b *testing.B) {
			benchDeployment(b, size.nodes, size.replicas)
		})
	}
}

// benchProfile writes a CPU profile of the time to Available only:
// -cpuprofile would take in the boot of a thousand nodes too.
var benchProfile = flag.String("deployment.cpuprofile", "", "BenchmarkDeployment: write a CPU profile of the time to Available to this file")

var benchHeapProfile = flag.String("deployment.memprofile", "", "BenchmarkDeployment: write heap profiles to this file at Available and to this file plus .start before the Deployment's create (the allocations to Available: go tool pprof -diff_base FILE.start FILE)")

func benchDeployment(b *testing.B, nodes, replicas int) {
	modules := runtime.NewFSSource(wasmtest.Modules(b))
	var available, rollout time.Duration
	var virtAvailable, virtRollout time.Duration
	var cpuAvailable, cpuRollout time.Duration
	for range b.N {
		b.StopTimer()
		c, err := cluster.New(cluster.Config{Seed: 1, Workers: nodes, Modules: modules, NodeCPU: "4", NodeMemory: "32Gi", ClusterCIDR: "10.244.0.0/14"})
		require.NoError(b, err)
		cl := c.Client("bench")
		d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "pause", Namespace: "default"}}
		d.Spec.Replicas = api.Ptr(int32(replicas))
		d.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "pause"}}
		d.Spec.Template.Labels = map[string]string{"app": "pause"}
		d.Spec.Template.Spec.Containers = []api.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10"}}
		writeHeapProfile(b, *benchHeapProfile, ".start")
		b.StartTimer()
		stop := startProfile(b, *benchProfile)
		start, vstart, cstart := time.Now(), c.Now(), cpuTime()
		_, err = client.Create(cl, d)
		require.NoError(b, err)
		require.True(b, c.Loop().RunUntil(func() bool { return isAvailable(cl, replicas) }, c.Now().Add(time.Hour)), "not available")
		stop()
		available += time.Since(start)
		virtAvailable += c.Now().Sub(vstart)
		cpuAvailable += cpuTime() - cstart
		writeHeapProfile(b, *benchHeapProfile, "")
		start, vstart, cstart = time.Now(), c.Now(), cpuTime()
		cur, err := client.Get[*api.Deployment](cl, "default", "pause")
		require.NoError(b, err)
		upd := api.Clone(cur)
		upd.Spec.Template.Spec.Containers[0].Image = "registry.k8s.io/pause:3.9"
		upd, err = client.Update(cl, upd)
		require.NoError(b, err)
		require.True(b, c.Loop().RunUntil(func() bool { return rolledOut(cl, upd.Generation, replicas) }, c.Now().Add(time.Hour)), "not rolled out")
		rollout += time.Since(start)
		virtRollout += c.Now().Sub(vstart)
		cpuRollout += cpuTime() - cstart
		b.StopTimer()
		require.NoError(b, c.Close())
	}
	n := float64(b.N)
	b.ReportMetric(available.Seconds()/n, "s-to-available")
	b.ReportMetric(rollout.Seconds()/n, "s-to-rollout")
	b.ReportMetric(cpuAvailable.Seconds()/n, "cpu-s-to-available")
	b.ReportMetric(cpuRollout.Seconds()/n, "cpu-s-to-rollout")
	b.ReportMetric(virtAvailable.Seconds()/n, "virtual-s-to-available")
	b.ReportMetric(virtRollout.Seconds()/n, "virtual-s-to-rollout")
}

func isAvailable(cl *client.Client, replicas int) bool {
	d, err := client.Get[*api.Deployment](cl, "default", "pause")
	if err != nil || d.Status.AvailableReplicas != int32(replicas) {
		return false
	}
	for _, c := range d.Status.Conditions {
		if c.Type == "Available" {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

func rolledOut(cl *client.Client, generation int64, replicas int) bool {
	d, err := client.Get[*api.Deployment](cl, "default", "pause")
	if err != nil {
		return false
	}
	n := int32(replicas)
	st := d.Status
	return st.ObservedGeneration >= generation && st.UpdatedReplicas == n && st.Replicas == n && st.AvailableReplicas == n
}

// cpuTime is the process's user and system CPU time: on a shared
// machine it says more than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startProfile writes a CPU profile to file ("": none) until the function
// it returns is called.
// writeHeapProfile writes a heap profile to file plus suffix, after a
// collection (a profile's allocations are those of the last one); the
// time it takes is not the benchmark's.
func writeHeapProfile(b *testing.B, file, suffix string) {
	if file == "" {
		return
	}
	b.StopTimer()
	defer b.StartTimer()
	goruntime.GC()
	f, err := os.Create(file + suffix)
	require.NoError(b, err)
	defer f.Close()
	require.NoError(b, pprof.WriteHeapProfile(f))
}

func startProfile(tb testing.TB, file string) func() {
	if file == "" {
		return func() {}
	}
	f, err := os.Create(file)
	require.NoError(tb, err)
	require.NoError(tb, pprof.StartCPUProfile(f))
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
