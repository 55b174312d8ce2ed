package replicaset

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// manageReplicas creates or deletes pods to bring the set to its replica
// count, at most burstReplicas of them.
func (ctl *Controller) manageReplicas(key string, s *set, active []*api.Pod) error {
	diff := len(active) - int(replicas(s.rs))
	switch {
	case diff < 0:
		n := min(-diff, burstReplicas)
		ctl.exp.Expect(key, n, 0, ctl.c.Now())
		return ctl.createPods(key, s, n)
	case diff > 0:
		victims := podsToDelete(active, ctl.relatedPods(s.rs), min(diff, burstReplicas), ctl.c.Now())
		names := make([]string, len(victims))
		for i, p := range victims {
			names[i] = client.KeyOf(p)
		}
		ctl.exp.ExpectDeletionsOf(key, 0, names, ctl.c.Now())
		return ctl.deletePods(key, s, victims)
	}
	return nil
}

// deletePods deletes the victims, controller.CreateChunk of them per
// event of the loop as createPods creates (upstream deletes them all at
// once from goroutines). A failure other than NotFound is the sync's error when it
// comes in the first chunk, and requeues the set with the queue's backoff
// in a later one.
func (ctl *Controller) deletePods(key string, s *set, victims []*api.Pod) error {
	var first error
	next := 0
	run := func() bool {
		for end := min(next+controller.CreateChunk, len(victims)); next < end; next++ {
			p := victims[next]
			if err := ctl.deletePod(s, p.Name); err != nil {
				ctl.exp.DeletedObject(key, client.KeyOf(p))
				if !apiserver.IsNotFound(err) && first == nil {
					first = err
				}
			}
		}
		return next == len(victims)
	}
	return controller.InEvents(ctl.c.Loop(), run, func() error { return first }, func() { ctl.queue.Retry(key) })
}

// createPods creates n pods for the set in slow-start batches: at most
// controller.CreateChunk now, the rest in the events that follow. An
// error from the first chunk is the sync's; one from a later chunk
// requeues the set with the queue's backoff, as the sync's error would. The creates that
// fail or are skipped count as observed in the expectations.
func (ctl *Controller) createPods(key string, s *set, n int) error {
	b := controller.NewSlowStart(n)
	create := func() error { return ctl.createPod(s) }
	finish := func() error {
		for range n - b.Successes() {
			ctl.exp.Created(key)
		}
		return b.Err()
	}
	step := func() bool { return b.Run(controller.CreateChunk, create) }
	return controller.InEvents(ctl.c.Loop(), step, finish, func() { ctl.queue.Retry(key) })
}

func (ctl *Controller) createPod(s *set) error {
	// The pod is made for the create alone: the server may keep it as it
	// is rather than a copy.
	p := controller.PodFromTemplate(&s.rs.Spec.Template, s.obj, s.rs.Name+"-")
	out, err := client.CreateOwned(ctl.c, p)
	switch {
	case apiserver.IsNamespaceTerminating(err):
		return nil
	case err != nil:
		ctl.rec.Eventf(s.obj, api.EventWarning, "FailedCreate", "Error creating: %v", err)
		return err
	}
	ctl.rec.Eventf(s.obj, api.EventNormal, "SuccessfulCreate", "Created pod: %s", out.Name)
	return nil
}

func (ctl *Controller) deletePod(s *set, name string) error {
	err := client.Delete[*api.Pod](ctl.c, s.rs.Namespace, name, apiserver.DeleteOptions{})
	switch {
	case apiserver.IsNotFound(err):
	case err != nil:
		ctl.rec.Eventf(s.obj, api.EventWarning, "FailedDelete", "Error deleting: %v", err)
	default:
		ctl.rec.Eventf(s.obj, api.EventNormal, "SuccessfulDelete", "Deleted pod: %s", name)
	}
	return err
}

// relatedPods are getIndirectlyRelatedPods: the pods of every set that
// has the same controller (a Deployment's ReplicaSets), each once.
func (ctl *Controller) relatedPods(rs *api.ReplicaSet) []*api.Pod {
	ref := controller.ControllerRef(rs)
	if ref == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []*api.Pod
	for _, other := range ctl.src.list() {
		if r := controller.ControllerRef(other.rs); other.rs.Namespace != rs.Namespace || r == nil || r.UID != ref.UID {
			continue
		}
		sel, err := api.SelectorFromLabelSelector(other.rs.Spec.Selector)
		if err != nil {
			continue
		}
		for _, p := range ctl.pods.Select(rs.Namespace, sel) {
			if !seen[p.UID] {
				seen[p.UID] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// podsToDelete is getPodsToDelete: the n pods least worth keeping, ranked
// by ActivePodsWithRanks with the count of related active pods on each
// pod's node as its rank.
func podsToDelete(pods, related []*api.Pod, n int, now time.Time) []*api.Pod {
	if n >= len(pods) {
		return pods
	}
	onNode := map[string]int{}
	for _, p := range related {
		if controller.IsPodActive(p) {
			onNode[p.Spec.NodeName]++
		}
	}
	ranked := make([]rankedPod, len(pods))
	for i, p := range pods {
		ranked[i] = rankedPod{p, onNode[p.Spec.NodeName]}
	}
	sort.SliceStable(ranked, func(i, j int) bool { return lessWorth(ranked[i], ranked[j], now) })
	out := make([]*api.Pod, n)
	for i := range out {
		out[i] = ranked[i].pod
	}
	return out
}

type rankedPod struct {
	pod  *api.Pod
	rank int
}

// lessWorth is ActivePodsWithRanks.Less with LogarithmicScaleDown (GA):
// ready and creation times compare by the power of two of their age, and
// pods of equal such age by UID.
func lessWorth(a, b rankedPod, now time.Time) bool {
	pa, pb := a.pod, b.pod
	if pa.Spec.NodeName != pb.Spec.NodeName && (pa.Spec.NodeName == "" || pb.Spec.NodeName == "") {
		return pa.Spec.NodeName == ""
	}
	if oa, ob := phaseOrdinal(pa), phaseOrdinal(pb); oa != ob {
		return oa < ob
	}
	ra, rb := controller.IsPodReady(pa), controller.IsPodReady(pb)
	if ra != rb {
		return !ra
	}
	if ca, cb := deletionCost(pa), deletionCost(pb); ca != cb {
		return ca < cb
	}
	if a.rank != b.rank {
		return a.rank > b.rank
	}
	if ra && rb {
		ta, tb := readyTime(pa), readyTime(pb)
		if !ta.Equal(tb) {
			if less, ok := newerByLog(ta, tb, now, pa, pb); ok {
				return less
			}
		}
	}
	if less, ok := moreRestarts(pa, pb); ok {
		return less
	}
	if ca, cb := pa.CreationTimestamp.Time, pb.CreationTimestamp.Time; !ca.Equal(cb) {
		less, _ := newerByLog(ca, cb, now, pa, pb)
		return less
	}
	return false
}

// newerByLog says whether t1 counts as newer than t2: a zero time is the
// newest; otherwise the one whose age has the lower power of two, and for
// equal powers the lower UID.
func newerByLog(t1, t2, now time.Time, p1, p2 *api.Pod) (bool, bool) {
	if t1.IsZero() || t2.IsZero() {
		return t1.IsZero(), true
	}
	if d := logRank(now.Sub(t1)) - logRank(now.Sub(t2)); d != 0 {
		return d < 0, true
	}
	return p1.UID < p2.UID, true
}

func logRank(d time.Duration) int64 {
	if d <= 0 {
		return -1
	}
	return int64(math.Log2(float64(d)))
}

func phaseOrdinal(p *api.Pod) int {
	switch p.Status.Phase {
	case api.PodUnknown:
		return 1
	case api.PodRunning:
		return 2
	}
	return 0
}

// deletionCost reads controller.kubernetes.io/pod-deletion-cost, an int32;
// anything else counts as 0.
func deletionCost(p *api.Pod) int64 {
	s, ok := p.Annotations["controller.kubernetes.io/pod-deletion-cost"]
	if !ok {
		// Most pods have none: a failed parse's error is an allocation,
		// once for every comparison of the sort.
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0
	}
	return v
}

func readyTime(p *api.Pod) time.Time {
	if c := controller.PodCondition(p, api.PodReady); c != nil && c.Status == api.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// moreRestarts compares the highest restart count of the pods' regular
// containers, then of their sidecars (restartable init containers).
func moreRestarts(a, b *api.Pod) (bool, bool) {
	ra, sa := maxRestarts(a)
	rb, sb := maxRestarts(b)
	switch {
	case ra != rb:
		return ra > rb, true
	case sa != sb:
		return sa > sb, true
	}
	return false, false
}

func maxRestarts(p *api.Pod) (regular, sidecar int32) {
	for _, s := range p.Status.ContainerStatuses {
		regular = max(regular, s.RestartCount)
	}
	sidecars := map[string]bool{}
	for _, c := range p.Spec.InitContainers {
		if api.Deref(c.RestartPolicy, "") == "Always" {
			sidecars[c.Name] = true
		}
	}
	for _, s := range p.Status.InitContainerStatuses {
		if sidecars[s.Name] {
			sidecar = max(sidecar, s.RestartCount)
		}
	}
	return regular, sidecar
}
