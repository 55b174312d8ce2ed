package nodelifecycle

import (
	"math"
	"time"
)

// tokenBucket is client-go's token bucket rate limiter on the virtual
// clock: qps tokens a second, at most burst saved up, full at the start.
// A zero qps never lets anything through (flowcontrol's fake "never"
// limiter, which the controller swaps in to stop evictions).
type tokenBucket struct {
	qps    float64
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(qps float64, burst int, now time.Time) *tokenBucket {
	return &tokenBucket{qps: qps, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *tokenBucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+b.qps*now.Sub(b.last).Seconds())
		b.last = now
	}
}

// tryAccept takes a token if one is there.
func (b *tokenBucket) tryAccept(now time.Time) bool {
	if b.qps <= 0 {
		return false
	}
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// nextToken is when the next token will be there; ok is false for a
// bucket that never fills.
func (b *tokenBucket) nextToken(now time.Time) (time.Time, bool) {
	if b.qps <= 0 {
		return time.Time{}, false
	}
	b.refill(now)
	if b.tokens >= 1 {
		return now, true
	}
	wait := time.Duration((1 - b.tokens) / b.qps * float64(time.Second))
	return now.Add(wait).Truncate(time.Millisecond).Add(time.Millisecond), true
}

// timedValue is a node waiting in a zone's queue to be tainted.
type timedValue struct {
	node      string
	uid       string
	addedAt   time.Time
	processAt time.Time
}

// rateLimitedQueue is upstream's RateLimitedTimedQueue: the nodes of one
// zone waiting for their NoExecute taint, let through by a token bucket,
// in the order they came. A node once handled stays in the queue's set,
// so that adding it again does nothing until it is removed.
type rateLimitedQueue struct {
	limiter *tokenBucket
	items   []timedValue
	set     map[string]bool
}

func newRateLimitedQueue(limiter *tokenBucket) *rateLimitedQueue {
	return &rateLimitedQueue{limiter: limiter, set: map[string]bool{}}
}

// add queues a node unless it is in the set already.
func (q *rateLimitedQueue) add(node, uid string, now time.Time) bool {
	if q.set[node] {
		return false
	}
	q.set[node] = true
	q.items = append(q.items, timedValue{node: node, uid: uid, addedAt: now, processAt: now})
	return true
}

// remove drops a node from the queue and its set and reports whether it
// was there.
func (q *rateLimitedQueue) remove(node string) bool {
	had := q.set[node]
	delete(q.set, node)
	for i, v := range q.items {
		if v.node == node {
			q.items = append(q.items[:i], q.items[i+1:]...)
			return true
		}
	}
	return had
}

// try hands the nodes to f in order while the limiter lets them through.
// f reports whether it is done with a node or, if not, how long to wait
// before the node's next try.
func (q *rateLimitedQueue) try(now time.Time, f func(timedValue) (bool, time.Duration)) {
	for len(q.items) > 0 {
		v := q.items[0]
		if now.Before(v.processAt) || !q.limiter.tryAccept(now) {
			return
		}
		q.items = q.items[1:]
		if ok, wait := f(v); !ok {
			v.processAt = now.Add(wait + 1)
			q.items = append(q.items, v)
		}
	}
}

// next is when the queue will next have work it may do.
func (q *rateLimitedQueue) next(now time.Time) (time.Time, bool) {
	if len(q.items) == 0 {
		return time.Time{}, false
	}
	at, ok := q.limiter.nextToken(now)
	if !ok {
		return time.Time{}, false
	}
	if p := q.items[0].processAt; p.After(at) {
		at = p
	}
	return at, true
}

// swapLimiter changes the queue's rate, as SwapLimiter does: a new bucket
// starts drained when the old one was, so that a rate change does not
// let an extra node through.
func (q *rateLimitedQueue) swapLimiter(qps float64, now time.Time) {
	if q.limiter.qps == qps {
		return
	}
	fresh := newTokenBucket(qps, evictionRateLimiterBurst, now)
	if qps > 0 && !q.limiter.tryAccept(now) {
		fresh.tryAccept(now)
	}
	q.limiter = fresh
}
