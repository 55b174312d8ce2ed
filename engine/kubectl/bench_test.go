package kubectl

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// noWait is a host where nothing happens while kubectl waits.
type noWait struct{}

func (noWait) ReadFile(string) ([]byte, error) { return nil, fmt.Errorf("no files") }
func (noWait) Wait(context.Context, time.Duration, func() bool) error {
	return ErrTimeout
}

// BenchmarkGetPods1000 is `kubectl get pods` over 1,000 running pods:
// parsing the command line, listing through the API server and printing
// the table (issue 7's figure: under 30 ms in the browser).
func BenchmarkGetPods1000(b *testing.B) {
	k := thousandPods(b)
	ctx := context.Background()
	for b.Loop() {
		if code := k.Run(ctx, IO{Out: io.Discard, Err: io.Discard}, []string{"get", "pods"}); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkGetPods1000Formats is the same list printed in other formats
// (-o name once turned every pod into a JSON value first: 170 ms).
func BenchmarkGetPods1000Formats(b *testing.B) {
	k := thousandPods(b)
	ctx := context.Background()
	for _, format := range []string{"name", "wide"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				if code := k.Run(ctx, IO{Out: io.Discard, Err: io.Discard}, []string{"get", "pods", "-o", format}); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}

// thousandPods is a kubectl over an API server holding 1,000 running pods.
func thousandPods(b *testing.B) *Kubectl {
	l := loop.New(describeEpoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	c := client.New(s, "bench")
	if _, err := client.Create(c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: "default"}}); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		p := &api.Pod{
			ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("web-%04d", i), Namespace: "default", Labels: map[string]string{"app": "web"}},
			Spec:       api.PodSpec{Containers: []api.Container{{Name: "web", Image: "nginx"}}},
		}
		out, err := client.Create(c, p)
		if err != nil {
			b.Fatal(err)
		}
		out.Status.Phase = api.PodRunning
		out.Status.ContainerStatuses = []api.ContainerStatus{running("web", true)}
		if _, err := client.UpdateStatus(c, out); err != nil {
			b.Fatal(err)
		}
	}
	return New(c, noWait{})
}

// BenchmarkGetNodes1000 is `kubectl get nodes` over 1,000 Ready nodes
// (issue 9 asks for it within 100 ms in the browser while 10,000 pods
// come up on 1,000 fake nodes).
func BenchmarkGetNodes1000(b *testing.B) {
	l := loop.New(describeEpoch)
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	c := client.New(s, "bench")
	for i := range 1000 {
		n := &api.Node{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("node%04d", i), Labels: map[string]string{"type": "kwok", "kubernetes.io/hostname": fmt.Sprintf("node%04d", i)}}}
		out, err := client.Create(c, n)
		if err != nil {
			b.Fatal(err)
		}
		out.Status.Conditions = []api.NodeCondition{{Type: "Ready", Status: api.ConditionTrue, Reason: "KubeletReady"}}
		out.Status.NodeInfo.KubeletVersion = "v1.37.2"
		if _, err := client.UpdateStatus(c, out); err != nil {
			b.Fatal(err)
		}
	}
	k := New(c, noWait{})
	ctx := context.Background()
	for b.Loop() {
		if code := k.Run(ctx, IO{Out: io.Discard, Err: io.Discard}, []string{"get", "nodes"}); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
