package apiserver

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestUnsimulatedWarnings(t *testing.T) {
	vol := func(src api.VolumeSource) []api.Volume { return []api.Volume{{Name: "v", VolumeSource: src}} }
	tests := []struct {
		name string
		spec api.PodSpec
		want []string
	}{
		{name: "plain", spec: api.PodSpec{}},
		{name: "emptyDir", spec: api.PodSpec{Volumes: vol(api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}})}},
		{name: "emptyDir in memory", spec: api.PodSpec{Volumes: vol(api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{Medium: "Memory"}})}},
		{name: "emptyDir in memory with a sizeLimit", spec: api.PodSpec{Volumes: vol(api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{Medium: "Memory", SizeLimit: api.Ptr(api.MustParse("64Mi"))}})},
			want: []string{`kubeplay: an emptyDir of medium Memory has no tmpfs size of its own: a write past its sizeLimit does not fail with "No space left on device", the pod is evicted instead, as for an emptyDir on disk (its files do count toward the memory of the container that wrote them)`}},
		{name: "configMap", spec: api.PodSpec{Volumes: vol(api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{}})}},
		{name: "nfs", spec: api.PodSpec{Volumes: vol(api.VolumeSource{NFS: &api.NFSVolumeSource{Server: "s", Path: "/"}})},
			want: []string{"kubeplay: volumes other than emptyDir, hostPath, persistentVolumeClaim (on hostPath or local volumes), configMap, secret, downwardAPI and projected are not simulated: pods that use them stay ContainerCreating with a FailedMount event"}},
		{name: "trust bundle", spec: api.PodSpec{Volumes: vol(api.VolumeSource{Projected: &api.ProjectedVolumeSource{Sources: []api.VolumeProjection{{ClusterTrustBundle: &api.ClusterTrustBundleProjection{}}}}})},
			want: []string{"kubeplay: clusterTrustBundle and podCertificate projections are not simulated: pods that use them stay ContainerCreating with a FailedMount event"}},
		{name: "exec probe", spec: api.PodSpec{Containers: []api.Container{{LivenessProbe: &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{}}}}}}},
		{name: "http probe", spec: api.PodSpec{Containers: []api.Container{{ReadinessProbe: &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{}}}}}}},
		{name: "grpc probe", spec: api.PodSpec{Containers: []api.Container{{ReadinessProbe: &api.Probe{ProbeHandler: api.ProbeHandler{GRPC: &api.GRPCAction{}}}}}}},
		{name: "exec hook", spec: api.PodSpec{Containers: []api.Container{{Lifecycle: &api.Lifecycle{PostStart: &api.LifecycleHandler{Exec: &api.ExecAction{}}}}}}},
		{name: "http hook", spec: api.PodSpec{InitContainers: []api.Container{{Lifecycle: &api.Lifecycle{PreStop: &api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{}
			s.noteUnsimulated(&api.Pod{Spec: tt.spec})
			assert.Equal(t, tt.want, s.TakeWarnings())
		})
	}
}
