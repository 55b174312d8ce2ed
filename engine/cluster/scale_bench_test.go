package cluster

import (
	"flag"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// A scale scenario: a Deployment of pause pods (or of image) on a
// cluster of real or fake workers (4 CPUs, 32 GiB, maxPods and the node
// CIDR mask size as given).
type scaleCase struct {
	name                 string
	image                string // registry.k8s.io/pause:3.10 if ""
	workers, fake, pods  int
	maxPods, nodeMask    int
	churn                int  // pods deleted and recreated once it is Available
	rollout, listAllPods bool // a rolling update afterwards; kubectl-like list of every pod
}

// scaleAvailableOnly leaves out the churn, the rolling update and the
// list: make bench sets it in the browser, where they would outlast its
// time limit.
var scaleAvailableOnly = flag.Bool("scale.available-only", false, "BenchmarkScale: measure only the time to Available")

// scaleProfile, natively, writes a CPU profile of the time to Available
// only: -cpuprofile would take in the boot of a thousand nodes too.
var scaleProfile = flag.String("scale.cpuprofile", "", "BenchmarkScale: write a CPU profile of the time to Available to this file")

// scaleHeapProfile, natively, writes a heap profile taken at Available
// (after a collection): what the cluster holds at that scale.
var scaleHeapProfile = flag.String("scale.memprofile", "", "BenchmarkScale: write a heap profile taken at Available to this file")

var scaleCases = []scaleCase{
	{name: "1000pods-100fake", fake: 100, pods: 1000, churn: 1000, rollout: true},
	// kubelet's --max-pods is 110 by default and a node's /24 holds 253
	// pods, so a real cluster would leave most of these Pending ("Too many
	// pods"): the benchmark raises both, as kwok's benchmarks raise
	// maxPods.
	{name: "1000pods-3nodes", workers: 3, pods: 1000, maxPods: 400, nodeMask: 23},
	{name: "10000pods-1000fake", fake: 1000, pods: 10000, churn: 1000, rollout: true, listAllPods: true},
	// Issue 6's "100 nginx pods Ready": nginx servers, real guests.
	{name: "100nginx-3nodes", workers: 3, pods: 100, image: "nginx:1.29"},
}

// BenchmarkScale measures issue 9's scale scenarios, natively or as
// js/wasm: from the Deployment's creation to its Available condition
// (ns/op), then, as metrics, the churn of pods deleted until the
// Deployment is whole again, a rolling update to another image, and a
// list of every pod in every namespace. The cluster's boot is not timed
// (boot-s reports it). cpu-s is the process's CPU time to Available
// (natively; on a shared machine it says more than ns/op), virtual-s the
// cluster's own time to Available, heap-MB the Go heap in use at the end.
func BenchmarkScale(b *testing.B) {
	modules := runtime.NewFSSource(wasmtest.Modules(b))
	for _, sc := range scaleCases {
		b.Run(sc.name, func(b *testing.B) {
			var m scaleMetrics
			if *scaleAvailableOnly {
				sc.churn, sc.rollout, sc.listAllPods = 0, false, false
			}
			for range b.N {
				m.add(runScale(b, modules, sc))
			}
			m.report(b, b.N)
		})
	}
}

type scaleMetrics struct {
	boot, churn, rollout, list, virtual time.Duration
	cpu                                 time.Duration // CPU time to Available, natively
	heap                                uint64
	allocs, allocBytes                  uint64 // heap allocations to Available
}

func (m *scaleMetrics) add(o scaleMetrics) {
	m.boot += o.boot
	m.churn += o.churn
	m.rollout += o.rollout
	m.list += o.list
	m.virtual += o.virtual
	m.cpu += o.cpu
	m.heap = max(m.heap, o.heap)
	m.allocs += o.allocs
	m.allocBytes += o.allocBytes
}

func (m scaleMetrics) report(b *testing.B, n int) {
	per := func(d time.Duration) float64 { return d.Seconds() / float64(n) }
	b.ReportMetric(per(m.boot), "boot-s")
	b.ReportMetric(per(m.virtual), "virtual-s")
	if m.cpu > 0 {
		b.ReportMetric(per(m.cpu), "cpu-s")
	}
	if m.churn > 0 {
		b.ReportMetric(per(m.churn), "churn-s")
	}
	if m.rollout > 0 {
		b.ReportMetric(per(m.rollout), "rollout-s")
	}
	if m.list > 0 {
		b.ReportMetric(float64(m.list.Milliseconds())/float64(n), "list-all-ms")
	}
	b.ReportMetric(float64(m.heap>>20), "heap-MB")
	b.ReportMetric(float64(m.allocs)/float64(n), "allocs-to-available")
	b.ReportMetric(float64(m.allocBytes>>20)/float64(n), "alloc-MB-to-available")
}

func runScale(b *testing.B, modules runtime.ModuleSource, sc scaleCase) scaleMetrics {
	var m scaleMetrics
	b.StopTimer()
	start := time.Now()
	c, err := New(Config{Seed: 1, Workers: sc.workers, FakeNodes: sc.fake, NodeCPU: "4", NodeMemory: "32Gi", MaxPods: sc.maxPods, NodeCIDRMaskSize: sc.nodeMask, Modules: modules})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	m.boot = time.Since(start)
	cl := c.Client("bench")
	b.StartTimer()
	stop := startProfile(b, *scaleProfile)
	var before goruntime.MemStats
	goruntime.ReadMemStats(&before)
	vstart, cstart := c.Now(), cpuTime()
	d, err := client.Create(cl, pauseDeployment(sc))
	if err != nil {
		b.Fatal(err)
	}
	waitRolledOut(b, c, cl, d.Generation, sc.pods)
	b.StopTimer()
	stop()
	m.virtual, m.cpu = c.Now().Sub(vstart), cpuTime()-cstart
	var after goruntime.MemStats
	goruntime.ReadMemStats(&after)
	m.allocs, m.allocBytes = after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc
	writeHeapProfile(b, *scaleHeapProfile)
	m.churn, m.rollout = churnAndRoll(b, c, cl, sc, d.Generation)
	if sc.listAllPods {
		start = time.Now()
		if _, err := c.API().List(resource("pods"), "", apiserver.ListOptions{}); err != nil {
			b.Fatal(err)
		}
		m.list = time.Since(start)
	}
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	m.heap = ms.HeapInuse
	return m
}

// churnAndRoll deletes sc.churn of the Deployment's pods until it is whole
// again, then rolls it to another image, as the scenario asks, and
// returns how long each took.
func churnAndRoll(tb testing.TB, c *Cluster, cl *client.Client, sc scaleCase, generation int64) (churned, rolled time.Duration) {
	tb.Helper()
	if sc.churn > 0 {
		start := time.Now()
		churn(tb, c, cl, sc.churn, generation, sc.pods)
		churned = time.Since(start)
	}
	if sc.rollout {
		start := time.Now()
		cur, err := client.Get[*api.Deployment](cl, "default", "pause")
		if err != nil {
			tb.Fatal(err)
		}
		upd := api.Clone(cur)
		upd.Spec.Template.Spec.Containers[0].Image = "registry.k8s.io/pause:3.9"
		if upd, err = client.Update(cl, upd); err != nil {
			tb.Fatal(err)
		}
		waitRolledOut(tb, c, cl, upd.Generation, sc.pods)
		rolled = time.Since(start)
	}
	return churned, rolled
}

// pauseDeployment is the scenario's Deployment: pause pods that go to the
// fake nodes when there are some.
func pauseDeployment(sc scaleCase) *api.Deployment {
	labels := map[string]string{"app": "pause"}
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "pause", Namespace: "default"}}
	d.Spec.Replicas = api.Ptr(int32(sc.pods))
	d.Spec.Selector = &api.LabelSelector{MatchLabels: labels}
	d.Spec.Template.Labels = labels
	image := sc.image
	if image == "" {
		image = "registry.k8s.io/pause:3.10"
	}
	d.Spec.Template.Spec.Containers = []api.Container{{Name: "pause", Image: image}}
	if sc.fake > 0 {
		d.Spec.Template.Spec.NodeSelector = map[string]string{"type": "kwok"}
		d.Spec.Template.Spec.Tolerations = []api.Toleration{{Key: FakeNodeTaint.Key, Operator: "Exists", Effect: api.TaintNoSchedule}}
	}
	return d
}

// waitRolledOut runs the cluster until the Deployment's generation is
// observed and every replica is updated and available, as kubectl
// rollout status waits.
func waitRolledOut(b testing.TB, c *Cluster, cl *client.Client, generation int64, pods int) {
	b.Helper()
	done := func() bool { return rolledOut(cl, generation, pods) }
	if !c.Loop().RunUntil(done, c.Now().Add(time.Hour)) {
		b.Fatalf("the deployment did not roll out in an hour of virtual time")
	}
}

func rolledOut(cl *client.Client, generation int64, pods int) bool {
	d, err := client.Get[*api.Deployment](cl, "default", "pause")
	if err != nil {
		return false
	}
	n, st := int32(pods), d.Status
	return st.ObservedGeneration >= generation && st.UpdatedReplicas == n && st.Replicas == n && st.AvailableReplicas == n
}

// churn deletes n of the Deployment's pods and runs until it is whole
// again, with every pod Ready.
func churn(b testing.TB, c *Cluster, cl *client.Client, n int, generation int64, pods int) {
	b.Helper()
	l, err := client.List[*api.Pod](cl, "default", apiserver.ListOptions{LabelSelector: "app=pause"})
	if err != nil {
		b.Fatal(err)
	}
	gone := map[string]bool{}
	for _, p := range l[:min(n, len(l))] {
		if err := client.Delete[*api.Pod](cl, "default", p.Name, apiserver.DeleteOptions{}); err != nil {
			b.Fatal(err)
		}
		gone[p.Name] = true
	}
	whole := func() bool {
		if !rolledOut(cl, generation, pods) {
			return false // cheaper than the list below, which must hold too
		}
		l, err := client.List[*api.Pod](cl, "default", apiserver.ListOptions{LabelSelector: "app=pause"})
		if err != nil || len(l) != pods {
			return false
		}
		for _, p := range l {
			if gone[p.Name] || !controller.IsPodReady(p) {
				return false
			}
		}
		return true
	}
	if !c.Loop().RunUntil(whole, c.Now().Add(time.Hour)) {
		b.Fatalf("%d pods deleted were not replaced in an hour of virtual time", n)
	}
	waitRolledOut(b, c, cl, generation, pods)
}
