package loop

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestTasksRunInOrderBeforeTimers(t *testing.T) {
	l := New(epoch)
	var got []string
	l.After(0, func() { got = append(got, "timer") })
	l.Post(func() {
		got = append(got, "a")
		l.Post(func() { got = append(got, "c") })
	})
	l.Post(func() { got = append(got, "b") })
	assert.Equal(t, 4, l.RunUntilIdle())
	assert.Equal(t, []string{"a", "b", "c", "timer"}, got)
}

func TestAdvanceFiresTimersAtTheirInstant(t *testing.T) {
	l := New(epoch)
	var at []time.Duration
	var tick func()
	tick = func() {
		at = append(at, l.Now().Sub(epoch))
		l.After(10*time.Second, tick)
	}
	l.After(10*time.Second, tick)
	require.True(t, l.AdvanceBy(35*time.Second))
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, at)
	assert.Equal(t, epoch.Add(35*time.Second), l.Now())
}

func TestHoldStopsTime(t *testing.T) {
	l := New(epoch)
	fired := false
	l.After(time.Second, func() { fired = true })
	release := l.Hold()
	assert.False(t, l.AdvanceBy(time.Minute))
	assert.False(t, fired)
	assert.Equal(t, epoch, l.Now())
	release()
	release() // twice is harmless
	assert.True(t, l.AdvanceBy(time.Minute))
	assert.True(t, fired)
}

func TestRunUntil(t *testing.T) {
	l := New(epoch)
	n := 0
	var tick func()
	tick = func() { n++; l.After(time.Second, tick) }
	l.After(time.Second, tick)
	assert.True(t, l.RunUntil(func() bool { return n == 5 }, epoch.Add(time.Hour)))
	assert.Equal(t, epoch.Add(5*time.Second), l.Now())
	assert.False(t, l.RunUntil(func() bool { return false }, epoch.Add(10*time.Second)))
	assert.Equal(t, epoch.Add(10*time.Second), l.Now())
}

func TestQueueDeduplicatesAndRetries(t *testing.T) {
	l := New(epoch)
	var calls []string
	fails := 3
	q := NewQueue(l, func(key string) (Result, error) {
		calls = append(calls, key+"@"+l.Now().Sub(epoch).String())
		if key == "flaky" && fails > 0 {
			fails--
			return Result{}, errors.New("boom")
		}
		return Result{}, nil
	})
	q.Add("a")
	q.Add("flaky")
	q.Add("a")
	l.AdvanceBy(time.Second)
	assert.Equal(t, []string{"a@0s", "flaky@0s", "flaky@5ms", "flaky@15ms", "flaky@35ms"}, calls)
}

func TestQueueRequeueAfter(t *testing.T) {
	l := New(epoch)
	n := 0
	q := NewQueue(l, func(string) (Result, error) {
		n++
		if n < 3 {
			return Result{RequeueAfter: time.Minute}, nil
		}
		return Result{}, nil
	})
	q.Add("k")
	l.AdvanceBy(time.Hour)
	assert.Equal(t, 3, n)
}

func TestBackoffIsCapped(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{1, 5 * time.Millisecond},
		{2, 10 * time.Millisecond},
		{10, 2560 * time.Millisecond},
		{40, maxBackoff},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, backoff(tt.failures), "failures=%d", tt.failures)
	}
}

func TestEvery(t *testing.T) {
	l := New(time.Unix(0, 0))
	var at []time.Duration
	var stop func()
	stop = l.Every(10*time.Second, func() {
		at = append(at, l.Now().Sub(time.Unix(0, 0)))
		if len(at) == 3 {
			stop()
		}
	})
	l.AdvanceBy(time.Minute)
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, at)
}

func TestAddAfterKeepsTheSoonerTime(t *testing.T) {
	l := New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var at []time.Duration
	start := l.Now()
	q := NewQueue(l, func(string) (Result, error) {
		at = append(at, l.Now().Sub(start))
		return Result{}, nil
	})
	q.AddAfter("a", 10*time.Second)
	q.AddAfter("a", 30*time.Second) // later: ignored
	q.AddAfter("a", 5*time.Second)  // sooner: wins
	l.AdvanceBy(time.Minute)
	assert.Equal(t, []time.Duration{5 * time.Second}, at)
}

func TestIdleTasksWaitForTasksAndDueTimers(t *testing.T) {
	l := New(epoch)
	var got []string
	l.PostIdle(func() {
		got = append(got, "idle1")
		l.Post(func() { got = append(got, "task from idle1") })
	})
	l.PostIdle(func() { got = append(got, "idle2") })
	l.After(0, func() { got = append(got, "timer") })
	l.Post(func() {
		got = append(got, "task")
		l.PostIdleNext(func() { got = append(got, "next") })
	})
	assert.Equal(t, 6, l.RunUntilIdle())
	assert.Equal(t, []string{"task", "timer", "next", "idle1", "task from idle1", "idle2"}, got)
}

// A key added many times while the events of an instant are delivered is
// reconciled once, after them; a queue with several keys drains before
// the next queue's turn, each key after the events the one before caused.
func TestQueueCoalescesAnInstantsEvents(t *testing.T) {
	l := New(epoch)
	var got []string
	events := 0
	a := NewQueue(l, func(key string) (Result, error) {
		got = append(got, fmt.Sprintf("a:%s after %d events", key, events))
		l.Post(func() { events++ })
		return Result{}, nil
	})
	b := NewQueue(l, func(key string) (Result, error) {
		got = append(got, "b:"+key)
		return Result{}, nil
	})
	for range 3 {
		l.Post(func() {
			events++
			a.Add("x")
			b.Add("y")
			a.Add("z")
		})
	}
	l.RunUntilIdle()
	assert.Equal(t, []string{"a:x after 3 events", "a:z after 4 events", "b:y"}, got)
}

// Events counts the events of the current instant (aside tasks are not
// among them), Due says whether the instant has more, and RunTo reaches a
// position (an instant and a count of its events) again.
func TestEventsAndRunTo(t *testing.T) {
	build := func() (*Loop, *[]string) {
		l := New(epoch)
		var got []string
		l.After(time.Second, func() {
			for i := range 5 {
				l.Post(func() { got = append(got, fmt.Sprint("t", i)) })
			}
			l.PostAside(func() { got = append(got, "aside") })
			l.PostIdle(func() { got = append(got, "idle") })
		})
		l.After(2*time.Second, func() { got = append(got, "later") })
		return l, &got
	}
	l, got := build()
	assert.False(t, l.Due())
	assert.Equal(t, 0, l.Events())
	require.True(t, l.RunTo(epoch.Add(time.Second), func() bool { return l.Events() >= 3 }))
	assert.Equal(t, epoch.Add(time.Second), l.Now())
	assert.Equal(t, 3, l.Events(), "the timer and two tasks")
	assert.True(t, l.Due())
	assert.Equal(t, []string{"t0", "t1"}, *got)

	l.RunUntilIdle()
	assert.Equal(t, 7, l.Events(), "the timer, five tasks and the idle task; not the aside task")
	assert.False(t, l.Due())
	assert.Equal(t, []string{"t0", "t1", "t2", "t3", "t4", "aside", "idle"}, *got)

	assert.False(t, l.RunTo(epoch, nil), "the loop is past it")
	require.True(t, l.RunTo(epoch.Add(3*time.Second), nil))
	assert.Equal(t, 0, l.Events(), "a new instant with nothing in it")
	assert.Contains(t, *got, "later")

	// A position reached at once or by stops on the way is the same
	// history.
	a, gotA := build()
	b, gotB := build()
	a.RunTo(epoch.Add(time.Second), func() bool { return a.Events() >= 5 })
	b.RunTo(epoch.Add(500*time.Millisecond), nil)
	b.RunTo(epoch.Add(time.Second), func() bool { return b.Events() >= 2 })
	b.RunTo(epoch.Add(time.Second), func() bool { return b.Events() >= 5 })
	assert.Equal(t, *gotA, *gotB)
	assert.Equal(t, 5, b.Events())
	assert.Equal(t, a.Steps(), b.Steps())
}

// Posted counts posted tasks, aside ones aside.
func TestPosted(t *testing.T) {
	l := New(epoch)
	l.Post(func() {})
	l.PostIdle(func() {})
	l.PostIdleNext(func() {})
	l.PostAside(func() {})
	assert.Equal(t, uint64(3), l.Posted())
	assert.Equal(t, 4, l.RunUntilIdle())
	assert.Equal(t, uint64(3), l.Steps())
}
