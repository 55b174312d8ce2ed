package loop

import (
	"time"
)

// Result tells a Queue what to do with a key after a reconcile.
type Result struct {
	// RequeueAfter, when positive, reconciles the key again after this much
	// virtual time.
	RequeueAfter time.Duration
}

// Reconciler moves the object named by key one step toward its desired state.
type Reconciler func(key string) (Result, error)

// Queue is a work queue of keys in the manner of client-go's workqueue: a key
// is held at most once however often it is added, a key being reconciled is
// not reconciled again concurrently, and a failed key is retried with
// per-item exponential backoff (5 ms doubling to 1000 s, as client-go's
// default controller rate limiter). Keys are reconciled one per idle task
// of the loop (PostIdle), first in first out, and a queue with keys left
// goes on with them (PostIdleNext) until it is empty: the events of an
// instant are delivered before the keys they queued are reconciled, so a
// burst of them costs one reconcile of each key it touched, and each key
// still sees what the one before it caused.
type Queue struct {
	loop      *Loop
	reconcile Reconciler

	order     []string
	queued    map[string]bool
	failures  map[string]int
	timers    map[string]*timerRef
	scheduled bool
}

type timerRef struct {
	at   time.Time
	stop func() bool
}

// Backoff bounds, as client-go's DefaultControllerRateLimiter.
const (
	baseBackoff = 5 * time.Millisecond
	maxBackoff  = 1000 * time.Second
)

// NewQueue returns a queue whose keys are reconciled as tasks of l.
func NewQueue(l *Loop, r Reconciler) *Queue {
	return &Queue{
		loop:      l,
		reconcile: r,
		queued:    map[string]bool{},
		failures:  map[string]int{},
		timers:    map[string]*timerRef{},
	}
}

// Add queues key for reconciling, unless it is already queued.
func (q *Queue) Add(key string) {
	if q.queued[key] {
		return
	}
	q.queued[key] = true
	q.order = append(q.order, key)
	q.schedule()
}

// AddAfter queues key once d of virtual time has passed. As client-go's
// delaying queue, a key already waiting keeps the sooner of its two times.
func (q *Queue) AddAfter(key string, d time.Duration) {
	if d <= 0 {
		q.Add(key)
		return
	}
	at := q.loop.Now().Add(d)
	if ref, ok := q.timers[key]; ok {
		if !at.Before(ref.at) {
			return
		}
		ref.stop()
	}
	t := q.loop.After(d, func() {
		delete(q.timers, key)
		q.Add(key)
	})
	q.timers[key] = &timerRef{at: at, stop: t.Stop}
}

// Retry adds key again after the backoff its failures have earned, as a
// reconcile's error does: for work of the key's that failed after its
// reconcile returned (in an event of its own).
func (q *Queue) Retry(key string) {
	q.failures[key]++
	q.AddAfter(key, backoff(q.failures[key]))
}

// Len returns the number of keys waiting.
func (q *Queue) Len() int { return len(q.order) }

func (q *Queue) schedule() {
	if q.scheduled || len(q.order) == 0 {
		return
	}
	q.scheduled = true
	q.loop.PostIdle(q.processOne)
}

// resume goes on with the keys left after a reconcile.
func (q *Queue) resume() {
	if q.scheduled || len(q.order) == 0 {
		return
	}
	q.scheduled = true
	q.loop.PostIdleNext(q.processOne)
}

func (q *Queue) processOne() {
	q.scheduled = false
	if len(q.order) == 0 {
		return
	}
	key := q.order[0]
	q.order = q.order[1:]
	delete(q.queued, key)
	res, err := q.reconcile(key)
	switch {
	case err != nil:
		q.failures[key]++
		q.AddAfter(key, backoff(q.failures[key]))
	case res.RequeueAfter > 0:
		delete(q.failures, key)
		q.AddAfter(key, res.RequeueAfter)
	default:
		delete(q.failures, key)
	}
	q.resume()
}

func backoff(failures int) time.Duration {
	d := baseBackoff
	for i := 1; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	if d > maxBackoff {
		d = maxBackoff
	}
	return d
}
