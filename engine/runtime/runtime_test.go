package runtime

import (
	"io/fs"
	"math/rand/v2"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type fixture struct {
	loop   *loop.Loop
	rt     *Runtime
	exited []string
}

// testLogMax is the fixture's containerLogMaxSize.
const testLogMax = 64 << 10

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{loop: loop.New(epoch)}
	e := NewEngine(NewFSSource(testModules(t)), Options{LogMaxSize: testLogMax, LogMaxFiles: 3, MaxMemory: 256 << 20})
	t.Cleanup(func() { _ = e.Close() })
	f.rt = New("node01", e, f.loop, rand.New(rand.NewPCG(1, 1)), func(id string) { f.exited = append(f.exited, id) })
	return f
}

// testModules are the images' modules and the test guests.
func testModules(t testing.TB) fs.FS {
	m := fstest.MapFS{}
	for name, bin := range wasmtest.TestModules() {
		m[name+".wasm"] = &fstest.MapFile{Data: bin}
	}
	for _, name := range []string{"busybox", "pause"} {
		bin, err := fs.ReadFile(wasmtest.Modules(t), name+".wasm")
		require.NoError(t, err)
		m[name+".wasm"] = &fstest.MapFile{Data: bin}
	}
	return m
}

func (f *fixture) run(t *testing.T, ref string, args ...string) string {
	t.Helper()
	return f.start(t, ContainerConfig{Name: "c", Args: args, Env: []string{"GREETING=hello"}}, ref)
}

// start pulls the image and starts a container of it.
func (f *fixture) start(t testing.TB, cfg ContainerConfig, ref string) string {
	t.Helper()
	var pullErr error
	f.rt.PullImage(ref, func(i Image, _ time.Duration, err error) { cfg.Image, pullErr = i, err })
	f.loop.AdvanceBy(10 * time.Second)
	require.NoError(t, pullErr)
	id, err := f.rt.CreateContainer(cfg)
	require.NoError(t, err)
	require.NoError(t, f.rt.StartContainer(id))
	return id
}

func TestPauseSleepsUntilStopped(t *testing.T) {
	f := newFixture(t)
	id := f.run(t, "registry.k8s.io/pause:3.10.1")
	f.loop.AdvanceBy(3 * time.Hour)
	s, ok := f.rt.ContainerStatus(id)
	require.True(t, ok)
	assert.Equal(t, Running, s.State)
	f.rt.StopContainer(id, 30*time.Second)
	f.loop.RunUntilIdle()
	s, _ = f.rt.ContainerStatus(id)
	assert.Equal(t, Exited, s.State)
	assert.Equal(t, int32(0), s.ExitCode, "pause exits cleanly on SIGTERM")
	assert.Equal(t, []string{id}, f.exited)
}
