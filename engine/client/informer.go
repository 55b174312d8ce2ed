package client

import (
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// Handler receives an informer's changes. Any field may be nil.
type Handler[T api.Object] struct {
	Add    func(obj T)
	Update func(old, obj T)
	Delete func(obj T)
}

// Informer keeps a local cache of one resource, filled by a list and kept
// current by a watch, as client-go's informers do. Cached objects are shared
// with the API server: clone before changing.
type Informer[T api.Object] struct {
	c        *Client
	r        *api.ResourceInfo
	ns       string
	opts     apiserver.ListOptions
	items    map[string]T
	keys     []string // the items' keys, sorted; nil when stale
	indexes  map[string]*index[T]
	handlers []Handler[T]
	stop     func()
	synced   bool
}

// NewInformer returns an informer over the objects of ns ("" for all) that
// match opts. It does nothing until Start.
func NewInformer[T api.Object](c *Client, ns string, opts apiserver.ListOptions) *Informer[T] {
	return NewResourceInformer[T](c, resourceOf[T](), ns, opts)
}

// NewResourceInformer returns an informer over resource r; T may be
// api.Object to watch any resource.
func NewResourceInformer[T api.Object](c *Client, r *api.ResourceInfo, ns string, opts apiserver.ListOptions) *Informer[T] {
	return &Informer[T]{c: c, r: r, ns: ns, opts: opts, items: map[string]T{}}
}

// Resource returns the resource the informer watches.
func (i *Informer[T]) Resource() *api.ResourceInfo { return i.r }

// AddHandler registers h. Objects already cached are replayed to h.Add.
func (i *Informer[T]) AddHandler(h Handler[T]) {
	i.handlers = append(i.handlers, h)
	if i.synced && h.Add != nil {
		for _, obj := range i.List() {
			h.Add(obj)
		}
	}
}

// Start lists and then watches from the list's revision, so no change is
// missed. Handlers see the listed objects as adds.
func (i *Informer[T]) Start() error {
	r := i.r
	l, err := i.c.List(r, i.ns, i.opts)
	if err != nil {
		return err
	}
	opts := i.opts
	opts.ResourceVersion = l.ResourceVersion
	stop, err := i.c.Watch(r, i.ns, opts, i.onEvent)
	if err != nil {
		return err
	}
	i.stop = stop
	for _, o := range l.Items {
		obj := o.(T)
		k := keyOf(obj)
		old, had := i.items[k]
		i.items[k] = obj
		i.reindex(k, old, had, obj, true)
	}
	i.keys = nil
	i.synced = true
	for _, o := range l.Items {
		for _, h := range i.handlers {
			if h.Add != nil {
				h.Add(o.(T))
			}
		}
	}
	return nil
}

// Stop ends the watch.
func (i *Informer[T]) Stop() {
	if i.stop != nil {
		i.stop()
		i.stop = nil
	}
}

// HasSynced reports whether the initial list is in the cache.
func (i *Informer[T]) HasSynced() bool { return i.synced }

func (i *Informer[T]) onEvent(ev apiserver.WatchEvent) {
	obj := ev.Object.(T)
	k := cacheKeyOf(ev)
	old, had := i.items[k]
	switch ev.Type {
	case apiserver.Added, apiserver.Modified:
		i.items[k] = obj
		i.reindex(k, old, had, obj, true)
		if !had {
			i.keys = nil
		}
		for _, h := range i.handlers {
			switch {
			case had && h.Update != nil:
				h.Update(old, obj)
			case !had && h.Add != nil:
				h.Add(obj)
			}
		}
	case apiserver.Deleted:
		delete(i.items, k)
		i.reindex(k, old, had, obj, false)
		if had {
			i.keys = nil
		}
		for _, h := range i.handlers {
			if h.Delete != nil {
				h.Delete(obj)
			}
		}
	}
}

// Get returns the cached object.
func (i *Informer[T]) Get(ns, name string) (T, bool) {
	obj, ok := i.items[Key(ns, name)]
	return obj, ok
}

// List returns every cached object, sorted by namespace and name.
func (i *Informer[T]) List() []T {
	keys := i.sortedKeys()
	out := make([]T, len(keys))
	for j, k := range keys {
		out[j] = i.items[k]
	}
	return out
}

// sortedKeys returns the cached keys in order, sorting them again only
// after an object came or went: controllers list on every sync, and a
// sort of ten thousand pods each time would dominate a large cluster.
func (i *Informer[T]) sortedKeys() []string {
	if i.keys == nil {
		i.keys = make([]string, 0, len(i.items))
		for k := range i.items {
			i.keys = append(i.keys, k)
		}
		sort.Strings(i.keys)
	}
	return i.keys
}

// Select returns the cached objects in ns ("" for all) whose labels match sel.
func (i *Informer[T]) Select(ns string, sel api.Selector) []T {
	var out []T
	for _, k := range i.sortedKeys() {
		obj := i.items[k]
		m := obj.GetObjectMeta()
		if (ns == "" || m.Namespace == ns) && sel.Matches(m.Labels) {
			out = append(out, obj)
		}
	}
	return out
}

// Len returns the number of cached objects.
func (i *Informer[T]) Len() int { return len(i.items) }

// Key returns the cache key "namespace/name" (or "name" when cluster-scoped).
func Key(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// KeyOf returns the cache key of obj.
func KeyOf(obj api.Object) string { return keyOf(obj) }

func keyOf(obj api.Object) string {
	m := obj.GetObjectMeta()
	return Key(m.Namespace, m.Name)
}

// cacheKeyOf is the cache key of a watch event's object: the end of its
// store key, after "/registry/RESOURCE/", which is namespace/name (or
// the name of a cluster-scoped object) as Key makes it.
func cacheKeyOf(ev apiserver.WatchEvent) string {
	slashes := 0
	for j := 0; j < len(ev.Key); j++ {
		if ev.Key[j] == '/' {
			if slashes++; slashes == 3 {
				return ev.Key[j+1:]
			}
		}
	}
	return keyOf(ev.Object)
}

// SplitKey splits a cache key into namespace and name.
func SplitKey(key string) (ns, name string) {
	for j := 0; j < len(key); j++ {
		if key[j] == '/' {
			return key[:j], key[j+1:]
		}
	}
	return "", key
}
