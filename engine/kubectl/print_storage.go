package kubectl

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Tables of the storage kinds: PersistentVolumes, their claims, and
// StorageClasses.
func init() {
	tables["PersistentVolume"] = table([]string{"NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM",
		"STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"}, []string{"VOLUMEMODE"}, persistentVolumeRow)
	tables["PersistentVolumeClaim"] = table([]string{"NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES",
		"STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"}, []string{"VOLUMEMODE"}, persistentVolumeClaimRow)
	tables["StorageClass.storage.k8s.io"] = table([]string{"NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE",
		"ALLOWVOLUMEEXPANSION", "AGE"}, nil, storageClassRow)
}

// betaStorageClass is the annotation that named a volume's class before
// storageClassName; where set, it wins.
const betaStorageClass = "volume.beta.kubernetes.io/storage-class"

func persistentVolumeRow(obj api.Object, now time.Time) []string {
	pv := obj.(*api.PersistentVolume)
	claim := ""
	if ref := pv.Spec.ClaimRef; ref != nil {
		claim = ref.Namespace + "/" + ref.Name
	}
	class, ok := pv.Annotations[betaStorageClass]
	if !ok {
		class = pv.Spec.StorageClassName
	}
	capacity := pv.Spec.Capacity["storage"]
	return []string{pv.Name, capacity.String(), accessModes(pv.Spec.AccessModes), pv.Spec.PersistentVolumeReclaimPolicy,
		volumePhase(&pv.ObjectMeta, pv.Status.Phase), claim, class, api.Deref(pv.Spec.VolumeAttributesClassName, "<unset>"),
		pv.Status.Reason, age(pv.CreationTimestamp.Time, now), api.Deref(pv.Spec.VolumeMode, "<unset>")}
}

// persistentVolumeClaimRow shows capacity and access modes only once the
// claim is bound to a volume.
func persistentVolumeClaimRow(obj api.Object, now time.Time) []string {
	pvc := obj.(*api.PersistentVolumeClaim)
	var capacity, modes string
	if pvc.Spec.VolumeName != "" {
		q := pvc.Status.Capacity["storage"]
		capacity, modes = q.String(), accessModes(pvc.Status.AccessModes)
	}
	class, ok := pvc.Annotations[betaStorageClass]
	if !ok {
		class = api.Deref(pvc.Spec.StorageClassName, "")
	}
	return []string{pvc.Name, volumePhase(&pvc.ObjectMeta, pvc.Status.Phase), pvc.Spec.VolumeName, capacity, modes, class,
		api.Deref(pvc.Spec.VolumeAttributesClassName, "<unset>"), age(pvc.CreationTimestamp.Time, now), api.Deref(pvc.Spec.VolumeMode, "<unset>")}
}

// volumePhase is a volume's or claim's phase, Terminating once deleted.
func volumePhase(m *api.ObjectMeta, phase string) string {
	if m.DeletionTimestamp != nil {
		return "Terminating"
	}
	return phase
}

// accessModes is GetAccessModesAsString: the modes' short names, each
// once, always in the order RWO,ROX,RWX,RWOP.
func accessModes(modes []string) string {
	var out []string
	for _, m := range []struct{ mode, short string }{
		{"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"}, {"ReadWriteMany", "RWX"}, {"ReadWriteOncePod", "RWOP"},
	} {
		if slices.Contains(modes, m.mode) {
			out = append(out, m.short)
		}
	}
	return strings.Join(out, ",")
}

// storageClassRow marks the default class "(default)" and shows the
// defaults kube-apiserver would have set.
func storageClassRow(obj api.Object, now time.Time) []string {
	sc := obj.(*api.StorageClass)
	name := sc.Name
	if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" ||
		sc.Annotations["storageclass.beta.kubernetes.io/is-default-class"] == "true" {
		name += " (default)"
	}
	return []string{name, sc.Provisioner, api.Deref(sc.ReclaimPolicy, "Delete"), api.Deref(sc.VolumeBindingMode, "Immediate"),
		fmt.Sprint(api.Deref(sc.AllowVolumeExpansion, false)), age(sc.CreationTimestamp.Time, now)}
}
