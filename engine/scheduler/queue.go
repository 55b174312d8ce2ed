package scheduler

import (
	"maps"
	"slices"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/clock"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// The queue's timings, kube-scheduler's defaults.
const (
	initialBackoff = time.Second
	maxBackoff     = 10 * time.Second
	// maxUnschedulable is podMaxInUnschedulablePodsDuration: how long a pod
	// waits in the unschedulable pool before it is tried again anyway.
	maxUnschedulable = 5 * time.Minute
	// leftoverInterval is how often the pool is checked for such pods.
	leftoverInterval = 30 * time.Second
	// backoffWindow is backoffQOrderingWindowDuration: backoff expiries
	// are whole seconds, and the backoff queue is flushed every second.
	backoffWindow = time.Second
)

// Where a queued pod is.
const (
	inFlight = iota
	inActive
	inBackoff
	inErrorBackoff
	inUnschedulable
)

// queuedPod is a pod waiting to be scheduled, as framework.QueuedPodInfo.
type queuedPod struct {
	info               *podInfo
	timestamp          time.Time // when it last entered the queue
	attempts           int
	unschedulableCount int
	errorCount         int
	rejectors          map[string]bool // plugins that rejected it last time
	gate               *Status         // the PreEnqueue verdict that keeps it out
	backoffExpiry      time.Time
	seq                uint64
	index              int
	where              int
}

func (qp *queuedPod) key() string { return qp.info.key }

// queue is the scheduling queue: activeQ ordered by PrioritySort, the
// backoff queues, and the unschedulable pods waiting for a cluster event
// that may help them, as kube-scheduler's PriorityQueue with queueing
// hints and SchedulerPopFromBackoffQ.
type queue struct {
	loop       *loop.Loop
	profile    *profile
	nominator  *nominator
	active     *podHeap
	backoff    *podHeap
	errBackoff *podHeap
	unsched    map[string]*queuedPod
	pods       map[string]*queuedPod // every pod the queue knows, in flight too
	seq        uint64
	start      time.Time
	onWork     func()

	backoffTimer  *clock.Timer
	leftoverTimer *clock.Timer
}

func newQueue(l *loop.Loop, pr *profile) *queue {
	q := &queue{
		loop: l, profile: pr, nominator: newNominator(),
		unsched: map[string]*queuedPod{}, pods: map[string]*queuedPod{}, start: l.Now(),
	}
	q.active = newPodHeap(prioritySort)
	q.backoff = newPodHeap(func(a, b *queuedPod) bool {
		if !a.backoffExpiry.Equal(b.backoffExpiry) {
			return a.backoffExpiry.Before(b.backoffExpiry)
		}
		return prioritySort(a, b)
	})
	q.errBackoff = newPodHeap(func(a, b *queuedPod) bool {
		if !a.backoffExpiry.Equal(b.backoffExpiry) {
			return a.backoffExpiry.Before(b.backoffExpiry)
		}
		return a.seq < b.seq
	})
	return q
}

// prioritySort is the PrioritySort plugin: higher priority first, then
// the earlier timestamp (then arrival, so ties are deterministic).
func prioritySort(a, b *queuedPod) bool {
	if a.info.priority != b.info.priority {
		return a.info.priority > b.info.priority
	}
	if !a.timestamp.Equal(b.timestamp) {
		return a.timestamp.Before(b.timestamp)
	}
	return a.seq < b.seq
}

// hasWork reports whether a pod can be popped.
func (q *queue) hasWork() bool { return q.active.Len() > 0 || q.backoff.Len() > 0 }

// add queues a new unscheduled pod, as PriorityQueue.Add.
func (q *queue) add(p *api.Pod) {
	key := client.KeyOf(p)
	if qp, ok := q.pods[key]; ok {
		q.update(qp.info.pod, p)
		return
	}
	q.seq++
	qp := &queuedPod{info: newPodInfo(p), timestamp: q.loop.Now(), seq: q.seq, index: -1, where: inFlight}
	q.pods[key] = qp
	q.nominator.add(qp.info, p.Status.NominatedNodeName)
	q.moveToActive(qp)
}

// update follows a change of an unscheduled pod, as PriorityQueue.Update:
// in the active or backoff queue it is updated in place; in the
// unschedulable pool the change itself may make it schedulable (its gates
// removed, its tolerations widened).
func (q *queue) update(old, p *api.Pod) {
	qp, ok := q.pods[client.KeyOf(p)]
	if !ok {
		q.add(p)
		return
	}
	qp.info = newPodInfo(p)
	q.nominator.update(old.Status.NominatedNodeName, qp.info)
	switch qp.where {
	case inActive:
		q.active.fix(qp)
	case inBackoff:
		q.backoff.fix(qp)
	case inUnschedulable:
		if s := q.worth(qp, clusterEvent{resource: resUnscheduled, action: podChanges(old, p)}, old, p); s != queueSkip {
			q.requeue(qp, s)
		}
	}
}

// delete forgets a pod that was deleted or bound by someone else.
func (q *queue) delete(key string) {
	qp, ok := q.pods[key]
	if !ok {
		return
	}
	q.detach(qp)
	delete(q.pods, key)
	q.nominator.delete(key)
}

// pop returns the next pod to schedule: the head of activeQ or, when it is
// empty, the head of the backoff queue (SchedulerPopFromBackoffQ).
func (q *queue) pop() (*queuedPod, bool) {
	qp, ok := q.active.pop()
	if !ok {
		qp, ok = q.backoff.pop()
	}
	if !ok {
		return nil, false
	}
	qp.where = inFlight
	qp.attempts++
	qp.backoffExpiry = time.Time{}
	return qp, true
}

// done forgets a pod whose cycle ended for good: it was bound, or it is gone.
func (q *queue) done(key string) {
	if qp, ok := q.pods[key]; ok && qp.where == inFlight {
		delete(q.pods, key)
	}
}

// failed puts back a pod its cycle could not place, as
// AddUnschedulableIfNotPresent: rejected by plugins, it waits in the
// unschedulable pool for an event that may help; failed by an error, it
// backs off and tries again.
func (q *queue) failed(qp *queuedPod, rejectors map[string]bool) {
	if qp.where != inFlight || q.pods[qp.key()] != qp {
		return
	}
	if len(rejectors) == 0 {
		qp.errorCount++
	} else {
		qp.unschedulableCount++
	}
	qp.rejectors = rejectors
	qp.timestamp = q.loop.Now()
	strategy := queueSkip
	if len(rejectors) == 0 {
		strategy = queueAfterBackoff
	}
	q.requeue(qp, strategy)
}

type queueingStrategy int

const (
	queueSkip queueingStrategy = iota
	queueAfterBackoff
)

// moveAll is MoveAllToActiveOrBackoffQueue: each unschedulable pod that
// passes pre (when given) and whose rejecting plugins' hints say the event
// may help moves to the backoff or active queue. Gated pods wait for their
// own update.
func (q *queue) moveAll(ev clusterEvent, old, new any, pre func(*queuedPod) bool) {
	if len(q.unsched) == 0 || !q.interested(ev) {
		return
	}
	for _, key := range slices.Sorted(maps.Keys(q.unsched)) {
		qp := q.unsched[key]
		if qp.gate != nil && qp.gate.Plugin == schedulingGatesName || pre != nil && !pre(qp) {
			continue
		}
		if s := q.worth(qp, ev, old, new); s != queueSkip {
			q.requeue(qp, s)
		}
	}
}

// interested is isEventOfInterest: some plugin registered the event.
func (q *queue) interested(ev clusterEvent) bool {
	if ev.resource == resWildCard {
		return true
	}
	for _, hints := range q.profile.hints {
		for _, h := range hints {
			if h.matches(ev) {
				return true
			}
		}
	}
	return false
}

// worth is isPodWorthRequeuing: a pod rejected by no plugin, or any event
// of the wildcard kind, queues; otherwise a matching hint of one of the
// plugins that rejected it must say so.
func (q *queue) worth(qp *queuedPod, ev clusterEvent, old, new any) queueingStrategy {
	if len(qp.rejectors) == 0 || ev.resource == resWildCard {
		return queueAfterBackoff
	}
	for _, pl := range q.profile.enqueue {
		if !qp.rejectors[pl.Name()] {
			continue
		}
		for _, h := range q.profile.hints[pl.Name()] {
			if h.matches(ev) && (h.hint == nil || h.hint(qp.info.pod, old, new)) {
				return queueAfterBackoff
			}
		}
	}
	return queueSkip
}

// requeue is requeuePodWithQueueingStrategy. (Upstream's third strategy,
// queueImmediately, is for plugins that say Pending; none here do.)
func (q *queue) requeue(qp *queuedPod, s queueingStrategy) {
	switch {
	case s == queueSkip:
		q.toUnschedulable(qp)
	case s == queueAfterBackoff && q.backingOff(qp):
		q.toBackoff(qp)
	default:
		q.moveToActive(qp)
	}
}

// preEnqueue runs the PreEnqueue plugins; it reports whether the pod may
// be queued.
func (q *queue) preEnqueue(qp *queuedPod) bool {
	qp.gate = nil
	for _, pl := range q.profile.preEnqueue {
		if st := pl.PreEnqueue(qp.info.pod); !st.IsSuccess() {
			qp.gate = st.withPlugin(pl.Name())
			qp.rejectors = map[string]bool{pl.Name(): true}
			return false
		}
	}
	return true
}

func (q *queue) moveToActive(qp *queuedPod) {
	if !q.preEnqueue(qp) {
		q.toUnschedulable(qp)
		return
	}
	q.detach(qp)
	qp.where = inActive
	q.active.add(qp)
	q.notify()
}

func (q *queue) toBackoff(qp *queuedPod) {
	if !q.preEnqueue(qp) {
		q.toUnschedulable(qp)
		return
	}
	q.detach(qp)
	qp.backoffExpiry = q.expiry(qp)
	if len(qp.rejectors) == 0 {
		qp.where = inErrorBackoff
		q.errBackoff.add(qp)
	} else {
		qp.where = inBackoff
		q.backoff.add(qp)
	}
	q.armBackoff()
	q.notify()
}

func (q *queue) toUnschedulable(qp *queuedPod) {
	q.detach(qp)
	qp.where = inUnschedulable
	q.unsched[qp.key()] = qp
	q.armLeftover()
}

// detach takes a pod out of whichever queue holds it.
func (q *queue) detach(qp *queuedPod) {
	switch qp.where {
	case inActive:
		q.active.remove(qp)
	case inBackoff:
		q.backoff.remove(qp)
	case inErrorBackoff:
		q.errBackoff.remove(qp)
	case inUnschedulable:
		delete(q.unsched, qp.key())
	}
	qp.where = inFlight
}

func (q *queue) notify() {
	if q.onWork != nil {
		q.onWork()
	}
}

// expiry is getBackoffTime: 1 s doubled per failure up to 10 s, counted
// from the last failure and truncated to the ordering window.
func (q *queue) expiry(qp *queuedPod) time.Time {
	if qp.attempts == 0 {
		return time.Time{}
	}
	n := qp.unschedulableCount
	if len(qp.rejectors) == 0 {
		n = qp.errorCount
	}
	d := initialBackoff
	for i := 1; i < n; i++ {
		if d > maxBackoff-d {
			d = maxBackoff
			break
		}
		d += d
	}
	return qp.timestamp.Add(d).Truncate(backoffWindow)
}

// backingOff is isPodBackingoff: the expiry's window has not passed yet.
func (q *queue) backingOff(qp *queuedPod) bool {
	return !q.expiry(qp).Before(q.loop.Now().Truncate(backoffWindow))
}

// armBackoff sets the flush for the second after the earliest expiry, as
// the queue's one-second ticker would find it.
func (q *queue) armBackoff() {
	var next time.Time
	for _, h := range []*podHeap{q.backoff, q.errBackoff} {
		if qp, ok := h.peek(); ok && (next.IsZero() || qp.backoffExpiry.Before(next)) {
			next = qp.backoffExpiry
		}
	}
	if next.IsZero() {
		return
	}
	at := next.Add(backoffWindow)
	if q.backoffTimer != nil && !q.backoffTimer.When().After(at) {
		return
	}
	if q.backoffTimer != nil {
		q.backoffTimer.Stop()
	}
	q.backoffTimer = q.loop.Clock().At(at, q.flushBackoff)
}

// flushBackoff moves the pods whose backoff is over to activeQ.
func (q *queue) flushBackoff() {
	q.backoffTimer = nil
	for _, h := range []*podHeap{q.backoff, q.errBackoff} {
		for {
			qp, ok := h.peek()
			if !ok || q.backingOff(qp) {
				break
			}
			q.moveToActive(qp)
		}
	}
	q.armBackoff()
}

// armLeftover sets the check, on the 30-second ticks since the scheduler
// started, that will find the oldest pool member past five minutes.
func (q *queue) armLeftover() {
	if q.leftoverTimer != nil {
		return
	}
	var oldest time.Time
	for _, qp := range q.unsched {
		if qp.gate == nil && (oldest.IsZero() || qp.timestamp.Before(oldest)) {
			oldest = qp.timestamp
		}
	}
	if oldest.IsZero() {
		return
	}
	ticks := oldest.Add(maxUnschedulable).Sub(q.start)/leftoverInterval + 1
	q.leftoverTimer = q.loop.Clock().At(q.start.Add(ticks*leftoverInterval), q.flushLeftover)
}

// flushLeftover is flushUnschedulablePodsLeftover.
func (q *queue) flushLeftover() {
	q.leftoverTimer = nil
	now := q.loop.Now()
	q.moveAll(unschedulableTimeout, nil, nil, func(qp *queuedPod) bool {
		return now.Sub(qp.timestamp) > maxUnschedulable
	})
	q.armLeftover()
}
