package scheduler

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Backoff of a pod that failed to schedule, as kube-scheduler's defaults.
const (
	initialBackoff = time.Second
	maxBackoff     = 10 * time.Second
	// maxUnschedulable is how long a pod waits in the unschedulable pool
	// before it is tried again even if nothing changed.
	maxUnschedulable = 5 * time.Minute
	flushInterval    = 30 * time.Second
)

type queuedPod struct {
	key       string
	priority  int32
	timestamp time.Time // when it entered the active queue
	attempts  int
	since     time.Time // when it became unschedulable
}

// queue is the scheduling queue: active pods ordered by priority then age, pods
// backing off after a failed attempt, and unschedulable pods waiting for the
// cluster to change.
type queue struct {
	loop          *loop.Loop
	active        []*queuedPod
	backoff       map[string]*queuedPod
	unschedulable map[string]*queuedPod
	known         map[string]*queuedPod
	activeHook    func()
}

func newQueue(l *loop.Loop) *queue {
	return &queue{loop: l, backoff: map[string]*queuedPod{}, unschedulable: map[string]*queuedPod{}, known: map[string]*queuedPod{}}
}

// add puts a pod in the active queue, unless it is already queued somewhere.
func (q *queue) add(key string, p *api.Pod) {
	if qp, ok := q.known[key]; ok {
		qp.priority = api.Deref(p.Spec.Priority, 0)
		return
	}
	qp := &queuedPod{key: key, priority: api.Deref(p.Spec.Priority, 0), timestamp: q.loop.Now()}
	q.known[key] = qp
	q.pushActive(qp)
}

func (q *queue) pushActive(qp *queuedPod) {
	qp.timestamp = q.loop.Now()
	q.active = append(q.active, qp)
	sort.SliceStable(q.active, func(i, j int) bool {
		if q.active[i].priority != q.active[j].priority {
			return q.active[i].priority > q.active[j].priority
		}
		return q.active[i].timestamp.Before(q.active[j].timestamp)
	})
}

// pop returns the next pod to schedule.
func (q *queue) pop() (*queuedPod, bool) {
	if len(q.active) == 0 {
		return nil, false
	}
	qp := q.active[0]
	q.active = q.active[1:]
	return qp, true
}

// forget drops a pod from every pool (it was bound or deleted).
func (q *queue) forget(key string) {
	qp, ok := q.known[key]
	if !ok {
		return
	}
	delete(q.known, key)
	delete(q.backoff, key)
	delete(q.unschedulable, key)
	for i, a := range q.active {
		if a == qp {
			q.active = append(q.active[:i], q.active[i+1:]...)
			break
		}
	}
}

// failed parks a pod that could not be scheduled.
func (q *queue) failed(qp *queuedPod) {
	qp.attempts++
	qp.since = q.loop.Now()
	q.unschedulable[qp.key] = qp
}

// retry puts a pod back after its backoff, for an error that was not about fit.
func (q *queue) retry(qp *queuedPod) {
	qp.attempts++
	q.toBackoff(qp)
}

func (q *queue) backoffOf(qp *queuedPod) time.Duration {
	d := initialBackoff
	for i := 1; i < qp.attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

func (q *queue) toBackoff(qp *queuedPod) {
	q.backoff[qp.key] = qp
	q.loop.After(q.backoffOf(qp), func() {
		if q.backoff[qp.key] == qp {
			delete(q.backoff, qp.key)
			q.pushActive(qp)
			q.onActive()
		}
	})
}

// moveAll is called when the cluster changed in a way that may let
// unschedulable pods fit: they go back through their backoff.
func (q *queue) moveAll() {
	for _, key := range slices.Sorted(maps.Keys(q.unschedulable)) {
		qp := q.unschedulable[key]
		delete(q.unschedulable, key)
		q.toBackoff(qp)
	}
}

// flush retries pods that have been unschedulable for too long.
func (q *queue) flush() {
	now := q.loop.Now()
	for _, key := range slices.Sorted(maps.Keys(q.unschedulable)) {
		qp := q.unschedulable[key]
		if now.Sub(qp.since) >= maxUnschedulable {
			delete(q.unschedulable, key)
			q.pushActive(qp)
		}
	}
}

// onActive tells the scheduler that pods became active.
func (q *queue) onActive() {
	if q.activeHook != nil {
		q.activeHook()
	}
}
