package page

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// A watch is a list followed by a watch from the list's resourceVersion,
// as an informer makes them: the reply to "watch" carries the list, and the
// changes after it come in batches. Within one batch the changes to one
// object are coalesced: the page needs the state, not every step to it
// (the request stream shows the steps). An object added and deleted
// within one batch is left out.

type watch struct {
	id      int
	r       *api.ResourceInfo
	summary bool
	row     func(api.Object, time.Time) []string
	stop    func()
}

// eventKey names one object of one watch.
type eventKey struct {
	watch int
	uid   string
}

// event is a pending change, coalesced.
type event struct {
	w       *watch
	typ     string
	obj     api.Object
	dropped bool
}

// Event is a change one watch saw, as the page receives it.
type Event struct {
	Watch int    `json:"watch"`
	Type  string `json:"type"` // ADDED, MODIFIED, DELETED or ERROR
	// Object is the object (its JSON as the API serves it), or its
	// Summary for a watch that asked for summaries, or a Status for ERROR.
	Object api.RawJSON `json:"object"`
}

// Summary is what the page's lists need of an object: its metadata and
// its row of `kubectl get -o wide`.
type Summary struct {
	Kind              string            `json:"kind"`
	Namespace         string            `json:"namespace,omitempty"`
	Name              string            `json:"name"`
	UID               string            `json:"uid"`
	ResourceVersion   string            `json:"resourceVersion"`
	CreationTimestamp int64             `json:"created"`           // ms since the epoch
	DeletionTimestamp int64             `json:"deleted,omitempty"` // ms since the epoch, once deleting
	Labels            map[string]string `json:"labels,omitempty"`
	Owners            []Owner           `json:"owners,omitempty"`
	// Cells are the object's row under the watch's headers.
	Cells []string `json:"cells,omitempty"`
	// Node is a pod's node; Phase its phase.
	Node  string `json:"node,omitempty"`
	Phase string `json:"phase,omitempty"`
}

// Owner is one of an object's owner references.
type Owner struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	UID        string `json:"uid"`
	Controller bool   `json:"controller,omitempty"`
}

type watchArgs struct {
	// Resource is a resource's name as kubectl takes it: "pods",
	// "deployments.apps", "no".
	Resource      string `json:"resource"`
	Namespace     string `json:"namespace"` // "" for all
	LabelSelector string `json:"labelSelector"`
	FieldSelector string `json:"fieldSelector"`
	// ResourceVersion, if set, resumes a watch after that version
	// instead of listing first; a version too old fails with 410 Gone.
	ResourceVersion string `json:"resourceVersion"`
	// Summary asks for Summaries rather than whole objects.
	Summary bool `json:"summary"`
}

// WatchResult answers "watch".
type WatchResult struct {
	Watch           int    `json:"watch"`
	Resource        string `json:"resource"` // "deployments.apps"
	Kind            string `json:"kind"`
	ResourceVersion string `json:"resourceVersion"`
	// Headers are the columns of the summaries' cells.
	Headers []string      `json:"headers,omitempty"`
	Items   []api.RawJSON `json:"items"`
}

// maxWatches bounds the watches of one page.
const maxWatches = 64

func (p *Page) opWatch(id int, raw json.RawMessage) (any, error) {
	var a watchArgs
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	r, ok := api.LookupResource(a.Resource)
	if !ok || a.Resource == "" {
		return nil, fmt.Errorf("the server doesn't have a resource type %q", a.Resource)
	}
	w := &watch{id: id, r: r, summary: a.Summary}
	res := WatchResult{Watch: id, Resource: r.GroupResource(), Kind: r.Kind, Items: []api.RawJSON{}}
	if a.Summary {
		res.Headers, w.row, _ = kubectl.Table(r)
	}
	ns := a.Namespace
	if !r.Namespaced {
		ns = ""
	}
	// Aside: the view's watches are not the cluster's; a replay of the
	// session has none, and counts the same events.
	opts := apiserver.ListOptions{LabelSelector: a.LabelSelector, FieldSelector: a.FieldSelector, ResourceVersion: a.ResourceVersion, Aside: true}

	s := p.cfg.Session
	s.Lock()
	defer s.Unlock()
	p.mu.Lock()
	n, dup := len(p.watches), p.watches[id] != nil
	p.mu.Unlock()
	switch {
	case dup:
		return nil, fmt.Errorf("%w: watch %d exists", errBadRequest, id)
	case n >= maxWatches:
		return nil, fmt.Errorf("too many watches (%d): stop some first", maxWatches)
	}
	now := s.Cluster().Now()
	if opts.ResourceVersion == "" {
		list, err := p.client.List(r, ns, opts)
		if err != nil {
			return nil, err
		}
		opts.ResourceVersion = list.ResourceVersion
		for _, obj := range list.Items {
			res.Items = append(res.Items, w.encode(obj, now))
		}
	}
	res.ResourceVersion = opts.ResourceVersion
	stop, err := p.client.Watch(r, ns, opts, func(ev apiserver.WatchEvent) { p.push(w, ev) })
	if err != nil {
		return nil, err
	}
	w.stop = stop
	p.mu.Lock()
	p.watches[id] = w
	p.mu.Unlock()
	return res, nil
}

func (p *Page) opUnwatch(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		Watch int `json:"watch"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	s := p.cfg.Session
	s.Lock()
	defer s.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.watches[a.Watch]
	if !ok {
		return nil, fmt.Errorf("no watch %d", a.Watch)
	}
	w.stop()
	delete(p.watches, a.Watch)
	for _, e := range p.pending {
		if e.w == w {
			e.dropped = true
		}
	}
	return struct{}{}, nil
}

// push notes a watch event; it runs as a task of the cluster's loop.
func (p *Page) push(w *watch, ev apiserver.WatchEvent) {
	if ev.Type == apiserver.Bookmark {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.watches[w.id] != w {
		return
	}
	if ev.Type == apiserver.Error {
		p.pending = append(p.pending, &event{w: w, typ: ev.Type, obj: ev.Object})
		return
	}
	key := eventKey{w.id, string(ev.Object.GetObjectMeta().UID)}
	e, ok := p.byUID[key]
	if !ok {
		e = &event{w: w, typ: ev.Type, obj: ev.Object}
		p.pending = append(p.pending, e)
		p.byUID[key] = e
		return
	}
	e.obj = ev.Object
	switch {
	case ev.Type == apiserver.Deleted && e.typ == apiserver.Added:
		e.dropped = true
		delete(p.byUID, key)
	case ev.Type == apiserver.Deleted:
		e.typ = apiserver.Deleted
	}
}

// takeEvents encodes and clears the pending events; the caller holds p.mu.
func (p *Page) takeEvents(now time.Time) []Event {
	if len(p.pending) == 0 {
		return nil
	}
	out := make([]Event, 0, len(p.pending))
	for _, e := range p.pending {
		if e.dropped {
			continue
		}
		obj := e.w.encode(e.obj, now)
		if e.typ == apiserver.Error {
			obj = encodeJSON(e.obj)
		}
		out = append(out, Event{Watch: e.w.id, Type: e.typ, Object: obj})
	}
	p.pending = p.pending[:0]
	clear(p.byUID)
	return out
}

// encode is an object as the watch sends it.
func (w *watch) encode(obj api.Object, now time.Time) api.RawJSON {
	if !w.summary {
		return encodeJSON(obj)
	}
	return encodeJSON(summarize(w, obj, now))
}

func encodeJSON(v any) api.RawJSON {
	b, err := api.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return b
}

func summarize(w *watch, obj api.Object, now time.Time) Summary {
	m := obj.GetObjectMeta()
	s := Summary{
		Kind: w.r.Kind, Namespace: m.Namespace, Name: m.Name, UID: string(m.UID), ResourceVersion: m.ResourceVersion,
		CreationTimestamp: m.CreationTimestamp.UnixMilli(), Labels: m.Labels,
	}
	if m.DeletionTimestamp != nil {
		s.DeletionTimestamp = m.DeletionTimestamp.UnixMilli()
	}
	for _, o := range m.OwnerReferences {
		s.Owners = append(s.Owners, Owner{Kind: o.Kind, Name: o.Name, UID: string(o.UID), Controller: api.Deref(o.Controller, false)})
	}
	if w.row != nil {
		s.Cells = w.row(obj, now)
	}
	if pod, ok := obj.(*api.Pod); ok {
		s.Node, s.Phase = pod.Spec.NodeName, pod.Status.Phase
	}
	return s
}
