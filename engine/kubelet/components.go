package kubelet

import (
	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// The images of the cluster's own components (etcd, kube-apiserver, ...)
// stand for programs the engine runs itself: their container is the pause
// module, which runs nothing and listens on no port. The control plane's
// static pods and kubeadm's add-ons (kube-proxy, CoreDNS) in kube-system
// are those components; a pod elsewhere that runs such an image gets no
// etcd or API server of its own, and the kubelet says so rather than let
// it pass for one (the documentation's grpc probe example runs etcd,
// whose probe then fails as it would against nothing).

// noteComponentImage warns, at a container's start, that its image is a
// component's and runs nothing here.
func (k *Kubelet) noteComponentImage(p *api.Pod, c api.Container, img runtime.Image) {
	if !img.Config.Component || isMirror(p) || p.Namespace == "kube-system" {
		return
	}
	k.rec.ContainerEventf(p, c.Name, api.EventWarning, "ImageNotSimulated",
		"kubeplay: %s is the image of a cluster component that the engine runs itself; in this pod it runs no program (the container sleeps and listens on no port)", c.Image)
}
