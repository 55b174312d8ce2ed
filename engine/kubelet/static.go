package kubelet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Annotations of a mirror pod, as the kubelet sets them.
const (
	configHashAnnotation   = "kubernetes.io/config.hash"
	configMirrorAnnotation = "kubernetes.io/config.mirror"
	configSeenAnnotation   = "kubernetes.io/config.seen"
	configSourceAnnotation = "kubernetes.io/config.source"
)

// syncStaticPods makes sure each static pod has its mirror pod in the API,
// recreating one a user deleted, as the kubelet does.
func (k *Kubelet) syncStaticPods() {
	for _, manifest := range k.cfg.StaticPods {
		name := manifest.Name + "-" + k.cfg.NodeName
		if _, err := client.Get[*api.Pod](k.c, manifest.Namespace, name); !apiserver.IsNotFound(err) {
			continue
		}
		_, _ = client.Create(k.c, k.mirrorPod(manifest, name))
	}
}

func (k *Kubelet) mirrorPod(manifest *api.Pod, name string) *api.Pod {
	p := api.Clone(manifest)
	p.Name = name
	p.Spec.NodeName = k.cfg.NodeName
	b, _ := json.Marshal(manifest)
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:16])
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[configHashAnnotation] = hash
	p.Annotations[configMirrorAnnotation] = hash
	p.Annotations[configSeenAnnotation] = k.c.Now().UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
	p.Annotations[configSourceAnnotation] = "file"
	// The kubelet lets static pods tolerate every NoExecute taint, so
	// that node problems never evict them.
	if !slices.ContainsFunc(p.Spec.Tolerations, func(t api.Toleration) bool {
		return t.Key == "" && t.Operator == "Exists" && t.Effect == "NoExecute"
	}) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, api.Toleration{Operator: "Exists", Effect: "NoExecute"})
	}
	p.OwnerReferences = []api.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: k.cfg.NodeName, UID: k.node.UID, Controller: api.Ptr(true)}}
	return p
}

// isMirror reports whether a pod is the mirror of a static pod.
func isMirror(p *api.Pod) bool {
	_, ok := p.Annotations[configMirrorAnnotation]
	return ok
}
