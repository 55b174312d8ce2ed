package client

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// EventRecorder records events.k8s.io/v1 events, as client-go's
// tools/events broadcaster does for kube-scheduler: the first occurrence
// is created; the second, within the cache's lifetime, turns the event into
// a series (series.count 2); later ones count in the cache and are written
// every 30 minutes, and once more when the series ends (no occurrence for
// 6 minutes). Isomorphic events share type, action, reason, reporting
// controller and instance, and the objects they regard: the note of the
// first one stays.
type EventRecorder struct {
	c                   *Client
	reportingController string
	reportingInstance   string
	cache               map[eventsKey]*api.EventsV1Event
	order               []*api.EventsV1Event // the cache's events in insertion order, to write deterministically
	ticking             bool
	ticks               int
}

const (
	seriesFinishTime  = 6 * time.Minute
	seriesRefreshTime = 30 * time.Minute
)

type eventsKey struct {
	eventType, action, reason, controller, instance string
	regarding, related                              api.ObjectReference
}

// isomorphicKey is the key of ev's isomorphic events, as upstream's getKey: the
// order of the cache keeps the events and makes their keys again, where
// a second copy of each key (over 300 bytes) cost 3 MB at 10,000 pods.
func isomorphicKey(ev *api.EventsV1Event) eventsKey {
	key := eventsKey{eventType: ev.Type, action: ev.Action, reason: ev.Reason, controller: ev.ReportingController, instance: ev.ReportingInstance, regarding: ev.Regarding}
	if ev.Related != nil {
		key.related = *ev.Related
	}
	return key
}

// NewEventRecorder returns a recorder for controller, whose instance is
// named after it and the host, as "default-scheduler-controlplane".
func NewEventRecorder(c *Client, controller, host string) *EventRecorder {
	return &EventRecorder{c: c, reportingController: controller, reportingInstance: controller + "-" + host, cache: map[eventsKey]*api.EventsV1Event{}}
}

// Eventf records an event about regarding (and optionally related).
func (r *EventRecorder) Eventf(regarding, related api.Object, eventType, reason, action, note string, args ...any) {
	ref := Reference(regarding, "")
	var rel *api.ObjectReference
	if related != nil {
		rel = api.Ptr(Reference(related, ""))
	}
	now := r.c.Now()
	ns := ref.Namespace
	if ns == "" {
		ns = "default"
	}
	ev := &api.EventsV1Event{
		ObjectMeta:          api.ObjectMeta{Name: r.c.eventName(ref.Name, now), Namespace: ns},
		EventTime:           api.NewMicroTime(now),
		ReportingController: r.reportingController,
		ReportingInstance:   r.reportingInstance,
		Action:              action,
		Reason:              reason,
		Regarding:           ref,
		Related:             rel,
		Note:                fmt.Sprintf(note, args...),
		Type:                eventType,
	}
	key := isomorphicKey(ev)
	if cached, ok := r.cache[key]; ok {
		if cached.Series != nil {
			cached.Series.Count++
			cached.Series.LastObservedTime = api.NewMicroTime(now)
			return
		}
		cached.Series = &api.EventsV1EventSeries{Count: 2, LastObservedTime: api.NewMicroTime(now)}
		r.write(key, cached)
		return
	}
	r.cache[key] = ev
	r.order = append(r.order, ev)
	r.write(key, ev)
	r.tick()
}

// write records ev: a series is written over the stored event (created
// again if it expired), a first occurrence is created.
func (r *EventRecorder) write(key eventsKey, ev *api.EventsV1Event) {
	if ev.Series != nil {
		cur, err := Get[*api.EventsV1Event](r.c, ev.Namespace, ev.Name)
		if err == nil {
			cur = api.Clone(cur)
			cur.Series = &api.EventsV1EventSeries{Count: ev.Series.Count, LastObservedTime: ev.Series.LastObservedTime}
			if _, err := Update(r.c, cur); err == nil {
				return
			}
		}
	}
	// The server converts the event to a core one (a copy, its metadata
	// deep-copied), so the create needs no copy of its own: only the
	// fields changed here are the request's alone.
	cp := *ev
	out := &cp
	out.ResourceVersion = ""
	for {
		_, err := Create(r.c, out)
		if !apiserver.IsAlreadyExists(err) || ev.Series != nil || len(out.Name) > 250 {
			// As upstream, a rejected event is not retried.
			break
		}
		// Another event about the object in the same nanosecond of
		// virtual time (a wall clock would have moved on): nudge the
		// name, and remember it for the series.
		out.Name += "0"
		ev.Name = out.Name
	}
}

// tick arms the periodic work while the cache holds events: every 6
// minutes ended series are written a last time and dropped, every 30
// minutes running series are written.
func (r *EventRecorder) tick() {
	if r.ticking {
		return
	}
	r.ticking = true
	r.c.Loop().After(seriesFinishTime, func() {
		r.ticking = false
		r.ticks++
		now := r.c.Now()
		refresh := r.ticks%int(seriesRefreshTime/seriesFinishTime) == 0
		kept := r.order[:0]
		for _, ev := range r.order {
			key := isomorphicKey(ev)
			switch {
			case ev.Series != nil && ev.Series.LastObservedTime.Time.Before(now.Add(-seriesFinishTime)):
				r.write(key, ev)
				delete(r.cache, key)
			case ev.Series == nil && ev.EventTime.Time.Before(now.Add(-seriesFinishTime)):
				delete(r.cache, key)
			default:
				if refresh && ev.Series != nil {
					r.write(key, ev)
				}
				kept = append(kept, ev)
			}
		}
		clear(r.order[len(kept):])
		r.order = kept
		if len(r.order) > 0 {
			r.tick()
		}
	})
}
