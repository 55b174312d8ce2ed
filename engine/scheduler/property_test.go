package scheduler

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// TestInvariantsOverSeeds drives random clusters (nodes with taints and
// zones; pods with requests, priorities, tolerations, selectors, host
// ports and (anti-)affinity; deletions, new nodes and time) and checks
// after every step: no pod is bound twice or to a second node, no node's
// bound pods ask for more than it has, and preemption only ever evicts a
// pod of lower priority than its preemptor.
func TestInvariantsOverSeeds(t *testing.T) {
	seeds := uint64(60)
	if testing.Short() {
		seeds = 10
	}
	victims := 0
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { victims += runRandomCluster(t, seed).victims })
	}
	require.Positive(t, victims, "the seeds exercise preemption")
}

type world struct {
	t       *testing.T
	r       *rand.Rand
	l       *loop.Loop
	c       *client.Client
	binds   map[string]string // pod UID -> node, from the scheduler's binding requests
	nodes   int
	pods    int
	evicts  int // pods the scheduler deleted
	victims int // victims it picked
}

func runRandomCluster(t *testing.T, seed uint64) *world {
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(seed, 1)))
	w := &world{t: t, r: rand.New(rand.NewPCG(seed, 7)), l: l, c: client.New(s, "test"), binds: map[string]string{}}
	w.create(&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}})
	for _, v := range []int32{0, 100, 1000} {
		w.create(&api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("prio-%d", v)}, Value: v})
	}
	for range 2 + w.r.IntN(4) {
		w.addNode()
	}
	sched := New(client.New(s, Name).WithObserver(w.observe), "controlplane", rand.New(rand.NewPCG(seed, 3)))
	sched.onPreempt = w.preempted
	require.NoError(t, sched.Start())
	for range 60 {
		w.step()
		l.RunUntilIdle()
		w.check()
	}
	return w
}

func (w *world) create(obj api.Object) {
	_, err := w.c.Create(api.ResourceFor(obj), obj.GetObjectMeta().Namespace, obj)
	require.NoError(w.t, err)
}

// observe records the scheduler's bindings and deletions as it makes them.
func (w *world) observe(r client.Request) {
	if r.Err != nil || r.Resource.Resource != "pods" {
		return
	}
	switch {
	case r.Verb == "create" && r.Subresource == "binding":
		p, err := client.Get[*api.Pod](w.c, r.Namespace, r.Name)
		require.NoError(w.t, err)
		prev, bound := w.binds[string(p.UID)]
		require.False(w.t, bound, "pod %s bound again (was on %s, now %s)", r.Name, prev, p.Spec.NodeName)
		w.binds[string(p.UID)] = p.Spec.NodeName
	case r.Verb == "delete":
		w.evicts++
	}
}

func (w *world) addNode() {
	opts := []nodeOpt{zone(fmt.Sprintf("z%d", w.r.IntN(2)))}
	if w.r.IntN(4) == 0 {
		opts = append(opts, taint("dedicated", "db", api.TaintNoSchedule))
	}
	if w.r.IntN(3) == 0 {
		opts = append(opts, label("disk", "ssd"))
	}
	w.create(node(fmt.Sprintf("node%d", w.nodes), fmt.Sprint(1+w.r.IntN(4)), fmt.Sprintf("%dGi", 2+w.r.IntN(6)), opts...))
	w.nodes++
}

func (w *world) step() {
	switch n := w.r.IntN(10); {
	case n < 6:
		w.addPod()
	case n < 7:
		w.deleteRandomPod()
	case n < 8:
		w.addNode()
	default:
		w.l.AdvanceBy(time.Duration(1+w.r.IntN(90)) * time.Second)
	}
	w.finishTerminating()
}

func (w *world) addPod() {
	name := fmt.Sprintf("p%d", w.pods)
	w.pods++
	cpus := []string{"", "100m", "250m", "500m", "1", "1500m"}
	mems := []string{"", "128Mi", "512Mi", "1Gi"}
	opts := []podOpt{requests(cpus[w.r.IntN(len(cpus))], mems[w.r.IntN(len(mems))]), labels("app", fmt.Sprintf("a%d", w.r.IntN(3)))}
	opts = append(opts, priority([]int32{0, 100, 1000}[w.r.IntN(3)]))
	pick := func(odds int, o podOpt) {
		if w.r.IntN(odds) == 0 {
			opts = append(opts, o)
		}
	}
	pick(4, tolerate("dedicated", api.TaintNoSchedule))
	pick(6, withNodeSelector("disk", "ssd"))
	pick(8, hostPort(8080))
	pick(6, antiAffinity(labelHostname, map[string]string{"app": "a0"}))
	pick(8, affinity(labelZone, map[string]string{"app": "a1"}))
	pick(8, spread(labelZone, 1, doNotSchedule, map[string]string{"app": "a2"}))
	pick(5, func(p *api.Pod) { p.Spec.PreemptionPolicy = api.Ptr("Never") })
	w.create(pod(name, opts...))
}

func (w *world) list() []*api.Pod {
	pods, err := client.List[*api.Pod](w.c, "default", apiserver.ListOptions{})
	require.NoError(w.t, err)
	return pods
}

func (w *world) deleteRandomPod() {
	pods := w.list()
	if len(pods) == 0 {
		return
	}
	p := pods[w.r.IntN(len(pods))]
	require.NoError(w.t, client.Delete[*api.Pod](w.c, p.Namespace, p.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))}))
}

// finishTerminating does what the kubelets would: pods being deleted go.
func (w *world) finishTerminating() {
	for _, p := range w.list() {
		if p.DeletionTimestamp != nil {
			require.NoError(w.t, client.Delete[*api.Pod](w.c, p.Namespace, p.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))}))
		}
	}
}

func (w *world) check() {
	used := map[string]*Resource{}
	count := map[string]int64{}
	for _, p := range w.list() {
		if p.Spec.NodeName == "" {
			continue
		}
		require.Equal(w.t, w.binds[string(p.UID)], p.Spec.NodeName, "pod %s moved", p.Name)
		if used[p.Spec.NodeName] == nil {
			used[p.Spec.NodeName] = &Resource{}
		}
		used[p.Spec.NodeName].add(podRequests(p, false))
		count[p.Spec.NodeName]++
	}
	for name, u := range used {
		n, err := client.Get[*api.Node](w.c, "", name)
		require.NoError(w.t, err)
		alloc := fromList(n.Status.Allocatable)
		require.LessOrEqual(w.t, u.MilliCPU, alloc.MilliCPU, "cpu on %s", name)
		require.LessOrEqual(w.t, u.Memory, alloc.Memory, "memory on %s", name)
		require.LessOrEqual(w.t, count[name], alloc.AllowedPodNumber, "pods on %s", name)
	}
	w.checkPreemptions()
}

// preempted checks each victim as the scheduler picks it: of lower
// priority than its preemptor.
func (w *world) preempted(preemptor, victim *api.Pod) {
	w.victims++
	require.Less(w.t, api.Deref(victim.Spec.Priority, 0), api.Deref(preemptor.Spec.Priority, 0),
		"%s preempted by %s", victim.Name, preemptor.Name)
}

// checkPreemptions: the scheduler deletes no pod but its victims.
func (w *world) checkPreemptions() {
	require.Equal(w.t, w.victims, w.evicts, "every deletion is a preemption")
}
