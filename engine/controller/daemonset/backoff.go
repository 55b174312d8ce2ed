package daemonset

import "time"

// backoff is client-go's flowcontrol.Backoff without jitter: per key, a
// delay that starts at initial and doubles up to max at each next, and is
// forgotten once twice max has passed since the last.
type backoff struct {
	initial, max time.Duration
	entries      map[string]*backoffEntry
}

type backoffEntry struct {
	delay      time.Duration
	lastUpdate time.Time
}

func newBackoff(initial, max time.Duration) *backoff {
	return &backoff{initial: initial, max: max, entries: map[string]*backoffEntry{}}
}

func (b *backoff) expired(e *backoffEntry, now time.Time) bool {
	return now.Sub(e.lastUpdate) > 2*b.max
}

// next moves key's delay on and stamps it now.
func (b *backoff) next(key string, now time.Time) {
	e, ok := b.entries[key]
	switch {
	case !ok || b.expired(e, now):
		e = &backoffEntry{delay: b.initial}
		b.entries[key] = e
	default:
		e.delay = min(2*e.delay, b.max)
	}
	e.lastUpdate = now
	b.gc(now)
}

// inBackoff reports whether key's delay since its last update has not
// passed yet (IsInBackOffSinceUpdate).
func (b *backoff) inBackoff(key string, now time.Time) bool {
	e, ok := b.entries[key]
	return ok && !b.expired(e, now) && now.Sub(e.lastUpdate) < e.delay
}

// get returns key's current delay.
func (b *backoff) get(key string) time.Duration {
	if e, ok := b.entries[key]; ok {
		return e.delay
	}
	return 0
}

// gc forgets expired keys, as the controller's periodic backoff GC does.
func (b *backoff) gc(now time.Time) {
	for k, e := range b.entries {
		if b.expired(e, now) {
			delete(b.entries, k)
		}
	}
}
