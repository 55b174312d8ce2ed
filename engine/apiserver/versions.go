package apiserver

import (
	"errors"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The exported verbs serve any version of a resource: a resource that is
// another's second view (events.k8s.io Events, autoscaling/v1
// HorizontalPodAutoscalers) is stored as that other and converted on the
// way in and out, so both views always agree.

// Get returns the object, shared: callers must not modify it.
func (s *Server) Get(r *api.ResourceInfo, ns, name string) (api.Object, error) {
	if r.Aggregated {
		s.warnDeprecated(r)
		svc, err := s.apiService(r, "get")
		if err != nil {
			return nil, err
		}
		return svc.Get(r, ns, name)
	}
	s.warnDeprecated(r)
	obj, err := s.getStored(r.Stored(), ns, name)
	return r.FromStorage(obj), served(r, err)
}

// List returns the objects in ns (every namespace when ns is "") that match opts.
func (s *Server) List(r *api.ResourceInfo, ns string, opts ListOptions) (*List, error) {
	if r.Aggregated {
		s.warnDeprecated(r)
		svc, err := s.apiService(r, "get")
		if err != nil {
			return nil, err
		}
		return svc.List(r, ns, opts)
	}
	s.warnDeprecated(r)
	opts.FieldSelector = storedFieldSelector(r, opts.FieldSelector)
	l, err := s.listStored(r.Stored(), ns, opts)
	if err != nil || !r.Alternate() {
		return l, served(r, err)
	}
	for i, o := range l.Items {
		l.Items[i] = r.FromStorage(o)
	}
	return l, nil
}

// Create stores a new object. The object becomes the server's; the caller
// must not use it afterwards. The stored object is returned.
func (s *Server) Create(r *api.ResourceInfo, ns string, obj api.Object) (api.Object, error) {
	return s.create(r, ns, obj, false)
}

// CreateOwned is Create of an object the caller gives the server: the
// server may store it as it is rather than a copy, so the caller must
// not change it afterwards, nor use it again when the create fails (the
// server may have changed it). For objects made only to be created, such
// as a recorder's events.
func (s *Server) CreateOwned(r *api.ResourceInfo, ns string, obj api.Object) (api.Object, error) {
	return s.create(r, ns, obj, true)
}

// create is Create, storing obj as it is when the caller gave it (owned)
// or its conversion to the stored version copied it whole.
func (s *Server) create(r *api.ResourceInfo, ns string, obj api.Object, owned bool) (api.Object, error) {
	if r.Aggregated {
		return nil, readOnly(r, "create")
	}
	s.warnDeprecated(r)
	stored, copied := r.ToStorageCopy(obj)
	out, err := s.createStored(r.Stored(), ns, stored, owned || copied)
	return r.FromStorage(out), served(r, err)
}

// Update replaces an object's spec and metadata; its status is kept. A
// resourceVersion in obj must match the stored one.
func (s *Server) Update(r *api.ResourceInfo, obj api.Object) (api.Object, error) {
	if r.Aggregated {
		return nil, readOnly(r, "update")
	}
	s.warnDeprecated(r)
	out, err := s.update(r.Stored(), r.ToStorage(obj), false)
	return r.FromStorage(out), served(r, err)
}

// UpdateStatus replaces an object's status (the status subresource); its
// spec and metadata are kept.
func (s *Server) UpdateStatus(r *api.ResourceInfo, obj api.Object) (api.Object, error) {
	if r.Aggregated {
		return nil, readOnly(r, "update")
	}
	out, err := s.update(r.Stored(), r.ToStorage(obj), true)
	return r.FromStorage(out), served(r, err)
}

// Delete deletes an object. A pod running on a node is deleted gracefully:
// it gets a deletionTimestamp and stays until its kubelet has stopped it. An
// object with finalizers stays until they are removed. The returned object is
// the deleted one, or the one now marked for deletion.
func (s *Server) Delete(r *api.ResourceInfo, ns, name string, opts DeleteOptions) (api.Object, error) {
	if r.Aggregated {
		return nil, readOnly(r, "delete")
	}
	s.warnDeprecated(r)
	defer s.startDryRun(opts.DryRun)()
	out, err := s.deleteStored(r.Stored(), ns, name, opts)
	return r.FromStorage(out), served(r, err)
}

// Watch streams changes of the objects in ns that match opts to handler.
// Events are delivered as tasks of the event loop, in revision order, never
// during the write that caused them. With no resourceVersion (or "0") the
// watch starts with an ADDED event for each current object; with one it
// replays every change after it, or fails with 410 Gone if that history is
// compacted. The returned stop ends the watch.
func (s *Server) Watch(r *api.ResourceInfo, ns string, opts ListOptions, handler func(WatchEvent)) (stop func(), err error) {
	if r.Aggregated {
		return nil, readOnly(r, "watch")
	}
	s.warnDeprecated(r)
	opts.FieldSelector = storedFieldSelector(r, opts.FieldSelector)
	if !r.Alternate() {
		return s.watchStored(r, ns, opts, handler)
	}
	return s.watchStored(r.Stored(), ns, opts, func(ev WatchEvent) {
		ev.Object = r.FromStorage(ev.Object)
		handler(ev)
	})
}

// served words an error about the stored resource as one about the
// resource the client asked for: `events.events.k8s.io "x" not found`.
func served(r *api.ResourceInfo, err error) error {
	if err == nil || !r.Alternate() {
		return err
	}
	return servedAlternate(r, err)
}

// servedAlternate is served for an alternate version: apart, so that the
// common case allocates nothing (errors.As takes its target's address).
func servedAlternate(r *api.ResourceInfo, err error) error {
	var se *StatusError
	if !errors.As(err, &se) {
		return err
	}
	st := r.Stored()
	out := *se
	if se.Status.Reason == "Invalid" {
		out.Status.Message = strings.Replace(out.Status.Message, st.GroupKind()+" ", r.GroupKind()+" ", 1)
	} else {
		out.Status.Message = strings.Replace(out.Status.Message, st.GroupResource()+" ", r.GroupResource()+" ", 1)
	}
	if d := se.Status.Details; d != nil {
		dc := *d
		dc.Group = r.Group
		if dc.Kind == st.Resource {
			dc.Kind = r.Resource
		} else if dc.Kind == st.Kind {
			dc.Kind = r.Kind
		}
		out.Status.Details = &dc
	}
	return &out
}
