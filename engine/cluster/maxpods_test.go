package cluster

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// How many pods one worker runs is bounded twice, as on a real cluster:
// by its kubelet's --max-pods (110 by default; the scheduler leaves the
// rest Pending with "Too many pods") and by the addresses of its pod
// CIDR (a /24 from --node-cidr-mask-size 24 holds 253; past them the
// sandboxes fail with FailedCreatePodSandBox). Raising both, as a
// benchmark of many pods on few nodes must, runs them all.
func TestPodsPerNode(t *testing.T) {
	tests := []struct {
		name          string
		maxPods, mask int
		perNode       int // MaxPods of the node added with kubeplay node add --max-pods
		replicas      int
		// The Deployment's pods on the worker, and Ready: kube-proxy and a
		// CoreDNS pod run there too, and CoreDNS takes an address.
		scheduled, ready  int
		tooMany, noAddr   bool
		podCIDR, capacity string
	}{
		{name: "defaults", replicas: 120, scheduled: 108, ready: 108, tooMany: true, podCIDR: "10.244.1.0/24", capacity: "110"},
		{name: "max-pods-300", maxPods: 300, replicas: 300, scheduled: 298, ready: 252, tooMany: true, noAddr: true, podCIDR: "10.244.1.0/24", capacity: "300"},
		{name: "max-pods-300-mask-23", maxPods: 300, mask: 23, replicas: 290, scheduled: 290, ready: 290, podCIDR: "10.244.2.0/23", capacity: "300"},
		{name: "node-add-max-pods", mask: 23, perNode: 300, replicas: 290, scheduled: 290, ready: 290, podCIDR: "10.244.2.0/23", capacity: "300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			workers := 1
			if tt.perNode > 0 {
				workers = 0
			}
			c, err := New(Config{Seed: 1, Workers: workers, MaxPods: tt.maxPods, NodeCIDRMaskSize: tt.mask, Modules: runtime.NewFSSource(wasmtest.Modules(t))})
			require.NoError(t, err)
			t.Cleanup(func() { _ = c.Close() })
			f := &fixture{t: t, c: c, k: c.Client("test")}
			if tt.perNode > 0 {
				_, err := c.AddNode(NodeOptions{Name: "node01", MaxPods: tt.perNode})
				require.NoError(t, err)
				f.until("node01 is ready", time.Minute, func() bool { return f.ready("node01") == "True" })
			}
			n := f.node("node01")
			assert.Equal(t, tt.podCIDR, n.Spec.PodCIDR)
			pods := n.Status.Capacity["pods"]
			assert.Equal(t, tt.capacity, pods.String())

			labels := map[string]string{"app": "many"}
			_, err = client.Create(f.k, &api.Deployment{
				ObjectMeta: api.ObjectMeta{Name: "many", Namespace: "default"},
				Spec: api.DeploymentSpec{
					Replicas: api.Ptr(int32(tt.replicas)),
					Selector: &api.LabelSelector{MatchLabels: labels},
					Template: api.PodTemplateSpec{
						ObjectMeta: api.ObjectMeta{Labels: labels},
						Spec:       api.PodSpec{Containers: []api.Container{{Name: "pause", Image: imagePause}}},
					},
				},
			})
			require.NoError(t, err)
			count := func() (scheduled, ready int) {
				for _, p := range f.pods("app=many") {
					if p.Spec.NodeName != "" {
						scheduled++
					}
					if controller.IsPodReady(p) {
						ready++
					}
				}
				return scheduled, ready
			}
			f.until("the pods settle", 2*time.Minute, func() bool {
				s, r := count()
				return s == tt.scheduled && r == tt.ready
			})
			c.Loop().RunUntil(func() bool { return false }, c.Now().Add(30*time.Second))
			s, r := count()
			assert.Equal(t, tt.scheduled, s, "scheduled")
			assert.Equal(t, tt.ready, r, "ready")

			all, err := client.List[*api.Pod](f.k, "", apiserver.ListOptions{FieldSelector: "spec.nodeName=node01"})
			require.NoError(t, err)
			assert.LessOrEqual(t, len(all), int(pods.Value()), "no more pods than --max-pods")

			var tooMany bool
			for _, p := range f.pods("app=many") {
				if c := podCondition(p, "PodScheduled"); p.Spec.NodeName == "" && c != nil && c.Reason == "Unschedulable" {
					assert.Contains(t, c.Message, "1 Too many pods", p.Name)
					tooMany = true
				}
			}
			assert.Equal(t, tt.tooMany, tooMany, "pods left Pending for Too many pods")
			var noAddr bool
			for _, e := range f.events("FailedCreatePodSandBox") {
				noAddr = noAddr || strings.Contains(e.Message, "no IP addresses available in range set: 10.244.1.1-10.244.1.254")
			}
			assert.Equal(t, tt.noAddr, noAddr, "sandboxes failed for want of addresses")
		})
	}
}

func podCondition(p *api.Pod, typ string) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}
