package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

func TestModuleIsTiny(t *testing.T) {
	m := Module()
	t.Logf("pause module: %d bytes", len(m))
	assert.Less(t, len(m), 300)
	assert.Equal(t, []byte("\x00asm\x01\x00\x00\x00"), m[:8])
}

func TestModuleValidates(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)

	compiled, err := r.CompileModule(ctx, Module())
	require.NoError(t, err)

	imports := compiled.ImportedFunctions()
	require.Len(t, imports, 1)
	mod, fn, ok := imports[0].Import()
	require.True(t, ok)
	assert.Equal(t, "wasi_snapshot_preview1", mod)
	assert.Equal(t, "poll_oneoff", fn)

	exports := compiled.ExportedFunctions()
	require.Contains(t, exports, "_start")
	assert.Empty(t, exports["_start"].ParamTypes())
	assert.Contains(t, compiled.ExportedMemories(), "memory")
}

// TestPauseSleeps runs the module under wazero's WASI, whose poll_oneoff
// hands a clock subscription to the ModuleConfig's nanosleep. The fake
// nanosleep records each request and, at the Nth, stops the module by
// panicking with a sys.ExitError: wazero turns a host function's panic with
// an *sys.ExitError into that error (exit code 0 is even reported as a clean
// return from instantiation), exactly as proc_exit would.
func TestPauseSleeps(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			const calls = 5
			ctx := context.Background()
			r := wazero.NewRuntimeWithConfig(ctx, engine.config())
			defer r.Close(ctx)
			wasi_snapshot_preview1.MustInstantiate(ctx, r)

			var sleeps []int64
			config := wazero.NewModuleConfig().WithNanosleep(func(ns int64) {
				sleeps = append(sleeps, ns)
				if len(sleeps) == calls {
					panic(sys.NewExitError(0))
				}
			})
			_, err := r.InstantiateWithConfig(ctx, Module(), config)
			require.NoError(t, err, "exit code 0 from _start is a clean instantiation")

			require.Len(t, sleeps, calls)
			for _, ns := range sleeps {
				assert.Equal(t, int64(SleepNanos), ns)
			}
		})
	}
}

// engines are wazero's two engines; the pause image must run on both.
var engines = []struct {
	name   string
	config func() wazero.RuntimeConfig
}{
	{"compiler", wazero.NewRuntimeConfig},
	{"interpreter", wazero.NewRuntimeConfigInterpreter},
}

// TestStopByClosing models how the kubelet stops the pause container: the
// module sleeps (here the fake nanosleep blocks, as a virtual clock would)
// and another goroutine closes it. The runtime needs WithCloseOnContextDone:
// it makes compiled code check for a closed module at loop back-edges, so the
// start function ends with the exit code given to CloseWithExitCode. Without
// it nothing stops the loop, and its next poll_oneoff dereferences the closed
// module's nil WASI context (a Go panic, recovered by wazero as an error).
func TestStopByClosing(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			ctx := context.Background()
			r := wazero.NewRuntimeWithConfig(ctx, engine.config().WithCloseOnContextDone(true))
			defer r.Close(ctx)
			wasi_snapshot_preview1.MustInstantiate(ctx, r)

			compiled, err := r.CompileModule(ctx, Module())
			require.NoError(t, err)

			asleep := make(chan int64)
			wake := make(chan struct{})
			config := wazero.NewModuleConfig().WithStartFunctions().WithNanosleep(func(ns int64) {
				asleep <- ns
				<-wake
			})
			instance, err := r.InstantiateModule(ctx, compiled, config)
			require.NoError(t, err)

			done := make(chan error, 1)
			go func() {
				_, err := instance.ExportedFunction("_start").Call(ctx)
				done <- err
			}()
			for range 3 {
				assert.Equal(t, int64(SleepNanos), <-asleep)
				wake <- struct{}{}
			}
			assert.Equal(t, int64(SleepNanos), <-asleep)
			require.NoError(t, instance.CloseWithExitCode(ctx, 137))
			close(wake)

			err = <-done
			var exit *sys.ExitError
			require.True(t, errors.As(err, &exit), "unexpected error: %v", err)
			assert.Equal(t, uint32(137), exit.ExitCode())
		})
	}
}

func TestWriteFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pause.wasm")
	require.NoError(t, write(out, Module()))
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, Module(), got)
}
