package apiserver

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/store"
)

// Watch event types.
const (
	Added    = "ADDED"
	Modified = "MODIFIED"
	Deleted  = "DELETED"
	Bookmark = "BOOKMARK"
	Error    = "ERROR"
)

// WatchEvent is one event of a watch, as metav1.WatchEvent.
type WatchEvent struct {
	Type   string
	Object api.Object
	// Key is the object's key in the store ("/registry/pods/default/web-0"),
	// "" for a bookmark: an informer keys its cache by the part after the
	// resource ("default/web-0") without making that text again.
	Key string `json:"-"`
}

func (s *Server) watchStored(r *api.ResourceInfo, ns string, opts ListOptions, handler func(WatchEvent)) (stop func(), err error) {
	m, err := newMatcher(r, opts)
	if err != nil {
		return nil, err
	}
	w := &watch{s: s, r: r, m: m, handler: handler, aside: opts.Aside}
	w.deliverFunc = w.deliver // made once: a method value is a new closure each time
	from, err := s.watchStart(r, ns, opts.ResourceVersion, w)
	if err != nil {
		return nil, err
	}
	var cancel func()
	if node, ok := m.nodeName(); ok {
		cancel, err = s.store.WatchIndexed(prefix(r, ns), from, podsByNode, node, w.sink)
	} else {
		cancel, err = s.store.Watch(prefix(r, ns), from, w.sink)
	}
	if errors.Is(err, store.ErrCompacted) {
		return nil, NewGone(fmt.Sprintf("too old resource version: %s (%d)", opts.ResourceVersion, s.store.CompactedRevision()))
	}
	if err != nil {
		return nil, NewInternal(err)
	}
	if opts.AllowWatchBookmarks {
		w.bookmarks()
	}
	return func() {
		cancel()
		w.stopped = true
		w.pending = nil
	}, nil
}

// podsByNode is the store's index of pods by spec.nodeName: a watch of
// one node's pods (a kubelet's) is not asked about the pods of the other
// nodes, which it would not match.
const podsByNode = "pods/spec.nodeName"

// nodeName returns the node a pod watch's field selector requires
// (spec.nodeName=NAME), if it requires one.
func (m *matcher) nodeName() (string, bool) {
	if m.r.GroupKind() != "Pod" {
		return "", false
	}
	for _, f := range m.fields {
		if f.field == "spec.nodeName" && !f.negate {
			return f.value, true
		}
	}
	return "", false
}

// bookmarkInterval is how often a watch that allows bookmarks gets one,
// as the API server's watch cache sends them about every minute.
const bookmarkInterval = time.Minute

func (w *watch) bookmarks() {
	w.s.loop.After(bookmarkInterval, func() {
		if w.stopped {
			return
		}
		obj := w.r.New()
		api.SetTypeMeta(obj)
		obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(w.s.store.Revision(), 10)
		w.push(WatchEvent{Type: Bookmark, Object: obj})
		w.bookmarks()
	})
}

func (s *Server) watchStart(r *api.ResourceInfo, ns, rv string, w *watch) (int64, error) {
	if rv != "" && rv != "0" {
		from, err := strconv.ParseInt(rv, 10, 64)
		if err != nil {
			return 0, NewBadRequest(fmt.Sprintf("invalid resource version %q", rv))
		}
		return from, nil
	}
	kvs, rev := s.store.List(prefix(r, ns))
	for _, kv := range kvs {
		if w.m.matches(kv.Value) {
			w.push(WatchEvent{Type: Added, Object: kv.Value, Key: kv.Key})
		}
	}
	return rev, nil
}

type watch struct {
	s         *Server
	r         *api.ResourceInfo
	m         *matcher
	handler   func(WatchEvent)
	pending   []WatchEvent
	scheduled bool
	stopped   bool
	aside     bool // an observer's watch (ListOptions.Aside)

	deliverFunc func() // w.deliver, as posted to the loop
}

// sink turns a store event into the watch event this watcher sees: an
// object that starts matching is ADDED, one that stops matching is DELETED.
func (w *watch) sink(ev store.Event) {
	now := w.m.matches(ev.KV.Value)
	before := ev.Prev != nil && w.m.matches(ev.Prev.Value)
	switch {
	case ev.Type == store.Delete && before:
		w.push(WatchEvent{Type: Deleted, Object: ev.KV.Value, Key: ev.KV.Key})
	case ev.Type == store.Delete:
	case now && before:
		w.push(WatchEvent{Type: Modified, Object: ev.KV.Value, Key: ev.KV.Key})
	case now:
		w.push(WatchEvent{Type: Added, Object: ev.KV.Value, Key: ev.KV.Key})
	case before:
		w.push(WatchEvent{Type: Deleted, Object: ev.KV.Value, Key: ev.KV.Key})
	}
}

func (w *watch) push(ev WatchEvent) {
	w.pending = append(w.pending, ev)
	if !w.scheduled {
		w.scheduled = true
		if w.aside {
			w.s.loop.PostAside(w.deliverFunc)
		} else {
			w.s.loop.Post(w.deliverFunc)
		}
	}
}

// deliver hands the pending events to the handler in order, those the
// handler's own writes add included, then keeps the buffer for the next
// ones (unless a burst made it large).
func (w *watch) deliver() {
	w.scheduled = false
	i := 0
	for ; i < len(w.pending) && !w.stopped; i++ {
		ev := w.pending[i]
		w.pending[i] = WatchEvent{}
		w.handler(ev)
	}
	if i < len(w.pending) {
		w.pending = w.pending[i:]
		return
	}
	if cap(w.pending) > maxKeptPending {
		w.pending = nil
		return
	}
	w.pending = w.pending[:0]
}

// maxKeptPending is the largest buffer of pending events a watch keeps.
const maxKeptPending = 256
