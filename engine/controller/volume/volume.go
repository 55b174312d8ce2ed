// Package volume binds PersistentVolumeClaims to PersistentVolumes and
// provisions volumes for the default StorageClass, so that claims (a
// StatefulSet's above all) become Bound as on a kind cluster.
//
// It plays two parts. The first is kube-controller-manager's
// persistentvolume-binder, reduced to what the playground needs: it binds
// a claim to a matching Available volume or to the volume provisioned for
// it (claim.spec.volumeName and pv.spec.claimRef, the bind-completed and
// bound-by-controller annotations, both phases Bound), waits for the first
// consumer with WaitForFirstConsumer classes, marks claims for their
// external provisioner, and releases a volume whose claim is gone. The
// second is kind's local-path provisioner (rancher.io/local-path): for a
// claim of its class whose node is chosen it creates a volume pvc-<uid>
// with a hostPath under /var/local-path-provisioner, pinned to the node,
// and deletes it again when a Released volume's reclaim policy says so.
// Nothing is mounted: containers do not see volumes yet.
package volume

import (
	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Names the binder and provisioner use, as upstream.
const (
	// Provisioner is the provisioner of kind's "standard" class.
	Provisioner = "rancher.io/local-path"
	// DefaultClassAnnotation marks the class claims get when they name none.
	DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
	// SelectedNodeAnnotation is where the scheduler records the node a
	// WaitForFirstConsumer claim's volume must be reachable from.
	SelectedNodeAnnotation = "volume.kubernetes.io/selected-node"

	annStorageProvisioner     = "volume.kubernetes.io/storage-provisioner"
	annBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
	annBindCompleted          = "pv.kubernetes.io/bind-completed"
	annBoundByController      = "pv.kubernetes.io/bound-by-controller"
	annProvisionedBy          = "pv.kubernetes.io/provisioned-by"
	annLocalPathNode          = "local.path.provisioner/selected-node"

	// provisionerIdentity is the source of the provisioner's events; kind's
	// reads rancher.io/local-path_<its pod>_<uuid>.
	provisionerIdentity = Provisioner + "_local-path-provisioner"
	// localPathRoot is where local-path keeps volumes on a node.
	localPathRoot = "/var/local-path-provisioner"
)

// DefaultStorageClass is kind's default class, "standard".
func DefaultStorageClass() *api.StorageClass {
	return &api.StorageClass{
		ObjectMeta:        api.ObjectMeta{Name: "standard", Annotations: map[string]string{DefaultClassAnnotation: "true"}},
		Provisioner:       Provisioner,
		ReclaimPolicy:     api.Ptr("Delete"),
		VolumeBindingMode: api.Ptr("WaitForFirstConsumer"),
	}
}

// Controller is the volume binder and the local-path provisioner.
type Controller struct {
	c       *client.Client
	rec     *client.Recorder // persistentvolume-controller
	prov    *client.Recorder // the provisioner
	claims  *client.Informer[*api.PersistentVolumeClaim]
	volumes *client.Informer[*api.PersistentVolume]
	classes *client.Informer[*api.StorageClass]
	pods    *client.Informer[*api.Pod]

	claimQueue, volumeQueue *loop.Queue
}

// New returns the controller, sharing the given pod informer.
func New(c *client.Client, pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:       c,
		rec:     client.NewRecorder(c, "persistentvolume-controller", ""),
		prov:    client.NewRecorder(c, provisionerIdentity, ""),
		claims:  client.NewInformer[*api.PersistentVolumeClaim](c, "", apiserver.ListOptions{}),
		volumes: client.NewInformer[*api.PersistentVolume](c, "", apiserver.ListOptions{}),
		classes: client.NewInformer[*api.StorageClass](c, "", apiserver.ListOptions{}),
		pods:    pods,
	}
	ctl.claimQueue = loop.NewQueue(c.Loop(), ctl.syncClaim)
	ctl.volumeQueue = loop.NewQueue(c.Loop(), ctl.syncVolume)
	return ctl
}

// Start registers the handlers and starts the controller's informers.
func (ctl *Controller) Start() error {
	claim := func(c *api.PersistentVolumeClaim) { ctl.claimQueue.Add(client.KeyOf(c)) }
	ctl.claims.AddHandler(client.Handler[*api.PersistentVolumeClaim]{
		Add:    claim,
		Update: func(_, c *api.PersistentVolumeClaim) { claim(c) },
		Delete: func(c *api.PersistentVolumeClaim) { ctl.claimDeleted(c) },
	})
	volume := func(pv *api.PersistentVolume) { ctl.volumeQueue.Add(pv.Name) }
	ctl.volumes.AddHandler(client.Handler[*api.PersistentVolume]{
		Add:    volume,
		Update: func(_, pv *api.PersistentVolume) { volume(pv) },
		Delete: func(pv *api.PersistentVolume) {
			// Its claim is Lost now, if it had one.
			if ref := pv.Spec.ClaimRef; ref != nil {
				ctl.claimQueue.Add(client.Key(ref.Namespace, ref.Name))
			}
		},
	})
	ctl.pods.AddHandler(client.Handler[*api.Pod]{
		Add:    ctl.podChanged,
		Update: func(_, p *api.Pod) { ctl.podChanged(p) },
	})
	for _, start := range []func() error{ctl.classes.Start, ctl.volumes.Start, ctl.claims.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	return nil
}

// claimDeleted looks at the volumes that were bound to a deleted claim.
func (ctl *Controller) claimDeleted(c *api.PersistentVolumeClaim) {
	for _, pv := range ctl.volumes.List() {
		if ref := pv.Spec.ClaimRef; ref != nil && ref.Namespace == c.Namespace && ref.Name == c.Name {
			ctl.volumeQueue.Add(pv.Name)
		}
	}
}

// podChanged looks again at the unbound claims of a pod bound to a node:
// their node is now known.
func (ctl *Controller) podChanged(p *api.Pod) {
	if p.Spec.NodeName == "" {
		return
	}
	for _, name := range claimNames(p) {
		if c, ok := ctl.claims.Get(p.Namespace, name); ok && c.Spec.VolumeName == "" {
			ctl.claimQueue.Add(client.KeyOf(c))
		}
	}
}

func claimNames(p *api.Pod) []string {
	var out []string
	for _, v := range p.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		}
	}
	return out
}

// setPhase records a volume's phase and when it changed.
func (ctl *Controller) setPhase(pv *api.PersistentVolume, phase string) (*api.PersistentVolume, error) {
	if pv.Status.Phase == phase {
		return pv, nil
	}
	upd := api.Clone(pv)
	upd.Status.Phase = phase
	upd.Status.LastPhaseTransitionTime = api.NewTimePtr(ctl.c.Now())
	return client.UpdateStatus(ctl.c, upd)
}
