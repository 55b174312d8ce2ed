package meter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"

	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// FuzzInstrument: any bytes (a custom image's module) are instrumented or
// refused with an error, never a panic; a module wazero compiles that is
// instrumented gives a module wazero compiles, which refuses to be
// instrumented again. Seeds are the test guests (a spinner, a memory hog,
// a logger, a host caller) and broken modules.
func FuzzInstrument(f *testing.F) {
	for _, bin := range wasmtest.TestModules() {
		f.Add(bin)
		f.Add(bin[:len(bin)/2])
	}
	for _, s := range []string{"", "\x00asm", "\x00asm\x01\x00\x00\x00", "\x00asm\x02\x00\x00\x00", "not wasm"} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	f.Cleanup(func() { _ = rt.Close(ctx) })
	compiles := func(bin []byte) bool {
		m, err := rt.CompileModule(ctx, bin)
		if err != nil {
			return false
		}
		_ = m.Close(ctx)
		return true
	}
	f.Fuzz(func(t *testing.T, bin []byte) {
		if len(bin) > 1<<20 {
			return
		}
		out, err := Instrument(bin)
		if err != nil {
			return
		}
		if !compiles(bin) {
			return
		}
		require.True(t, compiles(out), "the instrumented module does not compile")
		_, err = Instrument(out)
		require.Error(t, err)
	})
}
