package wasmtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmbuild"
)

// Build compiles the Go image in ./wasmworkloads/NAME from source, with
// make build's flags, and returns the module: image tests run what their
// package's source says, whatever modules were embedded.
func Build(tb testing.TB, name string) []byte {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), name+".wasm")
	if err := wasmbuild.Build(context.Background(), repoRoot(), "./wasmworkloads/"+name, out, "-ldflags=-s -w"); err != nil {
		tb.Fatalf("build %s: %v", name, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Start is when a guest's virtual clock starts.
var Start = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Clock is a virtual clock as the kubelet gives a module: the time the
// module sees only moves when it sleeps (then at once) and, by Tick, at
// each read of the monotonic clock, as CPU time would pass under a
// runtime that meters guests. A Limit stops the module, as the kubelet
// would, once that much virtual time has passed.
type Clock struct {
	Limit time.Duration
	Tick  time.Duration

	mu      sync.Mutex
	elapsed time.Duration
	slept   time.Duration
}

// Slept is the virtual time the module spent sleeping.
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}

// Elapsed is the virtual time that passed.
func (c *Clock) Elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.elapsed
}

func (c *Clock) advance(d time.Duration, sleeping bool) {
	c.mu.Lock()
	c.elapsed += d
	if sleeping {
		c.slept += d
	}
	stop := c.Limit > 0 && c.elapsed >= c.Limit
	c.mu.Unlock()
	if stop {
		// What proc_exit does: wazero turns this into the module's exit.
		panic(sys.NewExitError(137))
	}
}

func (c *Clock) configure(cfg wazero.ModuleConfig) wazero.ModuleConfig {
	return cfg.
		WithWalltime(func() (int64, int32) {
			c.mu.Lock()
			t := Start.Add(c.elapsed)
			c.mu.Unlock()
			return t.Unix(), int32(t.Nanosecond())
		}, sys.ClockResolution(1)).
		WithNanotime(func() int64 {
			if c.Tick > 0 {
				c.advance(c.Tick, false)
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			return int64(c.elapsed) + int64(time.Hour)
		}, sys.ClockResolution(1)).
		WithNanosleep(func(ns int64) { c.advance(time.Duration(ns), true) }).
		WithOsyield(func() { c.advance(0, false) })
}

// Guest is a compiled module, run as a container's main process.
type Guest struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
}

// Compile compiles a module with wazero's interpreter, as kubeplay's
// runtime does; a memory limit in pages of 64 KiB (0 for none) makes the
// guest's memory.grow fail beyond it. The guest is closed when the test
// ends.
func Compile(tb testing.TB, module []byte, memoryPages uint32) *Guest {
	tb.Helper()
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfigInterpreter()
	if memoryPages > 0 {
		cfg = cfg.WithMemoryLimitPages(memoryPages)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, module)
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	tb.Cleanup(func() { rt.Close(ctx) })
	return &Guest{rt: rt, compiled: compiled}
}

// Run is one run of a guest.
type Run struct {
	Args  []string
	Env   []string // NAME=value
	Stdin string
	Clock *Clock    // a fresh one if nil
	Dir   string    // a host directory mounted as the guest's /, if any
	Rand  io.Reader // the random source (wazero's deterministic one if nil)
}

// Result is what a run did.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run starts the guest with r and waits for it to exit.
func (g *Guest) Run(tb testing.TB, r Run) Result {
	tb.Helper()
	if r.Clock == nil {
		r.Clock = &Clock{}
	}
	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().WithName("").WithArgs(r.Args...).
		WithStdin(strings.NewReader(r.Stdin)).WithStdout(&stdout).WithStderr(&stderr).
		WithStartFunctions(StartFunctions(g.compiled)...)
	cfg = r.Clock.configure(cfg)
	for _, kv := range r.Env {
		k, v, _ := strings.Cut(kv, "=")
		cfg = cfg.WithEnv(k, v)
	}
	if r.Dir != "" {
		cfg = cfg.WithFSConfig(wazero.NewFSConfig().WithDirMount(r.Dir, "/"))
	}
	if r.Rand != nil {
		cfg = cfg.WithRandSource(r.Rand)
	}
	mod, err := g.rt.InstantiateModule(context.Background(), g.compiled, cfg)
	if mod != nil {
		mod.Close(context.Background())
	}
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *sys.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.Code = int(exit.ExitCode())
	default:
		tb.Fatalf("run %q: %v\n%s", r.Args, err, stderr.String())
	}
	return res
}

// StartFunctions are what starts a module: a command's _start, or a
// kubeplay Go image's _initialize and then its main (the images are WASI
// reactors; see package wasmbuild), run here from scratch as a container
// without a snapshot would.
func StartFunctions(m wazero.CompiledModule) []string {
	if _, ok := m.ExportedFunctions()["kubeplay_main"]; ok {
		return []string{"_initialize", "kubeplay_main"}
	}
	return []string{"_start"}
}
