package page

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

var pageScale = flag.Int("page.pods", 0, "BenchmarkPageAtScale: run this size only (10000: 10,000 pods on 1,000 fake nodes)")

// viewResources are what the page's cluster view watches (web/src/clusterview.js).
var viewResources = []string{
	"nodes", "pods", "deployments.apps", "replicasets.apps", "statefulsets.apps", "daemonsets.apps", "jobs.batch",
	"cronjobs.batch", "services", "endpointslices.discovery.k8s.io", "persistentvolumeclaims", "events", "replicationcontrollers",
}

// BenchmarkPageAtScale runs what the browser's worker runs while a
// Deployment of pause pods comes up on fake nodes at max speed: pacer
// steps, each followed by the page's batch (cmd/wasm's loop), with the
// cluster view's watches and the request stream on ("page"), or without
// the page ("bare"). It reports the batches' bytes.
func BenchmarkPageAtScale(b *testing.B) {
	sizes := []int{2000}
	if *pageScale > 0 {
		sizes = []int{*pageScale}
	}
	for _, pods := range sizes {
		for _, tc := range []struct {
			name            string
			withPage, saved bool
		}{{"bare", false, false}, {"page", true, false}, {"page-saved", true, true}} {
			b.Run(fmt.Sprintf("%dpods/%s", pods, tc.name), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					bytes := pageAtScale(b, pods, tc.withPage, tc.saved)
					b.ReportMetric(float64(bytes)/1e6, "batch-MB")
				}
			})
		}
	}
}

func pageAtScale(b *testing.B, pods int, withPage, saved bool) (batchBytes int) {
	home, err := mem.NewFS()
	if err != nil {
		b.Fatal(err)
	}
	if err := home.Mkdir("root", 0o755); err != nil {
		b.Fatal(err)
	}
	cfg := cluster.Config{Seed: 1, Workers: 2, FakeNodes: pods / 10, Modules: runtime.NewFSSource(wasmtest.Modules(b))}
	if saved {
		// As the browser keeps it (in IndexedDB there).
		data, err := mem.NewFS()
		if err != nil {
			b.Fatal(err)
		}
		cfg.Data, cfg.DataDir = data, "."
	}
	s, err := session.New(session.Config{Cluster: cfg, FS: home, Dir: "/root"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pg := New(Config{Session: s, Home: home})
	id := 0
	call := func(op string, args any) {
		id++
		a, _ := json.Marshal(args)
		msg, _ := json.Marshal(map[string]any{"id": id, "op": op, "args": json.RawMessage(a)})
		if r := pg.Handle(msg); r.Error != "" {
			b.Fatalf("%s: %s", op, r.Error)
		}
	}
	if withPage {
		for _, r := range viewResources {
			call("watch", map[string]any{"resource": r, "summary": true})
		}
		call("requests", map[string]any{"on": true})
		pg.Flush()
	}
	for _, line := range []string{
		"kubectl create deployment many --image=registry.k8s.io/pause --replicas=0",
		`kubectl patch deployment many -p '{"spec":{"template":{"spec":{"tolerations":[{"key":"kwok.x-k8s.io/node","operator":"Exists","effect":"NoSchedule"}]}}}}'`,
		fmt.Sprintf("kubectl scale deployment many --replicas=%d", pods),
	} {
		var out bytes.Buffer
		if code := s.Exec(context.Background(), line, &out, &out); code != 0 {
			b.Fatalf("%s: %s", line, out.String())
		}
	}
	cl := s.Cluster().Client("bench")
	pacer := s.Pace(time.Now, math.Inf(1))
	b.StartTimer()
	for step := 0; ; step++ {
		pacer.Step()
		if withPage {
			batchBytes += len(pg.Flush())
		}
		if step%10 != 0 {
			continue
		}
		s.Lock()
		d, err := client.Get[*api.Deployment](cl, "default", "many")
		s.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		if d.Status.AvailableReplicas == int32(pods) {
			break
		}
	}
	b.StopTimer()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MiB")
	return batchBytes
}
