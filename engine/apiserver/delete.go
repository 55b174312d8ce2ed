package apiserver

import (
	"errors"
	"slices"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/store"
)

// Deletion propagation policies.
const (
	PropagationBackground = "Background"
	PropagationForeground = "Foreground"
	PropagationOrphan     = "Orphan"
)

// Finalizers the garbage collector honours.
const (
	FinalizerOrphan     = "orphan"
	FinalizerForeground = "foregroundDeletion"
)

// DeleteOptions are the options of a delete, as metav1.DeleteOptions.
type DeleteOptions struct {
	GracePeriodSeconds *int64
	PropagationPolicy  string
	PreconditionUID    string
	// DryRun checks and shows the deletion without making it.
	DryRun bool
}

func (s *Server) deleteStored(r *api.ResourceInfo, ns, name string, opts DeleteOptions) (api.Object, error) {
	key := Key(r, ns, name)
	cur, ok := s.store.Get(key)
	if !ok {
		return nil, NewNotFound(r, name)
	}
	if opts.PreconditionUID != "" && opts.PreconditionUID != cur.Value.GetObjectMeta().UID {
		return nil, NewConflict(r, name, errors.New("Precondition failed: UID in precondition: "+opts.PreconditionUID+", UID in object meta: "+cur.Value.GetObjectMeta().UID))
	}
	obj := api.Clone(cur.Value)
	meta := obj.GetObjectMeta()
	grace := s.gracePeriod(obj, opts)
	changed := s.addPropagationFinalizer(r, meta, opts.PropagationPolicy)
	if meta.DeletionTimestamp != nil {
		return s.shortenGrace(r, key, obj, cur, grace, changed)
	}
	if ns, ok := obj.(*api.Namespace); ok && immortalNamespaces[ns.Name] {
		return nil, NewForbidden(r, name, errors.New("this namespace may not be deleted"))
	}
	if grace == 0 && !hasFinalizers(obj) {
		return s.remove(r, key, cur)
	}
	now := s.Now()
	meta.DeletionTimestamp = api.NewTimePtr(now.Add(time.Duration(grace) * time.Second))
	meta.DeletionGracePeriodSeconds = api.Ptr(grace)
	if ns, ok := obj.(*api.Namespace); ok {
		ns.Status.Phase = "Terminating"
	}
	return s.commitUpdate(r, key, obj, cur.ModRevision)
}

func (s *Server) remove(r *api.ResourceInfo, key string, cur store.KV) (api.Object, error) {
	return s.storeDelete(r, key, cur.ModRevision, cur.Value.GetObjectMeta().Name)
}

// storeDelete removes key from the store and releases what the object held.
func (s *Server) storeDelete(r *api.ResourceInfo, key string, rev int64, name string) (api.Object, error) {
	if s.dryRun {
		kv, _ := s.store.Get(key)
		return kv.Value, nil
	}
	kv, err := s.store.Delete(key, rev)
	if err != nil {
		return nil, NewConflict(r, name, errModified)
	}
	if svc, ok := kv.Value.(*api.Service); ok {
		s.ipam.release(svc)
	}
	return kv.Value, nil
}

// shortenGrace handles a delete of an object already being deleted: the
// grace period may only get shorter, and zero finishes a pod's deletion.
func (s *Server) shortenGrace(r *api.ResourceInfo, key string, obj api.Object, cur store.KV, grace int64, changed bool) (api.Object, error) {
	meta := obj.GetObjectMeta()
	old := api.Deref(meta.DeletionGracePeriodSeconds, 0)
	if grace < old {
		meta.DeletionGracePeriodSeconds = api.Ptr(grace)
		meta.DeletionTimestamp = api.NewTimePtr(s.Now().Add(time.Duration(grace) * time.Second))
		changed = true
	}
	if grace == 0 && !hasFinalizers(obj) {
		return s.remove(r, key, cur)
	}
	if !changed {
		return cur.Value, nil
	}
	return s.commitUpdate(r, key, obj, cur.ModRevision)
}

// immortalNamespaces may not be deleted (the NamespaceLifecycle admission plugin).
var immortalNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true}

// hasFinalizers reports whether something must finish before obj may go: its
// finalizers, or for a namespace the finalizers in its spec.
func hasFinalizers(obj api.Object) bool {
	if ns, ok := obj.(*api.Namespace); ok && len(ns.Spec.Finalizers) > 0 {
		return true
	}
	return len(obj.GetObjectMeta().Finalizers) > 0
}

// FinalizeNamespace sets a namespace's spec.finalizers (the namespaces/finalize
// subresource the namespace controller uses once the namespace is empty).
func (s *Server) FinalizeNamespace(name string, finalizers []string) (api.Object, error) {
	r := resourceOf("namespaces")
	key := Key(r, "", name)
	cur, ok := s.store.Get(key)
	if !ok {
		return nil, NewNotFound(r, name)
	}
	ns := api.Clone(cur.Value.(*api.Namespace))
	ns.Spec.Finalizers = finalizers
	return s.commitUpdate(r, key, ns, cur.ModRevision)
}

func (s *Server) gracePeriod(obj api.Object, opts DeleteOptions) int64 {
	p, ok := obj.(*api.Pod)
	if !ok {
		return 0
	}
	if !podNeedsKubelet(p) {
		return 0
	}
	if opts.GracePeriodSeconds != nil {
		if *opts.GracePeriodSeconds < 0 {
			return 1
		}
		return *opts.GracePeriodSeconds
	}
	return api.Deref(p.Spec.TerminationGracePeriodSeconds, 30)
}

// podNeedsKubelet reports whether a pod's kubelet must stop it before it goes.
func podNeedsKubelet(p *api.Pod) bool {
	return p.Spec.NodeName != "" && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed
}

func (s *Server) addPropagationFinalizer(r *api.ResourceInfo, meta *api.ObjectMeta, policy string) bool {
	var f string
	switch policy {
	case PropagationOrphan:
		f = FinalizerOrphan
	case PropagationForeground:
		f = FinalizerForeground
	default:
		return false
	}
	if slices.Contains(meta.Finalizers, f) {
		return false
	}
	meta.Finalizers = append(meta.Finalizers, f)
	return true
}
