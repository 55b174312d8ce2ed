package controller

import "github.com/kubeplay/kubeplay/engine/loop"

// CreateChunk is how many pods one event of the cluster creates (or
// deletes) for a sync. Upstream's syncs create their slow-start batches
// from goroutines, and the cluster goes on meanwhile; here a sync is one
// event of the loop, and 500 creates in one event held the browser's
// worker for 0.2 to 0.5 s during a scale-up (the terminal waited for it),
// 250 a DaemonSet's pods for 1,000 joining nodes 0.29 s. So a sync
// creates its first CreateChunk pods and the rest in the events that
// follow, still in slow-start batches, and the pods' own events (their
// scheduling, the informers) interleave, as they would upstream. Counted
// in pods, not in time, so the history does not depend on the host.
const CreateChunk = 64

// InEvents runs step, a chunk of a sync's work, now and then in the
// events that follow (PostIdleNext) until it reports the work done. The
// error of work done at once is the sync's (end's); when work that went
// on in later events ends with an error, retry is called (the queue's
// Retry: the key again with the queue's backoff, as the sync's error
// would have it).
func InEvents(l *loop.Loop, step func() bool, end func() error, retry func()) error {
	if step() {
		return end()
	}
	var more func()
	more = func() {
		if !step() {
			l.PostIdleNext(more)
			return
		}
		if end() != nil {
			retry()
		}
	}
	l.PostIdleNext(more)
	return nil
}

// SlowStart is upstream's slowStartBatch (calls in batches of 1, 2, 4,
// ..., stopping after the first batch with a failure, so that a
// systematic failure costs a request or two rather than count) that can
// stop between two calls and go on later (Run).
type SlowStart struct {
	batch, left int // the current batch's size; the calls left, this batch's included
	made        int // the calls made of the current batch
	calls       int
	successes   int
	first       error
}

// NewSlowStart starts a slow start of count calls.
func NewSlowStart(count int) *SlowStart {
	return &SlowStart{batch: min(count, 1), left: count}
}

// Run makes at most limit more calls (any number for a negative limit)
// and reports whether the whole run is over: every call made, or a batch
// ended with a failure.
func (b *SlowStart) Run(limit int, fn func() error) bool {
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
		b.calls++
		calls++
	}
	return true
}

// Calls is how many calls were made so far.
func (b *SlowStart) Calls() int { return b.calls }

// Successes is how many calls succeeded so far.
func (b *SlowStart) Successes() int { return b.successes }

// Err is the first call's error, if one failed.
func (b *SlowStart) Err() error { return b.first }
