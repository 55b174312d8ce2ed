package statefulset

import (
	"fmt"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// What upstream's StatefulPodControl does: create, update and delete a
// set's pods and their claims, and record an event for each, in its words
// ("create Pod web-0 in StatefulSet web successful").

// createPod creates a pod's claims, then the pod, then sets the claims'
// owners as far as it can. An AlreadyExists error is returned unrecorded.
func (ctl *Controller) createPod(set *api.StatefulSet, p *api.Pod) error {
	if err := ctl.createClaims(set, p); err != nil {
		ctl.podEvent("create", set, p, err)
		return err
	}
	_, err := client.Create(ctl.c, p)
	if apiserver.IsAlreadyExists(err) {
		return err
	}
	if err == nil {
		if err := ctl.updateClaimsForRetention(set, p); err != nil {
			ctl.podEvent("update", set, p, err)
			return err
		}
	}
	ctl.podEvent("create", set, p, err)
	return err
}

// updatePod gives a pod its identity and storage and its claims their
// owners; it writes the pod (and records an update) only if something was
// not as it should be.
func (ctl *Controller) updatePod(set *api.StatefulSet, p *api.Pod) error {
	consistent := true
	if !identityMatches(set, p) {
		updateIdentity(set, p)
		consistent = false
	}
	if !storageMatches(set, p) {
		updateStorage(set, p)
		consistent = false
		if err := ctl.createClaims(set, p); err != nil {
			ctl.podEvent("update", set, p, err)
			return err
		}
	}
	match, err := ctl.claimsMatchRetention(set, p)
	if err != nil {
		ctl.podEvent("update", set, p, err)
		return err
	}
	if !match {
		if err := ctl.updateClaimsForRetention(set, p); err != nil {
			ctl.podEvent("update", set, p, err)
			return err
		}
		consistent = false
	}
	if consistent {
		return nil
	}
	_, err = client.Update(ctl.c, p)
	ctl.podEvent("update", set, p, err)
	return err
}

func (ctl *Controller) deletePod(set *api.StatefulSet, p *api.Pod) error {
	err := client.Delete[*api.Pod](ctl.c, p.Namespace, p.Name, apiserver.DeleteOptions{})
	ctl.podEvent("delete", set, p, err)
	return err
}

// podEvent records verb on a pod: SuccessfulCreate, FailedDelete, ...
func (ctl *Controller) podEvent(verb string, set *api.StatefulSet, p *api.Pod, err error) {
	if err == nil {
		ctl.rec.Eventf(set, api.EventNormal, "Successful"+title(verb), "%s Pod %s in StatefulSet %s successful", verb, p.Name, set.Name)
		return
	}
	ctl.rec.Eventf(set, api.EventWarning, "Failed"+title(verb), "%s Pod %s in StatefulSet %s failed error: %s", verb, p.Name, set.Name, err)
}

// claimEvent records verb on a pod's claim.
func (ctl *Controller) claimEvent(verb string, set *api.StatefulSet, p *api.Pod, claim *api.PersistentVolumeClaim, err error) {
	if err == nil {
		ctl.rec.Eventf(set, api.EventNormal, "Successful"+title(verb), "%s Claim %s Pod %s in StatefulSet %s success", verb, claim.Name, p.Name, set.Name)
		return
	}
	ctl.rec.Eventf(set, api.EventWarning, "Failed"+title(verb), "%s Claim %s for Pod %s in StatefulSet %s failed error: %s", verb, claim.Name, p.Name, set.Name, err)
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// createClaims creates the pod's missing claims. A claim being deleted is
// an error: the pod must wait for it to go.
func (ctl *Controller) createClaims(set *api.StatefulSet, p *api.Pod) error {
	var errs []error
	for _, claim := range claimsFor(set, p) {
		have, ok := ctl.claims.Get(claim.Namespace, claim.Name)
		switch {
		case !ok:
			_, err := client.Create(ctl.c, claim)
			if err != nil {
				errs = append(errs, fmt.Errorf("failed to create PVC %s: %s", claim.Name, err))
			}
			if err == nil || !apiserver.IsAlreadyExists(err) {
				ctl.claimEvent("create", set, p, claim, err)
			}
		case have.DeletionTimestamp != nil:
			errs = append(errs, fmt.Errorf("pvc %s is being deleted", claim.Name))
		}
	}
	return aggregate(errs)
}

// createMissingClaims is what a pending pod gets on every sync: its claims,
// and their owners.
func (ctl *Controller) createMissingClaims(set *api.StatefulSet, p *api.Pod) error {
	if err := ctl.createClaims(set, p); err != nil {
		return err
	}
	if err := ctl.updateClaimsForRetention(set, p); err != nil {
		ctl.podEvent("update", set, p, err)
		return err
	}
	return nil
}

// podClaims returns the pod's claims that exist, in template order.
func (ctl *Controller) podClaims(set *api.StatefulSet, p *api.Pod) []*api.PersistentVolumeClaim {
	var out []*api.PersistentVolumeClaim
	for i := range set.Spec.VolumeClaimTemplates {
		name := ClaimName(set, &set.Spec.VolumeClaimTemplates[i], ordinalOf(p))
		if c, ok := ctl.claims.Get(set.Namespace, name); ok {
			out = append(out, c)
		}
	}
	return out
}

// claimsMatchRetention reports whether the pod's claims have the owners
// the retention policy asks for. A missing claim is picked up later.
func (ctl *Controller) claimsMatchRetention(set *api.StatefulSet, p *api.Pod) (bool, error) {
	for _, c := range ctl.podClaims(set, p) {
		if !claimOwnerUpToDate(c, set, p) {
			return false, nil
		}
	}
	return true, nil
}

// updateClaimsForRetention gives the pod's claims the owners the policy
// asks for.
func (ctl *Controller) updateClaimsForRetention(set *api.StatefulSet, p *api.Pod) error {
	for _, c := range ctl.podClaims(set, p) {
		if hasUnexpectedController(c, set, p) {
			ctl.rec.Eventf(set, api.EventWarning, "ConflictingController",
				"PersistentVolumeClaim %s has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim", c.Name)
		}
		if claimOwnerUpToDate(c, set, p) {
			continue
		}
		upd := api.Clone(c)
		updateClaimOwners(upd, set, p)
		if _, err := client.Update(ctl.c, upd); err != nil {
			return fmt.Errorf("could not update claim %s for delete policy ownerRefs: %w", c.Name, err)
		}
	}
	return nil
}

// claimIsStale reports whether a claim of the pod still belongs to an
// earlier pod of that ordinal, which blocks creating the pod while the
// scale-down policy deletes claims.
func (ctl *Controller) claimIsStale(set *api.StatefulSet, p *api.Pod) bool {
	if retentionPolicy(set).WhenScaled == retain {
		return false
	}
	for _, c := range ctl.podClaims(set, p) {
		if hasStaleOwnerRef(c, p) {
			return true
		}
	}
	return false
}

// aggregate joins errors as apimachinery's Aggregate prints them: one
// error alone, several as "[a, b]".
func aggregate(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return &aggregateError{errs: errs, msg: "[" + strings.Join(msgs, ", ") + "]"}
}

type aggregateError struct {
	errs []error
	msg  string
}

func (e *aggregateError) Error() string   { return e.msg }
func (e *aggregateError) Unwrap() []error { return e.errs }
