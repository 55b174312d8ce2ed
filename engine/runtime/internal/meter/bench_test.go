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

// BenchmarkShellLoop runs busybox's shell counting to 2000, plain and
// metered: the cost of metering on a real guest.
func BenchmarkShellLoop(b *testing.B) {
	script := `i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done`
	for _, metered := range []bool{false, true} {
		name := "plain"
		if metered {
			name = "metered"
		}
		b.Run(name, func(b *testing.B) {
			h := newHost(b, 1<<20, 0)
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
				_, err = mod.ExportedFunction("_start").Call(ctx)
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
