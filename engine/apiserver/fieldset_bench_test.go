package apiserver

import (
	"fmt"
	"testing"

	"github.com/kubeplay/kubeplay/engine/api"
)

// BenchmarkManagedPodLife is a pod's life in writes, each recording its
// managed fields as a cluster's components do: a ReplicaSet's pod created
// by kube-controller-manager, then three status writes by the kubelet
// (the pod's IP, its container running, its conditions Ready).
func BenchmarkManagedPodLife(b *testing.B) {
	s := newServer()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p := busybox(fmt.Sprintf("web-%d", i))
		p.GenerateName = "web-"
		p.Labels = map[string]string{"app": "web", "pod-template-hash": "5d4f8c9b7"}
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d4f8c9b7", UID: "7c2a7d1e-0000-4000-8000-000000000001", Controller: api.Ptr(true), BlockOwnerDeletion: api.Ptr(true)}}
		p.Spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}}
		restore := s.SetFieldManager("kube-controller-manager")
		obj, err := s.Create(pods, "default", p)
		restore()
		if err != nil {
			b.Fatal(err)
		}
		cur := obj.(*api.Pod)
		restore = s.SetFieldManager("kubelet")
		for step := range 3 {
			next := api.Clone(cur)
			switch step {
			case 0:
				next.Status.Phase = api.PodPending
				next.Status.PodIP = fmt.Sprintf("10.244.%d.%d", i/250%256, i%250+2)
				next.Status.PodIPs = []api.PodIP{{IP: next.Status.PodIP}}
				next.Status.HostIP = "172.18.0.2"
			case 1:
				next.Status.Phase = api.PodRunning
				next.Status.ContainerStatuses = []api.ContainerStatus{{Name: "c", Image: "busybox", ImageID: "sha256:1", ContainerID: fmt.Sprintf("containerd://%d", i), Started: api.Ptr(true)}}
			case 2:
				next.Status.Conditions = []api.PodCondition{{Type: "Ready", Status: api.ConditionTrue}, {Type: "ContainersReady", Status: api.ConditionTrue}}
				next.Status.ContainerStatuses[0].Ready = true
			}
			out, err := s.UpdateStatus(pods, next)
			if err != nil {
				b.Fatal(err)
			}
			cur = out.(*api.Pod)
		}
		restore()
	}
}
