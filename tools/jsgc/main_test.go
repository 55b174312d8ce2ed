package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
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

// TestDefaultDirIsNoPackage: the go command's patterns (./...) skip a
// directory whose name starts with "_" or ".", and build/ is inside the
// module.
func TestDefaultDirIsNoPackage(t *testing.T) {
	base := filepath.Base(defaultDir)
	assert.True(t, strings.HasPrefix(base, "_") || strings.HasPrefix(base, "."), defaultDir)
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

// runJS builds the js/wasm program in dir, with go build's flags, runs
// it under Node.js and returns what it printed after prefix.
func runJS(t *testing.T, dir, prefix string, flags ...string) int {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("KUBEPLAY_E2E") == "1" {
			t.Fatal("node is not installed")
		}
		t.Skip("node is not installed")
	}
	bin := filepath.Join(t.TempDir(), "prog.wasm")
	build := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, dir)...)
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(node, filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec_node.js"), bin).CombinedOutput()
	require.NoError(t, err, "%s", out)
	v, ok := strings.CutPrefix(strings.TrimSpace(string(out)), prefix)
	require.True(t, ok, "%s", out)
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "%s", out)
	return n
}

// TestJavaScriptRunsDuringMarking runs a js/wasm program under Node.js
// that collects a heap of about 100 MB, built with the runtime as released
// and as patched, and counts the turns JavaScript had meanwhile: none as
// released (the idle worker marks it all at once), dozens when patched.
func TestJavaScriptRunsDuringMarking(t *testing.T) {
	overlay, err := write(runtime.GOROOT(), t.TempDir())
	require.NoError(t, err)
	const said = "turns during the collection: "
	assert.Zero(t, runJS(t, "./testdata/marking", said), "as released, the runtime marks the heap without giving JavaScript a turn")
	patched := runJS(t, "./testdata/marking", said, "-overlay="+overlay)
	t.Logf("turns of JavaScript during the collection, patched: %d", patched)
	assert.Greater(t, patched, 2, "patched, JavaScript has turns while the heap is marked")
}

// TestJavaScriptRunsDuringSweeping runs a js/wasm program that sleeps a
// millisecond at a time while the background sweeper sweeps about 100 MB
// of dead objects, and takes the longest run of sleeps with no turn of
// JavaScript: as released the sweeper holds the thread until it is done;
// patched, for no more than its slice of 4 ms (a run of a few sleeps).
func TestJavaScriptRunsDuringSweeping(t *testing.T) {
	overlay, err := write(runtime.GOROOT(), t.TempDir())
	require.NoError(t, err)
	const said = "longest run of sleeps without a turn: "
	released := runJS(t, "./testdata/sweeping", said)
	patched := runJS(t, "./testdata/sweeping", said, "-overlay="+overlay)
	t.Logf("longest run of 1 ms sleeps without a turn of JavaScript: %d as released, %d patched", released, patched)
	assert.LessOrEqual(t, patched, 10, "patched, the sweeper gives JavaScript a turn after each slice")
	assert.Less(t, patched, released, "as released, the sweeper holds the thread longer")
}

// TestJavaScriptRunsBetweenSteps runs a js/wasm program shaped like the
// engine's worker at max speed (5 ms of work, a 4 ms sleep, over a live
// heap of about 100 MB that its garbage keeps collecting) and takes the
// longest run of steps with no turn of JavaScript between them (counted
// as JavaScript's resumes of Go). The fractional worker, started whenever
// it is behind its share, filled each sleep with a slice of marking, so
// the thread went to JavaScript only once a cycle's marking was done: 3
// to 5 steps in a row here. Patched, a mark worker waits for
// JavaScript's turn after each slice: 1 or 2 (a slice can take one sleep,
// and the idle worker another).
func TestJavaScriptRunsBetweenSteps(t *testing.T) {
	overlay, err := write(runtime.GOROOT(), t.TempDir())
	require.NoError(t, err)
	const said = "longest run of steps without a turn: "
	patched := runJS(t, "./testdata/stepping", said, "-overlay="+overlay)
	t.Logf("longest run of steps without a turn of JavaScript, patched: %d", patched)
	assert.LessOrEqual(t, patched, 2, "patched, JavaScript has a turn at least every third step")
}
