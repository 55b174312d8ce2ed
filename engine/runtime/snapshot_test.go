package runtime

import (
	"context"
	"math/rand/v2"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/loop"
)

// newFixtureWith is newFixture with the engine's options changed.
func newFixtureWith(t testing.TB, change func(*Options)) *fixture {
	t.Helper()
	f := &fixture{loop: loop.New(epoch)}
	opts := Options{LogMaxSize: testLogMax, LogMaxFiles: 3, MaxMemory: 256 << 20}
	change(&opts)
	e := NewEngine(NewFSSource(testModules(t)), opts)
	t.Cleanup(func() { _ = e.Close() })
	f.rt = New("node01", e, f.loop, rand.New(rand.NewPCG(1, 1)), func(id string) { f.exited = append(f.exited, id) })
	return f
}

// A container started from its image's snapshot behaves as one whose Go
// runtime started from scratch: the same output, exit, memory and about
// the same CPU work, with its own arguments, environment and working
// directory. (Its random source differs: from scratch the runtime's
// start reads some of the container's own.)
func TestStartFromSnapshot(t *testing.T) {
	tests := []struct {
		name string
		ref  string // busybox if ""
		cfg  ContainerConfig
		want string // the output; "" to compare the two starts only
		code int32
	}{
		{name: "arguments, environment, working directory",
			cfg: ContainerConfig{Args: []string{"sh", "-c", `echo "$0" "$1"; printenv GREETING; pwd; echo $HOME`, "zero", "one"},
				Env: []string{"GREETING=hello", "HOME=/root"}, WorkingDir: "/tmp"},
			want: "zero one\nhello\n/tmp\n/root\n"},
		{name: "an image told by its environment (bash)", ref: "bash",
			cfg:  ContainerConfig{Args: []string{"bash", "-c", `echo ${BASH_VERSION}`}, Env: []string{"_BASH_VERSION=5.3.3"}},
			want: "5.3.3(1)-release\n"},
		{name: "exit code", cfg: ContainerConfig{Args: []string{"sh", "-c", "echo bye; exit 3"}}, want: "bye\n", code: 3},
		{name: "under a memory limit below the runtime's start",
			cfg: ContainerConfig{Args: []string{"sh", "-c", "echo never"}, Resources: Resources{MemoryBytes: 2 << 20}}, code: 137},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type result struct {
				out          string
				code         int32
				instructions uint64
				memory       uint64
			}
			run := func(f *fixture) result {
				cfg := tt.cfg
				cfg.Name = "c"
				ref := tt.ref
				if ref == "" {
					ref = "busybox"
				}
				id := f.start(t, cfg, ref)
				f.loop.AdvanceBy(time.Second)
				st, ok := f.rt.ContainerStats(id)
				require.True(t, ok)
				s, ok := f.rt.ContainerStatus(id)
				require.True(t, ok)
				require.Equal(t, Exited, s.State)
				return result{f.output(t, id), s.ExitCode, st.Instructions, st.WorkingSetBytes}
			}
			snap := run(newFixture(t))
			scratch := run(newFixtureWith(t, func(o *Options) { o.NoSnapshots = true }))
			if tt.want != "" {
				assert.Equal(t, tt.want, snap.out)
			}
			assert.Equal(t, tt.code, snap.code)
			assert.Equal(t, scratch.out, snap.out)
			assert.Equal(t, scratch.code, snap.code)
			// _initialize's work differs by what the container's
			// arguments and environment cost it (the snapshot's has one
			// argument and no environment): 1.6 % for the first case.
			t.Logf("instructions: %d from the snapshot, %d from scratch", snap.instructions, scratch.instructions)
			assert.InEpsilon(t, float64(scratch.instructions)+1, float64(snap.instructions)+1, 0.03, "CPU work")
			assert.Equal(t, scratch.memory, snap.memory)
		})
	}
}

// Two containers of an image each have their own random source, and two
// processes of one container theirs.
func TestSnapshotProcessesAreTheirOwn(t *testing.T) {
	f := newFixture(t)
	script := "head -c 8 /dev/urandom | base64; sleep 3600"
	a := f.start(t, ContainerConfig{Name: "a", Args: []string{"sh", "-c", script}}, "busybox")
	b := f.start(t, ContainerConfig{Name: "b", Args: []string{"sh", "-c", script}}, "busybox")
	f.loop.AdvanceBy(time.Second)
	outA, outB := f.output(t, a), f.output(t, b)
	require.NotEmpty(t, outA)
	assert.NotEqual(t, outA, outB)
	var out strings.Builder
	done := false
	require.NoError(t, f.rt.ExecSync(context.Background(), a, ExecRequest{
		Cmd: []string{"sh", "-c", "head -c 8 /dev/urandom | base64; echo $0"}, Stdout: &out,
		Done: func(ExecResult) { done = true },
	}))
	f.loop.AdvanceBy(time.Second)
	require.True(t, done)
	assert.NotContains(t, out.String(), strings.TrimSpace(outA))
	assert.True(t, strings.HasSuffix(out.String(), "sh\n"), out.String())
}

// The snapshot depends on the module alone: two engines make the same.
func TestSnapshotIsDeterministic(t *testing.T) {
	var snaps []*snapshot
	for range 2 {
		f := newFixture(t)
		m, err := f.rt.engine.load("busybox")
		require.NoError(t, err)
		require.NotNil(t, m.reactor, "busybox is a reactor")
		s := f.rt.engine.snapshot(m.reactor, m.compiled)
		require.NotNil(t, s, "%v", m.reactor.err)
		snaps = append(snaps, s)
	}
	assert.Equal(t, snaps[0].globals, snaps[1].globals)
	assert.Equal(t, snaps[0].fuel, snaps[1].fuel)
	assert.True(t, string(snaps[0].memory) == string(snaps[1].memory), "the same memory")
	assert.Greater(t, snaps[0].fuel, int64(1_000_000), "the Go runtime's start is in it")
}

// A reactor whose _initialize spins (a module a user could load) cannot
// hold the engine while its snapshot is made: the snapshot gives up after
// the work a container may do at full speed, and the container starts
// from scratch, metered as any spinner.
func TestSnapshotOfASpinningReactor(t *testing.T) {
	f := newFixture(t)
	id := f.start(t, ContainerConfig{Name: "c"}, "kubeplay.test/spinning-reactor")
	fired := 0
	f.loop.Every(time.Second, func() { fired++ })
	f.loop.AdvanceBy(10 * time.Second)
	assert.Equal(t, 10, fired, "the loop kept its pace")
	s, ok := f.rt.ContainerStatus(id)
	require.True(t, ok)
	assert.Equal(t, Running, s.State)
	m, err := f.rt.engine.load("spinning-reactor")
	require.NoError(t, err)
	require.NotNil(t, m.reactor)
	assert.ErrorIs(t, m.reactor.err, errSnapshotFuel)
	assert.Nil(t, m.reactor.snap)
	st, _ := f.rt.ContainerStats(id)
	assert.InDelta(t, 10e9, float64(st.UsageCoreNanoSeconds), 0.6e9, "a full core, as on a node")
}

// Closing the engine ends the processes still running: a coroutine parked
// in a host call would otherwise keep its instance, and with it the
// compiled modules, for as long as the program runs (a cluster thrown
// away, or a test's).
func TestCloseEndsTheProcesses(t *testing.T) {
	f := newFixture(t)
	before := goruntime.NumGoroutine()
	ids := []string{
		f.start(t, ContainerConfig{Name: "a", Args: []string{"sh", "-c", "sleep 3600"}}, "busybox"),
		f.start(t, ContainerConfig{Name: "b", Args: []string{"sh", "-c", "sleep 3600"}}, "busybox"),
	}
	f.loop.AdvanceBy(time.Second)
	for _, id := range ids {
		s, _ := f.rt.ContainerStatus(id)
		require.Equal(t, Running, s.State)
	}
	require.Len(t, f.rt.engine.live, 2)
	require.Greater(t, goruntime.NumGoroutine(), before)
	require.NoError(t, f.rt.engine.Close())
	assert.Empty(t, f.rt.engine.live)
	assert.LessOrEqual(t, goruntime.NumGoroutine(), before, "the processes' coroutines ended")
}

// A module that imports neither of WASI's environ calls cannot see its
// environment, and its processes are made without it; one that does sees
// every variable (TestStartFromSnapshot's printenv).
func TestModulesThatReadTheirEnvironment(t *testing.T) {
	tests := []struct {
		module string
		want   bool
	}{
		{"pause", false},
		{"logger", false},
		{"busybox", true},
	}
	e := NewEngine(NewFSSource(testModules(t)), Options{})
	t.Cleanup(func() { _ = e.Close() })
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			m, err := e.load(tt.module)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.readsEnv)
		})
	}
}
