package session

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// Pacer moves virtual time with a wall clock, times a speed factor, the
// way the browser runs the cluster. It never lets virtual time run ahead
// of the work: a slow step makes virtual time slow down instead, so what
// happens in the cluster does not depend on how fast the host is.
type Pacer struct {
	s       *Session
	now     func() time.Time // the wall clock, from the host
	speed   float64
	wall    time.Time // wall time at the last step
	maxStep time.Duration
	// budget is how much wall time one step may take: past it, the step
	// stops at the virtual instant it reached, so guests that compute slow
	// virtual time down instead of holding the host's thread.
	budget time.Duration

	saved time.Time // wall time at the last save at Max

	mu    sync.Mutex // guards waits
	waits []*pacedWait
	err   error
}

type pacedWait struct {
	cond     func() bool
	deadline time.Time
	done     chan error
	ctx      context.Context
	marked   bool // the pacer stops at the deadline's instant (next)
}

// maxSaveEvery is how often, in wall time, the cluster is saved while it
// runs at Max.
const maxSaveEvery = 500 * time.Millisecond

// deadlineTimer is the longest wait whose deadline the pacer stops at;
// past it (a watch, an exec: "forever") the wait ends only on its
// condition.
const deadlineTimer = 24 * time.Hour

// Pace ties the session's time to the wall clock now (as the host reads
// it) at the given speed (1 = real time). The host calls Step regularly.
func (s *Session) Pace(now func() time.Time, speed float64) *Pacer {
	p := &Pacer{s: s, now: now, speed: speed, wall: now(), maxStep: 2 * time.Second, budget: 50 * time.Millisecond}
	s.mu.Lock()
	s.waiter = p
	s.mu.Unlock()
	return p
}

// SetSpeed changes the speed; 0 pauses, +Inf is Max (speed.go).
func (p *Pacer) SetSpeed(speed float64) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.speed = speed
}

// Step advances the cluster by the wall time passed since the last step
// (times the speed, and at most maxStep of virtual time) and wakes the
// commands whose wait is over.
func (p *Pacer) Step() {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	wall := p.now()
	if p.s.lineBusy() {
		// A line is running between two of its waits (two kubectl
		// invocations, a pipeline, $(...)): no virtual time passes there,
		// as when a link replays it, or the line would meet the cluster
		// at another instant than the journal says. The wall time spent
		// is not made up afterwards.
		p.wall = wall
		return
	}
	if math.IsInf(p.speed, 1) {
		p.wall = p.runMax(wall)
		// At Max the cluster changes at every step: it is saved at most
		// every maxSaveEvery of wall time (each save is a write to
		// IndexedDB in the browser, a tenth of a scale-up's time when it
		// came at every step), and at once when a line moved on.
		if p.s.journal.dirty || p.wall.Sub(p.saved) >= maxSaveEvery {
			p.err = p.s.save()
			p.saved = p.wall
		}
		return
	}
	d := time.Duration(float64(wall.Sub(p.wall)) * p.speed)
	p.wall = wall
	if d > p.maxStep {
		d = p.maxStep
	}
	p.advance(d)
	p.wake()
	p.err = p.s.save()
}

// advance runs the cluster up to d ahead, timer by timer, until the step
// has taken its budget of wall time, or a waiting line's wait is over:
// the line goes on at that instant, as it does when a link replays it
// (time jumps to the wait's end and no further).
func (p *Pacer) advance(d time.Duration) {
	l := p.s.cluster.Loop()
	start := p.now()
	target := l.Now().Add(max(d, 0))
	for {
		if !p.instant(start, p.budget) {
			return
		}
		if p.wake() > 0 || l.Held() || p.now().Sub(start) > p.budget {
			return
		}
		next, ok := p.next()
		if !ok || next.After(target) {
			break
		}
		l.Clock().Set(next)
	}
	l.Clock().Set(target)
	p.instant(start, p.budget)
}

// checkEvery is how many events the pacer runs between two looks at the
// wall clock.
const checkEvery = 8

// instant runs the current instant on, event by event, until it ends or
// the step has spent its budget of wall time since start; it reports
// whether the instant ended. An instant may hold tens of thousands of
// events (a scale-up's ReplicaSet creating pods, each pod scheduled,
// bound and started): the step stops in its middle, so the host gets its
// thread back within the budget, and a line typed then runs at that
// position, which the journal notes (Entry.Events) and a replay reaches
// again. At least one event runs, so that every step makes progress.
func (p *Pacer) instant(start time.Time, budget time.Duration) bool {
	l := p.s.cluster.Loop()
	for n := 1; l.Step(); n++ {
		if n%checkEvery == 0 && p.now().Sub(start) >= budget {
			return !l.Due()
		}
	}
	return true
}

// next is the next instant the pacer stops at: the next timer's, or a
// waiting line's deadline if it comes first (a wait times out at that
// instant, as in a replay).
func (p *Pacer) next() (time.Time, bool) {
	next, ok := p.s.cluster.Loop().Clock().Next()
	now := p.s.cluster.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.waits {
		if w.marked && w.deadline.After(now) && (!ok || w.deadline.Before(next)) {
			next, ok = w.deadline, true
		}
	}
	return next, ok
}

// Err returns the last error saving the cluster, if any.
func (p *Pacer) Err() error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	return p.err
}

// wake finishes the waits whose condition holds or whose time is up, and
// says how many it finished. A finished wait's line counts as running
// (not waiting) from then on, so no step moves time before it goes on.
// Waits end only at the end of an instant, where a replay's end too
// (jumpWaiter), never in its middle where a step stopped.
func (p *Pacer) wake() int {
	if p.s.cluster.Loop().Due() {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.s.cluster.Now()
	kept := p.waits[:0]
	n := 0
	for _, w := range p.waits {
		switch {
		case w.ctx.Err() != nil:
			w.done <- context.Canceled
		case w.cond():
			w.done <- nil
		case !now.Before(w.deadline):
			w.done <- kubectl.ErrTimeout
		default:
			kept = append(kept, w)
			continue
		}
		p.finish(w)
		n++
	}
	p.waits = kept
	return n
}

// finish ends a wait's count. The caller holds p.mu.
func (p *Pacer) finish(*pacedWait) {
	p.s.waiting.Add(-1)
}

// Wait implements the shell's waiting: the caller holds the session lock,
// which is released while the pacer runs the cluster.
func (p *Pacer) Wait(ctx context.Context, timeout time.Duration, cond func() bool) error {
	if cond() {
		return nil
	}
	w := &pacedWait{cond: cond, deadline: p.s.cluster.Now().Add(timeout), done: make(chan error, 1), ctx: ctx, marked: timeout <= deadlineTimer}
	p.mu.Lock()
	p.waits = append(p.waits, w)
	p.s.waiting.Add(1)
	p.mu.Unlock()
	p.s.mu.Unlock()
	defer p.s.mu.Lock()
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		// Ctrl-C: the wait ends now, unless a step ended it first.
		p.mu.Lock()
		if i := slices.Index(p.waits, w); i >= 0 {
			p.waits = slices.Delete(p.waits, i, i+1)
			p.finish(w)
		}
		p.mu.Unlock()
		return context.Canceled
	}
}
