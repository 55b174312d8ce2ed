package session

import (
	"context"
	"io"
	"testing"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// BenchmarkHello measures the walking skeleton in one cluster: run a
// busybox pod that echoes, wait for it, read its log (the image is pulled,
// and compiled, once per cluster).
func BenchmarkHello(b *testing.B) {
	modules := runtime.NewFSSource(wasmtest.Modules(b))
	s, err := New(Config{Cluster: clusterConfig(modules), FS: memFS(b), Dir: "/root"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for b.Loop() {
		for _, line := range []string{
			"kubectl run hello --image=busybox --restart=Never -- echo hello",
			"sleep 5",
			"kubectl logs hello",
			"kubectl delete pod hello",
		} {
			if code := s.Exec(ctx, line, io.Discard, io.Discard); code != 0 {
				b.Fatalf("%s: exit %d", line, code)
			}
		}
	}
}

// BenchmarkGetPods measures `kubectl get pods -A` on the booted cluster.
func BenchmarkGetPods(b *testing.B) {
	modules := runtime.NewFSSource(wasmtest.Modules(b))
	s, err := New(Config{Cluster: clusterConfig(modules), FS: memFS(b), Dir: "/root"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		s.Exec(context.Background(), "kubectl get pods -A", io.Discard, io.Discard)
	}
}
