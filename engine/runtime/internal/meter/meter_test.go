package meter

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/wasm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// host runs metered modules, giving each slice of fuel and stopping the
// guest after a number of yields.
type host struct {
	rt     wazero.Runtime
	slice  int64
	yields int
	limit  int
	used   int64
}

func newHost(t testing.TB, slice int64, limit int) *host {
	return newHostConfig(t, slice, limit, wazero.NewRuntimeConfigInterpreter())
}

func newHostConfig(t testing.TB, slice int64, limit int, cfg wazero.RuntimeConfig) *host {
	ctx := context.Background()
	h := &host{rt: wazero.NewRuntimeWithConfig(ctx, cfg), slice: slice, limit: limit}
	t.Cleanup(func() { _ = h.rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, h.rt)
	_, err := h.rt.NewHostModuleBuilder(ImportModule).NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, _ []uint64) {
			g := m.ExportedGlobal(FuelExport).(api.MutableGlobal)
			h.used += h.slice - int64(g.Get())
			h.yields++
			if h.limit > 0 && h.yields >= h.limit {
				panic(sys.NewExitError(137))
			}
			g.Set(uint64(h.slice))
		}), nil, nil).Export(ImportYield).Instantiate(ctx)
	require.NoError(t, err)
	return h
}

// A way to prepare a module: as it is, metered, metered as a reactor
// (its data segments written by the host).
type preparation int

const (
	plain preparation = iota
	metered
	reactor
)

// run instruments and runs a module; it returns its output and exit code.
func (h *host) run(t testing.TB, bin []byte, prep preparation, args ...string) (string, uint32) {
	ctx := context.Background()
	var data []Segment
	switch prep {
	case metered:
		var err error
		bin, err = Instrument(bin)
		require.NoError(t, err)
	case reactor:
		r, ok, err := InstrumentReactor(bin)
		require.NoError(t, err)
		require.True(t, ok, "a reactor")
		bin, data = r.Module, r.Data
		require.NotEmpty(t, data)
	}
	compiled, err := h.rt.CompileModule(ctx, bin)
	require.NoError(t, err)
	h.stubImports(t, compiled)
	var out bytes.Buffer
	cfg := wazero.NewModuleConfig().WithName("").WithArgs(args...).WithStdout(&out).WithStderr(&out).WithStartFunctions()
	mod, err := h.rt.InstantiateModule(ctx, compiled, cfg)
	require.NoError(t, err)
	defer mod.Close(ctx)
	for _, d := range data {
		require.True(t, mod.Memory().Write(d.Offset, d.Init))
	}
	if prep != plain {
		mod.ExportedGlobal(FuelExport).(api.MutableGlobal).Set(uint64(h.slice))
	}
	err = callStart(ctx, mod)
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), 0
}

// stubImports gives a module's imports from host modules other than WASI
// and the meter's (busybox imports the network's kubeplay_net) functions
// that fail with -ENOSYS, as a host with no network would, once per host.
func (h *host) stubImports(t testing.TB, compiled wazero.CompiledModule) {
	ctx := context.Background()
	builders := map[string]wazero.HostModuleBuilder{}
	var names []string
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod == wasi_snapshot_preview1.ModuleName || mod == ImportModule || h.rt.Module(mod) != nil {
			continue
		}
		b, ok := builders[mod]
		if !ok {
			b = h.rt.NewHostModuleBuilder(mod)
			builders[mod] = b
			names = append(names, mod)
		}
		results := f.ResultTypes()
		b.NewFunctionBuilder().WithGoFunction(api.GoFunc(func(_ context.Context, stack []uint64) {
			for i := range results {
				stack[i] = api.EncodeI32(-38)
			}
		}), f.ParamTypes(), results).Export(name)
	}
	for _, mod := range names {
		_, err := builders[mod].Instantiate(ctx)
		require.NoError(t, err)
	}
}

// callStart runs a module's start: a command's _start, or a reactor's
// _initialize and then its main.
func callStart(ctx context.Context, mod api.Module) error {
	if mod.ExportedFunction(MainExport) == nil {
		_, err := mod.ExportedFunction("_start").Call(ctx)
		return err
	}
	if _, err := mod.ExportedFunction(InitializeExport).Call(ctx); err != nil {
		return err
	}
	_, err := mod.ExportedFunction(MainExport).Call(ctx)
	return err
}

func busybox(t testing.TB) []byte {
	b, err := fs.ReadFile(wasmtest.Modules(t), "busybox.wasm")
	require.NoError(t, err)
	return b
}

func TestSpinnerYields(t *testing.T) {
	h := newHost(t, 1000, 5)
	_, code := h.run(t, wasmtest.Spin, metered)
	assert.Equal(t, uint32(137), code)
	assert.Equal(t, 5, h.yields)
	assert.InDelta(t, 5000, h.used, 10, "a loop of one br costs one a turn")
}

func TestBusyboxRunsTheSameMetered(t *testing.T) {
	script := `i=0; while [ $i -lt 200 ]; do i=$((i+1)); done; echo $i; echo hi | wc -c`
	want, code := newHost(t, 0, 0).run(t, busybox(t), plain, "sh", "-c", script)
	require.Equal(t, uint32(0), code, want)
	assert.Equal(t, "200\n3\n", want)
	var used []int64
	for _, prep := range []preparation{metered, reactor} {
		h := newHost(t, 100_000, 0)
		got, code := h.run(t, busybox(t), prep, "sh", "-c", script)
		assert.Equal(t, uint32(0), code)
		assert.Equal(t, want, got)
		assert.Greater(t, h.yields, 10)
		used = append(used, h.used)
		t.Logf("fuel used: %d in %d yields", h.used, h.yields)
	}
	assert.Equal(t, used[0], used[1], "the data segments written by the host, the same work")
}

func TestInstrumentReactor(t *testing.T) {
	bin := busybox(t)
	r, ok, err := InstrumentReactor(bin)
	require.NoError(t, err)
	require.True(t, ok)
	m, err := binary.DecodeModule(r.Module, wasm.CoreFeaturesV2)
	require.NoError(t, err)
	assert.Empty(t, m.DataSection, "the data segments are the host's to write")
	assert.Equal(t, r.Globals+1, len(m.GlobalSection), "the module's globals and the fuel")
	exports := map[string]wasm.Index{}
	for _, e := range m.ExportSection {
		if e.Type == wasm.ExternTypeGlobal {
			exports[e.Name] = e.Index
		}
	}
	for i := range r.Globals {
		assert.Equal(t, wasm.Index(i), exports[GlobalExport(i)], GlobalExport(i))
	}
	orig, err := binary.DecodeModule(bin, wasm.CoreFeaturesV2)
	require.NoError(t, err)
	require.Len(t, r.Data, len(orig.DataSection))
	for i, d := range orig.DataSection {
		assert.Equal(t, d.Init, r.Data[i].Init)
	}

	// A command is metered as Instrument meters it.
	r, ok, err = InstrumentReactor(wasmtest.Spin)
	require.NoError(t, err)
	assert.False(t, ok)
	want, err := Instrument(wasmtest.Spin)
	require.NoError(t, err)
	assert.Equal(t, want, r.Module)
}

func TestInstrumentIsDeterministic(t *testing.T) {
	a, err := Instrument(busybox(t))
	require.NoError(t, err)
	b, err := Instrument(busybox(t))
	require.NoError(t, err)
	assert.Equal(t, a, b)
	_, err = Instrument(a)
	assert.ErrorContains(t, err, "already metered")
}
