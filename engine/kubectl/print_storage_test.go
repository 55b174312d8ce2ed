package kubectl

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

func hostPathVolume(path string) api.PersistentVolumeSource {
	return api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: path}}
}

// setupVolumes makes the volume and claim of kubernetes.io's "Configure a
// Pod to Use a PersistentVolume for Storage", bound; a released volume
// with a retained claim reference; a new claim waiting for a volume; and
// a claim being deleted.
func setupVolumes(f *describeFixture) {
	create(f, &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: "task-pv-volume", Labels: map[string]string{"type": "local"}},
		Spec: api.PersistentVolumeSpec{Capacity: api.ResourceList{"storage": api.MustParse("10Gi")}, AccessModes: []string{"ReadWriteOnce"},
			PersistentVolumeSource: hostPathVolume("/mnt/data"), StorageClassName: "manual", PersistentVolumeReclaimPolicy: "Retain",
			VolumeMode: api.Ptr("Filesystem"), ClaimRef: &api.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: "default", Name: "task-pv-claim", UID: "pvc-uid"}},
	}, func(pv *api.PersistentVolume) { pv.Status.Phase = "Bound" })
	create(f, &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: "pv0003", Annotations: map[string]string{"volume.beta.kubernetes.io/storage-class": "slow"}},
		Spec: api.PersistentVolumeSpec{Capacity: api.ResourceList{"storage": api.MustParse("5Gi")},
			AccessModes: []string{"ReadWriteMany", "ReadOnlyMany", "ReadWriteOnce", "ReadWriteMany"}, StorageClassName: "ignored",
			PersistentVolumeSource:        api.PersistentVolumeSource{NFS: &api.NFSVolumeSource{Server: "172.17.0.2", Path: "/tmp"}},
			PersistentVolumeReclaimPolicy: "Recycle", VolumeMode: api.Ptr("Block"), VolumeAttributesClassName: api.Ptr("gold"),
			ClaimRef: &api.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: "shop", Name: "old-claim"}},
	}, func(pv *api.PersistentVolume) {
		pv.Status = api.PersistentVolumeStatus{Phase: "Failed", Reason: "VolumeFailedRecycle"}
	})
	create(f, &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: "spare"},
		Spec: api.PersistentVolumeSpec{AccessModes: []string{"ReadWriteOncePod"}, PersistentVolumeSource: hostPathVolume("/mnt/spare"), VolumeMode: api.Ptr("Filesystem"),
			PersistentVolumeReclaimPolicy: "Delete", Capacity: api.ResourceList{"storage": api.MustParse("500Mi")}},
	}, func(pv *api.PersistentVolume) { pv.Status.Phase = "Available" })
	f.l.AdvanceBy(20 * time.Minute)
	create(f, &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Name: "task-pv-claim", Namespace: "default"},
		Spec: api.PersistentVolumeClaimSpec{StorageClassName: api.Ptr("manual"), AccessModes: []string{"ReadWriteOnce"},
			Resources:  api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("3Gi")}},
			VolumeName: "task-pv-volume", VolumeMode: api.Ptr("Filesystem")},
	}, func(c *api.PersistentVolumeClaim) {
		c.Status = api.PersistentVolumeClaimStatus{Phase: "Bound", AccessModes: []string{"ReadWriteOnce"}, Capacity: api.ResourceList{"storage": api.MustParse("10Gi")}}
	})
	create(f, &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Name: "data-web-0", Namespace: "default"},
		Spec: api.PersistentVolumeClaimSpec{StorageClassName: api.Ptr("standard"), AccessModes: []string{"ReadWriteOnce"}, VolumeMode: api.Ptr("Filesystem"),
			Resources: api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("1Gi")}}},
	}, func(c *api.PersistentVolumeClaim) { c.Status.Phase = "Pending" })
	create(f, &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Name: "scratch", Namespace: "default", Finalizers: []string{"kubernetes.io/pvc-protection"},
			Annotations: map[string]string{"volume.beta.kubernetes.io/storage-class": "fast"}},
		Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{"ReadWriteMany", "ReadOnlyMany"}, VolumeName: "pv-scratch", VolumeMode: api.Ptr("Block"),
			Resources:                 api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("2Gi")}},
			VolumeAttributesClassName: api.Ptr("silver")},
	}, func(c *api.PersistentVolumeClaim) {
		c.Status = api.PersistentVolumeClaimStatus{Phase: "Bound", AccessModes: []string{"ReadOnlyMany", "ReadWriteMany"}, Capacity: api.ResourceList{"storage": api.MustParse("2Gi")}}
	})
	_, err := f.c.Delete(api.ResourceFor(&api.PersistentVolumeClaim{}), "default", "scratch", apiserver.DeleteOptions{})
	assert.NoError(f.t, err)
	f.l.AdvanceBy(7 * time.Minute)
}

func setupStorageClasses(f *describeFixture) {
	create(f, &api.StorageClass{
		ObjectMeta:  api.ObjectMeta{Name: "standard", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: "rancher.io/local-path", ReclaimPolicy: api.Ptr("Delete"), VolumeBindingMode: api.Ptr("WaitForFirstConsumer"),
	}, nil)
	create(f, &api.StorageClass{
		ObjectMeta:  api.ObjectMeta{Name: "fast", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "false"}},
		Provisioner: "pd.csi.storage.gke.io", Parameters: map[string]string{"type": "pd-ssd"},
		ReclaimPolicy: api.Ptr("Retain"), VolumeBindingMode: api.Ptr("Immediate"), AllowVolumeExpansion: api.Ptr(true),
	}, nil)
	// Written before defaults and with the beta annotation.
	create(f, &api.StorageClass{
		ObjectMeta:  api.ObjectMeta{Name: "legacy", Annotations: map[string]string{"storageclass.beta.kubernetes.io/is-default-class": "true"}},
		Provisioner: "kubernetes.io/no-provisioner",
	}, nil)
	f.l.AdvanceBy(49 * time.Hour)
}

func TestGetStorage(t *testing.T) {
	runGetCases(t, []getCase{
		{"persistentvolumes", setupVolumes, []string{"pv"}, `NAME             CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS      CLAIM                   STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON                AGE
pv0003           5Gi        RWO,ROX,RWX    Recycle          Failed      shop/old-claim          slow           gold                    VolumeFailedRecycle   27m
spare            500Mi      RWOP           Delete           Available                                          <unset>                                       27m
task-pv-volume   10Gi       RWO            Retain           Bound       default/task-pv-claim   manual         <unset>                                       27m
`},
		{"persistentvolumes-wide", setupVolumes, []string{"persistentvolumes", "-o", "wide"}, `NAME             CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS      CLAIM                   STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON                AGE   VOLUMEMODE
pv0003           5Gi        RWO,ROX,RWX    Recycle          Failed      shop/old-claim          slow           gold                    VolumeFailedRecycle   27m   Block
spare            500Mi      RWOP           Delete           Available                                          <unset>                                       27m   Filesystem
task-pv-volume   10Gi       RWO            Retain           Bound       default/task-pv-claim   manual         <unset>                                       27m   Filesystem
`},
		{"persistentvolumeclaims", setupVolumes, []string{"pvc"}, `NAME            STATUS        VOLUME           CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE
data-web-0      Pending                                                  standard       <unset>                 7m
scratch         Terminating   pv-scratch       2Gi        ROX,RWX        fast           silver                  7m
task-pv-claim   Bound         task-pv-volume   10Gi       RWO            manual         <unset>                 7m
`},
		{"persistentvolumeclaims-wide", setupVolumes, []string{"pvc", "-o", "wide"}, `NAME            STATUS        VOLUME           CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE   VOLUMEMODE
data-web-0      Pending                                                  standard       <unset>                 7m    Filesystem
scratch         Terminating   pv-scratch       2Gi        ROX,RWX        fast           silver                  7m    Block
task-pv-claim   Bound         task-pv-volume   10Gi       RWO            manual         <unset>                 7m    Filesystem
`},
		{"storageclasses", setupStorageClasses, []string{"storageclasses"}, `NAME                 PROVISIONER                    RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE
fast                 pd.csi.storage.gke.io          Retain          Immediate              true                   2d1h
legacy (default)     kubernetes.io/no-provisioner   Delete          Immediate              false                  2d1h
standard (default)   rancher.io/local-path          Delete          WaitForFirstConsumer   false                  2d1h
`},
		{"storageclasses-wide", setupStorageClasses, []string{"sc", "-o", "wide", "--show-kind"}, `NAME                                             PROVISIONER                    RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE
storageclass.storage.k8s.io/fast                 pd.csi.storage.gke.io          Retain          Immediate              true                   2d1h
storageclass.storage.k8s.io/legacy (default)     kubernetes.io/no-provisioner   Delete          Immediate              false                  2d1h
storageclass.storage.k8s.io/standard (default)   rancher.io/local-path          Delete          WaitForFirstConsumer   false                  2d1h
`},
	})
}

func TestAccessModes(t *testing.T) {
	assert.Equal(t, "RWO,ROX,RWX,RWOP", accessModes([]string{"ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOnce", "ReadWriteOnce"}))
	assert.Equal(t, "", accessModes(nil))
}
