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

// deletePods deletes the victims, createChunk of them per event of the
// loop as createPods creates (upstream deletes them all at once from
// goroutines). A failure other than NotFound is the sync's error when it
// comes in the first chunk, and requeues the set with the queue's backoff
// in a later one.
func (ctl *Controller) deletePods(key string, s *set, victims []*api.Pod) error {
	var first error
	next := 0
	run := func() bool {
		for end := min(next+createChunk, len(victims)); next < end; next++ {
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
	return ctl.inEvents(key, run, func() error { return first })
}

// inEvents runs step, a chunk of a sync's work, now and then in the
// events that follow (PostIdleNext) until it reports the work done. The
// error of work done at once is the sync's (end's); one of work that
// went on in later events requeues the set with the queue's backoff, as
// the sync's error would.
func (ctl *Controller) inEvents(key string, step func() bool, end func() error) error {
	if step() {
		return end()
	}
	var more func()
	more = func() {
		if !step() {
			ctl.c.Loop().PostIdleNext(more)
			return
		}
		if end() != nil {
			ctl.queue.Retry(key)
		}
	}
	ctl.c.Loop().PostIdleNext(more)
	return nil
}

// createChunk is how many pods one event of the cluster creates (or
// deletes) for a sync. Upstream's sync creates its batches from
// goroutines, and the cluster goes on meanwhile; here a sync is one event
// of the loop, and 500 creates in one event held the browser's worker for
// 0.2 to 0.5 s during a scale-up (the terminal waited for it). So a sync
// creates its first createChunk pods and the rest in the events that
// follow, still in slow-start batches, and the pods' own events (their
// scheduling, the informers) interleave, as they would upstream. Counted
// in pods, not in time, so the history does not depend on the host.
const createChunk = 64

// createPods creates n pods for the set in slow-start batches: at most
// createChunk now, the rest in the events that follow. An error from the
// first chunk is the sync's; one from a later chunk requeues the set
// with the queue's backoff, as the sync's error would. The creates that
// fail or are skipped count as observed in the expectations.
func (ctl *Controller) createPods(key string, s *set, n int) error {
	b := newSlowStart(n)
	create := func() error { return ctl.createPod(s) }
	finish := func() error {
		for range n - b.successes {
			ctl.exp.Created(key)
		}
		return b.first
	}
	return ctl.inEvents(key, func() bool { return b.run(createChunk, create) }, finish)
}

// slowStartBatch calls fn count times in batches of 1, 2, 4, ..., stopping
// after the first batch with a failure, so that a systematic failure costs
// a request or two rather than count; it returns the successes.
func slowStartBatch(count int, fn func() error) (int, error) {
	b := newSlowStart(count)
	b.run(-1, fn)
	return b.successes, b.first
}

// slowStart is slowStartBatch that can stop between two calls and go on
// later (run).
type slowStart struct {
	batch, left int // the current batch's size; the calls left, this batch's included
	made        int // the calls made of the current batch
	successes   int
	first       error
}

func newSlowStart(count int) *slowStart { return &slowStart{batch: min(count, 1), left: count} }

// run makes at most limit more calls (any number for a negative limit)
// and reports whether the whole run is over: every call made, or a batch
// ended with a failure.
func (b *slowStart) run(limit int, fn func() error) bool {
	for calls := 0; b.batch > 0; {
		if b.made == b.batch {
			if b.first != nil {
				return true
			}
			b.left -= b.batch
			b.batch, b.made = min(2*b.batch, b.left), 0
			continue
		}
		if calls == limit {
			return false
		}
		if err := fn(); err != nil {
			if b.first == nil {
				b.first = err
			}
		} else {
			b.successes++
		}
		b.made++
		calls++
	}
	return true
}

func (ctl *Controller) createPod(s *set) error {
	p := controller.PodFromTemplate(&s.rs.Spec.Template, s.obj, s.rs.Name+"-")
	out, err := client.Create(ctl.c, p)
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
	v, err := strconv.ParseInt(p.Annotations["controller.kubernetes.io/pod-deletion-cost"], 10, 32)
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
