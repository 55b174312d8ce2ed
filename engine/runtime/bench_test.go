package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/kubeplay/kubeplay/engine/runtime/internal/meter"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// BenchmarkContainerStart measures a container's start, from created to
// running its program: for busybox, until `sh -c 'sleep 3600'` sleeps,
// for pause until it sleeps. The module is compiled beforehand, as a
// node's pulled image is. It reports the median and the 95th percentile.
func BenchmarkContainerStart(b *testing.B) {
	for _, tc := range []struct {
		image string
		args  []string
	}{
		{"busybox", []string{"sh", "-c", "sleep 3600"}},
		{"registry.k8s.io/pause", nil},
	} {
		b.Run(tc.image, func(b *testing.B) {
			f := newFixture(b)
			cfg := ContainerConfig{Name: "c", Args: tc.args}
			f.rt.PullImage(tc.image, func(i Image, _ time.Duration, err error) { cfg.Image = i })
			f.loop.AdvanceBy(10 * time.Second)
			var took []time.Duration
			for b.Loop() {
				id, err := f.rt.CreateContainer(cfg)
				require.NoError(b, err)
				start := time.Now()
				require.NoError(b, f.rt.StartContainer(id))
				f.loop.AdvanceBy(time.Second)
				took = append(took, time.Since(start))
				f.rt.RemoveContainer(id)
			}
			reportPercentiles(b, took)
		})
	}
}

func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchmarkGoStartPhases splits a Go guest's start (busybox's shell until
// its first sleep) into instantiation and the run of _start, metered and
// not, and reports the instructions _start runs.
func BenchmarkGoStartPhases(b *testing.B) {
	bin, err := fs.ReadFile(wasmtest.Modules(b), "busybox.wasm")
	require.NoError(b, err)
	metered, err := meter.Instrument(bin)
	require.NoError(b, err)
	for _, tc := range []struct {
		name string
		bin  []byte
	}{{"plain", bin}, {"metered", metered}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
			defer rt.Close(ctx)
			wasi_snapshot_preview1.MustInstantiate(ctx, rt)
			var fuel api.MutableGlobal
			_, err := rt.NewHostModuleBuilder(meter.ImportModule).NewFunctionBuilder().
				WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) { fuel.Set(1 << 40) }), nil, nil).
				Export(meter.ImportYield).Instantiate(ctx)
			require.NoError(b, err)
			compiled, err := rt.CompileModule(ctx, tc.bin)
			require.NoError(b, err)
			var inst, run []time.Duration
			var used uint64
			for b.Loop() {
				t0 := time.Now()
				cfg := wazero.NewModuleConfig().WithName("").WithArgs("sh", "-c", "sleep 3600").WithStartFunctions().
					WithNanosleep(func(int64) { panic(sys.NewExitError(0)) })
				mod, err := rt.InstantiateModule(ctx, compiled, cfg)
				require.NoError(b, err)
				t1 := time.Now()
				if g := mod.ExportedGlobal(meter.FuelExport); g != nil {
					fuel = g.(api.MutableGlobal)
					fuel.Set(1 << 40)
				}
				_, err = mod.ExportedFunction("_start").Call(ctx)
				var exit *sys.ExitError
				require.True(b, errors.As(err, &exit), "%v", err)
				inst, run = append(inst, t1.Sub(t0)), append(run, time.Since(t1))
				if fuel != nil {
					used = 1<<40 - fuel.Get()
				}
				mod.Close(ctx)
			}
			slices.Sort(inst)
			slices.Sort(run)
			b.ReportMetric(float64(inst[len(inst)/2].Microseconds())/1000, "instantiate-ms")
			b.ReportMetric(float64(run[len(run)/2].Microseconds())/1000, "start-ms")
			b.ReportMetric(float64(used), "instructions")
			_ = fmt.Sprint()
		})
	}
}
