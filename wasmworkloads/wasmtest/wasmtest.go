// Package wasmtest gives tests the container images' modules: the ones
// `make build` embedded if present, else modules built once per test binary
// into a temporary directory, so `go test ./...` works on a fresh clone.
package wasmtest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/kubeplay/kubeplay/wasmworkloads"
	"github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmbuild"
)

var (
	once  sync.Once
	built fs.FS
	err   error
)

// Modules returns a file system of NAME.wasm modules, building them if
// needed. KUBEPLAY_MODULES names a directory of modules to use instead.
func Modules(tb testing.TB) fs.FS {
	tb.Helper()
	if dir := os.Getenv("KUBEPLAY_MODULES"); dir != "" {
		return os.DirFS(dir)
	}
	if len(wasmworkloads.Missing()) == 0 {
		return wasmworkloads.Modules()
	}
	once.Do(func() { built, err = build() })
	if err != nil {
		tb.Fatalf("build the container images: %v", err)
	}
	return built
}

func build() (fs.FS, error) {
	dir, err := os.MkdirTemp("", "kubeplay-modules-")
	if err != nil {
		return nil, err
	}
	root := repoRoot()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, name := range wasmworkloads.Images {
		out := filepath.Join(dir, name+".wasm")
		if !slices.Contains(wasmworkloads.Generated, name) {
			// The flags of `make build`, so both give the same bytes and
			// the same image digests in test outputs.
			if err := wasmbuild.Build(context.Background(), root, "./wasmworkloads/"+name, out, "-ldflags=-s -w"); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			continue
		}
		cmd := exec.Command(goBin, "run", "./wasmworkloads/"+name, "-o", out)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", name, err, b)
		}
	}
	return os.DirFS(dir), nil
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
