package volume

import (
	"errors"
	"fmt"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// errAccessMode is local-path's refusal of shared access modes.
var errAccessMode = errors.New("NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes")

// provision is the local-path provisioner's part: a volume on the claim's
// selected node, named pvc-<claim uid> and already reserved for the claim,
// which the binder then binds.
func (ctl *Controller) provision(claim *api.PersistentVolumeClaim, class *api.StorageClass) error {
	node := claim.Annotations[SelectedNodeAnnotation]
	name := "pvc-" + claim.UID
	if node == "" {
		return nil
	}
	if _, ok := ctl.volumes.Get("", name); ok {
		return nil
	}
	ctl.prov.Eventf(claim, api.EventNormal, "Provisioning", "External provisioner is provisioning volume for claim %q", claim.Namespace+"/"+claim.Name)
	pv, err := localPathVolume(claim, class, node)
	if err == nil {
		_, err = client.Create(ctl.c, pv)
	}
	if apiserver.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		ctl.prov.Eventf(claim, api.EventWarning, "ProvisioningFailed", "failed to provision volume with StorageClass %q: %v", class.Name, err)
		return err
	}
	ctl.prov.Eventf(claim, api.EventNormal, "ProvisioningSucceeded", "Successfully provisioned volume %s", name)
	return nil
}

// localPathVolume is the volume local-path makes for a claim: a hostPath
// directory on the node, with node affinity to it.
func localPathVolume(claim *api.PersistentVolumeClaim, class *api.StorageClass, node string) (*api.PersistentVolume, error) {
	for _, m := range claim.Spec.AccessModes {
		if m != "ReadWriteOnce" && m != "ReadWriteOncePod" {
			return nil, errAccessMode
		}
	}
	name := "pvc-" + claim.UID
	return &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{annLocalPathNode: node, annProvisionedBy: Provisioner},
		},
		Spec: api.PersistentVolumeSpec{
			Capacity:    api.ResourceList{"storage": claim.Spec.Resources.Requests["storage"]},
			AccessModes: slices.Clone(claim.Spec.AccessModes),
			ClaimRef:    claimRef(claim),
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{
				Path: fmt.Sprintf("%s/%s_%s_%s", localPathRoot, name, claim.Namespace, claim.Name),
				Type: api.Ptr("DirectoryOrCreate"),
			}},
			NodeAffinity: &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
				MatchExpressions: []api.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: "In", Values: []string{node}}},
			}}}},
			PersistentVolumeReclaimPolicy: api.Deref(class.ReclaimPolicy, "Delete"),
			StorageClassName:              class.Name,
			VolumeMode:                    api.Ptr(api.Deref(claim.Spec.VolumeMode, "Filesystem")),
		},
	}, nil
}
