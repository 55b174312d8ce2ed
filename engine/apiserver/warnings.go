package apiserver

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The playground keeps every field Kubernetes accepts, but it does not act
// on all of them yet. When an object uses such a field, the API server says
// so with a warning, as kube-apiserver sends deprecation warnings (kubectl
// prints them as "Warning: ..."); kubectl says each one once a session.

// unsimulated lists, per feature, the check that finds it in a pod spec.
var unsimulated = []struct {
	feature string
	uses    func(*api.PodSpec) bool
}{
	{"volumes other than emptyDir, hostPath, persistentVolumeClaim (on hostPath or local volumes), configMap, secret, downwardAPI and projected are not simulated: pods that use them stay ContainerCreating with a FailedMount event", func(s *api.PodSpec) bool {
		return slices.ContainsFunc(s.Volumes, func(v api.Volume) bool { return !simulatedVolume(v.VolumeSource) })
	}},
	{"clusterTrustBundle and podCertificate projections are not simulated: pods that use them stay ContainerCreating with a FailedMount event", func(s *api.PodSpec) bool {
		return slices.ContainsFunc(s.Volumes, func(v api.Volume) bool {
			return v.Projected != nil && slices.ContainsFunc(v.Projected.Sources, func(p api.VolumeProjection) bool {
				return p.ClusterTrustBundle != nil || p.PodCertificate != nil
			})
		})
	}},
	{"an emptyDir of medium Memory has no tmpfs size of its own: a write past its sizeLimit does not fail with \"No space left on device\", the pod is evicted instead, as for an emptyDir on disk (its files do count toward the memory of the container that wrote them)", func(s *api.PodSpec) bool {
		return slices.ContainsFunc(s.Volumes, func(v api.Volume) bool {
			return v.EmptyDir != nil && v.EmptyDir.Medium == "Memory" && v.EmptyDir.SizeLimit != nil && !v.EmptyDir.SizeLimit.IsZero()
		})
	}},
	{"securityContext is kept but has no effect: containers are WebAssembly modules, not Linux processes", func(s *api.PodSpec) bool {
		return s.SecurityContext != nil && !reflect.DeepEqual(*s.SecurityContext, api.PodSecurityContext{}) ||
			anyContainer(s, func(c *api.Container) bool { return c.SecurityContext != nil })
	}},
}

// simulatedVolume reports whether the kubelet mounts a volume of this type.
func simulatedVolume(v api.VolumeSource) bool {
	return v.EmptyDir != nil || v.HostPath != nil || v.PersistentVolumeClaim != nil || v.ConfigMap != nil ||
		v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
}

func anyContainer(s *api.PodSpec, f func(*api.Container) bool) bool {
	for _, list := range [][]api.Container{s.InitContainers, s.Containers} {
		for i := range list {
			if f(&list[i]) {
				return true
			}
		}
	}
	return false
}

// podSpecOf returns the pod spec an object carries, if any.
func podSpecOf(obj api.Object) *api.PodSpec {
	switch o := obj.(type) {
	case *api.Pod:
		return &o.Spec
	case *api.Deployment:
		return &o.Spec.Template.Spec
	case *api.ReplicaSet:
		return &o.Spec.Template.Spec
	case *api.DaemonSet:
		return &o.Spec.Template.Spec
	case *api.StatefulSet:
		return &o.Spec.Template.Spec
	case *api.ReplicationController:
		if o.Spec.Template != nil {
			return &o.Spec.Template.Spec
		}
	case *api.Job:
		return &o.Spec.Template.Spec
	case *api.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec
	case *api.PodTemplate:
		return &o.Template.Spec
	}
	return nil
}

// noteUnsimulated queues a warning for each feature obj uses that the
// playground does not simulate. Clients decide how often to repeat them.
func (s *Server) noteUnsimulated(obj api.Object) {
	spec := podSpecOf(obj)
	if spec == nil {
		return
	}
	for _, u := range unsimulated {
		if u.uses(spec) {
			s.warnings = append(s.warnings, fmt.Sprintf("kubeplay: %s", u.feature))
		}
	}
}

// TakeWarnings returns the warnings of the request just made, as
// kube-apiserver returns them in Warning headers.
func (s *Server) TakeWarnings() []string {
	w := s.warnings
	s.warnings = nil
	return w
}

// deprecatedResources are the resources kube-apiserver warns about on
// every request, with its words.
var deprecatedResources = map[string]string{
	"endpoints":         "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
	"componentstatuses": "v1 ComponentStatus is deprecated in v1.19+",
}

// warnDeprecated queues the deprecation warning of a request's resource.
func (s *Server) warnDeprecated(r *api.ResourceInfo) {
	if w, ok := deprecatedResources[r.GroupResource()]; ok {
		s.warnings = append(s.warnings, w)
	}
}

// Warn adds a warning to the current request's, for a front end that
// finds something to warn about itself (an unknown field dropped under
// fieldValidation=Warn).
func (s *Server) Warn(msg string) {
	s.warnings = append(s.warnings, msg)
}
