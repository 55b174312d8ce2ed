package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPatchesApply fails when the toolchain's runtime no longer has the
// text the patches change: update them with the Go release.
func TestPatchesApply(t *testing.T) {
	files, err := patched(filepath.Join(runtime.GOROOT(), "src", "runtime"))
	require.NoError(t, err)
	assert.Len(t, files, len(patches)+2)
	for _, p := range patches {
		assert.Contains(t, string(files[p.file]), p.to)
	}
}

func TestOverlayIsStable(t *testing.T) {
	dir := t.TempDir()
	a, err := write(runtime.GOROOT(), dir)
	require.NoError(t, err)
	b, err := write(runtime.GOROOT(), dir)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	var ov overlay
	data, err := os.ReadFile(a)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &ov))
	assert.Len(t, ov.Replace, len(patches)+2)
}

func TestUnpatchableRuntimeGivesAnEmptyOverlay(t *testing.T) {
	goroot := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(goroot, "src", "runtime"), 0o755))
	for _, p := range patches {
		require.NoError(t, os.WriteFile(filepath.Join(goroot, "src", "runtime", p.file), []byte("package runtime\n"), 0o644))
	}
	path, err := write(goroot, t.TempDir())
	require.NoError(t, err)
	var ov overlay
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &ov))
	assert.Empty(t, ov.Replace)
}

// TestJavaScriptRunsDuringMarking runs a js/wasm program under Node.js
// that collects a heap of about 100 MB, built with the runtime as released
// and as patched, and counts the turns JavaScript had meanwhile: none as
// released (the idle worker marks it all at once), many when patched.
func TestJavaScriptRunsDuringMarking(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("KUBEPLAY_E2E") == "1" {
			t.Fatal("node is not installed")
		}
		t.Skip("node is not installed")
	}
	overlay, err := write(runtime.GOROOT(), t.TempDir())
	require.NoError(t, err)
	execJS := filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec_node.js")
	turns := func(flags ...string) string {
		bin := filepath.Join(t.TempDir(), "marking.wasm")
		build := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, "./testdata/marking")...)
		build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		out, err := build.CombinedOutput()
		require.NoError(t, err, "%s", out)
		run := exec.Command(node, "--stack-size=8192", execJS, bin)
		out, err = run.CombinedOutput()
		require.NoError(t, err, "%s", out)
		n, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "turns during the collection: ")
		require.True(t, ok, "%s", out)
		return n
	}
	assert.Equal(t, "0", turns(), "as released, the runtime marks the heap without giving JavaScript a turn")
	patchedTurns := turns("-overlay=" + overlay)
	t.Logf("turns of JavaScript during the collection, patched: %s", patchedTurns)
	assert.NotContains(t, []string{"0", "1"}, patchedTurns, "patched, JavaScript has turns while the heap is marked")
}
