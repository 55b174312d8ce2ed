package apiserver

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The mutating admission plugins of kube-apiserver that shape a new pod,
// in their order: ServiceAccount, Priority, DefaultTolerationSeconds.

const (
	defaultServiceAccount = "default"
	// MirrorPodAnnotation marks the API copy of a kubelet's static pod.
	MirrorPodAnnotation = "kubernetes.io/config.mirror"
	tokenMountPath      = "/var/run/secrets/kubernetes.io/serviceaccount"
	// tokenExpiration is the projected token's lifetime: an hour plus the
	// seven seconds kube-apiserver adds to tell its own tokens apart.
	tokenExpiration = 3607
)

func (s *Server) admitPod(r *api.ResourceInfo, p *api.Pod) error {
	if err := s.admitServiceAccount(r, p); err != nil {
		return err
	}
	if err := s.admitPriority(r, p); err != nil {
		return err
	}
	addDefaultTolerations(&p.Spec)
	return nil
}

// admitServiceAccount gives a pod its service account and, unless told
// not to, the projected volume with its token, the cluster's CA and its
// namespace, mounted in every container. Mirror pods are left alone.
func (s *Server) admitServiceAccount(r *api.ResourceInfo, p *api.Pod) error {
	if _, mirror := p.Annotations[MirrorPodAnnotation]; mirror {
		return nil
	}
	if p.Spec.ServiceAccountName == "" {
		p.Spec.ServiceAccountName = defaultServiceAccount
	}
	p.Spec.DeprecatedServiceAccount = p.Spec.ServiceAccountName
	obj, err := s.Get(resourceOf("serviceaccounts"), p.Namespace, p.Spec.ServiceAccountName)
	if err != nil {
		// The plugin reads through a lister, whose NotFound names the
		// resource in the singular.
		return NewForbidden(r, p.Name, fmt.Errorf("error looking up service account %s/%s: serviceaccount %q not found", p.Namespace, p.Spec.ServiceAccountName, p.Spec.ServiceAccountName))
	}
	sa := obj.(*api.ServiceAccount)
	automount := api.Deref(sa.AutomountServiceAccountToken, true)
	if p.Spec.AutomountServiceAccountToken != nil {
		automount = *p.Spec.AutomountServiceAccountToken
	}
	if automount {
		s.mountToken(p)
	}
	return nil
}

// kubeAPIAccess is the source of every pod's kube-api-access volume, the
// same for all: stored objects are never changed in place (readers clone
// what they change), so the pods share one, where a copy each was about
// 900 bytes a pod.
var kubeAPIAccess = &api.ProjectedVolumeSource{
	DefaultMode: api.Ptr(int32(0o644)),
	Sources: []api.VolumeProjection{
		{ServiceAccountToken: &api.ServiceAccountTokenProjection{ExpirationSeconds: api.Ptr(int64(tokenExpiration)), Path: "token"}},
		{ConfigMap: &api.ConfigMapProjection{LocalObjectReference: api.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []api.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
		{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
	},
}

// mountToken adds the kube-api-access volume and its mounts.
func (s *Server) mountToken(p *api.Pod) {
	for _, v := range p.Spec.Volumes {
		if strings.HasPrefix(v.Name, "kube-api-access-") {
			return
		}
	}
	name := "kube-api-access-" + s.RandomSuffix(5)
	p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: name, VolumeSource: api.VolumeSource{Projected: kubeAPIAccess}})
	mount := api.VolumeMount{Name: name, ReadOnly: true, MountPath: tokenMountPath}
	for _, list := range [][]api.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range list {
			c := &list[i]
			if !slices.ContainsFunc(c.VolumeMounts, func(m api.VolumeMount) bool { return m.MountPath == tokenMountPath }) {
				c.VolumeMounts = append(c.VolumeMounts, mount)
			}
		}
	}
}

// admitPriority resolves the pod's priority class into its priority and
// preemption policy, or the cluster's default class, or zero.
func (s *Server) admitPriority(r *api.ResourceInfo, p *api.Pod) error {
	name := p.Spec.PriorityClassName
	if name == "" {
		if pc := s.defaultPriorityClass(); pc != nil {
			name = pc.Name
			p.Spec.PriorityClassName = name
		}
	}
	value, policy := int32(0), "PreemptLowerPriority"
	if name != "" {
		obj, err := s.Get(resourceOf("priorityclasses"), "", name)
		if err != nil {
			return NewForbidden(r, p.Name, fmt.Errorf("no PriorityClass with name %s was found", name))
		}
		pc := obj.(*api.PriorityClass)
		value, policy = pc.Value, api.Deref(pc.PreemptionPolicy, policy)
	}
	if p.Spec.Priority != nil && *p.Spec.Priority != value {
		return NewForbidden(r, p.Name, fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *p.Spec.Priority, value))
	}
	p.Spec.Priority = api.Ptr(value)
	if p.Spec.PreemptionPolicy == nil {
		p.Spec.PreemptionPolicy = api.Ptr(policy)
	}
	return nil
}

func (s *Server) defaultPriorityClass() *api.PriorityClass {
	kvs, _ := s.store.List(prefix(priorityClassResource, ""))
	for _, kv := range kvs {
		if pc := kv.Value.(*api.PriorityClass); pc.GlobalDefault {
			return pc
		}
	}
	return nil
}

var priorityClassResource = resourceOf("priorityclasses")

// admitPriorityClass keeps the system priority classes the API server's
// own: only one class may be the global default.
func (s *Server) admitPriorityClass(obj api.Object) error {
	pc, ok := obj.(*api.PriorityClass)
	if !ok || !pc.GlobalDefault {
		return nil
	}
	if other := s.defaultPriorityClass(); other != nil && other.Name != pc.Name {
		return NewForbidden(resourceOf("priorityclasses"), pc.Name, fmt.Errorf("PriorityClass %v is already marked as default. Only one default can exist", other.Name))
	}
	return nil
}

// systemPriorityClasses are created by the API server itself.
func systemPriorityClasses() []*api.PriorityClass {
	return []*api.PriorityClass{
		{ObjectMeta: api.ObjectMeta{Name: "system-node-critical"}, Value: 2000001000, Description: "Used for system critical pods that must not be moved from their current node."},
		{ObjectMeta: api.ObjectMeta{Name: "system-cluster-critical"}, Value: 2000000000, Description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."},
	}
}
