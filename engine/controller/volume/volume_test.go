package volume

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

type fixture struct {
	t *testing.T
	l *loop.Loop
	c *client.Client
}

func newFixture(t *testing.T, objs ...api.Object) *fixture {
	l := loop.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 3)))
	f := &fixture{t: t, l: l, c: client.New(s, "test")}
	objs = append([]api.Object{&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}, AutomountServiceAccountToken: api.Ptr(false)}}, objs...)
	for _, o := range objs {
		f.create(o)
	}
	cl := client.New(s, "kube-controller-manager")
	pods := client.NewInformer[*api.Pod](cl, "", apiserver.ListOptions{})
	require.NoError(t, New(cl, pods).Start())
	require.NoError(t, pods.Start())
	l.RunUntilIdle()
	return f
}

func (f *fixture) create(o api.Object) {
	f.t.Helper()
	_, err := f.c.Create(api.ResourceFor(o), o.GetObjectMeta().Namespace, o)
	require.NoError(f.t, err)
	f.l.RunUntilIdle()
}

func claim(name string, modes ...string) *api.PersistentVolumeClaim {
	if len(modes) == 0 {
		modes = []string{"ReadWriteOnce"}
	}
	return &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PersistentVolumeClaimSpec{
			AccessModes: modes,
			Resources:   api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("1Gi")}},
		},
	}
}

func volume(name, size, class, policy string) *api.PersistentVolume {
	return &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.PersistentVolumeSpec{
			Capacity:                      api.ResourceList{"storage": api.MustParse(size)},
			AccessModes:                   []string{"ReadWriteOnce"},
			PersistentVolumeSource:        api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/data/" + name}},
			StorageClassName:              class,
			PersistentVolumeReclaimPolicy: policy,
		},
	}
}

// usePod creates a pod using the claim and binds it to node.
func (f *fixture) usePod(claimName, node string) {
	f.t.Helper()
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "user-" + claimName, Namespace: "default"},
		Spec: api.PodSpec{
			Containers: []api.Container{{Name: "c", Image: "busybox"}},
			Volumes:    []api.Volume{{Name: "v", VolumeSource: api.VolumeSource{PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claimName}}}},
		},
	}
	f.create(p)
	require.NoError(f.t, f.c.Bind("default", &api.Binding{ObjectMeta: api.ObjectMeta{Name: p.Name}, Target: api.ObjectReference{Kind: "Node", Name: node}}))
	f.l.RunUntilIdle()
}

func (f *fixture) claim(name string) *api.PersistentVolumeClaim {
	f.t.Helper()
	c, err := client.Get[*api.PersistentVolumeClaim](f.c, "default", name)
	require.NoError(f.t, err)
	return c
}

func (f *fixture) volume(name string) (*api.PersistentVolume, bool) {
	pv, err := client.Get[*api.PersistentVolume](f.c, "", name)
	if apiserver.IsNotFound(err) {
		return nil, false
	}
	require.NoError(f.t, err)
	return pv, true
}

// events lists "source reason: message" for a claim, in order.
func (f *fixture) events(name string) []string {
	evs, err := client.List[*api.Event](f.c, "default", apiserver.ListOptions{})
	require.NoError(f.t, err)
	sort.SliceStable(evs, func(i, j int) bool {
		return len(evs[i].Name) < len(evs[j].Name) || len(evs[i].Name) == len(evs[j].Name) && evs[i].Name < evs[j].Name
	})
	var out []string
	for _, e := range evs {
		if e.InvolvedObject.Name == name {
			out = append(out, e.Source.Component+" "+e.Reason+": "+e.Message)
		}
	}
	return out
}

func TestProvisionForFirstConsumer(t *testing.T) {
	f := newFixture(t, DefaultStorageClass())
	f.create(claim("www-web-0"))
	c := f.claim("www-web-0")
	assert.Equal(t, "standard", api.Deref(c.Spec.StorageClassName, ""), "the default class")
	assert.Equal(t, "Pending", c.Status.Phase)

	f.usePod("www-web-0", "node02")
	c = f.claim("www-web-0")
	pvName := "pvc-" + c.UID
	assert.Equal(t, "Bound", c.Status.Phase)
	assert.Equal(t, pvName, c.Spec.VolumeName)
	assert.Equal(t, map[string]string{
		"pv.kubernetes.io/bind-completed":               "yes",
		"pv.kubernetes.io/bound-by-controller":          "yes",
		"volume.beta.kubernetes.io/storage-provisioner": "rancher.io/local-path",
		"volume.kubernetes.io/selected-node":            "node02",
		"volume.kubernetes.io/storage-provisioner":      "rancher.io/local-path",
	}, c.Annotations)
	assert.Equal(t, []string{"ReadWriteOnce"}, c.Status.AccessModes)
	assert.Equal(t, "1Gi", ptr(c.Status.Capacity["storage"]).String())

	pv, ok := f.volume(pvName)
	require.True(t, ok)
	assert.Equal(t, "Bound", pv.Status.Phase)
	assert.Equal(t, "Delete", pv.Spec.PersistentVolumeReclaimPolicy)
	assert.Equal(t, "standard", pv.Spec.StorageClassName)
	assert.Equal(t, "/var/local-path-provisioner/"+pvName+"_default_www-web-0", pv.Spec.HostPath.Path)
	assert.Equal(t, []string{"node02"}, pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Values)
	assert.Equal(t, c.UID, pv.Spec.ClaimRef.UID)
	assert.Equal(t, map[string]string{"local.path.provisioner/selected-node": "node02", "pv.kubernetes.io/provisioned-by": "rancher.io/local-path"}, pv.Annotations)

	assert.Equal(t, []string{
		"persistentvolume-controller WaitForFirstConsumer: waiting for first consumer to be created before binding",
		"persistentvolume-controller ExternalProvisioning: Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
		`rancher.io/local-path_local-path-provisioner Provisioning: External provisioner is provisioning volume for claim "default/www-web-0"`,
		"rancher.io/local-path_local-path-provisioner ProvisioningSucceeded: Successfully provisioned volume " + pvName,
	}, f.events("www-web-0"))

	// The claim goes: its volume is released and, its policy being
	// Delete, deleted.
	require.NoError(t, client.Delete[*api.PersistentVolumeClaim](f.c, "default", "www-web-0", apiserver.DeleteOptions{}))
	f.l.RunUntilIdle()
	_, ok = f.volume(pvName)
	assert.False(t, ok)
}

func ptr(q api.Quantity) *api.Quantity { return &q }

func TestBindStaticVolume(t *testing.T) {
	manual := &api.StorageClass{ObjectMeta: api.ObjectMeta{Name: "manual"}, Provisioner: "kubernetes.io/no-provisioner"}
	f := newFixture(t, manual, volume("big", "5Gi", "manual", "Retain"), volume("small", "2Gi", "manual", "Retain"), volume("tiny", "500Mi", "manual", "Retain"))
	pv, _ := f.volume("small")
	assert.Equal(t, "Available", pv.Status.Phase)

	c := claim("data")
	c.Spec.StorageClassName = api.Ptr("manual")
	f.create(c)
	got := f.claim("data")
	assert.Equal(t, "small", got.Spec.VolumeName, "the smallest volume that fits")
	assert.Equal(t, "Bound", got.Status.Phase)
	assert.Equal(t, "2Gi", ptr(got.Status.Capacity["storage"]).String())
	pv, _ = f.volume("small")
	assert.Equal(t, "Bound", pv.Status.Phase)
	assert.Equal(t, "yes", pv.Annotations["pv.kubernetes.io/bound-by-controller"])
	assert.Equal(t, got.UID, pv.Spec.ClaimRef.UID)

	// Retain keeps the volume, Released, when the claim goes.
	require.NoError(t, client.Delete[*api.PersistentVolumeClaim](f.c, "default", "data", apiserver.DeleteOptions{}))
	f.l.RunUntilIdle()
	pv, ok := f.volume("small")
	require.True(t, ok)
	assert.Equal(t, "Released", pv.Status.Phase)
}

func TestUnboundClaims(t *testing.T) {
	tests := []struct {
		name   string
		objs   []api.Object
		claim  *api.PersistentVolumeClaim
		events []string
	}{
		{"no class", nil, claim("a"), []string{"persistentvolume-controller FailedBinding: no persistent volumes available for this claim and no storage class is set"}},
		{"missing class", nil, func() *api.PersistentVolumeClaim {
			c := claim("a")
			c.Spec.StorageClassName = api.Ptr("fast")
			return c
		}(), []string{`persistentvolume-controller ProvisioningFailed: storageclass.storage.k8s.io "fast" not found`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.objs...)
			f.create(tt.claim)
			assert.Equal(t, "Pending", f.claim("a").Status.Phase)
			assert.Equal(t, tt.events, f.events("a"))
		})
	}
}

func TestLocalPathRefusesSharedAccess(t *testing.T) {
	f := newFixture(t, DefaultStorageClass())
	f.create(claim("shared", "ReadWriteMany"))
	f.usePod("shared", "node01")
	assert.Equal(t, "Pending", f.claim("shared").Status.Phase)
	evs := f.events("shared")
	assert.Equal(t, `rancher.io/local-path_local-path-provisioner ProvisioningFailed: failed to provision volume with StorageClass "standard": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes`, evs[len(evs)-1])
}

func TestClaimLost(t *testing.T) {
	f := newFixture(t, DefaultStorageClass())
	f.create(claim("www"))
	f.usePod("www", "node01")
	c := f.claim("www")
	require.Equal(t, "Bound", c.Status.Phase)
	require.NoError(t, client.Delete[*api.PersistentVolume](f.c, "", c.Spec.VolumeName, apiserver.DeleteOptions{}))
	f.l.RunUntilIdle()
	assert.Equal(t, "Lost", f.claim("www").Status.Phase)
}
