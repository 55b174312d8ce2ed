package wasmbuild

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPatch(t *testing.T) {
	src := "// Copyright\n\n//go:build !js\n\npackage interp\n"
	got, err := Patch([]byte(src), "//go:build !js\n", "//go:build !js && !wasip1\n")
	require.NoError(t, err)
	assert.Equal(t, "// Copyright\n\n//go:build !js && !wasip1\n\npackage interp\n", string(got))

	// Only whole lines match: "//go:build js" must not match "//go:build jsx".
	_, err = Patch([]byte("//go:build jsx\n"), "//go:build js\n", "//go:build js || wasip1\n")
	require.Error(t, err)
	_, err = Patch([]byte("x //go:build js\n"), "//go:build js\n", "")
	require.Error(t, err)
}

func TestPatchesMatchPairs(t *testing.T) {
	// The two files must stay complementary: exactly one defines stdinFile
	// on every platform.
	require.GreaterOrEqual(t, len(patches), 2)
	assert.Equal(t, "//go:build !js && !wasip1\n", patches[0].to)
	assert.Equal(t, "//go:build js || wasip1\n", patches[1].to)
}

func TestWithLinkFlag(t *testing.T) {
	for _, tc := range []struct {
		flags, want []string
	}{
		{nil, []string{"-ldflags=-checklinkname=0"}},
		{[]string{"-ldflags=-s -w"}, []string{"-ldflags=-s -w -checklinkname=0"}},
		{[]string{"-ldflags=-s", "-tags=x", "-ldflags=-w"}, []string{"-ldflags=-s", "-tags=x", "-ldflags=-w -checklinkname=0"}},
		{[]string{"-tags=x"}, []string{"-tags=x", "-ldflags=-checklinkname=0"}},
	} {
		assert.Equal(t, tc.want, withLinkFlag(tc.flags, "-checklinkname=0"), "%q", tc.flags)
	}
}

// TestEnginePatchesApply holds the engine's patches to the wazero the
// module requires: a new release must be looked at again.
func TestEnginePatchesApply(t *testing.T) {
	run, err := goRunner(context.Background(), ".")
	require.NoError(t, err)
	for _, m := range enginePatches {
		b, err := run(nil, "mod", "download", "-json", m.module)
		require.NoError(t, err)
		var mod struct{ Dir string }
		require.NoError(t, json.Unmarshal(b, &mod))
		files := map[string][]byte{}
		for _, p := range m.patches {
			data, ok := files[p.file]
			if !ok {
				data, err = os.ReadFile(filepath.Join(mod.Dir, p.file))
				require.NoError(t, err)
			}
			files[p.file], err = Patch(data, p.from, p.to)
			require.NoError(t, err, "%s: %q", p.file, p.from)
		}
	}
}

// TestInterpreterPatches runs tests of the engine's patched wazero in
// its patched copy (testdata/interpreter, added by go test -overlay):
// kubeplay's fuel charges and tests compiled into one operation each,
// the same fuel used and the same yields made when a metered loop runs,
// no label left in a lowered body; and the value stack's pop inlined
// into the interpreter's loop (Go's -m output), for js/wasm.
func TestInterpreterPatches(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests the patched wazero")
	}
	run, err := goRunner(context.Background(), ".")
	require.NoError(t, err)
	b, err := run(nil, "mod", "download", "-json", wazeroModule)
	require.NoError(t, err)
	var mod struct{ Dir, Version string }
	require.NoError(t, json.Unmarshal(b, &mod))
	dir, err := patchedCopy(enginePatches[0], mod.Dir, mod.Version)
	require.NoError(t, err)

	overlay := map[string]map[string]string{"Replace": {}}
	for name, file := range map[string]string{"kubeplay_compile_test.go": "compile_test.go.txt", "kubeplay_run_test.go": "run_test.go.txt"} {
		abs, err := filepath.Abs(filepath.Join("testdata", "interpreter", file))
		require.NoError(t, err)
		overlay["Replace"][filepath.Join(dir, "internal", "engine", "interpreter", name)] = abs
	}
	data, err := json.Marshal(overlay)
	require.NoError(t, err)
	overlayFile := filepath.Join(t.TempDir(), "overlay.json")
	require.NoError(t, os.WriteFile(overlayFile, data, 0o644))

	cmd := exec.Command("go", "test", "-count=1", "-overlay="+overlayFile, "-run", "^TestKubeplay", "-v", "./internal/engine/interpreter")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, name := range []string{"TestKubeplayFuelCompiled", "TestKubeplayLabelsLowered", "TestKubeplayFuelRun", "TestKubeplayFused", "TestKubeplayFusedRun"} {
		assert.Contains(t, string(out), "--- PASS: "+name+" ")
	}

	cmd = exec.Command("go", "build", "-gcflags=-m", "-o", os.DevNull, "./internal/engine/interpreter")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	m, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", m)
	// callNativeFunc's pops, a few hundred; unpatched, only the small
	// functions' two.
	assert.Greater(t, strings.Count(string(m), "inlining call to (*callEngine).popValue"), 100)
}
