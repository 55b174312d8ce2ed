package runtime

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test images for the test guests of wasmtest: the runtime's tests add
// them to the catalog.
func init() {
	catalog["kubeplay.test/spin"] = ImageConfig{Module: "spin"}
	catalog["kubeplay.test/hog"] = ImageConfig{Module: "hog"}
	catalog["kubeplay.test/logger"] = ImageConfig{Module: "logger"}
	catalog["kubeplay.test/spinning-reactor"] = ImageConfig{Module: "spinning-reactor"}
}

func TestRunawayGuests(t *testing.T) {
	tests := []struct {
		name      string
		image     string
		resources Resources
		check     func(t *testing.T, f *fixture, id string)
	}{
		{
			name: "a spinner keeps running, throttled, and timers still fire", image: "kubeplay.test/spin",
			resources: Resources{CPUMillis: 200},
			check: func(t *testing.T, f *fixture, id string) {
				var fired []time.Duration
				start := f.loop.Now()
				f.loop.Every(10*time.Millisecond, func() { fired = append(fired, f.loop.Now().Sub(start)) })
				f.loop.AdvanceBy(50 * time.Millisecond)
				s, _ := f.rt.ContainerStatus(id)
				assert.Equal(t, Running, s.State)
				assert.Equal(t, []time.Duration{10e6, 20e6, 30e6, 40e6, 50e6}, fired, "other timers fire on time")
				st, _ := f.rt.ContainerStats(id)
				assert.InDelta(t, 10e6, float64(st.UsageCoreNanoSeconds), 0.3e6, "a fifth of a core for 50 ms")
				assert.InDelta(t, 0.2e9, float64(st.UsageNanoCores), 0.01e9)
			},
		},
		{
			name: "an allocator without bound is OOMKilled", image: "kubeplay.test/hog",
			resources: Resources{MemoryBytes: 64 << 20},
			check: func(t *testing.T, f *fixture, id string) {
				f.loop.AdvanceBy(time.Second)
				s, _ := f.rt.ContainerStatus(id)
				assert.Equal(t, Exited, s.State)
				assert.Equal(t, int32(137), s.ExitCode)
				assert.Equal(t, "OOMKilled", s.Reason)
				assert.Equal(t, []string{id}, f.exited)
			},
		},
		{
			name: "a Go guest whose runtime needs more than its limit is OOMKilled", image: "busybox",
			resources: Resources{MemoryBytes: 4 << 20},
			check: func(t *testing.T, f *fixture, id string) {
				f.loop.AdvanceBy(time.Second)
				s, _ := f.rt.ContainerStatus(id)
				assert.Equal(t, "OOMKilled", s.Reason)
				assert.Equal(t, int32(137), s.ExitCode)
			},
		},
		{
			name: "without a limit the engine's cap ends it", image: "kubeplay.test/hog",
			check: func(t *testing.T, f *fixture, id string) {
				f.loop.AdvanceBy(time.Second)
				s, _ := f.rt.ContainerStatus(id)
				assert.Equal(t, "OOMKilled", s.Reason)
			},
		},
		{
			name: "a logger without end keeps a bounded log", image: "kubeplay.test/logger",
			check: func(t *testing.T, f *fixture, id string) {
				f.loop.AdvanceBy(2 * time.Second)
				c := f.rt.containers[id]
				assert.Equal(t, Running, c.state)
				assert.LessOrEqual(t, len(c.log.current), testLogMax)
				assert.Len(t, c.log.rotated, 2, "at most three files")
				lines, err := f.rt.Logs(id)
				require.NoError(t, err)
				require.NotEmpty(t, lines)
				assert.Equal(t, "all work and no play makes jack a dull boy", lines[0].Text)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.start(t, ContainerConfig{Name: "c", Resources: tt.resources}, tt.image)
			tt.check(t, f, id)
		})
	}
}

func TestCPULimitSetsThePace(t *testing.T) {
	for _, milli := range []int64{0, 1000, 250} {
		f := newFixture(t)
		id := f.start(t, ContainerConfig{Name: "c", Resources: Resources{CPUMillis: milli}}, "kubeplay.test/spin")
		f.loop.AdvanceBy(20 * time.Millisecond)
		st, _ := f.rt.ContainerStats(id)
		want := 20e6
		if milli > 0 {
			want = float64(milli) * 20e3
		}
		assert.InDelta(t, want, float64(st.UsageCoreNanoSeconds), 0.3e6, "limit %dm", milli)
	}
}

func TestBusyboxClockAndSleep(t *testing.T) {
	f := newFixture(t)
	id := f.run(t, "busybox", "sh", "-c", "echo start; sleep 10; echo done")
	f.loop.AdvanceBy(5 * time.Second)
	lines, _ := f.rt.Logs(id)
	require.Len(t, lines, 1)
	assert.Equal(t, "start", lines[0].Text)
	st, _ := f.rt.ContainerStats(id)
	assert.Greater(t, st.UsageCoreNanoSeconds, uint64(time.Millisecond), "the shell's work counts")
	assert.Greater(t, st.WorkingSetBytes, uint64(1<<20))
	t.Logf("busybox sh: %v of CPU to its first sleep, %d MiB", time.Duration(st.UsageCoreNanoSeconds), st.WorkingSetBytes>>20)
	f.loop.AdvanceBy(10 * time.Second)
	s, _ := f.rt.ContainerStatus(id)
	require.Equal(t, Exited, s.State)
	assert.Equal(t, "Completed", s.Reason)
	lines, _ = f.rt.Logs(id)
	require.Len(t, lines, 2)
	took := lines[1].Time.Sub(lines[0].Time)
	assert.True(t, took >= 10*time.Second && took < 10*time.Second+50*time.Millisecond, "slept %v", took)
}

func TestExec(t *testing.T) {
	f := newFixture(t)
	id := f.run(t, "busybox", "sh", "-c", "echo hi > /tmp/x; sleep 3600")
	f.loop.AdvanceBy(time.Second)
	tests := []struct {
		name    string
		cmd     []string
		stdin   string
		timeout time.Duration
		code    int32
		out     string
		err     error
	}{
		{name: "output and exit code", cmd: []string{"sh", "-c", "echo out; echo err >&2; exit 3"}, code: 3, out: "out\n"},
		{name: "stdin", cmd: []string{"cat"}, stdin: "piped\n", out: "piped\n"},
		{name: "environment", cmd: []string{"printenv", "GREETING"}, out: "hello\n"},
		{name: "timeout", cmd: []string{"sleep", "60"}, timeout: 2 * time.Second, code: 137, err: ErrExecTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			var res *ExecResult
			err := f.rt.ExecSync(context.Background(), id, ExecRequest{
				Cmd: tt.cmd, Stdin: strings.NewReader(tt.stdin), Stdout: &out, Timeout: tt.timeout,
				Done: func(r ExecResult) { res = &r },
			})
			require.NoError(t, err)
			f.loop.AdvanceBy(5 * time.Second)
			require.NotNil(t, res, "exec finished")
			assert.Equal(t, tt.code, res.ExitCode)
			assert.Equal(t, tt.err, res.Err)
			assert.Equal(t, tt.out, out.String())
		})
	}
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var res *ExecResult
		require.NoError(t, f.rt.ExecSync(ctx, id, ExecRequest{Cmd: []string{"sleep", "60"}, Done: func(r ExecResult) { res = &r }}))
		f.loop.AdvanceBy(time.Second)
		cancel()
		f.loop.AdvanceBy(time.Minute)
		require.NotNil(t, res)
		assert.ErrorIs(t, res.Err, context.Canceled)
	})
	t.Run("stopped container", func(t *testing.T) {
		var res *ExecResult
		require.NoError(t, f.rt.ExecSync(context.Background(), id, ExecRequest{Cmd: []string{"sleep", "60"}, Done: func(r ExecResult) { res = &r }}))
		f.loop.AdvanceBy(time.Second)
		f.rt.StopContainer(id, 0)
		f.loop.RunUntilIdle()
		require.NotNil(t, res)
		assert.Equal(t, ErrContainerStopped, res.Err)
		err := f.rt.ExecSync(context.Background(), id, ExecRequest{Cmd: []string{"true"}})
		assert.Equal(t, ErrNotRunning, err)
	})
}

// A container whose program ends takes its execs with it.
func TestExecEndsWithItsContainer(t *testing.T) {
	f := newFixture(t)
	id := f.run(t, "busybox", "sh", "-c", "sleep 2")
	f.loop.AdvanceBy(time.Second)
	var res *ExecResult
	require.NoError(t, f.rt.ExecSync(context.Background(), id, ExecRequest{Cmd: []string{"sleep", "60"}, Done: func(r ExecResult) { res = &r }}))
	f.loop.AdvanceBy(5 * time.Second)
	require.NotNil(t, res)
	assert.Equal(t, ExecResult{ExitCode: 137, Err: ErrContainerStopped}, *res)
	s, _ := f.rt.ContainerStatus(id)
	assert.Equal(t, "Completed", s.Reason)
}

// A guest that computes past the host's loan runs at the loan's pace:
// its CPU time is its full share, its real work is bounded.
func TestSpinnerPastItsBurst(t *testing.T) {
	f := newFixture(t)
	id := f.start(t, ContainerConfig{Name: "c"}, "kubeplay.test/spin")
	fired := 0
	f.loop.Every(time.Second, func() { fired++ })
	f.loop.AdvanceBy(10 * time.Second)
	assert.Equal(t, 10, fired)
	st, _ := f.rt.ContainerStats(id)
	assert.InDelta(t, 10e9, float64(st.UsageCoreNanoSeconds), 0.6e9, "a full core, as on a node")
	assert.InDelta(t, 1e9, float64(st.UsageNanoCores), 0.06e9)
	opts := f.rt.engine.opts
	work := f.rt.containers[id].fuel
	assert.LessOrEqual(t, work, opts.BurstFuel+10*opts.HostFuelPerSecond+opts.SliceFuel, "the host's work is bounded")
	t.Logf("10 s of spinning: %d instructions of work, %v of CPU", work, time.Duration(st.UsageCoreNanoSeconds))
}

// A throttled spinner's stats never show more than its share: the CPU
// time of work booked ahead of the clock counts once the clock gets there.
func TestSpinnerStatsNeverExceedItsShare(t *testing.T) {
	for _, limit := range []int64{0, 500} {
		t.Run(fmt.Sprintf("limit %dm", limit), func(t *testing.T) {
			f := newFixture(t)
			id := f.start(t, ContainerConfig{Name: "c", Resources: Resources{CPUMillis: limit}}, "kubeplay.test/spin")
			share := int64(1000)
			if limit > 0 {
				share = limit
			}
			start := f.loop.Now()
			for i := 0; i < 40; i++ {
				f.loop.AdvanceBy(250 * time.Millisecond)
				st, _ := f.rt.ContainerStats(id)
				elapsed := f.loop.Now().Sub(start)
				assert.LessOrEqual(t, int64(st.UsageCoreNanoSeconds), int64(elapsed)*share/1000, "at %v", elapsed)
				assert.LessOrEqual(t, int64(st.UsageNanoCores), share*1_000_000, "at %v", elapsed)
			}
		})
	}
}

// A memory-backed volume's files count toward the memory of the
// container that wrote them: past its limit the write is an OOM kill;
// what the container removes is given back; another container's writes
// are not its own; on a disk-backed volume the same writes cost no
// memory.
func TestMemoryBackedVolume(t *testing.T) {
	const limit = 32 << 20
	tests := []struct {
		name   string
		script string
		memory bool
		code   int32
		reason string
		out    string
	}{
		{name: "a file past the limit is an OOM kill", memory: true,
			script: "dd if=/dev/zero of=/cache/big bs=1048576 count=48 2>/dev/null; echo never", code: 137, reason: "OOMKilled"},
		{name: "the same on a disk-backed volume", script: "dd if=/dev/zero of=/cache/big bs=1048576 count=48 2>/dev/null; echo written",
			out: "written\n", reason: "Completed"},
		{name: "what is removed is given back", memory: true,
			script: "for i in 1 2 3 4; do dd if=/dev/zero of=/cache/f bs=1048576 count=12 2>/dev/null; rm /cache/f; done; echo fits",
			out:    "fits\n", reason: "Completed"},
		{name: "a truncation gives back", memory: true,
			script: "for i in 1 2 3 4; do dd if=/dev/zero of=/cache/f bs=1048576 count=12 2>/dev/null; : > /cache/f; done; echo fits",
			out:    "fits\n", reason: "Completed"},
		{name: "a renamed file stays charged", memory: true,
			script: "dd if=/dev/zero of=/cache/a bs=1048576 count=12 2>/dev/null; mv /cache/a /cache/b; dd if=/dev/zero of=/cache/c bs=1048576 count=24 2>/dev/null; echo never",
			code:   137, reason: "OOMKilled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			vol, err := mem.NewFS()
			require.NoError(t, err)
			m := Mount{ContainerPath: "/cache", Source: vol}
			if tt.memory {
				m.Memory = NewTmpfs()
			}
			id := f.start(t, ContainerConfig{Name: "c", Args: []string{"sh", "-c", tt.script}, Mounts: []Mount{m},
				Resources: Resources{MemoryBytes: limit}}, "busybox")
			f.loop.AdvanceBy(time.Minute)
			s, _ := f.rt.ContainerStatus(id)
			require.Equal(t, Exited, s.State)
			assert.Equal(t, tt.code, s.ExitCode)
			assert.Equal(t, tt.reason, s.Reason)
			lines, _ := f.rt.Logs(id)
			var out strings.Builder
			for _, l := range lines {
				fmt.Fprintln(&out, l.Text)
			}
			assert.Equal(t, tt.out, out.String())
		})
	}

	t.Run("an exec's OOM kill ends the container", func(t *testing.T) {
		f := newFixture(t)
		vol, err := mem.NewFS()
		require.NoError(t, err)
		id := f.start(t, ContainerConfig{Name: "c", Args: []string{"sleep", "3600"}, Mounts: []Mount{{ContainerPath: "/cache", Source: vol, Memory: NewTmpfs()}},
			Resources: Resources{MemoryBytes: limit}}, "busybox")
		f.loop.AdvanceBy(time.Second)
		var got ExecResult
		require.NoError(t, f.rt.ExecSync(context.Background(), id, ExecRequest{Cmd: []string{"dd", "if=/dev/zero", "of=/cache/big", "bs=1048576", "count=48"},
			Done: func(r ExecResult) { got = r }}))
		f.loop.AdvanceBy(time.Minute)
		assert.Equal(t, int32(137), got.ExitCode)
		s, _ := f.rt.ContainerStatus(id)
		assert.Equal(t, Exited, s.State)
		assert.Equal(t, int32(137), s.ExitCode)
		assert.Equal(t, "OOMKilled", s.Reason)
	})

	t.Run("charged to the writer, counted in its memory", func(t *testing.T) {
		f := newFixture(t)
		vol, err := mem.NewFS()
		require.NoError(t, err)
		tmpfs := NewTmpfs()
		mount := []Mount{{ContainerPath: "/cache", Source: vol, Memory: tmpfs}}
		writer := f.start(t, ContainerConfig{Name: "w", Args: []string{"sh", "-c", "dd if=/dev/zero of=/cache/f bs=1048576 count=12 2>/dev/null; sleep 3600"}, Mounts: mount,
			Resources: Resources{MemoryBytes: limit}}, "busybox")
		f.loop.AdvanceBy(10 * time.Second)
		other := f.start(t, ContainerConfig{Name: "o", Args: []string{"sleep", "3600"}, Mounts: mount, Resources: Resources{MemoryBytes: limit}}, "busybox")
		f.loop.AdvanceBy(10 * time.Second)
		ws, _ := f.rt.ContainerStats(writer)
		oth, _ := f.rt.ContainerStats(other)
		assert.GreaterOrEqual(t, ws.WorkingSetBytes, uint64(12<<20), "the writer's memory holds the file")
		assert.Less(t, oth.WorkingSetBytes, uint64(12<<20), "not the other's")
		before := ws.WorkingSetBytes
		// The other removes it: the writer is given its memory back.
		require.NoError(t, f.rt.ExecSync(context.Background(), other, ExecRequest{Cmd: []string{"rm", "/cache/f"}}))
		f.loop.AdvanceBy(time.Second)
		ws, _ = f.rt.ContainerStats(writer)
		assert.LessOrEqual(t, ws.WorkingSetBytes, before-12<<20, "the file's memory is the writer's no more")
	})
}
