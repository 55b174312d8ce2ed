package apiserver

import (
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The API server's housekeeping, with kube-apiserver's defaults.
const (
	// compactionInterval is --etcd-compaction-interval: every five
	// minutes the store forgets history older than the last tick's
	// revision, and watches from before it get 410 Gone.
	compactionInterval = 5 * time.Minute
	// eventTTL is --event-ttl: events expire an hour after their last update.
	eventTTL      = time.Hour
	eventSweepGap = time.Minute
)

// StartHousekeeping begins compacting the store and expiring events.
func (s *Server) StartHousekeeping() {
	last := s.store.Revision()
	var compact func()
	compact = func() {
		s.store.Compact(last)
		last = s.store.Revision()
		s.loop.After(compactionInterval, compact)
	}
	s.loop.After(compactionInterval, compact)
	var sweep func()
	sweep = func() {
		s.expireEvents()
		s.loop.After(eventSweepGap, sweep)
	}
	s.loop.After(eventSweepGap, sweep)
}

// expireEvents deletes the events not updated for an hour.
func (s *Server) expireEvents() {
	r := resourceOf("events")
	l, err := s.List(r, "", ListOptions{})
	if err != nil {
		return
	}
	cutoff := s.Now().Add(-eventTTL)
	for _, o := range l.Items {
		if lastSeen(o.(*api.Event)).Before(cutoff) {
			m := o.GetObjectMeta()
			_, _ = s.Delete(r, m.Namespace, m.Name, DeleteOptions{})
		}
	}
}

// lastSeen is when an event was last recorded.
func lastSeen(e *api.Event) time.Time {
	t := e.CreationTimestamp.Time
	for _, c := range []time.Time{e.LastTimestamp.Time, e.EventTime.Time} {
		if c.After(t) {
			t = c
		}
	}
	if e.Series != nil && e.Series.LastObservedTime.After(t) {
		t = e.Series.LastObservedTime.Time
	}
	return t
}
