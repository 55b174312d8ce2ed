package scheduler

import (
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// VolumeBinding's Reserve, PreBind and Unreserve, as the volume binder:
// the scheduler only writes its choice (a volume's claimRef, a claim's
// selected-node annotation) and waits; binding the claim and provisioning
// the volume are the volume controller's and the provisioner's.

// reserve is AssumePodVolumes: the node's static bindings and claims to
// provision are assumed in the binder's cache so that other pods do not
// take the same volumes.
func (pl *volumeBinding) reserve(s *cycleState, node string) *Status {
	vs := s.volumes
	if vs == nil {
		return nil
	}
	pv := vs.byNode[node]
	if pv == nil || len(pv.static)+len(pv.provision) == 0 {
		vs.allBound = true
		return nil
	}
	out := &podVolumes{}
	for _, sb := range pv.static {
		v := boundVolume(sb.pv, sb.pvc)
		pl.h.assumedPVs[v.Name] = assumed[*api.PersistentVolume]{obj: v, baseRV: sb.pv.ResourceVersion}
		out.static = append(out.static, staticBinding{pv: v, pvc: sb.pvc})
	}
	for _, pvc := range pv.provision {
		c := api.Clone(pvc)
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[annSelectedNode] = node
		pl.h.assumedPVCs[client.KeyOf(c)] = assumed[*api.PersistentVolumeClaim]{obj: c, baseRV: pvc.ResourceVersion}
		out.provision = append(out.provision, c)
	}
	vs.reserved, vs.nodeOfRes = out, node
	return nil
}

// boundVolume is GetBindVolumeToClaim: the volume with the claim's
// reference, marked as bound by a controller.
func boundVolume(pv *api.PersistentVolume, pvc *api.PersistentVolumeClaim) *api.PersistentVolume {
	v := api.Clone(pv)
	v.Spec.ClaimRef = &api.ObjectReference{
		Kind: "PersistentVolumeClaim", Namespace: pvc.Namespace, Name: pvc.Name,
		UID: pvc.UID, APIVersion: "v1", ResourceVersion: pvc.ResourceVersion,
	}
	if v.Annotations == nil {
		v.Annotations = map[string]string{}
	}
	v.Annotations[annBoundByCtrl] = "yes"
	return v
}

// unreserve is RevertAssumedPodVolumes.
func (pl *volumeBinding) unreserve(s *cycleState) {
	vs := s.volumes
	if vs == nil || vs.reserved == nil {
		return
	}
	for _, sb := range vs.reserved.static {
		delete(pl.h.assumedPVs, sb.pv.Name)
	}
	for _, pvc := range vs.reserved.provision {
		delete(pl.h.assumedPVCs, client.KeyOf(pvc))
	}
	vs.reserved = nil
}

// hasWork is PreBindPreFlight: whether PreBind will bind volumes.
func (pl *volumeBinding) hasWork(s *cycleState) bool {
	return s.volumes != nil && !s.volumes.allBound
}

// preBind is BindPodVolumes: write the volumes and claims; the claims are
// not bound until the volume controller says so, so the caller waits.
func (pl *volumeBinding) preBind(s *cycleState, _ *api.Pod, node string) (bool, *Status) {
	vs := s.volumes
	if vs == nil || vs.allBound {
		return true, nil
	}
	if vs.reserved == nil {
		return false, asStatus(fmt.Errorf("no pod volumes found for node %q", node))
	}
	if err := pl.writeBindings(vs.reserved); err != nil {
		return false, prebindError(fmt.Errorf("binding volumes: %w", err))
	}
	return false, nil
}

// writeBindings updates the volumes and claims, keeping what the API
// server returned so the check knows when the informers have caught up.
func (pl *volumeBinding) writeBindings(pv *podVolumes) error {
	for i, sb := range pv.static {
		out, err := client.Update(pl.h.c, sb.pv)
		if err != nil {
			return err
		}
		pl.h.assumedPVs[out.Name] = assumed[*api.PersistentVolume]{obj: out, baseRV: pl.h.assumedPVs[out.Name].baseRV}
		pv.static[i].pv = out
	}
	for i, pvc := range pv.provision {
		out, err := client.Update(pl.h.c, pvc)
		if err != nil {
			return err
		}
		key := client.KeyOf(out)
		pl.h.assumedPVCs[key] = assumed[*api.PersistentVolumeClaim]{obj: out, baseRV: pl.h.assumedPVCs[key].baseRV}
		pv.provision[i] = out
	}
	return nil
}

// checkBindings is the binder's checkBindings: done when every claim is
// fully bound; an error when the controllers undid the scheduler's choice.
// Objects the informers have not seen written yet are not judged.
func (pl *volumeBinding) checkBindings(s *cycleState, _ *api.Pod, node string) (bool, error) {
	pv := s.volumes.reserved
	for _, sb := range pv.static {
		v, ok := pl.h.volumes.Get("", sb.pv.Name)
		if !ok || revision(v.ResourceVersion) < revision(sb.pv.ResourceVersion) {
			return false, nil
		}
		if v.Spec.ClaimRef == nil || v.Spec.ClaimRef.UID == "" {
			return false, fmt.Errorf("ClaimRef got reset for pv %q", v.Name)
		}
		if c, ok := pl.h.claims.Get(sb.pvc.Namespace, sb.pvc.Name); !ok || !fullyBound(c) {
			return false, nil
		}
	}
	for _, want := range pv.provision {
		c, ok := pl.h.claims.Get(want.Namespace, want.Name)
		if !ok || revision(c.ResourceVersion) < revision(want.ResourceVersion) {
			return false, nil
		}
		if c.Annotations[annSelectedNode] != node {
			return false, fmt.Errorf("provisioning failed for PVC %q", c.Name)
		}
		if !fullyBound(c) {
			return false, nil
		}
	}
	return true, nil
}
