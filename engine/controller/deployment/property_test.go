package deployment_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// TestRandomOperations drives a Deployment of pause pods on a whole
// cluster (scheduler, kubelets, every controller) with random scaling,
// template updates, pod deletions and machines stopped and started, over
// many seeds. After every step it checks that the Deployment's active
// pods never exceed replicas + maxSurge and that nothing is orphaned.
// Between the random phases it lets the cluster heal, rolls the template
// with every node healthy and, stepping a second at a time, checks that
// no fewer than replicas - maxUnavailable pods are ever available, until
// the rollout completes.
func TestRandomOperations(t *testing.T) {
	modules := runtime.NewFSSource(wasmtest.Modules(t))
	for seed := range uint64(12) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			c, err := cluster.New(cluster.Config{Seed: seed, Workers: 3, Modules: modules})
			require.NoError(t, err)
			defer c.Close()
			ch := &chaos{t: t, c: c, cl: c.Client("test"), rng: rand.New(rand.NewPCG(seed, 5)), stopped: map[string]bool{}}
			ch.create()
			for range 3 {
				ch.randomPhase(12)
				ch.heal()
				ch.rollout()
			}
			ch.deleteAll()
		})
	}
}

type chaos struct {
	t       *testing.T
	c       *cluster.Cluster
	cl      *client.Client
	rng     *rand.Rand
	stopped map[string]bool
	tag     int
}

func (ch *chaos) deployment() *api.Deployment {
	d, err := client.Get[*api.Deployment](ch.cl, "default", "web")
	require.NoError(ch.t, err)
	return d
}

func (ch *chaos) intOrPercent() api.IntOrString {
	switch ch.rng.IntN(3) {
	case 0:
		return api.FromInt(0)
	case 1:
		return api.FromInt(int32(ch.rng.IntN(2) + 1))
	}
	return api.FromString("25%")
}

func (ch *chaos) create() {
	surge, unavailable := ch.intOrPercent(), ch.intOrPercent()
	if surge == api.FromInt(0) && unavailable == api.FromInt(0) {
		unavailable = api.FromInt(1) // the API server refuses both 0
	}
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}}
	d.Spec.Replicas = api.Ptr(int32(ch.rng.IntN(6) + 1))
	d.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	d.Spec.Strategy = api.DeploymentStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}
	d.Spec.Template.Labels = map[string]string{"app": "web"}
	d.Spec.Template.Spec.Containers = []api.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10"}}
	_, err := client.Create(ch.cl, d)
	require.NoError(ch.t, err)
	ch.settle()
}

func (ch *chaos) update(f func(*api.Deployment)) {
	d := api.Clone(ch.deployment())
	f(d)
	_, err := client.Update(ch.cl, d)
	require.NoError(ch.t, err)
}

func (ch *chaos) randomPhase(steps int) {
	ops := []func(){ch.scale, ch.updateTemplate, ch.deletePod, ch.deletePod, ch.stopNode, ch.startNode, ch.wait, ch.wait}
	for range steps {
		ops[ch.rng.IntN(len(ops))]()
		ch.settle()
	}
}

func (ch *chaos) scale() {
	ch.update(func(d *api.Deployment) { d.Spec.Replicas = api.Ptr(int32(ch.rng.IntN(7))) })
}

func (ch *chaos) updateTemplate() {
	ch.tag++
	ch.update(func(d *api.Deployment) {
		d.Spec.Template.Spec.Containers[0].Image = fmt.Sprintf("registry.k8s.io/pause:3.%d", 10+ch.tag%3)
	})
}

func (ch *chaos) deletePod() {
	pods := ch.activePods()
	if len(pods) == 0 {
		return
	}
	p := pods[ch.rng.IntN(len(pods))]
	_, err := ch.cl.Delete(resource("pods"), p.Namespace, p.Name, apiserver.DeleteOptions{})
	require.NoError(ch.t, err)
}

func (ch *chaos) workers() []string { return ch.c.Nodes()[1:] }

func (ch *chaos) stopNode() {
	n := ch.workers()[ch.rng.IntN(len(ch.workers()))]
	if ch.stopped[n] || len(ch.stopped) == len(ch.workers())-1 {
		return
	}
	require.NoError(ch.t, ch.c.StopNode(n))
	ch.stopped[n] = true
}

func (ch *chaos) startNode() {
	for _, n := range ch.workers() {
		if ch.stopped[n] {
			require.NoError(ch.t, ch.c.StartNode(n))
			delete(ch.stopped, n)
			return
		}
	}
}

func (ch *chaos) wait() { ch.c.Advance(time.Duration(ch.rng.IntN(90)+1) * time.Second) }

// settle lets the cluster act on the last change, then checks.
func (ch *chaos) settle() {
	ch.c.RunUntilIdle()
	ch.check()
}

// fenceposts are maxSurge rounded up and maxUnavailable rounded down, at
// least one of them non-zero.
func fenceposts(d *api.Deployment) (int, int) {
	n := float64(api.Deref(d.Spec.Replicas, 1))
	resolve := func(v *api.IntOrString, round func(float64) float64) int {
		if v.Type == api.String {
			var pct float64
			fmt.Sscanf(v.StrVal, "%f%%", &pct)
			return int(round(pct * n / 100))
		}
		return int(v.IntVal)
	}
	ru := d.Spec.Strategy.RollingUpdate
	s, u := resolve(ru.MaxSurge, math.Ceil), resolve(ru.MaxUnavailable, math.Floor)
	if s == 0 && u == 0 {
		u = 1
	}
	return s, u
}

// activePods are the Deployment's pods neither finished nor terminating.
func (ch *chaos) activePods() []*api.Pod {
	pods, err := client.List[*api.Pod](ch.cl, "default", apiserver.ListOptions{LabelSelector: "app=web"})
	require.NoError(ch.t, err)
	var out []*api.Pod
	for _, p := range pods {
		if controller.IsPodActive(p) {
			out = append(out, p)
		}
	}
	return out
}

// check asserts the bound on pods and that every pod and ReplicaSet has
// its live owner.
func (ch *chaos) check() {
	d := ch.deployment()
	surge, _ := fenceposts(d)
	replicas := int(api.Deref(d.Spec.Replicas, 1))
	active := ch.activePods()
	require.LessOrEqual(ch.t, len(active), replicas+surge, "active pods of %d replicas with maxSurge %d at %s", replicas, surge, ch.c.Now())
	rss, err := client.List[*api.ReplicaSet](ch.cl, "default", apiserver.ListOptions{})
	require.NoError(ch.t, err)
	uids := map[string]bool{}
	var specTotal int32
	for _, rs := range rss {
		ref := controller.ControllerRef(rs)
		require.True(ch.t, ref != nil && ref.UID == d.UID, "ReplicaSet %s is orphaned", rs.Name)
		uids[rs.UID] = true
		specTotal += api.Deref(rs.Spec.Replicas, 1)
	}
	require.LessOrEqual(ch.t, int(specTotal), replicas+surge, "ReplicaSets' replicas")
	pods, err := client.List[*api.Pod](ch.cl, "default", apiserver.ListOptions{})
	require.NoError(ch.t, err)
	for _, p := range pods {
		ref := controller.ControllerRef(p)
		require.True(ch.t, ref != nil && uids[ref.UID], "pod %s is orphaned", p.Name)
	}
}

// heal boots every stopped machine and waits until the rollout is
// complete: every replica updated and available.
func (ch *chaos) heal() {
	for len(ch.stopped) > 0 {
		ch.startNode()
	}
	for i := 0; !ch.complete(); i++ {
		require.Less(ch.t, i, 900, "the Deployment did not become complete")
		ch.c.Advance(time.Second)
		ch.check()
	}
}

func (ch *chaos) complete() bool {
	d := ch.deployment()
	n := api.Deref(d.Spec.Replicas, 1)
	st := d.Status
	return st.ObservedGeneration >= d.Generation && st.UpdatedReplicas == n && st.Replicas == n && st.AvailableReplicas == n &&
		ch.available() == int(n) && len(ch.activePods()) == int(n)
}

// available counts the ready pods of the Deployment (minReadySeconds is 0).
func (ch *chaos) available() int {
	n := 0
	for _, p := range ch.activePods() {
		if controller.IsPodReady(p) {
			n++
		}
	}
	return n
}

// rollout rolls a new template with every node healthy, checking the
// lower bound of available pods at every second.
func (ch *chaos) rollout() {
	ch.updateTemplate()
	for i := 0; ; i++ {
		ch.c.RunUntilIdle()
		ch.check()
		d := ch.deployment()
		_, unavailable := fenceposts(d)
		replicas := int(api.Deref(d.Spec.Replicas, 1))
		require.GreaterOrEqual(ch.t, ch.available(), replicas-unavailable, "available pods of %d replicas with maxUnavailable %d at %s", replicas, unavailable, ch.c.Now())
		if ch.complete() {
			return
		}
		require.Less(ch.t, i, 600, "the rollout did not complete")
		ch.c.Advance(time.Second)
	}
}

// deleteAll deletes the Deployment and waits for its ReplicaSets and
// pods to go.
func (ch *chaos) deleteAll() {
	_, err := ch.cl.Delete(resource("deployments"), "default", "web", apiserver.DeleteOptions{})
	require.NoError(ch.t, err)
	for i := 0; ; i++ {
		ch.c.Advance(time.Second)
		rss, _ := client.List[*api.ReplicaSet](ch.cl, "default", apiserver.ListOptions{})
		pods, _ := client.List[*api.Pod](ch.cl, "default", apiserver.ListOptions{})
		if len(rss) == 0 && len(pods) == 0 {
			return
		}
		require.Less(ch.t, i, 120, "%d ReplicaSets and %d pods are left", len(rss), len(pods))
	}
}

func resource(name string) *api.ResourceInfo {
	r, _ := api.LookupResource(name)
	return r
}
