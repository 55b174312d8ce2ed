package kubelet

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// ensureImage makes a container's image present as its pull policy says.
// It returns the image when the container can be created, or how long to
// wait before trying again.
func (k *Kubelet) ensureImage(p *api.Pod, c api.Container, cs *containerState) (*runtime.Image, time.Duration) {
	if cs.pulling {
		return nil, 0
	}
	if cs.image != nil && cs.image.Ref == c.Image {
		img := *cs.image
		if _, ok := k.rt.ImageStatus(c.Image); ok {
			return &img, 0
		}
	}
	present, ok := k.rt.ImageStatus(c.Image)
	switch {
	case c.ImagePullPolicy == "Never" && !ok:
		cs.pullErr = "ErrImageNeverPull"
		cs.pullMsg = fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "ErrImageNeverPull", "%s", cs.pullMsg)
		return nil, 0
	case ok && c.ImagePullPolicy != "Always":
		cs.pullErr, cs.pullMsg = "", ""
		present.Ref = c.Image
		cs.image = &present
		k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Pulled", "Container image %q already present on machine", c.Image)
		return &present, 0
	}
	if now := k.c.Now(); now.Before(cs.pullRetryAt) {
		cs.pullErr = "ImagePullBackOff"
		k.rec.ContainerEventf(p, c.Name, api.EventNormal, "BackOff", "Back-off pulling image %q", c.Image)
		k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Failed", "Error: ImagePullBackOff")
		return nil, cs.pullRetryAt.Sub(now)
	}
	k.pull(p, c, cs)
	return nil, 0
}

// pull pulls a container's image and, when done, looks at the pod again.
func (k *Kubelet) pull(p *api.Pod, c api.Container, cs *containerState) {
	cs.pulling = true
	key := p.Namespace + "/" + p.Name
	k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Pulling", "Pulling image %q", c.Image)
	k.rt.PullImage(c.Image, func(img runtime.Image, took time.Duration, err error) {
		cs.pulling = false
		if k.stopped {
			return
		}
		if err != nil {
			cs.pullErr = "ErrImagePull"
			cs.pullMsg = err.Error()
			cs.pullBackoff = nextBackoff(cs.pullBackoff)
			cs.pullRetryAt = k.c.Now().Add(cs.pullBackoff)
			k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Failed", "Failed to pull image %q: %v", c.Image, err)
			k.rec.ContainerEventf(p, c.Name, api.EventWarning, "Failed", "Error: ErrImagePull")
			k.queue.Add(key)
			return
		}
		cs.pullErr, cs.pullMsg, cs.pullBackoff = "", "", 0
		img.Ref = c.Image
		cs.image = &img
		d := took.Truncate(time.Millisecond)
		k.rec.ContainerEventf(p, c.Name, api.EventNormal, "Pulled", "Successfully pulled image %q in %v (%v including waiting). Image size: %d bytes.", c.Image, d, d, img.Size)
		k.queue.Add(key)
	})
}
