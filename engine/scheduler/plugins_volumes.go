package scheduler

import (
	"fmt"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// VolumeRestrictions and the prefilter and filter of VolumeBinding. The
// binder's reserve and prebind are in binder.go.

// Annotations the volume binding reads and writes.
const (
	annBindCompleted = "pv.kubernetes.io/bind-completed"
	annBoundByCtrl   = "pv.kubernetes.io/bound-by-controller"
	annSelectedNode  = "volume.kubernetes.io/selected-node"
	annStorageClass  = "volume.beta.kubernetes.io/storage-class"
	noProvisioner    = "kubernetes.io/no-provisioner"
	waitForConsumer  = "WaitForFirstConsumer"
	readWriteOncePod = "ReadWriteOncePod"
)

// The VolumeBinding filter's reasons.
const (
	errBindConflict = "node(s) didn't find available persistent volumes to bind"
	errNodeConflict = "node(s) had volume node affinity conflict"
	errPVNotExist   = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
	errRWOPConflict = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
	errUnboundClaim = "pod has unbound immediate PersistentVolumeClaims"
)

func notFoundClaim(name string) string {
	return fmt.Sprintf("persistentvolumeclaim %q not found", name)
}

// volumeRestrictions is the VolumeRestrictions plugin, for the
// ReadWriteOncePod access mode (the in-tree disk types it also checks are
// not simulated).
type volumeRestrictions struct{ h *handle }

func (volumeRestrictions) Name() string { return "VolumeRestrictions" }

// rwopState counts the pod's ReadWriteOncePod claims other pods use.
type rwopState struct {
	claims    map[string]bool
	conflicts int
}

func (r *rwopState) clone() *rwopState {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

func (pl volumeRestrictions) PreFilter(s *cycleState, p *api.Pod) (*preFilterResult, *Status) {
	st := &rwopState{claims: map[string]bool{}}
	for i := range p.Spec.Volumes {
		v := &p.Spec.Volumes[i]
		if v.PersistentVolumeClaim == nil {
			continue
		}
		pvc, ok := pl.h.claim(p.Namespace, v.PersistentVolumeClaim.ClaimName)
		if !ok {
			return nil, newStatus(UnschedulableAndUnresolvable, notFoundClaim(v.PersistentVolumeClaim.ClaimName))
		}
		if slices.Contains(pvc.Spec.AccessModes, readWriteOncePod) {
			key := client.Key(p.Namespace, pvc.Name)
			st.claims[key] = true
			if pl.h.cache.claimInUse(key) {
				st.conflicts++
			}
		}
	}
	if st.conflicts == 0 {
		return nil, skipped
	}
	s.rwop = st
	return nil, nil
}

func (volumeRestrictions) Filter(s *cycleState, _ *api.Pod, _ *nodeInfo) *Status {
	if s.rwop.conflicts > 0 {
		return newStatus(Unschedulable, errRWOPConflict)
	}
	return nil
}

func (volumeRestrictions) AddPod(s *cycleState, _ *api.Pod, added *podInfo, _ *nodeInfo) {
	s.rwop.update(added, 1)
}

func (volumeRestrictions) RemovePod(s *cycleState, _ *api.Pod, removed *podInfo, _ *nodeInfo) {
	s.rwop.update(removed, -1)
}

func (r *rwopState) update(pi *podInfo, delta int) {
	if r == nil {
		return
	}
	for _, c := range pi.claims {
		if r.claims[c] {
			r.conflicts += delta
		}
	}
}

func (volumeRestrictions) Events() []eventHint {
	return []eventHint{
		{resource: resAssignedPod, actions: actDelete, hint: func(p *api.Pod, old, _ any) bool {
			deleted, _ := asPods(old, nil)
			return deleted != nil && deleted.Namespace == p.Namespace && sharesClaim(p, deleted)
		}},
		{resource: resNode, actions: actAdd},
		{resource: resClaim, actions: actAdd, hint: usesClaim},
	}
}

func sharesClaim(a, b *api.Pod) bool {
	bc := podClaims(b)
	return slices.ContainsFunc(podClaims(a), func(c string) bool { return slices.Contains(bc, c) })
}

// usesClaim queues a pod for a change of a claim it mounts.
func usesClaim(p *api.Pod, old, new any) bool {
	pvc, _ := new.(*api.PersistentVolumeClaim)
	if pvc == nil {
		pvc, _ = old.(*api.PersistentVolumeClaim)
	}
	return pvc != nil && pvc.Namespace == p.Namespace && slices.Contains(podClaims(p), client.Key(p.Namespace, pvc.Name))
}

// volumeBinding is the VolumeBinding plugin: the pod's claims must be
// bound, or bindable on the node (a matching PersistentVolume, or a class
// that provisions there) when their class waits for the first consumer.
type volumeBinding struct{ h *handle }

func (*volumeBinding) Name() string { return "VolumeBinding" }

// volumeState is what PreFilter found of the pod's claims; Filter adds
// what each feasible node would need.
type volumeState struct {
	bound     []*api.PersistentVolumeClaim
	delayed   []*api.PersistentVolumeClaim // unbound, WaitForFirstConsumer
	byNode    map[string]*podVolumes
	allBound  bool
	reserved  *podVolumes
	nodeOfRes string
}

// podVolumes is what binding the pod's volumes on one node takes.
type podVolumes struct {
	static    []staticBinding
	provision []*api.PersistentVolumeClaim
}

type staticBinding struct {
	pv  *api.PersistentVolume
	pvc *api.PersistentVolumeClaim
}

func (pl *volumeBinding) PreFilter(s *cycleState, p *api.Pod) (*preFilterResult, *Status) {
	claims, st := pl.podClaims(p)
	if st != nil {
		return nil, st
	}
	if len(claims) == 0 {
		return nil, skipped
	}
	vs := &volumeState{byNode: map[string]*podVolumes{}}
	immediate := 0
	for _, pvc := range claims {
		switch delayed, err := pl.h.delayBinding(pvc); {
		case err != nil:
			return nil, asStatus(err)
		case fullyBound(pvc):
			vs.bound = append(vs.bound, pvc)
		case delayed && pvc.Spec.VolumeName == "":
			vs.delayed = append(vs.delayed, pvc)
		default:
			immediate++
		}
	}
	if immediate > 0 {
		return nil, newStatus(UnschedulableAndUnresolvable, errUnboundClaim)
	}
	s.volumes = vs
	return nil, nil
}

// podClaims is podHasPVCs: each claim must exist, not be lost or being
// deleted, and an ephemeral volume's claim must belong to the pod.
func (pl *volumeBinding) podClaims(p *api.Pod) ([]*api.PersistentVolumeClaim, *Status) {
	var out []*api.PersistentVolumeClaim
	for i := range p.Spec.Volumes {
		v := &p.Spec.Volumes[i]
		name := claimName(p, v)
		if name == "" {
			continue
		}
		pvc, ok := pl.h.claim(p.Namespace, name)
		if msg := claimProblem(p, v, name, pvc, ok); msg != "" {
			return nil, newStatus(UnschedulableAndUnresolvable, msg)
		}
		out = append(out, pvc)
	}
	return out, nil
}

func claimProblem(p *api.Pod, v *api.Volume, name string, pvc *api.PersistentVolumeClaim, ok bool) string {
	switch {
	case !ok && v.Ephemeral != nil:
		return fmt.Sprintf("waiting for ephemeral volume controller to create the persistentvolumeclaim %q", name)
	case !ok:
		return notFoundClaim(name)
	case pvc.Status.Phase == "Lost":
		return fmt.Sprintf("persistentvolumeclaim %q bound to non-existent persistentvolume %q", name, pvc.Spec.VolumeName)
	case pvc.DeletionTimestamp != nil:
		return fmt.Sprintf("persistentvolumeclaim %q is being deleted", name)
	case v.Ephemeral != nil && !ownedBy(pvc, p):
		return fmt.Sprintf("PVC %s/%s was not created for pod %s/%s (pod is not owner)", pvc.Namespace, pvc.Name, p.Namespace, p.Name)
	}
	return ""
}

func ownedBy(pvc *api.PersistentVolumeClaim, p *api.Pod) bool {
	for _, o := range pvc.OwnerReferences {
		if o.UID == p.UID && api.Deref(o.Controller, false) {
			return true
		}
	}
	return false
}

// fullyBound: the claim names its volume and the binding is complete.
func fullyBound(pvc *api.PersistentVolumeClaim) bool {
	_, done := pvc.Annotations[annBindCompleted]
	return pvc.Spec.VolumeName != "" && done
}

// claimClass is GetPersistentVolumeClaimClass: the beta annotation first.
func claimClass(pvc *api.PersistentVolumeClaim) string {
	if c, ok := pvc.Annotations[annStorageClass]; ok {
		return c
	}
	return api.Deref(pvc.Spec.StorageClassName, "")
}

func volumeClass(pv *api.PersistentVolume) string {
	if c, ok := pv.Annotations[annStorageClass]; ok {
		return c
	}
	return pv.Spec.StorageClassName
}

// Filter is FindPodVolumes: bound claims' volumes must allow the node;
// each waiting claim needs a matching volume there, or a class that
// provisions there.
func (pl *volumeBinding) Filter(s *cycleState, _ *api.Pod, n *nodeInfo) *Status {
	vs := s.volumes
	var reasons []string
	boundOK, pvsExist := pl.checkBound(vs.bound, n.node)
	pv, unboundOK := pl.findVolumes(vs.delayed, n.node)
	if !boundOK {
		reasons = append(reasons, errNodeConflict)
	}
	if !unboundOK {
		reasons = append(reasons, errBindConflict)
	}
	if !pvsExist {
		reasons = append(reasons, errPVNotExist)
	}
	if len(reasons) > 0 {
		return newStatus(UnschedulableAndUnresolvable, reasons...)
	}
	vs.byNode[n.name()] = pv
	return nil
}

// checkBound is checkBoundClaims.
func (pl *volumeBinding) checkBound(claims []*api.PersistentVolumeClaim, n *api.Node) (ok, exist bool) {
	for _, pvc := range claims {
		pv, found := pl.h.volume(pvc.Spec.VolumeName)
		if !found {
			return true, false
		}
		if !volumeAllowsNode(pv, n) {
			return false, true
		}
	}
	return true, true
}

func volumeAllowsNode(pv *api.PersistentVolume, n *api.Node) bool {
	na := pv.Spec.NodeAffinity
	if na == nil || na.Required == nil {
		return true
	}
	labelsOnly := &api.Node{ObjectMeta: api.ObjectMeta{Labels: n.Labels}}
	return matchesSomeTerm(na.Required.NodeSelectorTerms, labelsOnly)
}

// findVolumes finds a volume for each waiting claim, smallest claims
// first, and checks that the rest can be provisioned on the node.
func (pl *volumeBinding) findVolumes(claims []*api.PersistentVolumeClaim, n *api.Node) (*podVolumes, bool) {
	pv := &podVolumes{}
	chosen := map[string]bool{}
	var toProvision []*api.PersistentVolumeClaim
	for _, pvc := range sortBySize(claims) {
		if sel, ok := pvc.Annotations[annSelectedNode]; ok {
			if sel != n.Name {
				return pv, false
			}
			toProvision = append(toProvision, pvc)
			continue
		}
		if v := pl.matchingVolume(pvc, n, chosen); v != nil {
			chosen[v.Name] = true
			pv.static = append(pv.static, staticBinding{pv: v, pvc: pvc})
			continue
		}
		toProvision = append(toProvision, pvc)
	}
	for _, pvc := range toProvision {
		if !pl.h.provisionsOn(pvc, n) {
			return pv, false
		}
		pv.provision = append(pv.provision, pvc)
	}
	return pv, true
}

func sortBySize(claims []*api.PersistentVolumeClaim) []*api.PersistentVolumeClaim {
	out := slices.Clone(claims)
	slices.SortStableFunc(out, func(a, b *api.PersistentVolumeClaim) int {
		return claimSize(a).Cmp(claimSize(b))
	})
	return out
}

func claimSize(pvc *api.PersistentVolumeClaim) api.Quantity {
	return pvc.Spec.Resources.Requests["storage"]
}

// matchingVolume is FindMatchingVolume for the scheduler: a volume already
// meant for the claim, else the smallest Available one of its class that
// is big enough, selected, of a compatible mode and access modes, and
// allowed on the node.
func (pl *volumeBinding) matchingVolume(pvc *api.PersistentVolumeClaim, n *api.Node, chosen map[string]bool) *api.PersistentVolume {
	var best *api.PersistentVolume
	for _, v := range pl.h.volumesOfClass(claimClass(pvc)) {
		if chosen[v.Name] || !candidateVolume(v, pvc) {
			continue
		}
		allowed := volumeAllowsNode(v, n)
		if boundToClaim(v, pvc) {
			if !allowed {
				return nil
			}
			return v
		}
		if v.Spec.ClaimRef != nil || v.Status.Phase != "Available" || !allowed || !selectsVolume(pvc, v) || !hasAccessModes(v, pvc) {
			continue
		}
		if best == nil || best.Spec.Capacity["storage"].Cmp(v.Spec.Capacity["storage"]) > 0 {
			best = v
		}
	}
	return best
}

func candidateVolume(v *api.PersistentVolume, pvc *api.PersistentVolumeClaim) bool {
	if v.Spec.ClaimRef != nil && !boundToClaim(v, pvc) {
		return false
	}
	if v.Spec.Capacity["storage"].Cmp(claimSize(pvc)) < 0 || v.DeletionTimestamp != nil {
		return false
	}
	return api.Deref(v.Spec.VolumeMode, "Filesystem") == api.Deref(pvc.Spec.VolumeMode, "Filesystem") && volumeClass(v) == claimClass(pvc)
}

func boundToClaim(v *api.PersistentVolume, pvc *api.PersistentVolumeClaim) bool {
	ref := v.Spec.ClaimRef
	return ref != nil && ref.Name == pvc.Name && ref.Namespace == pvc.Namespace && (ref.UID == "" || ref.UID == pvc.UID)
}

func selectsVolume(pvc *api.PersistentVolumeClaim, v *api.PersistentVolume) bool {
	if pvc.Spec.Selector == nil {
		return true
	}
	return selectorOrNothing(pvc.Spec.Selector).Matches(v.Labels)
}

func hasAccessModes(v *api.PersistentVolume, pvc *api.PersistentVolumeClaim) bool {
	for _, m := range pvc.Spec.AccessModes {
		if !slices.Contains(v.Spec.AccessModes, m) {
			return false
		}
	}
	return true
}

func (pl *volumeBinding) Events() []eventHint {
	hasClaims := func(p *api.Pod, _, _ any) bool { return len(podClaims(p)) > 0 }
	return []eventHint{
		{resource: resNode, actions: actAdd | actUpdateNodeLabel | actUpdateNodeTaint},
		{resource: resClaim, actions: actAdd | actUpdate, hint: usesClaim},
		{resource: resVolume, actions: actAdd | actUpdate, hint: hasClaims},
		{resource: resStorageClass, actions: actAdd | actUpdate, hint: hasClaims},
	}
}
