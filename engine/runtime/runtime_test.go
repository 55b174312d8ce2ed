package runtime

import (
	"bytes"
	"context"
	"io/fs"
	"math/rand/v2"
	"strings"
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

func TestBusyboxAppletsListed(t *testing.T) {
	f := newFixture(t)
	id := f.run(t, "busybox", "sleep", "3600")
	var out bytes.Buffer
	var res *ExecResult
	require.NoError(t, f.rt.ExecSync(context.Background(), id, ExecRequest{Cmd: []string{"busybox", "--list"}, Stdout: &out,
		Done: func(r ExecResult) { res = &r }}))
	f.loop.AdvanceBy(time.Second)
	require.NotNil(t, res)
	assert.Equal(t, busyboxApplets, strings.Fields(out.String()), "busyboxApplets is what `busybox --list` prints")
}

func TestImageProcess(t *testing.T) {
	nginx, _ := LookupImage("nginx")
	bb, _ := LookupImage("busybox")
	bashImg, _ := LookupImage("bash")
	echo, _ := LookupImage("hashicorp/http-echo")
	agnhost, _ := LookupImage("registry.k8s.io/e2e-test-images/agnhost:2.39")
	loaded := ImageConfig{Module: "loaded-1", Entrypoint: []string{"/app"}}
	tests := []struct {
		name   string
		cfg    ImageConfig
		argv   []string
		module string
		args   []string
		err    string
	}{
		{"nginx's own program", nginx, []string{"nginx", "-g", "daemon off;"}, "servers", []string{"nginx", "-g", "daemon off;"}, ""},
		{"nginx's entrypoint", nginx, []string{"/docker-entrypoint.sh", "nginx"}, "servers", []string{"/docker-entrypoint.sh", "nginx"}, ""},
		{"nginx's bash", nginx, []string{"/bin/bash"}, "busybox", []string{"busybox", "--with-bash", "/bin/bash"}, ""},
		{"nginx's ls", nginx, []string{"ls", "/"}, "busybox", []string{"busybox", "--with-bash", "ls", "/"}, ""},
		{"a script in nginx", nginx, []string{"/scripts/run.sh"}, "busybox", []string{"busybox", "--with-bash", "/scripts/run.sh"}, ""},
		{"nginx has no ps", nginx, []string{"nope"}, "", nil, `OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown`},
		{"busybox applet", bb, []string{"/bin/sh", "-c", "true"}, "busybox", []string{"/bin/sh", "-c", "true"}, ""},
		{"busybox has no bash", bb, []string{"bash"}, "", nil, `OCI runtime exec failed: exec failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown`},
		{"the bash image has bash", bashImg, []string{"bash", "-c", "true"}, "busybox", []string{"bash", "-c", "true"}, ""},
		{"a script in busybox", bb, []string{"./run.sh"}, "busybox", []string{"./run.sh"}, ""},
		{"http-echo is scratch", echo, []string{"sh"}, "", nil, `OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown`},
		{"agnhost is alpine", agnhost, []string{"sh"}, "busybox", []string{"busybox", "sh"}, ""},
		{"a loaded module decides", loaded, []string{"anything"}, "loaded-1", []string{"anything"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod, args, err := tt.cfg.process(tt.argv)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.module, mod)
			assert.Equal(t, tt.args, args)
		})
	}
}

// Starting a container checks its command's x bits without finishing its
// root: the pause container, which never looks at its files, keeps the
// kubelet's changes for a first use that never comes. A command that is
// one of the kubelet's files (0644) is still refused.
func TestStartLeavesTheRootUnfinished(t *testing.T) {
	f := newFixture(t)
	files := map[string][]byte{"/etc/hosts": []byte("127.0.0.1 localhost\n")}
	id := f.start(t, ContainerConfig{Name: "c", Files: files}, "registry.k8s.io/pause:3.10.1")
	c := f.rt.containers[id]
	require.NotZero(t, c.root.deferred, "the pause container's root has changes left for its first use")
	assert.True(t, c.root.fs.Unfinished(), "the check of /pause did not finish the root")
	assert.Nil(t, c.root.upper.fs, "nor made its upper layer")
	s, _ := f.rt.ContainerStatus(id)
	assert.Equal(t, Running, s.State)

	var pullErr error
	cfg := ContainerConfig{Name: "d", Files: files, Command: []string{"/etc/hosts"}}
	f.rt.PullImage("busybox", func(i Image, _ time.Duration, err error) { cfg.Image, pullErr = i, err })
	f.loop.AdvanceBy(10 * time.Second)
	require.NoError(t, pullErr)
	id, err := f.rt.CreateContainer(cfg)
	require.NoError(t, err)
	err = f.rt.StartContainer(id)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "permission denied")
}
