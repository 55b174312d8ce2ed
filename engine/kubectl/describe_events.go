package kubectl

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// eventQuery identifies an object's events, as the fields of the
// ObjectReference kubectl's searchEvents selects them by.
type eventQuery struct {
	name, namespace, kind, uid string
}

// queryFor selects the events about obj by name, namespace, kind and uid.
func queryFor(obj api.Object) eventQuery {
	m := obj.GetObjectMeta()
	return eventQuery{name: m.Name, namespace: m.Namespace, kind: api.ResourceFor(obj).Kind, uid: m.UID}
}

// searchEvents lists the events of a query: in the object's namespace (all
// of them for a cluster-scoped object), by field selector, as kubectl does.
func (d *describer) searchEvents(q eventQuery) []*api.Event {
	sel := []string{"involvedObject.name=" + q.name, "involvedObject.namespace=" + q.namespace}
	if q.kind != "" {
		sel = append(sel, "involvedObject.kind="+q.kind)
	}
	if q.uid != "" {
		sel = append(sel, "involvedObject.uid="+q.uid)
	}
	sort.Strings(sel)
	r, _ := api.LookupResource("events")
	l, err := d.k.c.List(r, q.namespace, apiserver.ListOptions{FieldSelector: strings.Join(sel, ",")})
	if err != nil {
		return nil
	}
	out := make([]*api.Event, 0, len(l.Items))
	for _, o := range l.Items {
		out = append(out, o.(*api.Event))
	}
	return out
}

// objectEvents lists the events about obj.
func (d *describer) objectEvents(obj api.Object) []*api.Event {
	return d.searchEvents(queryFor(obj))
}

// sortableEvents orders events by when they last happened, as kubectl's
// event.SortableEvents (with sort.Sort, so ties fall the same way).
type sortableEvents []*api.Event

func (l sortableEvents) Len() int           { return len(l) }
func (l sortableEvents) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }
func (l sortableEvents) Less(i, j int) bool { return eventTime(l[i]).Before(eventTime(l[j])) }

func eventTime(e *api.Event) time.Time {
	if e.Series != nil {
		return e.Series.LastObservedTime.Time
	}
	if !e.LastTimestamp.IsZero() {
		return e.LastTimestamp.Time
	}
	return e.EventTime.Time
}

// events writes the Events section: a table of type, reason, age, source
// and message, or "Events: <none>".
func (d *describer) events(w *prefixWriter, evs []*api.Event) {
	if len(evs) == 0 {
		w.write(0, "Events:\t<none>\n")
		return
	}
	evs = append([]*api.Event(nil), evs...)
	sort.Sort(sortableEvents(evs))
	w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
	w.write(1, "----\t------\t----\t----\t-------\n")
	for _, e := range evs {
		first := d.since(e.EventTime.Time)
		if e.EventTime.IsZero() {
			first = d.since(e.FirstTimestamp.Time)
		}
		interval := first
		switch {
		case e.Series != nil:
			interval = fmt.Sprintf("%s (x%d over %s)", d.since(e.Series.LastObservedTime.Time), e.Series.Count, first)
		case e.Count > 1:
			interval = fmt.Sprintf("%s (x%d over %s)", d.since(e.LastTimestamp.Time), e.Count, first)
		}
		source := e.Source.Component
		if source == "" {
			source = e.ReportingController
		}
		msg := strings.TrimSpace(e.Message)
		if e.InvolvedObject.FieldPath != "" {
			msg = e.InvolvedObject.FieldPath + ": " + msg
		}
		w.write(1, "%v\t%v\t%s\t%v\t%v\n", e.Type, e.Reason, interval, source, msg)
	}
}

// eventsSection writes obj's events when the command shows them.
func (d *describer) eventsSection(w *prefixWriter, obj api.Object) {
	if d.showEvents {
		d.events(w, d.objectEvents(obj))
	}
}
