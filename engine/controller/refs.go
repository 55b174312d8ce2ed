package controller

import (
	"errors"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Release removes the reference to the owner with UID ownerUID from obj, as
// a controller lets go of a dependent that stopped matching its selector;
// an object already gone is no error.
func Release[T api.Object](c *client.Client, obj T, ownerUID string) error {
	upd := api.Clone(obj)
	m := upd.GetObjectMeta()
	var refs []api.OwnerReference
	for _, r := range m.OwnerReferences {
		if r.UID != ownerUID {
			refs = append(refs, r)
		}
	}
	m.OwnerReferences = refs
	_, err := client.Update(c, upd)
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}

// Claim is the ControllerRefManager's ClaimObjects: of objs (one
// namespace's), it returns those owner controls and that match sel,
// adopting matching orphans and releasing its own that no longer match;
// nothing is adopted or released while owner is being deleted, and an
// object being deleted is not adopted.
func Claim[T api.Object](c *client.Client, owner api.Object, sel api.Selector, objs []T) ([]T, error) {
	om := owner.GetObjectMeta()
	deleting := om.DeletionTimestamp != nil
	var out []T
	var errs []error
	for _, obj := range objs {
		m := obj.GetObjectMeta()
		ref := ControllerRef(obj)
		switch {
		case ref != nil && ref.UID != om.UID:
		case ref != nil && sel.Matches(m.Labels):
			out = append(out, obj)
		case ref != nil && !deleting:
			errs = append(errs, Release(c, obj, om.UID))
		case ref == nil && !deleting && sel.Matches(m.Labels) && m.DeletionTimestamp == nil:
			adopted, err := Adopt(c, obj, owner)
			switch {
			case err == nil:
				out = append(out, adopted)
			case !apiserver.IsNotFound(err):
				errs = append(errs, err)
			}
		}
	}
	return out, errors.Join(errs...)
}

// ControllerIndex names the pod index by controller (upstream's
// PodControllerUIDIndex): a pod's controller's UID, or "orphan/NAMESPACE"
// for a pod without one.
const ControllerIndex = "controllerUID"

// ControllerIndexValues are an object's values in the ControllerIndex.
func ControllerIndexValues[T api.Object](obj T) []string {
	if ref := ControllerRef(obj); ref != nil {
		return []string{ref.UID}
	}
	return []string{OrphanIndexValue(obj.GetObjectMeta().Namespace)}
}

// OrphanIndexValue is the ControllerIndex value of a namespace's orphans.
func OrphanIndexValue(ns string) string { return "orphan/" + ns }
