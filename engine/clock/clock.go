// Package clock is the cluster's virtual time.
//
// Nothing in the engine reads the wall clock. Time only moves when the owner
// of a Clock sets it forward, and timers fire only when the owner asks for the
// due ones. This is what makes a run reproducible: the same inputs at the same
// virtual instants give the same history, however fast the host is.
package clock

import (
	"container/heap"
	"time"
)

// Clock holds the current virtual instant and the pending timers.
// It is not safe for concurrent use; the event loop owns it.
type Clock struct {
	now    time.Time
	timers timerHeap
	seq    uint64
}

// Timer is a pending call at a virtual instant.
type Timer struct {
	when  time.Time
	seq   uint64
	f     func()
	index int // position in the heap; -1 once fired or stopped
	c     *Clock
}

// New returns a clock that reads start.
func New(start time.Time) *Clock {
	return &Clock{now: start.UTC()}
}

// Now returns the current virtual instant.
func (c *Clock) Now() time.Time { return c.now }

// Since returns the virtual time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.now.Sub(t) }

// AfterFunc arranges for f to be called once the clock reaches now+d.
func (c *Clock) AfterFunc(d time.Duration, f func()) *Timer {
	return c.At(c.now.Add(d), f)
}

// At arranges for f to be called once the clock reaches t. A time in the past
// is due at once. Timers due at the same instant fire in the order they were set.
func (c *Clock) At(t time.Time, f func()) *Timer {
	if t.Before(c.now) {
		t = c.now
	}
	c.seq++
	tm := &Timer{when: t, seq: c.seq, f: f, c: c}
	heap.Push(&c.timers, tm)
	return tm
}

// When returns the instant the timer is set for.
func (t *Timer) When() time.Time { return t.when }

// Stop cancels the timer. It reports whether the timer was still pending.
func (t *Timer) Stop() bool {
	if t == nil || t.index < 0 {
		return false
	}
	heap.Remove(&t.c.timers, t.index)
	return true
}

// Next returns the instant of the earliest pending timer.
func (c *Clock) Next() (time.Time, bool) {
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].when, true
}

// Pending returns the number of pending timers.
func (c *Clock) Pending() int { return len(c.timers) }

// PopDue removes the earliest timer that is due at the current instant and
// returns its function, or nil when none is due.
func (c *Clock) PopDue() func() {
	if len(c.timers) == 0 || c.timers[0].when.After(c.now) {
		return nil
	}
	tm := heap.Pop(&c.timers).(*Timer)
	return tm.f
}

// Set moves the clock to t. Time never goes backwards: an earlier t is ignored.
func (c *Clock) Set(t time.Time) {
	if t.After(c.now) {
		c.now = t
	}
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
