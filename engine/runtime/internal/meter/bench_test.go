package meter

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// BenchmarkShellLoop runs busybox's shell counting to 500: as the engine
// ran guests before metering (wazero's termination check at every loop
// header, WithCloseOnContextDone), plain, and metered (as it runs them
// now, without that check): the cost of metering on a real guest.
func BenchmarkShellLoop(b *testing.B) {
	script := `i=0; while [ $i -lt 500 ]; do i=$((i+1)); done`
	for _, tc := range []struct {
		name            string
		metered, checks bool
	}{{"checked", false, true}, {"plain", false, false}, {"metered", true, false}} {
		metered := tc.metered
		b.Run(tc.name, func(b *testing.B) {
			h := newHostConfig(b, 1<<20, 0, wazero.NewRuntimeConfigInterpreter().WithCloseOnContextDone(tc.checks))
			bin := busybox(b)
			if metered {
				var err error
				bin, err = Instrument(bin)
				require.NoError(b, err)
			}
			ctx := context.Background()
			compiled, err := h.rt.CompileModule(ctx, bin)
			require.NoError(b, err)
			b.ResetTimer()
			for b.Loop() {
				mod, err := h.rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithArgs("sh", "-c", script).WithStartFunctions())
				require.NoError(b, err)
				if metered {
					mod.ExportedGlobal(FuelExport).(api.MutableGlobal).Set(1 << 20)
				}
				err = callStart(ctx, mod)
				var exit *sys.ExitError
				require.True(b, err == nil || errors.As(err, &exit) && exit.ExitCode() == 0, "%v", err)
				mod.Close(ctx)
			}
			b.ReportMetric(float64(h.used)/float64(b.N), "fuel/op")
		})
	}
}

func BenchmarkInstrumentBusybox(b *testing.B) {
	bin := busybox(b)
	for b.Loop() {
		_, err := Instrument(bin)
		require.NoError(b, err)
	}
}
