package kubectl

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Events have one table for both APIs: events.k8s.io/v1 Events are core
// Events seen differently, and kube-apiserver prints both with printEvent.
// Their priority columns are not all at the end, so -o wide puts SUBOBJECT
// and SOURCE before MESSAGE, and the name comes last.
func init() {
	tables["Event"] = columns{
		cols: []column{
			{header: "LAST SEEN"}, {header: "TYPE"}, {header: "REASON"}, {header: "OBJECT"},
			{header: "SUBOBJECT", wide: true}, {header: "SOURCE", wide: true}, {header: "MESSAGE"},
			{header: "FIRST SEEN", wide: true}, {header: "COUNT", wide: true}, {header: "NAME", wide: true},
		},
		row: eventRow,
	}
}

// eventRow is printEvent. LAST SEEN is the age of the last occurrence, of
// the series' last one for a series (new-style events), of the first when
// there is no last; a singleton new-style event has no count but counts 1.
func eventRow(obj api.Object, now time.Time) []string {
	e := obj.(*api.Event)
	first := age(e.FirstTimestamp.Time, now)
	if e.FirstTimestamp.IsZero() {
		first = age(e.EventTime.Time, now)
	}
	last := age(e.LastTimestamp.Time, now)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last, count = age(e.Series.LastObservedTime.Time, now), e.Series.Count
	} else if count == 0 {
		count = 1
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	return []string{last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath, eventSource(e),
		strings.TrimSpace(e.Message), first, fmt.Sprint(count), e.Name}
}

// eventSource is "component, host", from the reporting controller and
// instance when the deprecated source is empty.
func eventSource(e *api.Event) string {
	component := cmp.Or(e.Source.Component, e.ReportingController)
	if host := cmp.Or(e.Source.Host, e.ReportingInstance); host != "" {
		return component + ", " + host
	}
	return component
}
