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

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fixture is an API server with a running scheduler and a client to act
// as the user.
type fixture struct {
	t     testing.TB
	l     *loop.Loop
	s     *apiserver.Server
	c     *client.Client
	sched *Scheduler
}

func newFixture(t testing.TB, nodes ...*api.Node) *fixture {
	t.Helper()
	return newSeededFixture(t, 1, nodes...)
}

func newSeededFixture(t testing.TB, seed uint64, nodes ...*api.Node) *fixture {
	t.Helper()
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(seed, 1)))
	c := client.New(s, "test")
	f := &fixture{t: t, l: l, s: s, c: c}
	f.create(&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}})
	for _, n := range nodes {
		f.create(n)
	}
	f.sched = New(client.New(s, Name), "controlplane", rand.New(rand.NewPCG(seed, 2)))
	require.NoError(t, f.sched.Start())
	return f
}

func (f *fixture) create(obj api.Object) {
	f.t.Helper()
	if p, ok := obj.(*api.Pod); ok {
		f.priorityClass(p.Spec.PriorityClassName)
	}
	_, err := f.c.Create(api.ResourceFor(obj), obj.GetObjectMeta().Namespace, obj)
	require.NoError(f.t, err)
}

// priorityClass creates the class a priority(v) pod names, once.
func (f *fixture) priorityClass(name string) {
	var v int32
	if _, err := fmt.Sscanf(name, "prio-%d", &v); err != nil {
		return
	}
	if _, err := client.Get[*api.PriorityClass](f.c, "", name); err == nil {
		return
	}
	_, err := client.Create(f.c, &api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: name}, Value: v})
	require.NoError(f.t, err)
}

func (f *fixture) pod(name string) *api.Pod {
	f.t.Helper()
	p, err := client.Get[*api.Pod](f.c, "default", name)
	require.NoError(f.t, err)
	return p
}

func (f *fixture) settle() { f.l.RunUntilIdle() }

// events returns the notes of the events about an object with a reason.
func (f *fixture) events(name, reason string) []string {
	f.t.Helper()
	evs, err := client.List[*api.EventsV1Event](f.c, "", apiserver.ListOptions{})
	require.NoError(f.t, err)
	var out []string
	for _, e := range evs {
		if e.Regarding.Name == name && e.Reason == reason {
			out = append(out, e.Note)
		}
	}
	return out
}

// condition returns the pod's PodScheduled condition.
func (f *fixture) condition(name string) api.PodCondition {
	f.t.Helper()
	for _, c := range f.pod(name).Status.Conditions {
		if c.Type == api.PodScheduled {
			return c
		}
	}
	return api.PodCondition{}
}

type nodeOpt func(*api.Node)

func node(name, cpu, mem string, opts ...nodeOpt) *api.Node {
	alloc := api.ResourceList{"cpu": api.MustParse(cpu), "memory": api.MustParse(mem), "pods": api.MustParse("110")}
	n := &api.Node{
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status:     api.NodeStatus{Allocatable: alloc, Capacity: alloc},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func taint(key, value, effect string) nodeOpt {
	return func(n *api.Node) {
		n.Spec.Taints = append(n.Spec.Taints, api.Taint{Key: key, Value: value, Effect: effect})
	}
}

func label(k, v string) nodeOpt { return func(n *api.Node) { n.Labels[k] = v } }

func zone(z string) nodeOpt { return label("topology.kubernetes.io/zone", z) }

func cordoned(n *api.Node) { n.Spec.Unschedulable = true }

var controlPlaneTaint = taint("node-role.kubernetes.io/control-plane", "", api.TaintNoSchedule)

type podOpt func(*api.Pod)

func pod(name string, opts ...podOpt) *api.Pod {
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func requests(cpu, mem string) podOpt {
	return func(p *api.Pod) {
		r := api.ResourceList{}
		if cpu != "" {
			r["cpu"] = api.MustParse(cpu)
		}
		if mem != "" {
			r["memory"] = api.MustParse(mem)
		}
		p.Spec.Containers[0].Resources.Requests = r
	}
}

// priority gives the pod a priority class of that value (made on create).
func priority(v int32) podOpt {
	return func(p *api.Pod) { p.Spec.PriorityClassName = fmt.Sprintf("prio-%d", v) }
}

func labels(kv ...string) podOpt {
	return func(p *api.Pod) {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func onNode(name string) podOpt { return func(p *api.Pod) { p.Spec.NodeName = name } }

func hostPort(port int32) podOpt {
	return func(p *api.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, api.ContainerPort{ContainerPort: port, HostPort: port, Protocol: "TCP"})
	}
}

func tolerate(key, effect string) podOpt {
	return func(p *api.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, api.Toleration{Key: key, Operator: "Exists", Effect: effect})
	}
}

func withNodeSelector(kv ...string) podOpt {
	return func(p *api.Pod) {
		p.Spec.NodeSelector = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Spec.NodeSelector[kv[i]] = kv[i+1]
		}
	}
}

func antiAffinity(key string, sel map[string]string) podOpt {
	return func(p *api.Pod) {
		ensureAffinity(p)
		p.Spec.Affinity.PodAntiAffinity = &api.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []api.PodAffinityTerm{
			{TopologyKey: key, LabelSelector: &api.LabelSelector{MatchLabels: sel}},
		}}
	}
}

func affinity(key string, sel map[string]string) podOpt {
	return func(p *api.Pod) {
		ensureAffinity(p)
		p.Spec.Affinity.PodAffinity = &api.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []api.PodAffinityTerm{
			{TopologyKey: key, LabelSelector: &api.LabelSelector{MatchLabels: sel}},
		}}
	}
}

func ensureAffinity(p *api.Pod) {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &api.Affinity{}
	}
}

func spread(key string, maxSkew int32, when string, sel map[string]string) podOpt {
	return func(p *api.Pod) {
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, api.TopologySpreadConstraint{
			MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when, LabelSelector: &api.LabelSelector{MatchLabels: sel},
		})
	}
}

func claimVolume(claim string) podOpt {
	return func(p *api.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: "data", VolumeSource: api.VolumeSource{
			PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claim},
		}})
	}
}

// nodeInfoFor builds a node with pods counted on it, for plugin tests.
func nodeInfoFor(n *api.Node, pods ...*api.Pod) *nodeInfo {
	ni := newNodeInfo()
	ni.setNode(n)
	for _, p := range pods {
		ni.addPod(newPodInfo(p))
	}
	return ni
}
