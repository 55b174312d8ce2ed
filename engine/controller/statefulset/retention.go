package statefulset

import (
	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// The persistentVolumeClaimRetentionPolicy is carried out with owner
// references, so that the garbage collector deletes what the policy says:
//
//	Retain on scale-down, Retain on deletion: no reference from us
//	Retain on scale-down, Delete on deletion: the set owns the claim
//	Delete on scale-down, Retain on deletion: a scaled-down pod owns it
//	Delete on both: the set owns it, or the pod once scaled down

const (
	retain = "Retain"
	del    = "Delete"
)

func retentionPolicy(set *api.StatefulSet) api.StatefulSetPersistentVolumeClaimRetentionPolicy {
	p := api.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: retain, WhenScaled: retain}
	if set.Spec.PersistentVolumeClaimRetentionPolicy != nil {
		p = *set.Spec.PersistentVolumeClaimRetentionPolicy
	}
	return p
}

// refMatches reports whether ref names obj (by kind and name, not UID).
func refMatches(ref *api.OwnerReference, obj api.Object) bool {
	r := api.ResourceFor(obj)
	return ref.APIVersion == r.APIVersion() && ref.Kind == r.Kind && ref.Name == obj.GetObjectMeta().Name
}

func hasOwnerRef(target *api.PersistentVolumeClaim, owner api.Object) bool {
	for _, r := range target.OwnerReferences {
		if r.UID == owner.GetObjectMeta().UID {
			return true
		}
	}
	return false
}

// hasStaleOwnerRef reports whether target refers to obj's name with another
// UID: it belonged to an earlier object of that name.
func hasStaleOwnerRef(target *api.PersistentVolumeClaim, obj api.Object) bool {
	for i := range target.OwnerReferences {
		if refMatches(&target.OwnerReferences[i], obj) {
			return target.OwnerReferences[i].UID != obj.GetObjectMeta().UID
		}
	}
	return false
}

// hasUnexpectedController reports whether something other than the set or
// the pod controls the claim while the policy would have us manage it.
func hasUnexpectedController(claim *api.PersistentVolumeClaim, set *api.StatefulSet, p *api.Pod) bool {
	policy := retentionPolicy(set)
	if policy.WhenScaled == retain && policy.WhenDeleted == retain {
		return false
	}
	for i := range claim.OwnerReferences {
		ref := &claim.OwnerReferences[i]
		switch {
		case refMatches(ref, set):
			if ref.UID != set.UID {
				return true
			}
		case refMatches(ref, p):
			if ref.UID != p.UID {
				return true
			}
		case api.Deref(ref.Controller, false):
			return true
		}
	}
	return false
}

// hasNonControllerOwner reports whether the set or pod owns the claim
// without controlling it.
func hasNonControllerOwner(claim *api.PersistentVolumeClaim, set *api.StatefulSet, p *api.Pod) bool {
	for _, ref := range claim.OwnerReferences {
		if (ref.UID == set.UID || ref.UID == p.UID) && !api.Deref(ref.Controller, false) {
			return true
		}
	}
	return false
}

// claimOwnerUpToDate reports whether a claim's owner references follow the
// set's policy. A claim with stale references or another controller is
// left alone.
func claimOwnerUpToDate(claim *api.PersistentVolumeClaim, set *api.StatefulSet, p *api.Pod) bool {
	if hasStaleOwnerRef(claim, set) || hasStaleOwnerRef(claim, p) {
		return true
	}
	if hasUnexpectedController(claim, set, p) {
		return !hasOwnerRef(claim, set) && !hasOwnerRef(claim, p)
	}
	if hasNonControllerOwner(claim, set, p) {
		return false
	}
	wantSet, wantPod := wantedOwners(set, p)
	return hasOwnerRef(claim, set) == wantSet && hasOwnerRef(claim, p) == wantPod
}

// wantedOwners is which of set and pod should own a claim of the pod.
func wantedOwners(set *api.StatefulSet, p *api.Pod) (setOwns, podOwns bool) {
	policy := retentionPolicy(set)
	scaledDown := !inOrdinalRange(p, set)
	switch {
	case policy.WhenScaled == retain && policy.WhenDeleted == del:
		return true, false
	case policy.WhenScaled == del && policy.WhenDeleted == retain:
		return false, scaledDown
	case policy.WhenScaled == del && policy.WhenDeleted == del:
		return !scaledDown, scaledDown
	}
	return false, false
}

// updateClaimOwners rewrites the claim's references to the set and pod to
// follow the policy; with another controller present it only removes ours.
func updateClaimOwners(claim *api.PersistentVolumeClaim, set *api.StatefulSet, p *api.Pod) {
	unexpected := hasUnexpectedController(claim, set, p)
	var refs []api.OwnerReference
	for _, r := range claim.OwnerReferences {
		if !refMatches(&r, set) && !refMatches(&r, p) {
			refs = append(refs, r)
		}
	}
	if !unexpected {
		wantSet, wantPod := wantedOwners(set, p)
		if wantPod {
			refs = addControllerRef(refs, p)
		}
		if wantSet {
			refs = addControllerRef(refs, set)
		}
	}
	claim.OwnerReferences = refs
}

func addControllerRef(refs []api.OwnerReference, owner api.Object) []api.OwnerReference {
	for _, r := range refs {
		if r.UID == owner.GetObjectMeta().UID {
			return refs
		}
	}
	return append(refs, controller.NewControllerRef(owner))
}
