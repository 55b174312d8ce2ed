package client

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/loop"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newTestClient(t *testing.T) (*loop.Loop, *Client, *api.Pod) {
	l := loop.New(epoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	c := New(s, "test")
	_, err := Create(c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}})
	require.NoError(t, err)
	p, err := Create(c, &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}},
	})
	require.NoError(t, err)
	return l, c, p
}

func events(t *testing.T, c *Client) []*api.Event {
	evs, err := List[*api.Event](c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	return evs
}

func TestRecorderCountsRepeats(t *testing.T) {
	l, c, p := newTestClient(t)
	r := NewRecorder(c, "kubelet", "node01")
	r.Event(p, api.EventWarning, "BackOff", "Back-off restarting failed container")
	l.AdvanceBy(10 * time.Second)
	r.Event(p, api.EventWarning, "BackOff", "Back-off restarting failed container")
	l.AdvanceBy(10 * time.Second)
	r.Event(p, api.EventWarning, "BackOff", "Back-off restarting failed container")
	r.Event(p, api.EventWarning, "BackOff", "another message")

	evs := events(t, c)
	require.Len(t, evs, 2)
	first := evs[0]
	if first.Message != "Back-off restarting failed container" {
		first = evs[1]
	}
	assert.Equal(t, int32(3), first.Count)
	assert.Equal(t, epoch, first.FirstTimestamp.Time)
	assert.Equal(t, epoch.Add(20*time.Second), first.LastTimestamp.Time)
	assert.Equal(t, fmt.Sprintf("web.%x", epoch.UnixNano()), first.Name)
	assert.Equal(t, api.EventSource{Component: "kubelet", Host: "node01"}, first.Source)
}

func TestRecorderCombinesSimilarEvents(t *testing.T) {
	l, c, p := newTestClient(t)
	r := NewRecorder(c, "replicaset-controller", "")
	for i := range 12 {
		r.Eventf(p, api.EventNormal, "SuccessfulCreate", "Created pod: web-%d", i)
		l.AdvanceBy(time.Second)
	}
	evs := events(t, c)
	require.Len(t, evs, 10, "nine distinct events, then one combined event counted three times")
	var combined *api.Event
	for _, e := range evs {
		if e.Count > 1 {
			combined = e
		}
	}
	require.NotNil(t, combined)
	assert.Equal(t, int32(3), combined.Count)
	assert.Equal(t, "(combined from similar events): Created pod: web-11", combined.Message)

	// Ten minutes later the aggregation starts afresh.
	l.AdvanceBy(11 * time.Minute)
	r.Eventf(p, api.EventNormal, "SuccessfulCreate", "Created pod: web-99")
	assert.Len(t, events(t, c), 11)
	assert.Contains(t, []string{events(t, c)[10].Message, events(t, c)[0].Message}, "Created pod: web-99")
}

// TestAggregateRecord: the messages are a set, kept sorted.
func TestAggregateRecord(t *testing.T) {
	tests := []struct {
		add  []string
		want []string
	}{
		{add: nil, want: nil},
		{add: []string{"b", "a", "c"}, want: []string{"a", "b", "c"}},
		{add: []string{"b", "b", "a", "b"}, want: []string{"a", "b"}},
	}
	for _, tt := range tests {
		var a aggregateRecord
		for _, m := range tt.add {
			a.add(m)
		}
		assert.Equal(t, tt.want, a.messages, "%q", tt.add)
	}
}

// TestCorrelationKey: the key is FNV-1a's 128-bit hash of the parts'
// concatenation, the text upstream keys its caches by.
func TestCorrelationKey(t *testing.T) {
	tests := [][]string{
		nil,
		{""},
		{"kubelet", "node01", "Pod", "default", "web", "uid-1", "v1", "Normal", "Pulled"},
		{"a", strings.Repeat("long ", 100)},
	}
	for _, parts := range tests {
		h := fnv.New128a()
		h.Write([]byte(strings.Join(parts, "")))
		sum := h.Sum(nil)
		want := eventKey{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
		assert.Equal(t, want, correlationKey(parts...), "%q", parts)
	}
	assert.Equal(t, correlationKey("ab", "c"), correlationKey("a", "bc"), "the parts are joined with nothing between, as upstream's")
	assert.NotEqual(t, correlationKey("kubelet", "node01"), correlationKey("kubelet", "node02"))
}

// TestRecorderCombinesRepeatedMessagesOnce: a message seen again does not
// count twice toward the ten that start combining.
func TestRecorderCombinesRepeatedMessagesOnce(t *testing.T) {
	l, c, p := newTestClient(t)
	r := NewRecorder(c, "replicaset-controller", "")
	for i := range 12 {
		r.Eventf(p, api.EventNormal, "SuccessfulCreate", "Created pod: web-%d", i%9)
		l.AdvanceBy(time.Second)
	}
	for _, e := range events(t, c) {
		assert.NotContains(t, e.Message, "combined", "nine distinct messages do not combine")
	}
}

func TestRecorderSpamFilter(t *testing.T) {
	l, c, p := newTestClient(t)
	r := NewRecorder(c, "kubelet", "node01")
	count := func() int32 {
		var n int32
		for _, e := range events(t, c) {
			n += e.Count
		}
		return n
	}
	for range 40 {
		r.Event(p, api.EventNormal, "Pulled", "Container image already present on machine")
	}
	assert.Equal(t, int32(25), count(), "a burst of 25 events about one object")
	l.AdvanceBy(5 * time.Minute)
	r.Event(p, api.EventNormal, "Pulled", "Container image already present on machine")
	assert.Equal(t, int32(41), count(), "then one every five minutes, counting what was dropped")
	r.Event(p, api.EventNormal, "Pulled", "Container image already present on machine")
	assert.Equal(t, int32(41), count())
}

func TestRecorderRecreatesExpiredEvents(t *testing.T) {
	l, c, p := newTestClient(t)
	r := NewRecorder(c, "kubelet", "node01")
	r.Event(p, api.EventNormal, "Pulled", "present")
	evs := events(t, c)
	require.Len(t, evs, 1)
	require.NoError(t, Delete[*api.Event](c, "default", evs[0].Name, apiserver.DeleteOptions{}))
	l.AdvanceBy(time.Minute)
	r.Event(p, api.EventNormal, "Pulled", "present")
	evs = events(t, c)
	require.Len(t, evs, 1)
	assert.Equal(t, int32(2), evs[0].Count, "the count carries on")
	assert.Equal(t, epoch, evs[0].FirstTimestamp.Time)
}

func TestEventRecorderSeries(t *testing.T) {
	l, c, p := newTestClient(t)
	r := NewEventRecorder(c, "default-scheduler", "controlplane")
	get := func() *api.EventsV1Event {
		evs, err := List[*api.EventsV1Event](c, "default", apiserver.ListOptions{})
		require.NoError(t, err)
		require.Len(t, evs, 1)
		return evs[0]
	}
	r.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "0/3 nodes are available: %d Insufficient cpu.", 3)
	ev := get()
	assert.Nil(t, ev.Series)
	assert.Equal(t, "default-scheduler", ev.ReportingController)
	assert.Equal(t, "default-scheduler-controlplane", ev.ReportingInstance)
	assert.Equal(t, "Scheduling", ev.Action)
	assert.Equal(t, epoch, ev.EventTime.Time)

	l.AdvanceBy(time.Minute)
	r.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "a different note")
	ev = get()
	require.NotNil(t, ev.Series, "the second occurrence starts a series")
	assert.Equal(t, int32(2), ev.Series.Count)
	assert.Equal(t, "0/3 nodes are available: 3 Insufficient cpu.", ev.Note, "the first note stays")

	for range 3 {
		l.AdvanceBy(time.Minute)
		r.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "again")
	}
	assert.Equal(t, int32(2), get().Series.Count, "later occurrences wait in the cache")
	last := l.Now()
	l.AdvanceBy(15 * time.Minute)
	ev = get()
	assert.Equal(t, int32(5), ev.Series.Count, "an ended series is written once more")
	assert.Equal(t, last, ev.Series.LastObservedTime.Time)

	// The core view counts the series.
	core, err := List[*api.Event](c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.Len(t, core, 1)
	require.NotNil(t, core[0].Series)
	assert.Equal(t, int32(5), core[0].Series.Count)
}

// TestEventRecorderOrderHoldsTheCache: the cache's order keeps its events,
// whose keys are the ones they were cached by, with or without a related
// object, and the cache empties once their series end.
func TestEventRecorderOrderHoldsTheCache(t *testing.T) {
	l, c, p := newTestClient(t)
	node := &api.Node{ObjectMeta: api.ObjectMeta{Name: "node01", UID: "n1"}}
	r := NewEventRecorder(c, "default-scheduler", "controlplane")
	tests := []struct {
		related api.Object
		reason  string
	}{
		{nil, "Scheduled"},
		{node, "Scheduled"},
		{nil, "FailedScheduling"},
		{nil, "Scheduled"}, // isomorphic with the first: a series
	}
	for _, tt := range tests {
		r.Eventf(p, tt.related, api.EventNormal, tt.reason, "Binding", "note")
	}
	require.Len(t, r.order, 3)
	require.Len(t, r.cache, 3)
	for _, ev := range r.order {
		assert.Same(t, ev, r.cache[isomorphicKey(ev)], ev.Reason)
	}
	l.AdvanceBy(13 * time.Minute)
	assert.Empty(t, r.order)
	assert.Empty(t, r.cache)
}

func TestEventRecorderRefreshesLongSeries(t *testing.T) {
	l, c, p := newTestClient(t)
	r := NewEventRecorder(c, "default-scheduler", "controlplane")
	for range 40 {
		r.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "no")
		l.AdvanceBy(time.Minute)
	}
	evs, err := List[*api.EventsV1Event](c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, int32(30), evs[0].Series.Count, "written at the 30-minute refresh")
}

func TestEventRecorderKeepsEventsOfTheSameInstant(t *testing.T) {
	_, c, p := newTestClient(t)
	r := NewEventRecorder(c, "default-scheduler", "controlplane")
	r.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "0/3 nodes are available")
	r.Eventf(p, nil, api.EventNormal, "Scheduled", "Binding", "Successfully assigned default/web to node01")
	r.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "again")
	evs, err := List[*api.EventsV1Event](c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	require.Len(t, evs, 2, "both events are kept")
	byReason := map[string]*api.EventsV1Event{}
	for _, e := range evs {
		byReason[e.Reason] = e
	}
	require.NotNil(t, byReason["FailedScheduling"].Series, "the series finds its event")
	assert.Equal(t, int32(2), byReason["FailedScheduling"].Series.Count)
}

// TestEventNamesOfTheSameInstant: events about one object in one instant
// of virtual time, from any recorder, are named after successive
// nanoseconds, each created at its first try.
func TestEventNamesOfTheSameInstant(t *testing.T) {
	_, c, p := newTestClient(t)
	var failed []string
	observed := c.WithObserver(func(r Request) {
		if r.Err != nil {
			failed = append(failed, r.Err.Error())
		}
	})
	scheduler := NewEventRecorder(observed, "default-scheduler", "controlplane")
	kubelet := NewRecorder(observed, "kubelet", "node01")
	scheduler.Eventf(p, nil, api.EventNormal, "Scheduled", "Binding", "Successfully assigned default/web to node01")
	kubelet.ContainerEventf(p, "c", api.EventNormal, "Pulled", "Container image %q already present on machine", "busybox")
	kubelet.ContainerEventf(p, "c", api.EventNormal, "Created", "Created container: c")
	kubelet.ContainerEventf(p, "c", api.EventNormal, "Started", "Started container c")
	assert.Empty(t, failed)
	names := map[string]string{}
	for _, e := range events(t, c) {
		names[e.Reason] = e.Name
	}
	evs, err := List[*api.EventsV1Event](c, "default", apiserver.ListOptions{})
	require.NoError(t, err)
	for _, e := range evs {
		names[e.Reason] = e.Name
	}
	n := epoch.UnixNano()
	assert.Equal(t, map[string]string{
		"Scheduled": fmt.Sprintf("web.%x", n),
		"Pulled":    fmt.Sprintf("web.%x", n+1),
		"Created":   fmt.Sprintf("web.%x", n+2),
		"Started":   fmt.Sprintf("web.%x", n+3),
	}, names)
}

// An event whose name is taken is created again under the name with a
// "0" added, as it was made: the server keeps the object a recorder
// creates, and a retry sends a fresh copy, without what the failed
// create set on the first.
func TestRecorderRetriesATakenName(t *testing.T) {
	_, c, p := newTestClient(t)
	taken := fmt.Sprintf("web.%x", epoch.UnixNano())
	_, err := Create(c, &api.Event{ObjectMeta: api.ObjectMeta{Name: taken, Namespace: "default"}, Reason: "Other"})
	require.NoError(t, err)
	r := NewRecorder(c, "kubelet", "node01")
	r.Event(p, api.EventNormal, "Pulled", "pulled")
	got, err := Get[*api.Event](c, "default", taken+"0")
	require.NoError(t, err)
	assert.Equal(t, "Pulled", got.Reason)
	assert.Equal(t, int32(1), got.Count)
	assert.NotEmpty(t, got.UID)
	require.Len(t, got.ManagedFields, 1, "the server's entry alone")
	other, err := Get[*api.Event](c, "default", taken)
	require.NoError(t, err)
	assert.Equal(t, "Other", other.Reason)
}
