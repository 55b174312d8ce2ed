// Package store is the cluster's etcd: a versioned key-value store with a
// global revision, compare-and-swap writes, watches that replay history from
// any revision still kept, and compaction.
//
// Values are api.Objects and are immutable once stored: the store hands out
// the same pointer to every reader and watcher, so nothing is re-encoded on
// the read path. Writers store a fresh object; they never modify one they got.
package store

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// KV is a stored key and its value.
type KV struct {
	Key            string
	Value          api.Object
	CreateRevision int64
	ModRevision    int64
}

// EventType says what happened to a key.
type EventType int

// Event types.
const (
	Put EventType = iota
	Delete
)

// Event is one change, as a watcher sees it.
type Event struct {
	Type     EventType
	KV       KV  // the new value; for Delete, the last value with ModRevision = the deletion's revision
	Prev     *KV // the value before, if any
	Revision int64
}

// Errors returned by the store.
var (
	ErrNotFound  = errors.New("key not found")
	ErrExists    = errors.New("key exists")
	ErrConflict  = errors.New("revision mismatch")
	ErrCompacted = errors.New("required revision has been compacted")
	ErrFutureRev = errors.New("required revision is a future revision")
)

// Store is the key-value store. It is not safe for concurrent use; the event
// loop owns it.
type Store struct {
	rev        int64
	compacted  int64
	data       map[string]*KV
	keys       *keyIndex // the keys in order, for prefix ranges
	history    []Event
	watchers   map[string][]*watcher // those without an index by the bucket of their prefix, each in the order they began
	indexes    map[string]*index
	nextID     int
	targets    []*watcher // publish's scratch
	publishing bool
	digest     *digest // nil unless KeepDigest
	guard      *guard  // nil unless Guard
}

type watcher struct {
	id     int
	prefix string
	sink   func(Event)
	index  *index // nil: every change under prefix
	value  string
}

// An index lets a watch name the one value of a field it wants (a
// kubelet's pods, by spec.nodeName): a change reaches it only when the
// object has that value before or after the change, and otherwise costs
// it nothing.
type index struct {
	of       func(api.Object) (string, bool)
	watchers map[string][]*watcher // by value, each list in the order they began
	count    int
}

// New returns an empty store at revision 1, as a fresh etcd is.
func New() *Store {
	return &Store{rev: 1, data: map[string]*KV{}, keys: newKeyIndex()}
}

// Revision returns the current revision.
func (s *Store) Revision() int64 { return s.rev }

// CompactedRevision returns the revision up to which history is gone.
func (s *Store) CompactedRevision() int64 { return s.compacted }

// Get returns the value at key.
func (s *Store) Get(key string) (KV, bool) {
	kv, ok := s.data[key]
	if !ok {
		return KV{}, false
	}
	return *kv, true
}

// List returns the values under prefix, sorted by key, and the revision they were read at.
func (s *Store) List(prefix string) ([]KV, int64) {
	var out []KV
	s.ascend(prefix, func(key string) { out = append(out, *s.data[key]) })
	return out, s.rev
}

// Count returns how many keys are under prefix.
func (s *Store) Count(prefix string) int {
	n := 0
	s.ascend(prefix, func(string) { n++ })
	return n
}

// ascend calls f for each key under prefix, in order.
func (s *Store) ascend(prefix string, f func(key string)) {
	s.keys.ascend(prefix, s.data, f)
}

// Create stores obj at key if the key is absent. It stamps the object's
// resourceVersion with the new revision.
func (s *Store) Create(key string, obj api.Object) (KV, error) {
	if _, ok := s.data[key]; ok {
		return KV{}, ErrExists
	}
	s.rev++
	stamp(obj, s.rev)
	kv := &KV{Key: key, Value: obj, CreateRevision: s.rev, ModRevision: s.rev}
	s.data[key] = kv
	s.insertKey(key)
	s.publish(Event{Type: Put, KV: *kv, Revision: s.rev})
	return *kv, nil
}

// Update replaces the value at key if its ModRevision is expected (or
// expected is 0, for an unconditional write).
func (s *Store) Update(key string, obj api.Object, expected int64) (KV, error) {
	cur, ok := s.data[key]
	if !ok {
		return KV{}, ErrNotFound
	}
	if expected != 0 && cur.ModRevision != expected {
		return KV{}, ErrConflict
	}
	prev := *cur
	s.rev++
	stamp(obj, s.rev)
	kv := &KV{Key: key, Value: obj, CreateRevision: cur.CreateRevision, ModRevision: s.rev}
	s.data[key] = kv
	s.publish(Event{Type: Put, KV: *kv, Prev: &prev, Revision: s.rev})
	return *kv, nil
}

// Delete removes key if its ModRevision is expected (or expected is 0).
func (s *Store) Delete(key string, expected int64) (KV, error) {
	cur, ok := s.data[key]
	if !ok {
		return KV{}, ErrNotFound
	}
	if expected != 0 && cur.ModRevision != expected {
		return KV{}, ErrConflict
	}
	prev := *cur
	s.rev++
	delete(s.data, key)
	s.removeKey(key)
	gone := KV{Key: key, Value: shallowCopy(prev.Value), CreateRevision: prev.CreateRevision, ModRevision: s.rev}
	stamp(gone.Value, s.rev)
	s.publish(Event{Type: Delete, KV: gone, Prev: &prev, Revision: s.rev})
	return prev, nil
}

// shallowCopy copies the top level of obj, enough to give the copy its own
// metadata scalars (the deletion's resourceVersion) without a deep copy.
func shallowCopy(obj api.Object) api.Object {
	v := reflect.ValueOf(obj).Elem()
	c := reflect.New(v.Type())
	c.Elem().Set(v)
	return c.Interface().(api.Object)
}

func stamp(obj api.Object, rev int64) {
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(rev, 10)
}

func (s *Store) insertKey(key string) { s.keys.insert(key) }

func (s *Store) removeKey(key string) { s.keys.remove(key, s.data) }

func (s *Store) publish(ev Event) {
	s.history = append(s.history, ev)
	if s.guard != nil {
		s.guard.published(ev)
	}
	// The watchers concerned, called in the order they began, as if every
	// watcher were asked.
	var targets []*watcher
	if !s.publishing { // a sink that writes publishes within this publish
		targets = s.targets[:0]
	}
	key := ev.KV.Key
	// Each list is in the order its watchers began; when more than one
	// contributes, the whole is sorted.
	sources := 0
	add := func(ws []*watcher) {
		n := len(targets)
		if targets = appendWatching(targets, ws, key); len(targets) > n {
			sources++
		}
	}
	add(s.watchers[""])
	if b := bucket(key); b != "" {
		add(s.watchers[b])
	}
	for _, ix := range s.indexes { // gathered, then sorted: the order does not matter
		if ix.count == 0 {
			continue
		}
		v, ok := ix.of(ev.KV.Value)
		if ok {
			add(ix.watchers[v])
		}
		if ev.Prev != nil {
			if pv, pok := ix.of(ev.Prev.Value); pok && (!ok || pv != v) {
				add(ix.watchers[pv])
			}
		}
	}
	if sources > 1 {
		slices.SortFunc(targets, func(a, b *watcher) int { return a.id - b.id })
	}
	outer := !s.publishing
	s.publishing = true
	for _, w := range targets {
		w.sink(ev)
	}
	if outer {
		s.publishing = false
		clear(targets)
		s.targets = targets[:0]
	}
}

// bucket is the part of a key or a watch's prefix up to the third slash,
// "/registry/pods/": a watch's prefix that has one only matches keys in
// the same bucket. A shorter prefix has none ("").
func bucket(prefix string) string {
	slashes := 0
	for i := 0; i < len(prefix); i++ {
		if prefix[i] == '/' {
			if slashes++; slashes == 3 {
				return prefix[:i+1]
			}
		}
	}
	return ""
}

// appendWatching appends the watchers of ws whose prefix the key has.
func appendWatching(targets, ws []*watcher, key string) []*watcher {
	for _, w := range ws {
		if strings.HasPrefix(key, w.prefix) {
			targets = append(targets, w)
		}
	}
	return targets
}

// AddIndex names a way to read one value from an object, for
// WatchIndexed; of reports false for an object it does not apply to.
func (s *Store) AddIndex(name string, of func(api.Object) (string, bool)) {
	if s.indexes == nil {
		s.indexes = map[string]*index{}
	}
	s.indexes[name] = &index{of: of, watchers: map[string][]*watcher{}}
}

// WatchIndexed is Watch for a watcher that only cares about objects whose
// value in the named index (see AddIndex) is value, before or after a
// change: the other changes are not sent to it. The order in which
// watchers are called for a change is the order in which they began,
// indexed or not.
func (s *Store) WatchIndexed(prefix string, from int64, name, value string, sink func(Event)) (cancel func(), err error) {
	ix, ok := s.indexes[name]
	if !ok {
		return nil, fmt.Errorf("no index %q", name)
	}
	w, err := s.watch(prefix, from, sink)
	if err != nil {
		return nil, err
	}
	w.index, w.value = ix, value
	ix.watchers[value] = append(ix.watchers[value], w)
	ix.count++
	return func() { s.removeWatcher(w) }, nil
}

// Watch calls sink, synchronously and in revision order, for every change
// under prefix after revision from: first the changes still in history, then
// each new one as it is committed. It fails with ErrCompacted when from is
// older than the compacted revision.
func (s *Store) Watch(prefix string, from int64, sink func(Event)) (cancel func(), err error) {
	w, err := s.watch(prefix, from, sink)
	if err != nil {
		return nil, err
	}
	if s.watchers == nil {
		s.watchers = map[string][]*watcher{}
	}
	b := bucket(prefix)
	s.watchers[b] = append(s.watchers[b], w)
	return func() { s.removeWatcher(w) }, nil
}

// watch replays the history after from to sink and returns the watcher
// that is to receive what follows.
func (s *Store) watch(prefix string, from int64, sink func(Event)) (*watcher, error) {
	if from < s.compacted {
		return nil, fmt.Errorf("%w: %d < %d", ErrCompacted, from, s.compacted)
	}
	if from > s.rev {
		return nil, ErrFutureRev
	}
	i := sort.Search(len(s.history), func(i int) bool { return s.history[i].Revision > from })
	for _, ev := range s.history[i:] {
		if strings.HasPrefix(ev.KV.Key, prefix) {
			sink(ev)
		}
	}
	s.nextID++
	return &watcher{id: s.nextID, prefix: prefix, sink: sink}, nil
}

func (s *Store) removeWatcher(w *watcher) {
	lists, value := s.watchers, bucket(w.prefix)
	if w.index != nil {
		lists, value = w.index.watchers, w.value
	}
	list := lists[value]
	i := slices.Index(list, w)
	if i < 0 {
		return
	}
	if list = slices.Delete(list, i, i+1); len(list) == 0 {
		delete(lists, value)
	} else {
		lists[value] = list
	}
	if w.index != nil {
		w.index.count--
	}
}

// Watchers returns the number of open watches.
func (s *Store) Watchers() int {
	n := 0
	for _, ws := range s.watchers {
		n += len(ws)
	}
	for _, ix := range s.indexes {
		n += ix.count
	}
	return n
}

// Compact forgets the history at and before rev. Watches from an older
// revision fail afterwards.
func (s *Store) Compact(rev int64) {
	if rev > s.rev {
		rev = s.rev
	}
	if rev <= s.compacted {
		return
	}
	i := sort.Search(len(s.history), func(i int) bool { return s.history[i].Revision > rev })
	s.foldCompacted(i)
	s.history = append([]Event(nil), s.history[i:]...)
	s.compacted = rev
}

// History returns the retained changes after revision from, in order.
func (s *Store) History(from int64) []Event {
	i := sort.Search(len(s.history), func(i int) bool { return s.history[i].Revision > from })
	return append([]Event(nil), s.history[i:]...)
}
