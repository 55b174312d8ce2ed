package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// TestCommandLine checks stress's options and messages, in process.
func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name           string
		args           []string
		stdout, stderr string
		code           int
	}{
		{name: "no work: the usage", args: nil, stdout: "`stress' imposes certain types of compute stress on your system\n\nUsage: stress [OPTION [ARG]] ...\n"},
		{name: "--help", args: []string{"--help"}, stdout: "`stress' imposes certain types of compute stress on your system\n"},
		{name: "--version", args: []string{"--version"}, stdout: "stress 1.0.4\n"},
		{name: "dry run", args: []string{"--cpu", "2", "--io", "1", "--vm", "1", "--hdd", "1", "-n"},
			stdout: "stress: info: [1] dispatching hogs: 2 cpu, 1 io, 1 vm, 1 hdd\nstress: info: [1] successful run completed in 0s\n"},
		{name: "verbose", args: []string{"-v", "-c", "1", "-m", "1", "-n", "--backoff", "0"},
			stdout: "stress: info: [1] dispatching hogs: 1 cpu, 0 io, 1 vm, 0 hdd\nstress: dbug: [1] using backoff sleep of 0us\n" +
				"stress: dbug: [1] --> hogcpu worker 1 [7] forked\nstress: dbug: [1] --> hogvm worker 1 [8] forked\n"},
		{name: "quiet", args: []string{"-q", "--cpu", "1", "-n"}},
		{name: "unrecognized", args: []string{"--frob"}, stderr: "stress: FAIL: [1] (156) unrecognized option: --frob\n", code: 1},
		{name: "missing argument", args: []string{"--vm"}, stderr: "stress: FAIL: [1] (160) missing argument to option '--vm'\n", code: 1},
		{name: "option for an argument", args: []string{"--vm", "--cpu", "1"}, stderr: "stress: FAIL: [1] (160) missing argument to option '--vm'\n", code: 1},
		{name: "bad suffix", args: []string{"--vm", "1", "--vm-bytes", "10X"}, stderr: "stress: FAIL: [1] (636) unrecognized suffix: X\n", code: 1},
		{name: "bad number", args: []string{"--cpu", "many"}, stderr: "stress: FAIL: [1] (636) unrecognized suffix: y\n", code: 1},
		{name: "zero hogs", args: []string{"--cpu", "0"}, stderr: "stress: FAIL: [1] (160) invalid number of cpu hogs: 0\n", code: 1},
		{name: "no number", args: []string{"--timeout", "s"}, stderr: "stress: FAIL: [1] (644) invalid number: s\n", code: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			// A fixed clock: stress counts the run in whole seconds of
			// time(2), so the wall clock made "in 1s" when a run crossed a
			// second.
			at := time.Date(2026, 1, 1, 0, 0, 0, 999_000_000, time.UTC)
			code := newStress(append([]string{"stress"}, tc.args...), &stdout, &stderr, func() time.Time { return at }).run()
			if strings.Contains(tc.name, "usage") || tc.name == "--help" || tc.name == "verbose" {
				assert.True(t, strings.HasPrefix(stdout.String(), tc.stdout), stdout.String())
			} else {
				assert.Equal(t, tc.stdout, stdout.String())
			}
			assert.Equal(t, tc.stderr, stderr.String())
			assert.Equal(t, tc.code, code)
		})
	}
	assert.Equal(t, []int64{262144000, 1 << 30, 8, 16}, []int64{mustSize("250M"), mustSize("1G"), mustSize("010"), mustSize("0x10")})
}

func mustSize(s string) int64 {
	n, _ := newStress(nil, &bytes.Buffer{}, &bytes.Buffer{}, time.Now).size(s)
	return n
}

// TestWasm runs the image under wazero on a virtual clock, with and
// without a memory limit.
func TestWasm(t *testing.T) {
	module := wasmtest.Build(t, "stress")
	t.Logf("stress.wasm: %d bytes", len(module))
	guest := wasmtest.Compile(t, module, 0)
	const dispatchVM = "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd\n"

	t.Run("vm with a timeout", func(t *testing.T) {
		clock := &wasmtest.Clock{}
		r := guest.Run(t, wasmtest.Run{Args: []string{"stress", "--vm", "1", "--vm-bytes", "32M", "--vm-hang", "1", "--timeout", "5s"}, Clock: clock})
		assert.Equal(t, dispatchVM+"stress: info: [1] successful run completed in 5s\n", r.Stdout)
		assert.Empty(t, r.Stderr)
		assert.Equal(t, 0, r.Code)
		assert.Equal(t, 5*time.Second, clock.Elapsed())
	})
	t.Run("vm until stopped", func(t *testing.T) {
		r := guest.Run(t, wasmtest.Run{Args: []string{"stress", "--vm", "1", "--vm-bytes", "8M", "--vm-hang", "0"}, Clock: &wasmtest.Clock{Limit: time.Hour}})
		assert.Equal(t, dispatchVM, r.Stdout)
		assert.Equal(t, 137, r.Code, "stopped by the kubelet")
	})
	t.Run("cpu with a timeout", func(t *testing.T) {
		// The clock moves with the work, as under kubeplay's metering.
		clock := &wasmtest.Clock{Tick: 100 * time.Millisecond}
		r := guest.Run(t, wasmtest.Run{Args: []string{"stress", "--cpu", "2", "--timeout", "3"}, Clock: clock})
		// time(NULL) counts whole seconds, and reading the clock moves it.
		assert.Regexp(t, `^stress: info: \[1\] dispatching hogs: 2 cpu, 0 io, 0 vm, 0 hdd\nstress: info: \[1\] successful run completed in [34]s\n$`, r.Stdout)
		assert.Equal(t, 0, r.Code)
	})
	t.Run("hdd without a writable directory", func(t *testing.T) {
		r := guest.Run(t, wasmtest.Run{Args: []string{"stress", "--hdd", "1", "--timeout", "10"}})
		assert.Equal(t, "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 0 vm, 1 hdd\n", r.Stdout)
		assert.Regexp(t, `^stress: FAIL: \[7\] \(563\) mkstemp failed: .+\n`+
			`stress: FAIL: \[1\] \(394\) <-- worker 7 returned error 1\n`+
			`stress: WARN: \[1\] \(396\) now reaping child worker processes\n`+
			`stress: FAIL: \[1\] \(451\) failed run completed in 0s\n$`, r.Stderr)
		assert.Equal(t, 1, r.Code)
	})
	t.Run("only stress", func(t *testing.T) {
		r := guest.Run(t, wasmtest.Run{Args: []string{"sh", "-c", "stress --cpu 1"}})
		assert.Equal(t, "kubeplay: the stress image has stress only: exec: \"sh\": executable file not found in $PATH\n", r.Stderr)
		assert.Equal(t, 127, r.Code)
	})
	t.Run("hdd", func(t *testing.T) {
		r := guest.Run(t, wasmtest.Run{Args: []string{"stress", "--hdd", "1", "--hdd-bytes", "3M", "--timeout", "2"}, Dir: t.TempDir(),
			Clock: &wasmtest.Clock{Tick: 10 * time.Millisecond}})
		assert.Equal(t, "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 0 vm, 1 hdd\nstress: info: [1] successful run completed in 2s\n", r.Stdout)
		assert.Empty(t, r.Stderr)
	})

	// The memory is really the guest's: under a limit of 100 MiB, 250 MiB
	// cannot be had (kubeplay's runtime then ends the container as
	// OOMKilled), while 64 MiB can.
	limited := wasmtest.Compile(t, module, 100<<20>>16)
	t.Run("over a memory limit", func(t *testing.T) {
		r := limited.Run(t, wasmtest.Run{Args: []string{"stress", "--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"}, Clock: &wasmtest.Clock{Limit: time.Minute}})
		assert.Equal(t, dispatchVM, r.Stdout)
		assert.Contains(t, r.Stderr, "out of memory")
		assert.NotEqual(t, 0, r.Code)
	})
	t.Run("under a memory limit", func(t *testing.T) {
		r := limited.Run(t, wasmtest.Run{Args: []string{"stress", "--vm", "1", "--vm-bytes", "64M", "--vm-hang", "1", "--timeout", "10"}})
		assert.Equal(t, dispatchVM+"stress: info: [1] successful run completed in 10s\n", r.Stdout)
		assert.Empty(t, r.Stderr)
		assert.Equal(t, 0, r.Code)
	})
}
