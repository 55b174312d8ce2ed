package apiserver

import (
	"fmt"
	"testing"

	"github.com/kubeplay/kubeplay/engine/api"
)

// serverWithPods returns a server holding n pods in the default namespace.
func serverWithPods(b *testing.B, n int) *Server {
	b.Helper()
	s := newServer()
	for i := range n {
		p := busybox(fmt.Sprintf("pod-%05d", i))
		p.Labels = map[string]string{"app": fmt.Sprintf("app-%d", i%10)}
		if _, err := s.Create(pods, "default", p); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkCreatePod creates pods into a store that already holds 10,000,
// as a component's client does: with a field manager, so managedFields
// are recorded.
func BenchmarkCreatePod(b *testing.B) {
	s := serverWithPods(b, 10_000)
	defer s.SetFieldManager("kube-controller-manager")()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Create(pods, "default", busybox(fmt.Sprintf("new-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdatePod updates the status of one of 10,000 pods, as a
// kubelet does (with its field manager).
func BenchmarkUpdatePod(b *testing.B) {
	s := serverWithPods(b, 10_000)
	obj, _ := s.Get(pods, "default", "pod-05000")
	p := api.Clone(obj.(*api.Pod))
	defer s.SetFieldManager("kubelet")()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.Status.Message = fmt.Sprint(i)
		out, err := s.UpdateStatus(pods, p)
		if err != nil {
			b.Fatal(err)
		}
		p.ResourceVersion = out.GetObjectMeta().ResourceVersion
	}
}

// BenchmarkListPods lists 10,000 pods, all and by label selector. The
// target is under 20 ms natively for the whole list.
func BenchmarkListPods(b *testing.B) {
	s := serverWithPods(b, 10_000)
	for _, bc := range []struct {
		name string
		ns   string
		opts ListOptions
		want int
	}{
		{"all-namespaces", "", ListOptions{}, 10_000},
		{"namespace", "default", ListOptions{}, 10_000},
		{"label-selector", "default", ListOptions{LabelSelector: "app=app-3"}, 1_000},
		{"field-selector", "", ListOptions{FieldSelector: "metadata.name=pod-00042"}, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				l, err := s.List(pods, bc.ns, bc.opts)
				if err != nil || len(l.Items) != bc.want {
					b.Fatalf("got %d pods, %v", len(l.Items), err)
				}
			}
		})
	}
}

// BenchmarkWatchFanout measures one change reaching 100 watchers of
// pods, with 10,000 pods in the store. The target is under 1 ms natively.
func BenchmarkWatchFanout(b *testing.B) {
	s := serverWithPods(b, 10_000)
	seen := 0
	for range 100 {
		stop, err := s.Watch(pods, "", ListOptions{ResourceVersion: fmt.Sprint(s.store.Revision())}, func(WatchEvent) { seen++ })
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(stop)
	}
	obj, _ := s.Get(pods, "default", "pod-05000")
	p := api.Clone(obj.(*api.Pod))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.Status.Message = fmt.Sprint(i)
		out, err := s.UpdateStatus(pods, p)
		if err != nil {
			b.Fatal(err)
		}
		p.ResourceVersion = out.GetObjectMeta().ResourceVersion
		s.loop.RunUntilIdle()
	}
	if seen != 100*b.N {
		b.Fatalf("watchers saw %d events, want %d", seen, 100*b.N)
	}
}
