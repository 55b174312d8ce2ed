package client

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Recorder records core/v1 events about objects, as client-go's legacy
// event recorder (tools/record) does, with its EventCorrelator:
//
//   - an event repeated with the same source, object, type, reason and
//     message counts on the existing Event (count, lastTimestamp);
//   - when ten events that differ only by message come within ten minutes,
//     the next ones are combined into one "(combined from similar events)"
//     event;
//   - a source may burst 25 events about one object, then one every five
//     minutes: the rest are dropped.
//
// The kubelet and most controllers record this way; the scheduler uses
// EventRecorder (events.k8s.io) instead, as kube-scheduler does.
type Recorder struct {
	c         *Client
	component string
	host      string
	logs      *lru[eventLog]        // dedup: full event key -> last observation
	aggs      *lru[aggregateRecord] // aggregation: key without message -> messages seen
	spam      *lru[*tokenBucket]    // spam filter: source and object -> budget
}

// The EventCorrelator's defaults.
const (
	lruEntries         = 4096
	aggregateMaxEvents = 10
	aggregateInterval  = 600 * time.Second
	spamBurst          = 25
	spamRefill         = 300 * time.Second // one token every five minutes
)

type eventLog struct {
	count int32
	first api.Time
	name  string
}

// aggregateRecord is upstream's: the distinct messages seen, at most
// aggregateMaxEvents of them, as a sorted slice rather than a set: a
// kubelet keeps one for each reason about each of its pods, and a map
// each cost ten times the slice at 10,000 pods.
type aggregateRecord struct {
	messages []string // sorted, distinct
	last     time.Time
}

// add adds m to the messages, if it is new.
func (a *aggregateRecord) add(m string) {
	if i, found := slices.BinarySearch(a.messages, m); !found {
		a.messages = slices.Insert(a.messages, i, m)
	}
}

// NewRecorder returns a recorder for component (e.g. "kubelet") on host
// (a node name, or "" for control-plane components).
func NewRecorder(c *Client, component, host string) *Recorder {
	return &Recorder{
		c: c, component: component, host: host,
		logs: newLRU[eventLog](lruEntries), aggs: newLRU[aggregateRecord](lruEntries), spam: newLRU[*tokenBucket](lruEntries),
	}
}

// Event records an event about obj.
func (r *Recorder) Event(obj api.Object, eventType, reason, message string) {
	r.record(Reference(obj, ""), eventType, reason, message)
}

// Eventf records an event with a formatted message.
func (r *Recorder) Eventf(obj api.Object, eventType, reason, format string, args ...any) {
	r.Event(obj, eventType, reason, fmt.Sprintf(format, args...))
}

// EventRef records an event about the object ref names, for components
// that refer to an object by hand as upstream does (a node by name and
// UID, a pod by name only).
func (r *Recorder) EventRef(ref api.ObjectReference, eventType, reason, format string, args ...any) {
	r.record(ref, eventType, reason, fmt.Sprintf(format, args...))
}

// ContainerEventf records an event about one container of a pod; its
// involvedObject.fieldPath names the container, as the kubelet's events do.
func (r *Recorder) ContainerEventf(p *api.Pod, container, eventType, reason, format string, args ...any) {
	r.record(Reference(p, fieldPath(p, container)), eventType, reason, fmt.Sprintf(format, args...))
}

func fieldPath(p *api.Pod, container string) string {
	for _, c := range p.Spec.InitContainers {
		if c.Name == container {
			return "spec.initContainers{" + container + "}"
		}
	}
	for _, c := range p.Spec.EphemeralContainers {
		if c.Name == container {
			return "spec.ephemeralContainers{" + container + "}"
		}
	}
	return "spec.containers{" + container + "}"
}

// Reference returns an ObjectReference to obj.
func Reference(obj api.Object, fieldPath string) api.ObjectReference {
	m := obj.GetObjectMeta()
	r := api.ResourceFor(obj)
	return api.ObjectReference{
		Kind: r.Kind, APIVersion: r.APIVersion(), Namespace: m.Namespace, Name: m.Name,
		UID: m.UID, ResourceVersion: m.ResourceVersion, FieldPath: fieldPath,
	}
}

// eventName is the name client-go gives an event: the object's name and
// the time in hexadecimal nanoseconds, made unique in the cluster
// (apiserver.Server.EventNanos).
func (c *Client) eventName(object string, t time.Time) string {
	return object + "." + strconv.FormatInt(c.s.EventNanos(t), 16)
}

func (r *Recorder) record(ref api.ObjectReference, eventType, reason, message string) {
	ns := ref.Namespace
	if ns == "" {
		ns = "default"
	}
	now := r.c.Now()
	ev := &api.Event{
		ObjectMeta:          api.ObjectMeta{Name: r.c.eventName(ref.Name, now), Namespace: ns},
		InvolvedObject:      ref,
		Reason:              reason,
		Message:             message,
		Source:              api.EventSource{Component: r.component, Host: r.host},
		FirstTimestamp:      api.NewTime(now),
		LastTimestamp:       api.NewTime(now),
		Count:               1,
		Type:                eventType,
		ReportingController: r.component,
		ReportingInstance:   r.host,
	}
	ev, key := r.aggregate(ev, now)
	last, seen := r.logs.get(key)
	if seen {
		ev.Name, ev.FirstTimestamp, ev.Count = last.name, last.first, last.count+1
	}
	r.logs.add(key, eventLog{count: ev.Count, first: ev.FirstTimestamp, name: ev.Name})
	if r.spammed(ev, now) {
		return
	}
	if seen && r.bump(ev) {
		return
	}
	// A new event, or one whose earlier record has expired: create it.
	// The event is made for the create alone, so the server may keep it
	// rather than a copy; a retry sends a copy of it as it was.
	asMade := *ev
	for {
		out, err := CreateOwned(r.c, ev)
		if err == nil {
			r.logs.add(key, eventLog{count: out.Count, first: out.FirstTimestamp, name: out.Name})
			return
		}
		// Two events in the same nanosecond of virtual time: nudge the name.
		asMade.Name += "0"
		if len(asMade.Name) > 250 {
			return
		}
		ev = new(api.Event)
		*ev = asMade
	}
}

// aggregate is the EventAggregator: it returns the event to record and
// its correlation key.
func (r *Recorder) aggregate(ev *api.Event, now time.Time) (*api.Event, eventKey) {
	o := ev.InvolvedObject
	aggKey := correlationKey(ev.Source.Component, ev.Source.Host, o.Kind, o.Namespace, o.Name, o.UID, o.APIVersion,
		ev.Type, ev.Reason, ev.ReportingController, ev.ReportingInstance)
	fullKey := correlationKey(ev.Source.Component, ev.Source.Host, o.Kind, o.Namespace, o.Name, o.FieldPath, o.UID, o.APIVersion,
		ev.Type, ev.Reason, ev.Message)
	rec, seen := r.aggs.get(aggKey)
	if now.Sub(rec.last) > aggregateInterval || !seen {
		rec = aggregateRecord{}
	}
	rec.add(ev.Message)
	rec.last = now
	if len(rec.messages) < aggregateMaxEvents {
		r.aggs.add(aggKey, rec)
		return ev, fullKey
	}
	// Keep the set from growing: forget one message (upstream pops any;
	// the smallest keeps this deterministic).
	rec.messages = slices.Delete(rec.messages, 0, 1)
	r.aggs.add(aggKey, rec)
	return &api.Event{
		ObjectMeta:     api.ObjectMeta{Name: r.c.eventName(o.Name, now), Namespace: ev.Namespace},
		Count:          1,
		FirstTimestamp: api.NewTime(now),
		LastTimestamp:  api.NewTime(now),
		InvolvedObject: o,
		Message:        "(combined from similar events): " + ev.Message,
		Type:           ev.Type,
		Reason:         ev.Reason,
		Source:         ev.Source,
	}, aggKey
}

// spammed is the EventSourceObjectSpamFilter: it reports whether the
// source has spent its budget of events about the object.
func (r *Recorder) spammed(ev *api.Event, now time.Time) bool {
	o := ev.InvolvedObject
	key := correlationKey(ev.Source.Component, ev.Source.Host, o.Kind, o.Namespace, o.Name, o.UID, o.APIVersion)
	b, ok := r.spam.get(key)
	if !ok {
		b = &tokenBucket{tokens: spamBurst, last: now}
	}
	r.spam.add(key, b)
	return !b.take(now)
}

// bump writes the new count and last timestamp on the existing event; it
// fails when that event is gone (events expire after an hour).
func (r *Recorder) bump(ev *api.Event) bool {
	cur, err := Get[*api.Event](r.c, ev.Namespace, ev.Name)
	if err != nil {
		return false
	}
	cur = api.Clone(cur)
	cur.Count = ev.Count
	cur.LastTimestamp = ev.LastTimestamp
	cur.Message = ev.Message
	_, err = Update(r.c, cur)
	return err == nil
}

// tokenBucket is a token bucket rate limiter on the virtual clock.
type tokenBucket struct {
	tokens float64
	last   time.Time
}

func (b *tokenBucket) take(now time.Time) bool {
	b.tokens = min(spamBurst, b.tokens+now.Sub(b.last).Seconds()/spamRefill.Seconds())
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// eventKey stands for the correlator's key of an event: upstream joins
// the parts with nothing between them and keys its caches by the text;
// this is a 128-bit FNV-1a hash of that text. A kubelet keeps three keys
// for each reason about each of its pods, and the texts (about 150 bytes
// each) were 11 MB at 10,000 pods.
type eventKey [2]uint64

// correlationKey hashes the concatenation of parts, as one text.
func correlationKey(parts ...string) eventKey {
	// FNV-1a, 128 bits: the offset basis and the prime 2^88 + 0x13b.
	hi, lo := uint64(0x6c62272e07bb0142), uint64(0x62b821756295c58d)
	const primeHi, primeLo = 1 << 24, 0x13b
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			lo ^= uint64(p[i])
			h, l := bits.Mul64(lo, primeLo)
			hi = hi*primeLo + lo*primeHi + h
			lo = l
		}
	}
	return eventKey{hi, lo}
}

// lru is a least-recently-used cache of bounded size, as the correlator's
// caches are. Its entries live in one slice, linked by index, most
// recent first; an evicted entry's slot takes the new one. A kubelet
// keeps three of these, and with container/list each new key cost two
// allocations (60,000 events at 10,000 pods made about 300,000).
type lru[V any] struct {
	max        int
	items      map[eventKey]int32 // key -> index in nodes
	nodes      []lruNode[V]
	head, tail int32 // most and least recent; -1 when empty
}

type lruNode[V any] struct {
	key        eventKey
	value      V
	prev, next int32 // toward head and toward tail; -1 at the ends
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, items: map[eventKey]int32{}, head: -1, tail: -1}
}

func (c *lru[V]) get(key eventKey) (V, bool) {
	if i, ok := c.items[key]; ok {
		c.toFront(i)
		return c.nodes[i].value, true
	}
	var zero V
	return zero, false
}

func (c *lru[V]) add(key eventKey, v V) {
	if i, ok := c.items[key]; ok {
		c.nodes[i].value = v
		c.toFront(i)
		return
	}
	var i int32
	if len(c.nodes) < c.max {
		i = int32(len(c.nodes))
		c.nodes = append(c.nodes, lruNode[V]{prev: -1, next: -1})
	} else {
		// Full: the least recent entry's slot takes the new one.
		i = c.tail
		c.unlink(i)
		delete(c.items, c.nodes[i].key)
	}
	c.nodes[i] = lruNode[V]{key: key, value: v, prev: -1, next: -1}
	c.items[key] = i
	c.pushFront(i)
}

func (c *lru[V]) len() int { return len(c.items) }

func (c *lru[V]) toFront(i int32) {
	if c.head == i {
		return
	}
	c.unlink(i)
	c.pushFront(i)
}

func (c *lru[V]) unlink(i int32) {
	n := &c.nodes[i]
	if n.prev >= 0 {
		c.nodes[n.prev].next = n.next
	} else {
		c.head = n.next
	}
	if n.next >= 0 {
		c.nodes[n.next].prev = n.prev
	} else {
		c.tail = n.prev
	}
	n.prev, n.next = -1, -1
}

func (c *lru[V]) pushFront(i int32) {
	n := &c.nodes[i]
	n.prev, n.next = -1, c.head
	if c.head >= 0 {
		c.nodes[c.head].prev = i
	}
	c.head = i
	if c.tail < 0 {
		c.tail = i
	}
}
