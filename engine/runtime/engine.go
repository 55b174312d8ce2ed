package runtime

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/kubeplay/kubeplay/engine/runtime/internal/meter"
)

// Engine compiles WASI modules and instantiates them. One Engine serves
// every node of a cluster: a module is fetched, metered and compiled once,
// however many nodes pull the image (each node still models its own pull).
type Engine struct {
	ctx      context.Context
	rt       wazero.Runtime
	src      ModuleSource
	opts     Options
	compiled map[string]*module
	hosts    []hostModule
	// live are the processes started and not yet ended, by the order of
	// their start: Close ends them, or their coroutines, parked in a host
	// call, would keep their instances and the compiled modules for ever.
	live map[*process]uint64
	seq  uint64
}

// Options tune an engine. The zero value of a field is its default.
type Options struct {
	// SliceFuel is how much work (in metered instructions) a guest does
	// before it hands the loop back: smaller keeps the page more
	// responsive, larger costs fewer switches. Default 250 000, a quarter
	// of a millisecond of virtual CPU.
	SliceFuel int64
	// HostFuelPerSecond and BurstFuel are what the host lends a container:
	// it may run BurstFuel of work at full speed, and after that
	// HostFuelPerSecond of work a virtual second (a token bucket), so
	// that a guest computing without end costs the host a bounded share
	// of its time and the rest of the cluster keeps its pace. The time a
	// throttled guest waits counts as CPU time at its share, as it would
	// be running on a real node. Defaults: 500 000 a second (a fifth or so
	// of what the interpreter runs in the browser) and 50 000 000 (50 ms
	// of CPU, which covers a Go program's start many times over and the
	// documentation's pi Job).
	HostFuelPerSecond int64
	BurstFuel         int64
	// MaxMemory caps a container's memory when it has no limit, as a
	// node's memory would; default 1 GiB.
	MaxMemory int64
	// LogMaxSize and LogMaxFiles are the kubelet's containerLogMaxSize
	// (10 MiB) and containerLogMaxFiles (5).
	LogMaxSize  int
	LogMaxFiles int
	// HostModules are extra host modules guests may import (the network's
	// kubeplay_net); see HostModule.
	HostModules []HostModule
	// NoSnapshots starts every process of a Go image from scratch, its
	// _initialize run each time, instead of from the image's snapshot
	// (snapshot.go); for tests and measurements.
	NoSnapshots bool
	// Listeners, if set, gives the function listeners (wazero's
	// experimental API) compiled into a module, by its name: a profiler
	// reading FuelGlobal at each call and return learns where a guest's
	// work goes. For measurements only: it slows every call.
	Listeners func(module string) experimental.FunctionListenerFactory
}

// FuelGlobal is the exported global of a metered module that holds its
// fuel left: it falls by each instruction's cost as the guest runs (and
// rises when the runtime gives it more).
const FuelGlobal = meter.FuelExport

func (o Options) withDefaults() Options {
	if o.SliceFuel <= 0 {
		o.SliceFuel = 250_000
	}
	if o.HostFuelPerSecond <= 0 {
		o.HostFuelPerSecond = 500_000
	}
	if o.BurstFuel <= 0 {
		o.BurstFuel = 50_000_000
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = 1 << 30
	}
	if o.LogMaxSize <= 0 {
		o.LogMaxSize = 10 << 20
	}
	if o.LogMaxFiles <= 0 {
		o.LogMaxFiles = 5
	}
	return o
}

// NewEngine returns an engine using wazero's interpreter, which works the
// same natively and in the browser (where no compiler is available).
// Metering is what stops guests, so wazero's own termination check at
// every loop header (WithCloseOnContextDone) is left off. So is DWARF: a
// trapped guest's stack trace names its functions but not source lines,
// which metering's added instructions would make wrong (and the browser's
// engine is built without wazero's DWARF reader, see wasmbuild).
func NewEngine(src ModuleSource, opts ...Options) *Engine {
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfigInterpreter().WithDebugInfoEnabled(false)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	e := &Engine{ctx: ctx, rt: rt, src: src, compiled: map[string]*module{}, live: map[*process]uint64{}}
	if len(opts) > 0 {
		e.opts = opts[0]
	}
	e.opts = e.opts.withDefaults()
	e.mustInstantiateMeter()
	e.mustInstantiateProc()
	e.mustInstantiateFS()
	for _, h := range e.opts.HostModules {
		e.mustCompileHost(h)
	}
	return e
}

// Close ends the processes still running, oldest first, and releases
// every compiled module.
func (e *Engine) Close() error {
	procs := slices.SortedFunc(maps.Keys(e.live), func(a, b *process) int { return cmp.Compare(e.live[a], e.live[b]) })
	for _, p := range procs {
		p.kill(137, ErrEngineClosed)
	}
	return e.rt.Close(e.ctx)
}

// ErrEngineClosed is why the processes still running when their engine
// closes (a cluster thrown away) ended.
var ErrEngineClosed = errors.New("the container runtime was closed")

// Stat describes a module.
func (e *Engine) Stat(name string) (Module, bool) { return e.src.Stat(name) }

// mustInstantiateMeter provides the metered modules' yield: the guest
// used its fuel; the process decides whether to hand the loop back.
func (e *Engine) mustInstantiateMeter() {
	_, err := e.rt.NewHostModuleBuilder(meter.ImportModule).NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, _ []uint64) {
			p := processFrom(ctx)
			if p == nil {
				// An image's _initialize, run for its snapshot, used
				// the fuel it was given (snapshot.go).
				panic(errSnapshotFuel)
			}
			p.outOfFuel()
		}), nil, nil).Export(meter.ImportYield).Instantiate(e.ctx)
	if err != nil {
		panic(err)
	}
}

// load fetches, meters and compiles a module, once. It runs on the event
// loop and blocks it while the host works: the virtual clock does not
// move meanwhile, so the history does not depend on the host's speed.
func (e *Engine) load(name string) (*module, error) {
	if m, ok := e.compiled[name]; ok {
		return m, nil
	}
	bin, err := e.src.Fetch(name)
	if err != nil {
		return nil, fmt.Errorf("fetch module %s: %w", name, err)
	}
	if want, ok := e.src.Stat(name); ok && want.Digest != "" {
		sum := sha256.Sum256(bin)
		if got := "sha256:" + hex.EncodeToString(sum[:]); got != want.Digest {
			return nil, fmt.Errorf("module %s: digest %s does not match %s", name, got, want.Digest)
		}
	}
	r, isReactor, err := meter.InstrumentReactor(bin)
	if err != nil {
		return nil, fmt.Errorf("meter module %s: %w", name, err)
	}
	ctx := e.ctx
	if e.opts.Listeners != nil {
		ctx = experimental.WithFunctionListenerFactory(ctx, e.opts.Listeners(name))
	}
	m, err := e.rt.CompileModule(ctx, r.Module)
	if err != nil {
		return nil, fmt.Errorf("compile module %s: %w", name, err)
	}
	if err := StubImports(e.ctx, e.rt, m); err != nil {
		return nil, fmt.Errorf("module %s: %w", name, err)
	}
	loaded := &module{compiled: m, readsEnv: importsAny(m, "environ_get", "environ_sizes_get")}
	if isReactor {
		loaded.reactor = &reactor{name: name, data: r.Data, globals: r.Globals}
	}
	e.compiled[name] = loaded
	return loaded, nil
}
