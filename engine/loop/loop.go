// Package loop is the cluster's one event loop.
//
// Every component of the cluster runs as tasks of a Loop: watch deliveries,
// reconciles, kubelet syncs and container slices. Exactly one task runs at a
// time and tasks run in the order they were posted, so a run is a pure
// function of its inputs and its seed. Time is the loop's virtual clock: the
// driver (a test, the native shell, the browser's pacing timer) decides how
// far it may advance.
package loop

import (
	"sync"
	"time"

	"github.com/kubeplay/kubeplay/engine/clock"
)

// Loop runs tasks and timers on a virtual clock.
type Loop struct {
	clock *clock.Clock

	mu    sync.Mutex // guards the fields below: Post may come from a host goroutine
	tasks []task
	// tasksStart is the start of tasks' array, which an empty queue goes
	// back to (unless a burst made it larger than maxKeptTasks).
	tasksStart []task
	idle       []func() // tasks that wait until nothing else is due now
	next       []func() // idle tasks to run before those in idle, last first
	holds      int
	notify     func()
	posted     uint64 // tasks posted, other than aside ones

	// The events run at the current instant (see Events); only tasks run
	// them, so these need no lock.
	instant time.Time
	events  int
	steps   uint64
}

// task is a posted task; an aside task is an observer's (see PostAside).
type task struct {
	f     func()
	aside bool
}

// New returns a loop whose clock starts at start.
func New(start time.Time) *Loop {
	return &Loop{clock: clock.New(start)}
}

// Clock returns the loop's virtual clock. Only tasks may use it.
func (l *Loop) Clock() *clock.Clock { return l.clock }

// Now returns the current virtual instant.
func (l *Loop) Now() time.Time { return l.clock.Now() }

// After runs f as a task once the clock reaches now+d.
func (l *Loop) After(d time.Duration, f func()) *clock.Timer {
	return l.clock.AfterFunc(d, f)
}

// Every runs f every d of virtual time, the first time d from now, until
// the returned stop is called; a component's periodic work (a kubelet's
// heartbeat, a controller's monitor pass) is a chain of such timers.
func (l *Loop) Every(d time.Duration, f func()) (stop func()) {
	stopped := false
	var t *clock.Timer
	var tick func()
	tick = func() {
		if stopped {
			return
		}
		f()
		if !stopped {
			t = l.After(d, tick)
		}
	}
	t = l.After(d, tick)
	return func() {
		stopped = true
		t.Stop()
	}
}

// OnPost sets a function called whenever a task is posted, so that a driver
// that sleeps between bursts of work can wake up.
func (l *Loop) OnPost(f func()) {
	l.mu.Lock()
	l.notify = f
	l.mu.Unlock()
}

// Post queues f to run after the tasks already queued.
func (l *Loop) Post(f func()) { l.post(task{f: f}) }

// PostAside queues f as Post does, as an observer's task: one that reads
// the cluster and changes nothing in it (a watch of the page's cluster
// view, a scenario's check). It runs in order with the others but is not
// one of the instant's events (Events): a journal's positions count the
// cluster's own events, which a replay without those observers runs too.
func (l *Loop) PostAside(f func()) { l.post(task{f: f, aside: true}) }

func (l *Loop) post(t task) {
	l.mu.Lock()
	was := cap(l.tasks)
	l.tasks = append(l.tasks, t)
	if cap(l.tasks) != was {
		l.tasksStart = l.tasks[:0] // a new array: its start
	}
	if !t.aside {
		l.posted++
	}
	notify := l.notify
	l.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// PostIdle queues f to run once no task and no timer is due at the current
// instant: after the watch deliveries, bindings and container slices that
// the instant holds. Work queues post their reconciles here, so a key that
// many events touch within one instant is reconciled once, over all of
// them, as a controller's work queue folds the events that arrive while it
// is busy. Idle tasks run in the order they were posted, one per Step.
func (l *Loop) PostIdle(f func()) {
	l.mu.Lock()
	l.idle = append(l.idle, f)
	l.posted++
	notify := l.notify
	l.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// PostIdleNext queues f to run as the next idle task, before those
// already waiting: a work queue that has more keys goes on with them, so
// that it drains before the next queue's turn, each key still seeing the
// events the one before it caused.
func (l *Loop) PostIdleNext(f func()) {
	l.mu.Lock()
	l.next = append(l.next, f)
	l.posted++
	notify := l.notify
	l.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// Hold stops virtual time from advancing until the returned release is
// called. The host holds the clock while it does work whose result the
// cluster will observe at a later instant (fetching an image over the
// network, say): time waits for the work, so the history does not depend on
// how fast the host is. Release may be called from any goroutine, once.
func (l *Loop) Hold() (release func()) {
	l.mu.Lock()
	l.holds++
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.holds--
			notify := l.notify
			l.mu.Unlock()
			if notify != nil {
				notify()
			}
		})
	}
}

// Held reports whether some host work holds the clock.
func (l *Loop) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holds > 0
}

// Step runs one unit of work due now: the oldest task, or else the earliest
// due timer, or else the oldest idle task. It reports whether it ran
// anything.
func (l *Loop) Step() bool {
	if t, ok := l.popTask(); ok {
		if !t.aside {
			l.count()
		}
		t.f()
		return true
	}
	if f := l.clock.PopDue(); f != nil {
		l.count()
		f()
		return true
	}
	if f := l.popIdle(); f != nil {
		l.count()
		f()
		return true
	}
	return false
}

// count notes one event of the current instant.
func (l *Loop) count() {
	if now := l.clock.Now(); !now.Equal(l.instant) {
		l.instant, l.events = now, 0
	}
	l.events++
	l.steps++
}

// Events returns how many events (steps other than aside tasks) have run
// at the current instant. With the instant, it is a position in the
// cluster's history that a driver may stop at and a replay can reach
// again (RunTo): the same seed and inputs run the same events in the same
// order.
func (l *Loop) Events() int {
	if !l.clock.Now().Equal(l.instant) {
		return 0
	}
	return l.events
}

// Posted returns how many tasks have been posted (aside tasks aside).
func (l *Loop) Posted() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.posted
}

// Steps returns how many events have run since the loop started.
func (l *Loop) Steps() uint64 { return l.steps }

// Due reports whether work is due at the current instant: it has not
// reached its end.
func (l *Loop) Due() bool {
	l.mu.Lock()
	n := len(l.tasks) + len(l.idle) + len(l.next)
	l.mu.Unlock()
	if n > 0 {
		return true
	}
	next, ok := l.clock.Next()
	return ok && !next.After(l.clock.Now())
}

func (l *Loop) popIdle() func() {
	l.mu.Lock()
	if n := len(l.next); n > 0 {
		f := l.next[n-1]
		l.next[n-1] = nil
		l.next = l.next[:n-1]
		l.mu.Unlock()
		return f
	}
	l.mu.Unlock()
	return pop(&l.mu, &l.idle)
}

// maxKeptTasks is the largest array of tasks an empty queue keeps.
const maxKeptTasks = 1024

func (l *Loop) popTask() (task, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.tasks) == 0 {
		return task{}, false
	}
	t := l.tasks[0]
	l.tasks[0] = task{}
	l.tasks = l.tasks[1:]
	if len(l.tasks) == 0 {
		// Empty: the next posts fill the array from its start again,
		// where the queue, moved along it, made a new array every few;
		// an array a burst made large is let go.
		if cap(l.tasksStart) > maxKeptTasks {
			l.tasksStart = nil
		}
		l.tasks = l.tasksStart
	}
	return t, true
}

func pop(mu *sync.Mutex, list *[]func()) func() {
	mu.Lock()
	defer mu.Unlock()
	if len(*list) == 0 {
		return nil
	}
	f := (*list)[0]
	(*list)[0] = nil
	*list = (*list)[1:]
	return f
}

// RunUntilIdle runs work until nothing is due at the current instant and
// returns how many steps it took.
func (l *Loop) RunUntilIdle() int {
	n := 0
	for l.Step() {
		n++
	}
	return n
}

// AdvanceTo runs the cluster forward to virtual time t: it runs what is due,
// moves the clock to each timer in turn, and finally to t itself. It stops
// early, and returns false, when host work holds the clock.
func (l *Loop) AdvanceTo(t time.Time) bool {
	for {
		l.RunUntilIdle()
		if l.Held() {
			return false
		}
		next, ok := l.clock.Next()
		if !ok || next.After(t) {
			break
		}
		l.clock.Set(next)
	}
	l.clock.Set(t)
	l.RunUntilIdle()
	return true
}

// RunTo runs the cluster to a position in its history: every instant
// before at to its end, then the instant at until done holds (nil: to
// its end). A replay reaches a journal's position with it (done counting
// Events). It returns false, and stops, when the loop is already past
// at, or host work holds the clock before at.
func (l *Loop) RunTo(at time.Time, done func() bool) bool {
	if at.Before(l.clock.Now()) {
		return false
	}
	for at.After(l.clock.Now()) {
		l.RunUntilIdle()
		if l.Held() {
			return false
		}
		next, ok := l.clock.Next()
		if !ok || !next.Before(at) {
			l.clock.Set(at)
			break
		}
		l.clock.Set(next)
	}
	if done == nil {
		l.RunUntilIdle()
		return true
	}
	for !done() && l.Step() {
	}
	return true
}

// AdvanceBy is AdvanceTo(Now()+d).
func (l *Loop) AdvanceBy(d time.Duration) bool {
	return l.AdvanceTo(l.clock.Now().Add(d))
}

// RunUntil advances timer by timer until cond holds or the clock would pass
// limit. It reports whether cond held.
func (l *Loop) RunUntil(cond func() bool, limit time.Time) bool {
	for {
		l.RunUntilIdle()
		if cond() {
			return true
		}
		if l.Held() {
			return false
		}
		next, ok := l.clock.Next()
		if !ok || next.After(limit) {
			return false
		}
		l.clock.Set(next)
	}
}
