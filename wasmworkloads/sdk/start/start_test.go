package start

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmbuild"
)

// A reactor started at kubeplay_main behaves as the Go command it was
// built from: its arguments, environment and working directory, GOGC,
// and a panic's exit status 2 with one goroutine's traceback (or all of
// them with GOTRACEBACK=all), not the c-shared build's abort.
func TestMainAsACommand(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out := filepath.Join(t.TempDir(), "guest.wasm")
	require.NoError(t, wasmbuild.Build(context.Background(), ".", "./testdata/guest", out))
	bin, err := os.ReadFile(out)
	require.NoError(t, err)
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, bin)
	require.NoError(t, err)
	_, isCommand := compiled.ExportedFunctions()["_start"]
	assert.False(t, isCommand, "a reactor")

	tests := []struct {
		name   string
		args   []string
		env    []string
		code   uint32
		stdout string
		stderr []string // what stderr contains
		not    []string // and does not
	}{
		{name: "arguments, environment, working directory, GOGC",
			args: []string{"guest", "show", "x"}, env: []string{"PWD=/tmp", "A=1", "GOGC=50"},
			stdout: `args=["guest" "show" "x"] env=["PWD=/tmp" "A=1" "GOGC=50"] wd=/tmp gogc=50 early=3` + "\n"},
		{name: "main returns", args: []string{"guest", "return"}},
		{name: "panic", args: []string{"guest", "panic"}, code: 2,
			stderr: []string{"panic: boom\n\ngoroutine 1 [running]:\nmain.main()"}, not: []string{"created by"}},
		{name: "panic, GOTRACEBACK=all", args: []string{"guest", "panic"}, env: []string{"GOTRACEBACK=all"}, code: 2,
			stderr: []string{"panic: boom\n\ngoroutine 1 [running]:\nmain.main()", "created by main.main in goroutine 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			root := t.TempDir()
			require.NoError(t, os.Mkdir(filepath.Join(root, "tmp"), 0o755))
			cfg := wazero.NewModuleConfig().WithName("").WithArgs(tt.args...).WithStdout(&stdout).WithStderr(&stderr).
				WithFSConfig(wazero.NewFSConfig().WithDirMount(root, "/")).
				WithStartFunctions("_initialize", "kubeplay_main")
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				cfg = cfg.WithEnv(k, v)
			}
			mod, err := rt.InstantiateModule(ctx, compiled, cfg)
			if mod != nil {
				defer mod.Close(ctx)
			}
			code := uint32(0) // wazero reports an exit with 0 from a start function as no error
			if err != nil {
				var exit *sys.ExitError
				require.True(t, errors.As(err, &exit), "an exit, not a trap: %v", err)
				code = exit.ExitCode()
			}
			assert.Equal(t, tt.code, code, stderr.String())
			assert.Equal(t, tt.stdout, stdout.String())
			for _, s := range tt.stderr {
				assert.Contains(t, stderr.String(), s)
			}
			for _, s := range tt.not {
				assert.NotContains(t, stderr.String(), s)
			}
		})
	}
}
