// Package garbagecollector is the garbage collector: it deletes objects
// whose owners are gone (background propagation), deletes the dependents of
// an owner deleted in the foreground before letting the owner go, and
// releases the dependents of an owner deleted with the orphan policy.
package garbagecollector

import (
	"maps"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Controller is the garbage collector.
type Controller struct {
	c         *client.Client
	informers []*client.Informer[api.Object]
	// dependents maps an owner's UID to the keys of objects that name it.
	dependents map[string]map[string]bool
	// owners maps a key to the UIDs it names as owners.
	owners map[string][]string
	// byUID maps a UID to the key of the object that has it.
	byUID map[string]string
	queue *loop.Queue
}

// New returns a garbage collector acting through c.
func New(c *client.Client) *Controller {
	ctl := &Controller{c: c, dependents: map[string]map[string]bool{}, owners: map[string][]string{}, byUID: map[string]string{}}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	for _, r := range api.Resources {
		if r.Kind == "Event" || r.Alternate() || r.Aggregated {
			continue
		}
		ctl.informers = append(ctl.informers, client.NewResourceInformer[api.Object](c, r, "", apiserver.ListOptions{}))
	}
	return ctl
}

// Start watches every resource.
func (ctl *Controller) Start() error {
	for _, inf := range ctl.informers {
		r := inf.Resource()
		inf.AddHandler(client.Handler[api.Object]{
			Add:    func(o api.Object) { ctl.observe(r, o) },
			Update: func(_, o api.Object) { ctl.observe(r, o) },
			Delete: func(o api.Object) { ctl.forget(r, o) },
		})
		if err := inf.Start(); err != nil {
			return err
		}
	}
	return nil
}

// objectKey names an object across resources: "resource.group/ns/name".
func objectKey(r *api.ResourceInfo, o api.Object) string {
	m := o.GetObjectMeta()
	return r.GroupResource() + "/" + m.Namespace + "/" + m.Name
}

func splitObjectKey(key string) (*api.ResourceInfo, string, string) {
	parts := strings.SplitN(key, "/", 3)
	for _, r := range api.Resources {
		if r.GroupResource() == parts[0] {
			return r, parts[1], parts[2]
		}
	}
	return nil, "", ""
}

func (ctl *Controller) observe(r *api.ResourceInfo, o api.Object) {
	key := objectKey(r, o)
	m := o.GetObjectMeta()
	ctl.byUID[m.UID] = key
	// As upstream's graph builder, a dependent is looked at only when one
	// of its owners is not known yet (upstream adds a virtual node for the
	// owner and verifies it): a new pod of a known ReplicaSet, or a write
	// that leaves the owners as they were (a pod's status), asks nothing
	// of the collector. An owner's deletion enqueues its dependents
	// (forget), and a change of owners the owners left (setOwners).
	ctl.setOwners(key, m.OwnerReferences)
	if !ctl.ownersKnown(m.OwnerReferences) {
		ctl.queue.Add(key)
	}
	if m.DeletionTimestamp != nil && (slices.Contains(m.Finalizers, apiserver.FinalizerOrphan) || slices.Contains(m.Finalizers, apiserver.FinalizerForeground)) {
		ctl.queue.Add(key)
		ctl.enqueueDependents(m.UID)
	}
}

func (ctl *Controller) forget(r *api.ResourceInfo, o api.Object) {
	key := objectKey(r, o)
	m := o.GetObjectMeta()
	delete(ctl.byUID, m.UID)
	ctl.setOwners(key, nil)
	ctl.enqueueDependents(m.UID)
}

// ownersKnown reports whether every owner refs names is an object the
// collector has seen.
func (ctl *Controller) ownersKnown(refs []api.OwnerReference) bool {
	for _, ref := range refs {
		if _, ok := ctl.byUID[ref.UID]; !ok {
			return false
		}
	}
	return true
}

// setOwners records the owners key names; when they changed, the owners
// it no longer names are looked at again.
func (ctl *Controller) setOwners(key string, refs []api.OwnerReference) {
	if prev := ctl.owners[key]; len(prev) == len(refs) {
		same := true
		for i, ref := range refs {
			same = same && prev[i] == ref.UID
		}
		if same {
			return
		}
	}
	for _, uid := range ctl.owners[key] {
		delete(ctl.dependents[uid], key)
		if len(ctl.dependents[uid]) == 0 {
			delete(ctl.dependents, uid)
		}
		// An owner waiting for its dependents may now be free to go.
		if ownerKey, ok := ctl.byUID[uid]; ok {
			ctl.queue.Add(ownerKey)
		}
	}
	delete(ctl.owners, key)
	for _, ref := range refs {
		if ctl.dependents[ref.UID] == nil {
			ctl.dependents[ref.UID] = map[string]bool{}
		}
		ctl.dependents[ref.UID][key] = true
		ctl.owners[key] = append(ctl.owners[key], ref.UID)
	}
}

func (ctl *Controller) enqueueDependents(uid string) {
	for _, k := range ctl.sortedDependents(uid) {
		ctl.queue.Add(k)
	}
}

// Reconcile looks at one object: as an owner being deleted with the orphan
// or foreground policy, and as a dependent whose owners may be gone.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	r, ns, name := splitObjectKey(key)
	if r == nil {
		return loop.Result{}, nil
	}
	obj, err := ctl.c.Get(r, ns, name)
	if apiserver.IsNotFound(err) {
		return loop.Result{}, nil
	}
	if err != nil {
		return loop.Result{}, err
	}
	m := obj.GetObjectMeta()
	if m.DeletionTimestamp != nil {
		switch {
		case slices.Contains(m.Finalizers, apiserver.FinalizerOrphan):
			return loop.Result{}, ctl.orphanDependents(r, obj)
		case slices.Contains(m.Finalizers, apiserver.FinalizerForeground):
			return loop.Result{}, ctl.deleteDependentsFirst(r, obj)
		}
	}
	return loop.Result{}, ctl.attemptToDelete(r, obj)
}

type ownerState int

const (
	solid ownerState = iota
	dangling
	waitingForDependents
)

// ownerStateOf checks an owner with a live read, never the cache: the
// dependent may have been seen before its owner.
func (ctl *Controller) ownerStateOf(ns string, ref api.OwnerReference) (ownerState, error) {
	r, err := api.LookupKind(ref.APIVersion, ref.Kind)
	if err != nil {
		return dangling, nil
	}
	if !r.Namespaced {
		ns = ""
	}
	owner, err := ctl.c.Get(r, ns, ref.Name)
	if apiserver.IsNotFound(err) {
		return dangling, nil
	}
	if err != nil {
		return solid, err
	}
	om := owner.GetObjectMeta()
	if om.UID != ref.UID {
		return dangling, nil
	}
	if om.DeletionTimestamp != nil && slices.Contains(om.Finalizers, apiserver.FinalizerForeground) {
		return waitingForDependents, nil
	}
	return solid, nil
}

// attemptToDelete deletes obj if none of its owners remain, or drops the
// references to owners that are gone if others remain.
func (ctl *Controller) attemptToDelete(r *api.ResourceInfo, obj api.Object) error {
	m := obj.GetObjectMeta()
	if len(m.OwnerReferences) == 0 {
		return nil
	}
	var live, gone []api.OwnerReference
	waiting := false
	for _, ref := range m.OwnerReferences {
		st, err := ctl.ownerStateOf(m.Namespace, ref)
		if err != nil {
			return err
		}
		switch st {
		case solid:
			live = append(live, ref)
		case dangling:
			gone = append(gone, ref)
		case waitingForDependents:
			waiting = true
			gone = append(gone, ref)
		}
	}
	if len(live) > 0 {
		if len(gone) == 0 || waiting {
			return nil
		}
		upd := api.Clone(obj)
		upd.GetObjectMeta().OwnerReferences = live
		_, err := ctl.c.Update(r, upd)
		return ignoreNotFound(err)
	}
	if m.DeletionTimestamp != nil {
		return nil
	}
	policy := apiserver.PropagationBackground
	if waiting {
		policy = apiserver.PropagationForeground
	}
	_, err := ctl.c.Delete(r, m.Namespace, m.Name, apiserver.DeleteOptions{PropagationPolicy: policy, PreconditionUID: m.UID})
	return ignoreNotFound(err)
}

// orphanDependents removes the owner's references from its dependents and
// then its orphan finalizer.
func (ctl *Controller) orphanDependents(r *api.ResourceInfo, owner api.Object) error {
	uid := owner.GetObjectMeta().UID
	for _, key := range ctl.sortedDependents(uid) {
		dr, ns, name := splitObjectKey(key)
		dep, err := ctl.c.Get(dr, ns, name)
		if apiserver.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		upd := api.Clone(dep)
		dm := upd.GetObjectMeta()
		dm.OwnerReferences = slices.DeleteFunc(dm.OwnerReferences, func(ref api.OwnerReference) bool { return ref.UID == uid })
		if _, err := ctl.c.Update(dr, upd); ignoreNotFound(err) != nil {
			return err
		}
	}
	return ctl.removeFinalizer(r, owner, apiserver.FinalizerOrphan)
}

// deleteDependentsFirst deletes the dependents of an owner deleted in the
// foreground; the owner's finalizer goes once no blocking dependent is left.
func (ctl *Controller) deleteDependentsFirst(r *api.ResourceInfo, owner api.Object) error {
	uid := owner.GetObjectMeta().UID
	blocked := false
	for _, key := range ctl.sortedDependents(uid) {
		dr, ns, name := splitObjectKey(key)
		dep, err := ctl.c.Get(dr, ns, name)
		if apiserver.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		for _, ref := range dep.GetObjectMeta().OwnerReferences {
			if ref.UID == uid && api.Deref(ref.BlockOwnerDeletion, false) {
				blocked = true
			}
		}
		ctl.queue.Add(key)
	}
	if blocked {
		return nil
	}
	return ctl.removeFinalizer(r, owner, apiserver.FinalizerForeground)
}

func (ctl *Controller) sortedDependents(uid string) []string {
	return slices.Sorted(maps.Keys(ctl.dependents[uid]))
}

func (ctl *Controller) removeFinalizer(r *api.ResourceInfo, obj api.Object, f string) error {
	upd := api.Clone(obj)
	m := upd.GetObjectMeta()
	m.Finalizers = slices.DeleteFunc(m.Finalizers, func(x string) bool { return x == f })
	_, err := ctl.c.Update(r, upd)
	return ignoreNotFound(err)
}

func ignoreNotFound(err error) error {
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}
