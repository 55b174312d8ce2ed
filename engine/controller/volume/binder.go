package volume

import (
	"slices"
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// syncClaim moves one claim toward Bound.
func (ctl *Controller) syncClaim(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	claim, ok := ctl.claims.Get(ns, name)
	if !ok || claim.DeletionTimestamp != nil {
		return loop.Result{}, nil
	}
	if claim.Spec.VolumeName == "" {
		return loop.Result{}, ctl.syncUnbound(claim)
	}
	return loop.Result{}, ctl.syncBound(claim)
}

// syncUnbound binds a claim to its volume if there is one, else waits for
// its first consumer, or has a volume provisioned for it.
func (ctl *Controller) syncUnbound(claim *api.PersistentVolumeClaim) error {
	className := api.Deref(claim.Spec.StorageClassName, "")
	class, hasClass := ctl.classes.Get("", className)
	delay := hasClass && api.Deref(class.VolumeBindingMode, "") == "WaitForFirstConsumer"
	node := claim.Annotations[SelectedNodeAnnotation]
	if pv := ctl.findVolume(claim, delay && node == "", node); pv != nil {
		return ctl.bind(pv, claim)
	}
	if delay && node == "" {
		// The scheduler names the node once a pod using the claim is
		// placed; until it does so itself, the binder stands in for it.
		if n := ctl.consumerNode(claim); n != "" {
			return ctl.selectNode(claim, n)
		}
		ctl.rec.Event(claim, api.EventNormal, "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
		return nil
	}
	switch {
	case className == "":
		ctl.rec.Event(claim, api.EventNormal, "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
		return nil
	case !hasClass:
		ctl.rec.Eventf(claim, api.EventWarning, "ProvisioningFailed", "storageclass.storage.k8s.io %q not found", className)
		return nil
	}
	return ctl.provisionExternally(claim, class)
}

// consumerNode is the node of a pod that uses the claim, if one is bound.
func (ctl *Controller) consumerNode(claim *api.PersistentVolumeClaim) string {
	for _, p := range ctl.pods.Select(claim.Namespace, api.Everything()) {
		if p.Spec.NodeName != "" && p.DeletionTimestamp == nil && slices.Contains(claimNames(p), claim.Name) {
			return p.Spec.NodeName
		}
	}
	return ""
}

func (ctl *Controller) selectNode(claim *api.PersistentVolumeClaim, node string) error {
	upd := api.Clone(claim)
	setAnnotation(&upd.ObjectMeta, SelectedNodeAnnotation, node)
	_, err := client.Update(ctl.c, upd)
	return err
}

func setAnnotation(m *api.ObjectMeta, k, v string) {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[k] = v
}

// provisionExternally is the binder's part of dynamic provisioning: it
// names the class's provisioner on the claim and says it is waiting for
// it. The provisioner's part follows when it is ours.
func (ctl *Controller) provisionExternally(claim *api.PersistentVolumeClaim, class *api.StorageClass) error {
	if claim.Annotations[annStorageProvisioner] != class.Provisioner || claim.Annotations[annBetaStorageProvisioner] != class.Provisioner {
		upd := api.Clone(claim)
		setAnnotation(&upd.ObjectMeta, annBetaStorageProvisioner, class.Provisioner)
		setAnnotation(&upd.ObjectMeta, annStorageProvisioner, class.Provisioner)
		if _, err := client.Update(ctl.c, upd); err != nil {
			return err
		}
		ctl.externalProvisioningEvent(claim, class)
		return nil
	}
	ctl.externalProvisioningEvent(claim, class)
	if class.Provisioner != Provisioner {
		return nil
	}
	return ctl.provision(claim, class)
}

func (ctl *Controller) externalProvisioningEvent(claim *api.PersistentVolumeClaim, class *api.StorageClass) {
	ctl.rec.Eventf(claim, api.EventNormal, "ExternalProvisioning",
		"Waiting for a volume to be created either by the external provisioner '%s' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
		class.Provisioner)
}

// findVolume returns the volume reserved for the claim, or else (unless
// binding waits for a consumer) the smallest Available volume that
// satisfies it and is reachable from node.
func (ctl *Controller) findVolume(claim *api.PersistentVolumeClaim, waiting bool, node string) *api.PersistentVolume {
	var fits []*api.PersistentVolume
	for _, pv := range ctl.volumes.List() {
		if ref := pv.Spec.ClaimRef; ref != nil {
			if ref.Namespace == claim.Namespace && ref.Name == claim.Name && (ref.UID == "" || ref.UID == claim.UID) {
				return pv
			}
			continue
		}
		if !waiting && pv.DeletionTimestamp == nil && pv.Status.Phase == "Available" && satisfies(pv, claim, node) {
			fits = append(fits, pv)
		}
	}
	if len(fits) == 0 {
		return nil
	}
	sort.SliceStable(fits, func(i, j int) bool {
		a, b := fits[i].Spec.Capacity["storage"], fits[j].Spec.Capacity["storage"]
		return a.Cmp(b) < 0
	})
	return fits[0]
}

// satisfies reports whether a volume can serve a claim: same class and
// volume mode, every access mode asked for, enough space, labels the
// claim's selector accepts, and reachable from node when one is chosen.
func satisfies(pv *api.PersistentVolume, claim *api.PersistentVolumeClaim, node string) bool {
	if pv.Spec.StorageClassName != api.Deref(claim.Spec.StorageClassName, "") ||
		api.Deref(pv.Spec.VolumeMode, "Filesystem") != api.Deref(claim.Spec.VolumeMode, "Filesystem") {
		return false
	}
	for _, m := range claim.Spec.AccessModes {
		if !slices.Contains(pv.Spec.AccessModes, m) {
			return false
		}
	}
	want, have := claim.Spec.Resources.Requests["storage"], pv.Spec.Capacity["storage"]
	if have.Cmp(want) < 0 {
		return false
	}
	if claim.Spec.Selector != nil {
		sel, err := api.SelectorFromLabelSelector(claim.Spec.Selector)
		if err != nil || !sel.Matches(pv.Labels) {
			return false
		}
	}
	return node == "" || reachableFrom(pv, node)
}

// reachableFrom reports whether a volume's node affinity admits node,
// judged on the kubernetes.io/hostname terms the playground's volumes use.
func reachableFrom(pv *api.PersistentVolume, node string) bool {
	na := pv.Spec.NodeAffinity
	if na == nil || na.Required == nil {
		return true
	}
	for _, term := range na.Required.NodeSelectorTerms {
		ok := true
		for _, r := range term.MatchExpressions {
			if r.Key == "kubernetes.io/hostname" && r.Operator == "In" && !slices.Contains(r.Values, node) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// bind binds a volume and a claim to each other, volume first, as the
// binder does: claimRef, the volume's phase, then the claim's volumeName
// and annotations, then its phase, access modes and capacity.
func (ctl *Controller) bind(pv *api.PersistentVolume, claim *api.PersistentVolumeClaim) error {
	if ref := pv.Spec.ClaimRef; ref == nil || ref.Name != claim.Name || ref.Namespace != claim.Namespace || ref.UID != claim.UID {
		upd := api.Clone(pv)
		upd.Spec.ClaimRef = claimRef(claim)
		setAnnotation(&upd.ObjectMeta, annBoundByController, "yes")
		var err error
		if pv, err = client.Update(ctl.c, upd); err != nil {
			return err
		}
	}
	if _, err := ctl.setPhase(pv, "Bound"); err != nil {
		return err
	}
	if claim.Spec.VolumeName != pv.Name || claim.Annotations[annBindCompleted] != "yes" {
		upd := api.Clone(claim)
		if upd.Spec.VolumeName != pv.Name {
			upd.Spec.VolumeName = pv.Name
			setAnnotation(&upd.ObjectMeta, annBoundByController, "yes")
		}
		setAnnotation(&upd.ObjectMeta, annBindCompleted, "yes")
		var err error
		if claim, err = client.Update(ctl.c, upd); err != nil {
			return err
		}
	}
	return ctl.claimBound(claim, pv)
}

// claimBound records a claim's Bound status, with the volume's access modes
// and capacity.
func (ctl *Controller) claimBound(claim *api.PersistentVolumeClaim, pv *api.PersistentVolume) error {
	st := claim.Status
	if st.Phase == "Bound" && slices.Equal(st.AccessModes, pv.Spec.AccessModes) && st.Capacity["storage"].Cmp(pv.Spec.Capacity["storage"]) == 0 {
		return nil
	}
	upd := api.Clone(claim)
	upd.Status.Phase = "Bound"
	upd.Status.AccessModes = slices.Clone(pv.Spec.AccessModes)
	upd.Status.Capacity = api.ResourceList{}
	for k, v := range pv.Spec.Capacity {
		upd.Status.Capacity[k] = v
	}
	_, err := client.UpdateStatus(ctl.c, upd)
	return err
}

func claimRef(claim *api.PersistentVolumeClaim) *api.ObjectReference {
	return &api.ObjectReference{
		Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: claim.Namespace, Name: claim.Name,
		UID: claim.UID, ResourceVersion: claim.ResourceVersion,
	}
}

// syncBound keeps a bound claim's status, or marks it Lost when its volume
// is gone.
func (ctl *Controller) syncBound(claim *api.PersistentVolumeClaim) error {
	pv, ok := ctl.volumes.Get("", claim.Spec.VolumeName)
	if !ok {
		if claim.Status.Phase == "Lost" {
			return nil
		}
		ctl.rec.Event(claim, api.EventWarning, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
		upd := api.Clone(claim)
		upd.Status.Phase = "Lost"
		_, err := client.UpdateStatus(ctl.c, upd)
		return err
	}
	if ref := pv.Spec.ClaimRef; ref == nil || ref.UID == claim.UID {
		return ctl.bind(pv, claim)
	}
	return nil
}

// syncVolume keeps a volume's phase and reclaims it when its claim is gone.
func (ctl *Controller) syncVolume(name string) (loop.Result, error) {
	pv, ok := ctl.volumes.Get("", name)
	if !ok || pv.DeletionTimestamp != nil {
		return loop.Result{}, nil
	}
	ref := pv.Spec.ClaimRef
	if ref == nil || ref.UID == "" {
		if ref != nil {
			ctl.claimQueue.Add(client.Key(ref.Namespace, ref.Name))
		}
		_, err := ctl.setPhase(pv, "Available")
		return loop.Result{}, err
	}
	claim, found := ctl.claimOf(ref)
	switch {
	case !found:
		return loop.Result{}, ctl.reclaim(pv)
	case claim.Spec.VolumeName == "":
		ctl.claimQueue.Add(client.KeyOf(claim))
	case claim.Spec.VolumeName == pv.Name:
		_, err := ctl.setPhase(pv, "Bound")
		return loop.Result{}, err
	}
	return loop.Result{}, nil
}

// claimOf finds the claim a volume is bound to, asking the API server when
// the cache does not have it, so that a volume is never reclaimed because
// of a stale cache.
func (ctl *Controller) claimOf(ref *api.ObjectReference) (*api.PersistentVolumeClaim, bool) {
	claim, ok := ctl.claims.Get(ref.Namespace, ref.Name)
	if !ok {
		c, err := client.Get[*api.PersistentVolumeClaim](ctl.c, ref.Namespace, ref.Name)
		if err != nil {
			return nil, false
		}
		claim = c
	}
	return claim, claim.UID == ref.UID
}

// reclaim releases a volume whose claim is gone, and deletes it if its
// policy is Delete and the provisioner is ours.
func (ctl *Controller) reclaim(pv *api.PersistentVolume) error {
	if pv.Status.Phase != "Released" && pv.Status.Phase != "Failed" {
		var err error
		if pv, err = ctl.setPhase(pv, "Released"); err != nil {
			return err
		}
	}
	if pv.Spec.PersistentVolumeReclaimPolicy != "Delete" || pv.Annotations[annProvisionedBy] != Provisioner {
		return nil
	}
	err := client.Delete[*api.PersistentVolume](ctl.c, "", pv.Name, apiserver.DeleteOptions{})
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}
