package kubelet

import (
	"cmp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// A component's image in a pod of users is said to run nothing; in the
// control plane's static pod it is the component.
func TestComponentImageWarning(t *testing.T) {
	tests := []struct {
		name      string
		component bool
		mirror    bool
		namespace string
		want      string
	}{
		{name: "etcd in a pod", component: true,
			want: "kubeplay: registry.k8s.io/etcd:3.5.1-0 is the image of a cluster component that the engine runs itself; in this pod it runs no program (the container sleeps and listens on no port)"},
		{name: "etcd as the static pod", component: true, mirror: true},
		{name: "an add-on in kube-system", component: true, namespace: "kube-system"},
		{name: "another image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newTestKubelet(t)
			p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "etcd-with-grpc", Namespace: cmp.Or(tt.namespace, "default"), UID: "u"}}
			if tt.mirror {
				p.Annotations = map[string]string{configMirrorAnnotation: "hash"}
			}
			c := api.Container{Name: "etcd", Image: "registry.k8s.io/etcd:3.5.1-0"}
			k.noteComponentImage(p, c, runtime.Image{Config: runtime.ImageConfig{Module: "pause", Component: tt.component}})
			k.loop.RunUntilIdle()
			evs, err := client.List[*api.Event](k.c, "", apiserver.ListOptions{})
			require.NoError(t, err)
			var got string
			for _, e := range evs {
				if e.Reason == "ImageNotSimulated" {
					assert.Equal(t, api.EventWarning, e.Type)
					got = e.Message
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
