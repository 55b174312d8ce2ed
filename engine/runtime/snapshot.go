package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/kubeplay/kubeplay/engine/runtime/internal/meter"
)

// A Go guest's start is mostly the Go runtime's own initialization and
// its packages' init functions (about 2 M instructions for busybox, 65 ms
// natively under the interpreter and ten times that in the browser), the
// same work in every container of an image. kubeplay's Go images are
// built as WASI reactors (wasmworkloads/internal/wasmbuild): _initialize
// does that work and returns. The engine runs it once per image, keeps
// the linear memory and the globals it left (a snapshot, as wizer makes
// one), and starts each container from a copy of them at the image's
// kubeplay_main export, which reads the container's arguments,
// environment and working directory again (wasmworkloads/sdk/start).
//
// The container is charged the instructions _initialize ran, so its CPU
// time and the virtual time its start takes are what they were when each
// container ran it; its memory is the snapshot's, counted against its
// limit as the runtime's own start would be.

// module is a compiled image module.
type module struct {
	compiled wazero.CompiledModule
	reactor  *reactor // nil for a command module, started at _start
	// readsEnv is whether the module imports WASI's environ calls: one
	// that does not cannot see its environment, so its processes are
	// instantiated without one (wazero copies its whole configuration
	// for each variable added: a tenth of a pause container's start).
	readsEnv bool
}

// importsAny reports whether m imports any of the named functions of
// WASI (wasi_snapshot_preview1).
func importsAny(m wazero.CompiledModule, names ...string) bool {
	for _, f := range m.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod == "wasi_snapshot_preview1" && slices.Contains(names, name) {
			return true
		}
	}
	return false
}

// reactor is what starting a reactor module needs.
type reactor struct {
	name    string
	data    []meter.Segment // the active data segments, taken out of the module
	globals int             // the globals the module defines, exported by meter.GlobalExport
	snap    *snapshot
	err     error // why no snapshot could be made; each start then initializes
	tried   bool
}

// snapshot is a reactor's state after _initialize.
type snapshot struct {
	memory  []byte
	globals []uint64
	fuel    int64 // the instructions _initialize ran
}

// errSnapshotFuel ends an _initialize that does more work than the
// engine lends a container at full speed (Options.BurstFuel, 50 M
// instructions; a Go runtime's start is about 2 M): a module loaded by a
// user could spin there, and the snapshot is made outside any container's
// metering. Its containers then start from scratch, metered as any.
var errSnapshotFuel = errors.New("the module's initialization did more work than a snapshot may take")

// snapshot returns the module's snapshot, making it on first use; nil if
// it cannot be made.
func (e *Engine) snapshot(r *reactor, compiled wazero.CompiledModule) *snapshot {
	if e.opts.NoSnapshots {
		return nil
	}
	if !r.tried {
		r.tried = true
		r.snap, r.err = e.makeSnapshot(r, compiled)
	}
	return r.snap
}

// makeSnapshot runs _initialize in an instance of its own: no container,
// a fixed clock (the Unix epoch, a monotonic reading of 1 ns), a fixed
// random source and an empty root, so that the snapshot depends on the
// module alone. The arguments are the module's name and the environment
// is empty; a container's are read again at its start.
func (e *Engine) makeSnapshot(r *reactor, compiled wazero.CompiledModule) (snap *snapshot, err error) {
	var stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(r.name).
		WithStdin(strings.NewReader("")).
		WithStdout(&stderr).
		WithStderr(&stderr).
		WithWalltime(func() (int64, int32) { return 0, 0 }, sys.ClockResolution(time.Microsecond)).
		// The Go runtime refuses a monotonic clock at zero.
		WithNanotime(func() int64 { return 1 }, sys.ClockResolution(1)).
		WithNanosleep(func(int64) { panic(errors.New("the module sleeps in its initialization")) }).
		WithOsyield(func() {}).
		WithRandSource(&seededReader{rand.New(rand.NewPCG(0, 1))}).
		WithFSConfig(wazero.NewFSConfig().WithFSMount(fstest.MapFS{}, "/")).
		WithStartFunctions()
	mod, err := e.rt.InstantiateModule(e.ctx, compiled, cfg)
	if err != nil {
		return nil, err
	}
	defer mod.Close(e.ctx)
	mem := mod.Memory()
	if err := writeSegments(mem, r.data); err != nil {
		return nil, err
	}
	fuel := mod.ExportedGlobal(meter.FuelExport).(api.MutableGlobal)
	fuel.Set(uint64(e.opts.BurstFuel))
	if _, err := mod.ExportedFunction(meter.InitializeExport).Call(e.ctx); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", meter.InitializeExport, err, stderr.Bytes())
	}
	snap = &snapshot{fuel: e.opts.BurstFuel - int64(fuel.Get())}
	b, ok := mem.Read(0, mem.Size())
	if !ok {
		return nil, errors.New("read the memory")
	}
	snap.memory = bytes.Clone(b)
	for i := range r.globals {
		snap.globals = append(snap.globals, mod.ExportedGlobal(meter.GlobalExport(i)).Get())
	}
	return snap, nil
}

// writeSegments writes a module's data segments into its memory, as its
// instantiation would have.
func writeSegments(mem api.Memory, segs []meter.Segment) error {
	for _, s := range segs {
		if !mem.Write(s.Offset, s.Init) {
			return fmt.Errorf("data segment at %d (%d bytes) is out of the memory", s.Offset, len(s.Init))
		}
	}
	return nil
}

// restore makes a fresh instance of a reactor module the snapshot's: its
// memory, allocated as a copy of the snapshot's, grown to the snapshot's
// size; its globals set.
func (s *snapshot) restore(mod api.Module, globals int) error {
	mem := mod.Memory()
	if size := uint32(len(s.memory)); mem.Size() < size {
		if _, ok := mem.Grow((size - mem.Size()) / wasmPage); !ok {
			return errors.New("grow the memory to the snapshot's")
		}
	}
	for i := range globals {
		g, ok := mod.ExportedGlobal(meter.GlobalExport(i)).(api.MutableGlobal)
		if !ok {
			if mod.ExportedGlobal(meter.GlobalExport(i)).Get() != s.globals[i] {
				return fmt.Errorf("global %d is immutable and differs from the snapshot's", i)
			}
			continue
		}
		g.Set(s.globals[i])
	}
	return nil
}

// wasmPage is the size of a WebAssembly memory page.
const wasmPage = 65536
