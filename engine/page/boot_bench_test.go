package page

import (
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// BenchmarkPageBoot runs natively what the browser's worker runs from the
// engine's start to the cluster view's first batch (cmd/wasm's start and
// the page's first requests): a session over a kept store and home
// directory, either new ("new") or restored from what an earlier boot
// kept ("restore"), then the page with the cluster view's watches, the
// request stream and the clock, and its first batch.
func BenchmarkPageBoot(b *testing.B) {
	modules := runtime.NewFSSource(wasmtest.Modules(b))
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			data, home := freshFS(b)
			b.StartTimer()
			pageBoot(b, modules, data, home, bootStart)
		}
	})
	b.Run("restore", func(b *testing.B) {
		data, home := freshFS(b)
		pageBoot(b, modules, data, home, bootStart)
		kept := copyFS(b, data)
		for b.Loop() {
			b.StopTimer()
			data := copyFS(b, kept)
			b.StartTimer()
			pageBoot(b, modules, data, home, bootStart.Add(time.Hour))
		}
	})
}

var bootStart = time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)

// pageBoot starts a session as cmd/wasm does and makes the page's first
// requests, up to its first batch.
func pageBoot(tb testing.TB, modules runtime.ModuleSource, data, home hackpadfs.FS, at time.Time) *session.Session {
	s, err := session.New(session.Config{
		Cluster: cluster.Config{Seed: 1, Workers: 2, Start: at, Modules: modules, Data: data, DataDir: "."},
		FS:      home, Dir: "/root", Home: "root",
	})
	if err != nil {
		tb.Fatal(err)
	}
	pg := New(Config{Session: s, Home: s.FS(), HomeDir: "root"})
	call := caller(tb, pg)
	call("clock", map[string]any{})
	for _, r := range viewResources {
		call("watch", map[string]any{"resource": r, "summary": true})
	}
	call("requests", map[string]any{"on": true})
	call("files", map[string]any{})
	pg.Flush()
	return s
}

// freshFS returns an empty data directory and a home with /root.
func freshFS(tb testing.TB) (data, home hackpadfs.FS) {
	d, err := mem.NewFS()
	if err != nil {
		tb.Fatal(err)
	}
	h, err := mem.NewFS()
	if err != nil {
		tb.Fatal(err)
	}
	if err := h.Mkdir("root", 0o755); err != nil {
		tb.Fatal(err)
	}
	return d, h
}

// copyFS copies a file system's files into a new one.
func copyFS(b testing.TB, from hackpadfs.FS) hackpadfs.FS {
	to, err := mem.NewFS()
	if err != nil {
		b.Fatal(err)
	}
	var walk func(dir string)
	walk = func(dir string) {
		entries, err := hackpadfs.ReadDir(from, dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if dir != "." {
				name = dir + "/" + name
			}
			if e.IsDir() {
				if err := hackpadfs.MkdirAll(to, name, 0o755); err != nil {
					b.Fatal(err)
				}
				walk(name)
				continue
			}
			data, err := hackpadfs.ReadFile(from, name)
			if err != nil {
				b.Fatal(err)
			}
			if err := hackpadfs.WriteFullFile(to, name, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	walk(".")
	return to
}
