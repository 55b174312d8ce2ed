package session

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/store"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// Invariants under chaos: random workloads and faults, chosen by a seed,
// with the cluster's invariants checked after every step. `go test` runs
// a few seeds; -chaos.seeds=N runs more (make soak), and -chaos.seed=N
// replays one: a failure names its seed and its steps.
var (
	chaosSeeds = flag.Int("chaos.seeds", 100, "how many seeds TestInvariantsUnderChaos runs")
	chaosSeed  = flag.Uint64("chaos.seed", 0, "run TestInvariantsUnderChaos for this seed only")
	chaosSteps = flag.Int("chaos.steps", 30, "steps per seed")
)

func TestInvariantsUnderChaos(t *testing.T) {
	modules := runtime.NewFSSource(wasmtest.Modules(t))
	seeds := make([]uint64, 0, *chaosSeeds)
	for i := range *chaosSeeds {
		seeds = append(seeds, uint64(i+1))
	}
	if *chaosSeed != 0 {
		seeds = []uint64{*chaosSeed}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			c := newChaos(t, modules, seed)
			defer c.s.Close()
			for i := range *chaosSteps {
				step := c.step()
				c.steps = append(c.steps, step)
				if msg := c.check(); msg != "" {
					t.Fatalf("seed %d, step %d: %s\nreplay: go test ./engine/session -run TestInvariantsUnderChaos -chaos.seed=%d\nsteps:\n  %s", seed, i+1, msg, seed, strings.Join(c.steps, "\n  "))
				}
			}
			c.run("sleep 180") // the garbage collector's and the controllers' time
			if msg := c.check() + c.checkEnd(); msg != "" {
				t.Fatalf("seed %d, at the end: %s\nreplay: -chaos.seed=%d\nsteps:\n  %s", seed, msg, seed, strings.Join(c.steps, "\n  "))
			}
		})
	}
}

// chaos is one seed's run: the session, what the test made and what the
// watches saw.
type chaos struct {
	t       *testing.T
	s       *Session
	k       *client.Client
	rng     *rand.Rand
	steps   []string
	made    map[string]bool // kind/name the test created and has not deleted
	deploys []string
	sets    []string
	names   int // deployments named so far
	stopped map[string]bool

	lastRev  int64
	errs     []string
	boundTo  map[string]string // pod uid -> node, once bound
	stored   []string          // pod changes as the store made them
	watched  []string          // pod changes as an API watch delivered them
	watchErr error
}

func newChaos(t *testing.T, modules runtime.ModuleSource, seed uint64) *chaos {
	t.Helper()
	cfg := clusterConfig(modules)
	cfg.Seed, cfg.Workers = seed, 3
	s, err := New(Config{Cluster: cfg, FS: memFS(t), Dir: "/root", Env: []string{"HOME=/root"}})
	require.NoError(t, err)
	c := &chaos{t: t, s: s, k: s.Cluster().Client("chaos"), rng: rand.New(rand.NewPCG(seed, 0xc4a05)), made: map[string]bool{}, stopped: map[string]bool{}, boundTo: map[string]string{}}
	s.Lock()
	defer s.Unlock()
	st := s.Cluster().API().Store()
	c.lastRev = st.Revision()
	_, err = st.Watch("", st.Revision(), c.onStore)
	require.NoError(t, err)
	pods, _ := api.LookupResource("pods")
	_, err = s.Cluster().API().Watch(pods, "", apiserver.ListOptions{ResourceVersion: strconv.FormatInt(st.Revision(), 10)}, c.onWatch)
	require.NoError(t, err)
	return c
}

// onStore sees every change: revisions only grow, and a bound pod never
// moves to another node.
func (c *chaos) onStore(ev store.Event) {
	if ev.Revision <= c.lastRev {
		c.errs = append(c.errs, fmt.Sprintf("revision %d after %d", ev.Revision, c.lastRev))
	}
	c.lastRev = ev.Revision
	if !strings.HasPrefix(ev.KV.Key, "/registry/pods/") {
		return
	}
	kind := "MODIFIED"
	switch {
	case ev.Type == store.Delete:
		kind = "DELETED"
	case ev.Prev == nil:
		kind = "ADDED"
	}
	p := ev.KV.Value.(*api.Pod)
	c.stored = append(c.stored, fmt.Sprintf("%s %s/%s@%d", kind, p.Namespace, p.Name, ev.Revision))
	if p.Spec.NodeName == "" {
		return
	}
	if was, ok := c.boundTo[p.UID]; ok && was != p.Spec.NodeName {
		c.errs = append(c.errs, fmt.Sprintf("pod %s/%s was bound to %s and then to %s", p.Namespace, p.Name, was, p.Spec.NodeName))
	}
	c.boundTo[p.UID] = p.Spec.NodeName
}

func (c *chaos) onWatch(ev apiserver.WatchEvent) {
	if ev.Type == "BOOKMARK" {
		return
	}
	if ev.Type == "ERROR" {
		c.watchErr = fmt.Errorf("the watch ended: %v", ev.Object)
		return
	}
	m := ev.Object.GetObjectMeta()
	c.watched = append(c.watched, fmt.Sprintf("%s %s/%s@%s", ev.Type, m.Namespace, m.Name, m.ResourceVersion))
}

func (c *chaos) run(line string) string {
	var out strings.Builder
	c.s.Exec(context.Background(), line, &out, &out)
	return out.String()
}

func (c *chaos) pick(list []string) string { return list[c.rng.IntN(len(list))] }

const chaosDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
spec:
  replicas: %d
  selector:
    matchLabels: {app: %s}
  strategy:
    rollingUpdate: {maxSurge: %d, maxUnavailable: %d}
  template:
    metadata:
      labels: {app: %s}
    spec:
      containers:
      - name: c
        image: registry.k8s.io/pause
        resources:
          requests: {cpu: 300m, memory: 64Mi}
`

const chaosStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: %s
spec:
  replicas: %d
  serviceName: %s
  selector:
    matchLabels: {set: %s}
  template:
    metadata:
      labels: {set: %s}
    spec:
      containers:
      - name: c
        image: registry.k8s.io/pause
        resources:
          requests: {cpu: 200m}
`

// step does one random thing and says what.
func (c *chaos) step() string {
	nodes := []string{"node01", "node02", "node03"}
	switch n := c.rng.IntN(13); {
	case n < 2 || len(c.deploys) == 0:
		c.names++
		name := fmt.Sprintf("d%d", c.names)
		surge := c.rng.IntN(3)
		unavailable := c.rng.IntN(2)
		if surge == 0 {
			unavailable = 1 // both 0 is invalid
		}
		manifest := fmt.Sprintf(chaosDeployment, name, 1+c.rng.IntN(4), name, surge, unavailable, name)
		return c.apply(name, manifest, &c.deploys, "deployment/"+name)
	case n == 2 && len(c.sets) < 2:
		name := fmt.Sprintf("s%d", len(c.sets)+1)
		return c.apply(name, fmt.Sprintf(chaosStatefulSet, name, 1+c.rng.IntN(3), name, name, name), &c.sets, "statefulset/"+name)
	case n == 3:
		return c.do(fmt.Sprintf("kubectl scale deployment %s --replicas=%d", c.pick(c.deploys), c.rng.IntN(6)))
	case n == 4:
		return c.do("kubectl rollout restart deployment " + c.pick(c.deploys))
	case n == 5:
		pods, err := client.List[*api.Pod](c.k, "default", apiserver.ListOptions{})
		require.NoError(c.t, err)
		if len(pods) == 0 {
			return c.do("sleep 1")
		}
		return c.do("kubectl delete pod --wait=false " + pods[c.rng.IntN(len(pods))].Name)
	case n == 6:
		node := c.pick(nodes)
		if c.stopped[node] {
			delete(c.stopped, node)
			return c.do("kubeplay node start " + node)
		}
		if len(c.stopped) >= 2 {
			return c.do("sleep 5")
		}
		c.stopped[node] = true
		return c.do("kubeplay node stop " + node)
	case n == 7 && len(c.sets) > 0:
		return c.do(fmt.Sprintf("kubectl scale statefulset %s --replicas=%d", c.pick(c.sets), c.rng.IntN(4)))
	case n == 8 && len(c.deploys) > 1:
		name := c.pick(c.deploys)
		c.deploys = slices.DeleteFunc(c.deploys, func(d string) bool { return d == name })
		delete(c.made, "deployment/"+name)
		return c.do("kubectl delete deployment --wait=false " + name)
	case n == 9:
		return c.conflict()
	case n == 10:
		return c.do(fmt.Sprintf("kubectl run crash%d --image=busybox -- sh -c 'sleep %d; exit 1'", len(c.steps), 1+c.rng.IntN(5)))
	default:
		return c.do(fmt.Sprintf("sleep %d", 1+c.rng.IntN(60)))
	}
}

func (c *chaos) do(line string) string {
	c.run(line)
	return line
}

func (c *chaos) apply(name, manifest string, list *[]string, key string) string {
	require.NoError(c.t, hackpadfs.WriteFullFile(c.s.Shell().FS(), "root/"+name+".yaml", []byte(manifest), 0o644))
	out := c.run("kubectl apply -f " + name + ".yaml")
	require.Contains(c.t, out, "created", out)
	*list = append(*list, name)
	c.made[key] = true
	return "kubectl apply -f " + name + ".yaml: " + strings.ReplaceAll(manifest, "\n", " ")
}

// conflict writes a Deployment twice from the same read: the second write
// must be refused as upstream refuses it, and change nothing.
func (c *chaos) conflict() string {
	name := c.pick(c.deploys)
	c.s.Lock()
	defer c.s.Unlock()
	read, err := client.Get[*api.Deployment](c.k, "default", name)
	require.NoError(c.t, err)
	d, stale := read.DeepCopy(), read.DeepCopy() // what Get returns is shared
	d.Annotations = map[string]string{"chaos": "first"}
	_, err = client.Update(c.k, d)
	require.NoError(c.t, err)
	stale.Annotations = map[string]string{"chaos": "second"}
	_, err = client.Update(c.k, stale)
	if !apiserver.IsConflict(err) {
		c.errs = append(c.errs, fmt.Sprintf("an update from a stale read (resourceVersion %q) was not refused as a conflict: %v", stale.ResourceVersion, err))
	}
	now, err := client.Get[*api.Deployment](c.k, "default", name)
	require.NoError(c.t, err)
	if now.Annotations["chaos"] != "first" {
		c.errs = append(c.errs, "a refused update changed the object")
	}
	c.s.Cluster().RunUntilIdle()
	return "conflicting updates of deployment/" + name
}

// check tests the invariants as the cluster is now, and what the watches
// saw since the last check.
func (c *chaos) check() string {
	c.s.Lock()
	defer c.s.Unlock()
	var errs []string
	errs = append(errs, c.errs...)
	c.errs = nil
	if c.watchErr != nil {
		errs = append(errs, c.watchErr.Error())
	}
	if !slices.Equal(c.stored, c.watched) {
		errs = append(errs, fmt.Sprintf("the API watch did not deliver each pod change once, in order:\nstore: %v\nwatch: %v", c.stored, c.watched))
	}
	c.stored, c.watched = nil, nil
	pods, err := client.List[*api.Pod](c.k, "", apiserver.ListOptions{})
	require.NoError(c.t, err)
	errs = append(errs, c.overcommitted(pods)...)
	errs = append(errs, c.surges()...)
	errs = append(errs, ordinals(pods)...)
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range c.made {
			if !yield(k) {
				return
			}
		}
	}) {
		kind, name, _ := strings.Cut(key, "/")
		r, _ := api.LookupResource(kind + "s")
		if _, err := c.k.Get(r, "default", name); err != nil {
			errs = append(errs, fmt.Sprintf("%s is lost: %v", key, err))
		}
	}
	return strings.Join(errs, "\n")
}

// overcommitted: the requests of the pods a node runs fit its allocatable.
func (c *chaos) overcommitted(pods []*api.Pod) []string {
	nodes, err := client.List[*api.Node](c.k, "", apiserver.ListOptions{})
	require.NoError(c.t, err)
	used := map[string]int64{}
	for _, p := range pods {
		if p.Spec.NodeName == "" || p.Status.Phase == "Succeeded" || p.Status.Phase == "Failed" {
			continue
		}
		for _, ct := range p.Spec.Containers {
			if q, ok := ct.Resources.Requests["cpu"]; ok {
				used[p.Spec.NodeName] += q.MilliValue()
			}
		}
	}
	var errs []string
	for _, n := range nodes {
		if alloc := n.Status.Allocatable["cpu"]; used[n.Name] > alloc.MilliValue() {
			errs = append(errs, fmt.Sprintf("node %s is over-committed: %dm of cpu requested, %dm allocatable", n.Name, used[n.Name], alloc.MilliValue()))
		}
	}
	return errs
}

// surges: a Deployment's ReplicaSets together never want more than its
// replicas and its surge.
func (c *chaos) surges() []string {
	deploys, err := client.List[*api.Deployment](c.k, "default", apiserver.ListOptions{})
	require.NoError(c.t, err)
	sets, err := client.List[*api.ReplicaSet](c.k, "default", apiserver.ListOptions{})
	require.NoError(c.t, err)
	var errs []string
	for _, d := range deploys {
		if d.DeletionTimestamp != nil || d.Spec.Strategy.RollingUpdate == nil || d.Spec.Strategy.RollingUpdate.MaxSurge == nil {
			continue
		}
		replicas := int(*d.Spec.Replicas)
		surge, err := d.Spec.Strategy.RollingUpdate.MaxSurge.ScaledValue(replicas, true)
		require.NoError(c.t, err)
		total := 0
		for _, rs := range sets {
			if owned(rs.OwnerReferences, d.UID) && rs.Spec.Replicas != nil {
				total += int(*rs.Spec.Replicas)
			}
		}
		if total > replicas+surge {
			errs = append(errs, fmt.Sprintf("deployment %s: its ReplicaSets want %d pods, more than %d replicas + %d surge", d.Name, total, replicas, surge))
		}
	}
	return errs
}

func owned(refs []api.OwnerReference, uid string) bool {
	return slices.ContainsFunc(refs, func(r api.OwnerReference) bool { return r.UID == uid })
}

// ordinals: a StatefulSet's pods are named by distinct ordinals.
func ordinals(pods []*api.Pod) []string {
	var errs []string
	seen := map[string]bool{}
	for _, p := range pods {
		for _, r := range p.OwnerReferences {
			if r.Kind != "StatefulSet" {
				continue
			}
			n, err := strconv.Atoi(strings.TrimPrefix(p.Name, r.Name+"-"))
			key := fmt.Sprintf("%s/%d", r.UID, n)
			if err != nil || n < 0 || seen[key] {
				errs = append(errs, fmt.Sprintf("pod %s of statefulset %s has no ordinal of its own", p.Name, r.Name))
			}
			seen[key] = true
		}
	}
	return errs
}

// checkEnd: once the garbage collector has had its time, nothing is left
// whose owner is gone, other than what is being deleted.
func (c *chaos) checkEnd() string {
	c.s.Lock()
	defer c.s.Unlock()
	kvs, _ := c.s.Cluster().API().Store().List("")
	uids := map[string]bool{}
	for _, kv := range kvs {
		uids[kv.Value.GetObjectMeta().UID] = true
	}
	var errs []string
	for _, kv := range kvs {
		if kv.Value.GetObjectMeta().DeletionTimestamp != nil {
			continue // on its way out (a pod on a stopped node waits for its kubelet, as upstream)
		}
		for _, r := range kv.Value.GetObjectMeta().OwnerReferences {
			if !uids[r.UID] {
				errs = append(errs, fmt.Sprintf("%s is an orphan: its owner %s %s is gone", kv.Key, r.Kind, r.Name))
			}
		}
	}
	return strings.Join(errs, "\n")
}
