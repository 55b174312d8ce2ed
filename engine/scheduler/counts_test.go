package scheduler

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// TestSpreadCountsOverSeeds drives two caches through the same random
// history (pods added, relabelled, terminating, moved and removed; nodes
// added, relabelled and removed, pods counted on nodes not seen yet) and,
// between steps, schedules a random pod against both: one reads the
// counters and their sums by domain, the other counts pod by pod as
// countMatching does. PodTopologySpread's PreFilter, every node's filter
// verdict and its raw and normalized scores must be the same, and every
// counter must hold countMatching's figure for every node.
func TestSpreadCountsOverSeeds(t *testing.T) {
	seeds := uint64(40)
	if testing.Short() {
		seeds = 8
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runSpreadCounts(t, seed) })
	}
}

type countsWorld struct {
	t           *testing.T
	r           *rand.Rand
	fast, exact *handle
	nodes       []string // names ever used, some never added
	pods        []string
	rsUID       string
	counted     int // counters checked
}

var countsLabels = []string{"a", "b", "c"}

func runSpreadCounts(t *testing.T, seed uint64) {
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(seed, 1)))
	c := client.New(s, "test")
	w := &countsWorld{t: t, r: rand.New(rand.NewPCG(seed, 9))}
	// A Service and a ReplicaSet give the pods they pick the system's
	// default constraints.
	_, err := client.Create(c, &api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.ServiceSpec{Selector: map[string]string{"app": "a"}, Ports: []api.ServicePort{{Port: 80}}}})
	require.NoError(t, err)
	sel := map[string]string{"app": "a", "tier": "b"}
	rs, err := client.Create(c, &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.ReplicaSetSpec{Selector: &api.LabelSelector{MatchLabels: sel}, Template: api.PodTemplateSpec{
			ObjectMeta: api.ObjectMeta{Labels: sel}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}},
		}}})
	require.NoError(t, err)
	w.rsUID = rs.UID
	for _, h := range []**handle{&w.fast, &w.exact} {
		*h = newHandle(c, newCache())
		(*h).nominator = newNominator()
		for _, inf := range (*h).informers() {
			require.NoError(t, inf.Start())
		}
	}
	w.exact.cache.exact = true
	l.RunUntilIdle()
	for i := range 4 + w.r.IntN(12) {
		w.nodes = append(w.nodes, fmt.Sprintf("node%02d", i))
		w.addNode(w.nodes[i])
	}
	for step := range 300 {
		w.step(step)
		if step%10 == 9 {
			w.compare()
		}
	}
	require.Positive(t, w.counted, "the pods scheduled read counters")
}

func (w *countsWorld) both(f func(c *cache)) {
	f(w.fast.cache)
	f(w.exact.cache)
}

func (w *countsWorld) pick(s []string) string { return s[w.r.IntN(len(s))] }

func (w *countsWorld) addNode(name string) {
	n := node(name, "4", "8Gi")
	switch w.r.IntN(4) {
	case 0: // no zone
	case 1:
		n.Labels[labelZone] = ""
	default:
		n.Labels[labelZone] = w.pick(countsLabels)
	}
	if w.r.IntN(2) == 0 {
		n.Labels["disk"] = w.pick([]string{"ssd", "hdd"})
	}
	if w.r.IntN(4) == 0 {
		n.Spec.Taints = []api.Taint{{Key: "k", Value: "v", Effect: api.TaintNoSchedule}}
	}
	w.both(func(c *cache) { c.addNode(n) })
}

func (w *countsWorld) newPod(name string) *api.Pod {
	p := pod(name)
	if w.r.IntN(5) == 0 {
		p.Namespace = "other"
	}
	p.Labels = map[string]string{}
	for _, k := range []string{"app", "tier"} {
		if w.r.IntN(4) > 0 {
			p.Labels[k] = w.pick(countsLabels)
		}
	}
	if w.r.IntN(8) == 0 {
		t := api.NewTime(epoch)
		p.DeletionTimestamp = &t
	}
	if w.r.IntN(3) == 0 {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: w.rsUID, Controller: api.Ptr(true)}}
	}
	return p
}

func (w *countsWorld) step(i int) {
	switch k := w.r.IntN(20); {
	case k < 10 || len(w.pods) == 0: // a new pod, or a new version of one
		name := fmt.Sprintf("p%d", i)
		if k%2 == 1 && len(w.pods) > 0 {
			name = w.pick(w.pods)
		} else {
			w.pods = append(w.pods, name)
		}
		p := w.newPod(name)
		target := w.pick(w.nodes)
		if w.r.IntN(15) == 0 {
			target = fmt.Sprintf("late%d", w.r.IntN(3))
		}
		w.both(func(c *cache) { c.addPod(newPodInfo(p), target, w.r.IntN(2) == 0) })
	case k < 14:
		name := w.pick(w.pods)
		w.both(func(c *cache) { c.removePod(client.Key("default", name)); c.removePod(client.Key("other", name)) })
	case k < 17: // a node added or relabelled
		name := fmt.Sprintf("late%d", w.r.IntN(3))
		if w.r.IntN(2) == 0 {
			name = w.pick(w.nodes)
		} else if !slices.Contains(w.nodes, name) {
			w.nodes = append(w.nodes, name)
		}
		w.addNode(name)
	default:
		name := w.pick(w.nodes)
		w.both(func(c *cache) { c.removeNode(name) })
	}
}

// incoming is a pod to schedule: the system's default constraints (when
// the Service or the ReplicaSet picks it) or its own.
func (w *countsWorld) incoming() *api.Pod {
	p := w.newPod("incoming")
	p.DeletionTimestamp = nil
	if w.r.IntN(3) == 0 {
		p.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	}
	if w.r.IntN(2) == 0 {
		return p
	}
	for range 1 + w.r.IntN(2) {
		c := api.TopologySpreadConstraint{
			MaxSkew:           int32(1 + w.r.IntN(3)),
			TopologyKey:       w.pick([]string{labelZone, labelHostname, "disk"}),
			WhenUnsatisfiable: w.pick([]string{doNotSchedule, scheduleAnyway}),
			LabelSelector:     &api.LabelSelector{MatchLabels: map[string]string{"app": w.pick(countsLabels)}},
		}
		if w.r.IntN(3) == 0 {
			c.NodeAffinityPolicy = api.Ptr(policyIgnore)
		}
		if w.r.IntN(3) == 0 {
			c.NodeTaintsPolicy = api.Ptr(policyHonor)
		}
		if w.r.IntN(4) == 0 {
			c.MatchLabelKeys = []string{"tier"}
		}
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, c)
	}
	return p
}

type spreadOutcome struct {
	preFilter  string
	filters    []string
	raw, final []int64
}

func (w *countsWorld) outcome(h *handle, p *api.Pod) spreadOutcome {
	var out spreadOutcome
	fw := &framework{profile: newProfile(h), h: h}
	pl := &podTopologySpread{h: h}
	s := newCycleState(newPodInfo(p))
	if _, st := pl.PreFilter(s, p); st != nil {
		out.preFilter = fmt.Sprint(st.Code, st.Reasons)
	} else {
		for _, n := range h.cache.nodeList() {
			out.filters = append(out.filters, fmt.Sprint(pl.Filter(s, p, n)))
		}
	}
	scores, _ := fw.runScore(s, p, h.cache.nodeList(), true)
	for _, ps := range scores {
		if ps.name == pl.Name() && !ps.skipped {
			out.raw, out.final = ps.raw, ps.final
		}
	}
	return out
}

func (w *countsWorld) compare() {
	t := w.t
	for range 3 {
		p := w.incoming()
		require.Equal(t, w.outcome(w.exact, p), w.outcome(w.fast, p), "pod %v %v", p.Labels, p.Spec.TopologySpreadConstraints)
	}
	c := w.fast.cache
	w.counted += len(c.counters)
	for _, m := range c.counters {
		for name, n := range c.nodes {
			require.Equal(t, countMatching(n.pods, m.sel, m.ns), m.on(n, m.sel, m.ns), "counter %s/%s on %s", m.ns, m.sel, name)
		}
		for _, slot := range c.free {
			if int(slot) < len(m.nodes) {
				require.Zero(t, m.nodes[slot], "counter %s/%s on free slot %d", m.ns, m.sel, slot)
			}
		}
		for _, d := range m.domains {
			want := map[string]int64{}
			for _, n := range c.nodeList() {
				if k := countMatching(n.pods, m.sel, m.ns); k > 0 && d.includes(n.node) {
					want[n.node.Labels[d.key]] += k
				}
			}
			require.Equal(t, want, d.sums, "counter %s/%s by %s on %v", m.ns, m.sel, d.key, d.nodeLabels)
		}
	}
}

// NodeAffinity's verdict on a nodeSelector is remembered on each node,
// forgotten when the node changes, and the memo slots start again when
// there are too many selectors.
func TestNodeSelectorMemo(t *testing.T) {
	h := env(nodeInfoFor(node("a", "4", "8Gi", label("disk", "ssd"))), nodeInfoFor(node("b", "4", "8Gi")))
	fits := func(sel ...string) []string {
		var out []string
		for _, n := range []string{"a", "b"} {
			if verdict(t, h, pod("p", withNodeSelector(sel...)), "NodeAffinity", n).IsSuccess() {
				out = append(out, n)
			}
		}
		return out
	}
	require.Equal(t, []string{"a"}, fits("disk", "ssd"))
	require.Equal(t, []string{"a"}, fits("disk", "ssd"), "remembered")
	h.cache.addNode(node("b", "4", "8Gi", label("disk", "ssd")))
	h.cache.addNode(node("a", "4", "8Gi"))
	require.Equal(t, []string{"b"}, fits("disk", "ssd"), "forgotten when the nodes changed")
	for i := range maxSelectorMemos + 3 {
		require.Empty(t, fits("disk", fmt.Sprint(i)))
		require.Equal(t, []string{"b"}, fits("disk", "ssd"))
	}
	require.LessOrEqual(t, len(h.cache.selectorMemos), maxSelectorMemos)
}

// A selector and namespace find the same counter each time, and any
// other selector or namespace another one.
func TestCounterByKey(t *testing.T) {
	c := newCache()
	sel := func(s string) api.Selector {
		out, err := api.ParseSelector(s)
		require.NoError(t, err)
		return out
	}
	first := c.counter(sel("app=web,tier=front"), "default")
	for _, tt := range []struct {
		sel, ns string
		same    bool
	}{
		{"app=web,tier=front", "default", true},
		{"tier=front,app=web", "default", true},
		{"app=web,tier=front", "other", false},
		{"app=web", "default", false},
		{"app=web,tier=back", "default", false},
		{"app in (web),tier=front", "default", false},
	} {
		got := c.counter(sel(tt.sel), tt.ns)
		require.Equal(t, tt.same, got == first, "%s in %s", tt.sel, tt.ns)
		require.Same(t, got, c.counter(sel(tt.sel), tt.ns), "%s in %s again", tt.sel, tt.ns)
	}
}
