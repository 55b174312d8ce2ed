package page

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/engine/store"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

var pageScale = flag.Int("page.pods", 0, "BenchmarkPageAtScale: run this size only (10000: 10,000 pods on 1,000 fake nodes)")

// pageHeapProfile writes a heap profile at Available (after a collection),
// one per case, to this file name with the case's name added.
var pageHeapProfile = flag.String("page.memprofile", "", "BenchmarkPageAtScale: write a heap profile taken at Available to this file (.CASE added)")

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
					bytes := pageAtScale(b, pods, tc.withPage, tc.saved, tc.name)
					b.ReportMetric(float64(bytes)/1e6, "batch-MB")
				}
			})
		}
	}
}

func pageAtScale(b *testing.B, pods int, withPage, saved bool, name string) (batchBytes int) {
	s, pg, _ := scaleSession(b, pods, saved)
	defer s.Close()
	call := caller(b, pg)
	if withPage {
		for _, r := range viewResources {
			call("watch", map[string]any{"resource": r, "summary": true})
		}
		call("requests", map[string]any{"on": true})
		pg.Flush()
	}
	var out bytes.Buffer
	if code := s.Exec(context.Background(), fmt.Sprintf("kubectl scale deployment many --replicas=%d", pods), &out, &out); code != 0 {
		b.Fatal(out.String())
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
	if *pageHeapProfile != "" {
		writeHeapProfile(b, *pageHeapProfile+"."+name)
	}
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MiB")
	return batchBytes
}

// caller returns a function that makes a request of the page, as the
// page's script does, and fails tb when it is refused.
func caller(tb testing.TB, pg *Page) func(op string, args any) {
	id := 0
	return func(op string, args any) {
		id++
		a, _ := json.Marshal(args)
		msg, _ := json.Marshal(map[string]any{"id": id, "op": op, "args": json.RawMessage(a)})
		if r := pg.Handle(msg); r.Error != "" {
			tb.Fatalf("%s: %s", op, r.Error)
		}
	}
}

// BenchmarkTypedDuringScaleUp runs the browser worker's loop (a pacer
// step at max speed every 4 ms, then the page's batch) in one goroutine
// while another types `kubectl get nodes` every 100 ms of wall time, as a
// user would, until the Deployment of pause pods is Available. It reports
// how long the typed command took, from the moment it was typed to its
// exit (p50 and the slowest), and how long the scale command itself
// took, in wall milliseconds.
func BenchmarkTypedDuringScaleUp(b *testing.B) {
	pods := 2000
	if *pageScale > 0 {
		pods = *pageScale
	}
	b.Run(fmt.Sprintf("%dpods", pods), func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			scale, took, kept, reopen := typedDuringScaleUp(b, pods)
			slices.Sort(took)
			if len(took) == 0 {
				b.Fatal("no command was typed during the scale-up")
			}
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "get-nodes-p50-ms")
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "get-nodes-max-ms")
			b.ReportMetric(float64(len(took)), "typed")
			b.ReportMetric(float64(scale.Microseconds())/1000, "scale-ms")
			if *typedSaved {
				b.ReportMetric(float64(kept)/1e6, "kept-MB")
				b.ReportMetric(float64(reopen.Microseconds())/1000, "reopen-ms")
			}
		}
	})
}

// typedSaved makes BenchmarkTypedDuringScaleUp keep the cluster as the
// browser does (the store's log and snapshots written at each step).
var typedSaved = flag.Bool("page.saved", false, "BenchmarkTypedDuringScaleUp: keep the cluster as the browser does")

// When the cluster is kept, it returns the bytes kept at Available and
// how long the store takes to open them (what a reload reads, and its
// first step).
func typedDuringScaleUp(b *testing.B, pods int) (scale time.Duration, took []time.Duration, kept int64, reopen time.Duration) {
	s, pg, data := scaleSession(b, pods, *typedSaved)
	defer s.Close()
	cl := s.Cluster().Client("bench")
	pacer := s.Pace(time.Now, math.Inf(1))
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			time.Sleep(4 * time.Millisecond)
			pacer.Step()
			pg.Flush()
		}
	}()
	defer func() { close(stop); <-stopped }()
	b.StartTimer()
	var out bytes.Buffer
	t0 := time.Now()
	if code := s.Exec(context.Background(), fmt.Sprintf("kubectl scale deployment many --replicas=%d", pods), &out, &out); code != 0 {
		b.Fatal(out.String())
	}
	scale = time.Since(t0)
	// The first right after the scale, before the pacer's next step, as
	// the page's test types it.
	for first := true; ; first = false {
		if !first {
			time.Sleep(100 * time.Millisecond)
		}
		out.Reset()
		t0 := time.Now()
		if code := s.Exec(context.Background(), "kubectl get nodes", &out, &out); code != 0 {
			b.Fatal(out.String())
		}
		took = append(took, time.Since(t0))
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
	if data != nil {
		s.Lock()
		kept = keptBytes(b, data)
		t0 := time.Now()
		_, _, rep, err := store.Open(data, ".", time.Now)
		reopen = time.Since(t0)
		s.Unlock()
		if err != nil || len(rep.Dropped) > 0 {
			b.Fatal(err, rep.Dropped)
		}
	}
	return scale, took, kept, reopen
}

// keptBytes adds up the sizes of the files in fsys.
func keptBytes(b *testing.B, fsys hackpadfs.FS) (n int64) {
	err := hackpadfs.WalkDir(fsys, ".", func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		n += info.Size()
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// scaleSession starts a session with pods/10 fake nodes and a Deployment
// "many" of pause pods that tolerates them, at 0 replicas, and its page;
// saved keeps the cluster as the browser does (in IndexedDB there), in
// the file system it returns.
func scaleSession(b *testing.B, pods int, saved bool) (*session.Session, *Page, hackpadfs.FS) {
	home, err := mem.NewFS()
	if err != nil {
		b.Fatal(err)
	}
	if err := home.Mkdir("root", 0o755); err != nil {
		b.Fatal(err)
	}
	cfg := cluster.Config{Seed: 1, Workers: 2, FakeNodes: pods / 10, Modules: runtime.NewFSSource(wasmtest.Modules(b))}
	var data hackpadfs.FS
	if saved {
		if data, err = mem.NewFS(); err != nil {
			b.Fatal(err)
		}
		cfg.Data, cfg.DataDir = data, "."
	}
	s, err := session.New(session.Config{Cluster: cfg, FS: home, Dir: "/root"})
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range []string{
		"kubectl create deployment many --image=registry.k8s.io/pause --replicas=0",
		`kubectl patch deployment many -p '{"spec":{"template":{"spec":{"tolerations":[{"key":"kwok.x-k8s.io/node","operator":"Exists","effect":"NoSchedule"}]}}}}'`,
	} {
		var out bytes.Buffer
		if code := s.Exec(context.Background(), line, &out, &out); code != 0 {
			s.Close()
			b.Fatalf("%s: %s", line, out.String())
		}
	}
	return s, New(Config{Session: s, Home: home}), data
}

func writeHeapProfile(b *testing.B, file string) {
	goruntime.GC()
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}
