package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	kpruntime "github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/tetratelabs/wazero/sys"

	"github.com/kubeplay/kubeplay/wasmworkloads/internal/wasmbuild"
)

// virtualStart is when the fake clock starts: `date` shows it.
var virtualStart = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// fakeClock is a virtual clock as the kubelet gives a module: the time the
// module sees (walltime, nanotime) only moves when it sleeps (poll_oneoff
// with a clock subscription, which wazero hands to nanosleep), and then at
// once. It stops the module, as the kubelet would, once a limit of
// virtual time has passed.
type fakeClock struct {
	mu     sync.Mutex
	slept  time.Duration
	sleeps int
	limit  time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return virtualStart.Add(c.slept)
}

func (c *fakeClock) walltime() (int64, int32) {
	t := c.now()
	return t.Unix(), int32(t.Nanosecond())
}

func (c *fakeClock) nanotime() int64 {
	return int64(c.now().Sub(virtualStart)) + int64(time.Hour) // any origin
}

func (c *fakeClock) nanosleep(ns int64) {
	c.mu.Lock()
	c.slept += time.Duration(ns)
	c.sleeps++
	stop := c.limit > 0 && c.slept >= c.limit
	c.mu.Unlock()
	if stop {
		// What proc_exit does: wazero turns this into the module's exit.
		panic(sys.NewExitError(137))
	}
}

// wasmImage is the busybox image, built and compiled once per test binary.
type wasmImage struct {
	bytes    []byte
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
}

// buildImage compiles the image for wasip1 with the same tool as the
// image build (see package wasmbuild), into dir.
func buildImage(t *testing.T, dir string) []byte {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out := filepath.Join(dir, "busybox.wasm")
	start := time.Now()
	require.NoError(t, wasmbuild.Build(context.Background(), ".", ".", out))
	t.Logf("built busybox.wasm in %v", time.Since(start).Round(time.Millisecond))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	return b
}

// run starts the image as the kubelet would, with argv, env and a fake
// clock, and returns what it printed and its exit code.
func (img *wasmImage) run(t *testing.T, clock *fakeClock, stdout, stderr *bytes.Buffer, env []string, argv ...string) int {
	t.Helper()
	ctx := context.Background()
	config := newConfig().
		WithName(""). // anonymous, so the compiled module can run many times
		WithArgs(argv...).
		WithStdout(stdout).
		WithStderr(stderr).
		WithWalltime(clock.walltime, sys.ClockResolution(1)).
		WithNanotime(clock.nanotime, sys.ClockResolution(1)).
		WithNanosleep(clock.nanosleep)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		config = config.WithEnv(k, v)
	}
	mod, err := img.runtime.InstantiateModule(ctx, img.compiled, config)
	if mod != nil {
		defer mod.Close(ctx)
	}
	var exit *sys.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return int(exit.ExitCode())
	}
	require.NoError(t, err)
	return -1
}

// TestWasm runs the busybox image under wazero with a virtual clock: the
// sleeps cost no real time, and `date` shows virtual time.
func TestWasm(t *testing.T) {
	ctx := context.Background()
	img := &wasmImage{bytes: buildImage(t, t.TempDir())}
	img.runtime = wazero.NewRuntime(ctx)
	defer img.runtime.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, img.runtime)
	start := time.Now()
	var err error
	img.compiled, err = img.runtime.CompileModule(ctx, img.bytes)
	require.NoError(t, err)
	require.NoError(t, kpruntime.StubImports(ctx, img.runtime, img.compiled))
	t.Logf("compiled in %v", time.Since(start).Round(time.Millisecond))

	env := []string{"HOSTNAME=hello-7d4b9", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hi"}
	for _, tc := range []struct {
		name   string
		argv   []string
		stdout string
		stderr string // substring
		code   int
		slept  time.Duration // virtual time slept in all
		limit  time.Duration // virtual time after which the "kubelet" stops it
	}{
		{name: "echo", argv: []string{"echo", "hello"}, stdout: "hello\n"},
		{name: "sh with sleep", argv: []string{"sh", "-c", "echo a; sleep 5; echo b"}, stdout: "a\nb\n", slept: 5 * time.Second},
		{name: "date", argv: []string{"date", "-u"}, stdout: "Thu Jan  1 00:00:00 UTC 2026\n"},
		{name: "sleep", argv: []string{"sleep", "2"}, slept: 2 * time.Second},
		{name: "sleep an hour", argv: []string{"sleep", "3600"}, slept: time.Hour},
		{name: "loop", argv: []string{"sh", "-c", "for i in 1 2 3; do echo $i; sleep 1; done"}, stdout: "1\n2\n3\n", slept: 3 * time.Second},
		{name: "app is running", argv: []string{"sh", "-c", "echo The app is running! && sleep 3600"}, stdout: "The app is running!\n", slept: time.Hour},
		{name: "date moves with sleep", argv: []string{"sh", "-c", "date +%T; sleep 90; date -u +%T; sleep 0.5; date +%T.%N"},
			stdout: "00:00:00\n00:01:30\n00:01:30.500000000\n", slept: 90*time.Second + 500*time.Millisecond},
		{name: "until loop", argv: []string{"sh", "-c", `start=$(date +%s); until [ $(( $(date +%s) - start )) -ge 30 ]; do sleep 10; done; echo waited`},
			stdout: "waited\n", slept: 30 * time.Second},
		{name: "pipes", argv: []string{"sh", "-c", "echo hello | tr a-z A-Z; yes | head -n 2; yes | cat | head -n 1; seq 3 | sort -r | tr '\\n' ' '"}, stdout: "HELLO\ny\ny\ny\n3 2 1 "},
		{name: "here-document and read", argv: []string{"sh", "-c", "cat <<EOF | while read k v; do echo \"$v=$k\"; done\na 1\nb $GREETING\nEOF"}, stdout: "1=a\nhi=b\n"},
		{name: "command substitution", argv: []string{"sh", "-c", `echo "pod $(hostname) on $(uname -m)"`}, stdout: "pod hello-7d4b9 on x86_64\n"},
		// The image's interpreter takes a word that is one plain literal
		// as it is (wasmbuild's plainLiteral); the others expand.
		{name: "words", argv: []string{"sh", "-c", `HOME=/h; x=~/a; y=a\b; echo ~/b $x $y a{1,2}b \* "q" -qO- http://x/y:80 >/dev/stdout`},
			stdout: "/h/b /h/a a\\b a1b a2b * q -qO- http://x/y:80\n"},
		// And a word that is one plain $name whose value is one field as
		// it is (wasmbuild's plainParam); the others split and glob.
		{name: "parameters", argv: []string{"sh", "-c", `i=2; [ $i -lt 3 ] && echo yes; j=$((i+1)); echo $j $((010 + 0x10 + 2#11 + -3 + 999999999999999999 + j)) $(( j - 1000000000000000000 )); [ -n $i ] && echo [; v=a-b; w="x y"; n=10; IFS=-; echo $v $w ${n}; IFS=" "; echo $v $w; IFS=0; echo $n; unset IFS; e=; echo "[$e]" $e $v; set -u; echo $v $nosuch; echo not here`},
			stdout: "yes\n3 1000000000000000026 -999999999999999997\n[\na b x y 10\na-b x y\n1\n[] a-b\n", stderr: "nosuch: unbound variable", code: 1},
		{name: "integer tests", argv: []string{"sh", "-c", `[ 3 -lt 10 ] && echo a; [ 10 -lt 3 ] || echo b; [ x -eq 0 ] && echo c; test 2 -ge 2 && echo d; [ -1 -le " -1" ] && echo e; [ ! 1 -eq 2 ] && echo f; [ 5 -ne 5 ]; echo $?; [ 1 -gt ]; echo $?; [ 1 = 1 ] && echo g`},
			stdout: "a\nb\nc\nd\ne\nf\n1\n2\ng\n", stderr: "-gt must be followed by a word"},
		{name: "exit code", argv: []string{"sh", "-c", "exit 7"}, code: 7},
		{name: "failing command", argv: []string{"sh", "-c", "grep -q x /dev/null"}, code: 1},
		{name: "unknown applet", argv: []string{"nosuch"}, stderr: "nosuch: applet not found", code: 127},
		{name: "unknown command", argv: []string{"sh", "-c", "nosuch"}, stderr: "sh: nosuch: not found", code: 127},
		{name: "sh reads empty stdin", argv: []string{"sh"}},
		{name: "hostname", argv: []string{"hostname"}, stdout: "hello-7d4b9\n"},
		{name: "uname", argv: []string{"uname", "-a"}, stdout: "Linux hello-7d4b9 6.1.0-kubeplay #1 SMP kubeplay WebAssembly (wasip1 on wazero) x86_64 GNU/Linux\n"},
		{name: "dev files", argv: []string{"sh", "-c", "echo gone > /dev/null; cat /dev/null; echo err > /dev/stderr; head -c 4 /dev/zero | wc -c"}, stdout: "4\n", stderr: "err\n"},
		{name: "no filesystem", argv: []string{"ls", "/"}, stderr: "ls: /: ", code: 1},
		{name: "wget", argv: []string{"wget", "http://example.com/"}, stderr: "wget: bad address 'example.com'\n", code: 1},
		{name: "wget an address", argv: []string{"wget", "-qO-", "10.96.0.1"}, stderr: "wget: can't connect to remote host (10.96.0.1): Network is unreachable\n", code: 1},
		{name: "init container's wait", argv: []string{"sh", "-c", "until nslookup myservice; do echo waiting for myservice; sleep 2; done"},
			stdout: strings.Repeat(";; connection timed out; no servers could be reached\n\nwaiting for myservice\n", 5),
			code:   137, slept: 10 * time.Second, limit: 10 * time.Second},
		{name: "nproc", argv: []string{"nproc"}, stdout: "1\n"},
		{name: "free", argv: []string{"sh", "-c", "free | head -n 2 | tail -n 1 | cut -c 1-19"}, stdout: "Mem:        4194304\n"},
		{name: "ps", argv: []string{"ps"}, stdout: "PID   USER     TIME  COMMAND\n    1 root      0:00 ps\n"},
		{name: "ps in sh", argv: []string{"sh", "-c", "echo start; ps"}, stdout: "start\nPID   USER     TIME  COMMAND\n    1 root      0:00 sh -c echo start; ps\n    2 root      0:00 ps\n"},
		{name: "sed and awk", argv: []string{"sh", "-c", "seq 5 | sed -n '2,4p' | awk '{s+=$1} END {print s}'"}, stdout: "9\n"},
		{name: "timeout", argv: []string{"timeout", "5", "sleep", "60"}, code: 143, slept: 5 * time.Second},
		{name: "no bash in busybox", argv: []string{"sh", "-c", "bash"}, stderr: "sh: bash: not found\n", code: 127},
		{name: "dd from /dev/zero", argv: []string{"sh", "-c", "dd if=/dev/zero bs=1M count=4 2>/dev/null | wc -c"}, stdout: "4194304\n"},
		{name: "busybox applet", argv: []string{"busybox", "printf", "%s-%d\n", "x", "5"}, stdout: "x-5\n"},
		{name: "sleep infinity until stopped", argv: []string{"sleep", "infinity"}, code: 137, slept: 48 * time.Hour, limit: 48 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{limit: tc.limit}
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := img.run(t, clock, &stdout, &stderr, env, tc.argv...)
			assert.Equal(t, tc.stdout, stdout.String(), "stdout")
			if tc.stderr == "" {
				assert.Empty(t, stderr.String(), "stderr")
			} else {
				assert.Contains(t, stderr.String(), tc.stderr, "stderr")
			}
			assert.Equal(t, tc.code, code, "exit code")
			assert.Equal(t, tc.slept, clock.slept, "virtual time slept")
			assert.Less(t, time.Since(start), 10*time.Second, "virtual sleeps take no real time")
		})
	}

	t.Run("filesystem", func(t *testing.T) {
		// With a directory mounted, the shell's redirections and the file
		// applets work through WASI's path functions.
		root := t.TempDir()
		var stdout, stderr bytes.Buffer
		config := newConfig().WithName("").
			WithArgs("sh", "-c", `mkdir -p /data/logs && cd /data/logs && echo one > a.log && echo two >> a.log
				touch b.log; ls; wc -l < a.log; cat a.log | grep -c o; rm -r /data; ls /`).
			WithStdout(&stdout).WithStderr(&stderr).
			WithFSConfig(wazero.NewFSConfig().WithDirMount(root, "/"))
		_, err := img.runtime.InstantiateModule(ctx, img.compiled, config)
		require.NoError(t, err, stderr.String())
		assert.Equal(t, "a.log\nb.log\n2\n2\n", stdout.String())
		assert.Empty(t, stderr.String())
		entries, err := os.ReadDir(root)
		require.NoError(t, err)
		assert.Empty(t, entries)
	})

	t.Run("the bash image", func(t *testing.T) {
		// The bash image is this module with the environment of
		// docker.io/library/bash, whose _BASH_VERSION gives it bash.
		bashEnv := append([]string{"_BASH_VERSION=5.3.3"}, env...)
		for _, tc := range []struct {
			argv           []string
			stdout, stderr string
			code           int
		}{
			{argv: []string{"bash", "-c", `a=(one two three); for i in "${!a[@]}"; do echo "$i=${a[$i]}"; done; [[ $HOSTNAME == hello-* ]] && echo match`},
				stdout: "0=one\n1=two\n2=three\nmatch\n"},
			{argv: []string{"bash", "-c", "echo $0 ${BASH_VERSION}; seq 3 | rev | tr '\\n' ,"}, stdout: "bash 5.3.3(1)-release\n1,2,3,"},
			{argv: []string{"bash", "-c", "nosuch"}, stderr: "bash: nosuch: command not found\n", code: 127},
			{argv: []string{"sh", "-c", "env -i bash -c 'echo ok'"}, stdout: "ok\n"},
		} {
			var stdout, stderr bytes.Buffer
			code := img.run(t, &fakeClock{}, &stdout, &stderr, bashEnv, tc.argv...)
			assert.Equal(t, tc.stdout, stdout.String(), "%q", tc.argv)
			assert.Equal(t, tc.stderr, stderr.String(), "%q", tc.argv)
			assert.Equal(t, tc.code, code, "%q", tc.argv)
		}
	})

	t.Run("files the kubelet writes", func(t *testing.T) {
		// hostname reads /etc/hostname; nslookup, /etc/resolv.conf's
		// server and /etc/hosts.
		root := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, "etc/hostname"), []byte("web-0\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(root, "etc/hosts"), []byte("127.0.0.1\tlocalhost\n10.244.1.7\tweb-0\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(root, "etc/resolv.conf"), []byte("search default.svc.cluster.local\nnameserver 10.96.0.10\n"), 0o644))
		var stdout, stderr bytes.Buffer
		config := newConfig().WithName("").
			WithArgs("sh", "-c", "hostname; uname -n; nslookup db || echo $?").
			WithEnv("HOSTNAME", "other").WithStdout(&stdout).WithStderr(&stderr).
			WithFSConfig(wazero.NewFSConfig().WithDirMount(root, "/"))
		_, err := img.runtime.InstantiateModule(ctx, img.compiled, config)
		require.NoError(t, err, stderr.String())
		// nslookup asks the DNS server, which a module without the
		// network cannot reach; wget finds web-0 in /etc/hosts.
		assert.Equal(t, "web-0\nweb-0\n;; connection timed out; no servers could be reached\n\n1\n", stdout.String())
		assert.Empty(t, stderr.String())
	})

	t.Run("/dev/urandom is the seeded source", func(t *testing.T) {
		read := func(seed string) string {
			var stdout, stderr bytes.Buffer
			config := newConfig().WithName("").
				WithArgs("sh", "-c", "head -c 16 /dev/urandom | od -A n -t x1; dd if=/dev/random bs=4 count=1 status=none | od -A n -t x1").
				WithStdout(&stdout).WithStderr(&stderr).WithRandSource(strings.NewReader(strings.Repeat(seed, 4096)))
			_, err := img.runtime.InstantiateModule(ctx, img.compiled, config)
			require.NoError(t, err, stderr.String())
			return stdout.String()
		}
		a := read("a")
		assert.Equal(t, a, read("a"), "the same seed gives the same bytes")
		assert.NotEqual(t, a, read("b"))
		assert.Len(t, strings.Split(strings.TrimSpace(a), "\n"), 2)
	})

	t.Run("yes stops when its output fails", func(t *testing.T) {
		var stderr bytes.Buffer
		w := &limitedWriter{n: 1 << 20}
		ctx := context.Background()
		config := newConfig().WithName("").WithArgs("yes").WithStdout(w).WithStderr(&stderr)
		_, err := img.runtime.InstantiateModule(ctx, img.compiled, config)
		var exit *sys.ExitError
		require.True(t, errors.As(err, &exit), "%v", err)
		assert.Equal(t, uint32(1), exit.ExitCode())
		assert.Greater(t, w.buf.Len(), 1<<19)
		assert.True(t, strings.HasPrefix(w.buf.String(), "y\ny\ny\n"))
	})

	t.Run("size", func(t *testing.T) {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(img.bytes)
		zw.Close()
		t.Logf("busybox.wasm: %d bytes (%.1f MiB), gzip -9: %d bytes (%.1f MiB)",
			len(img.bytes), float64(len(img.bytes))/(1<<20), gz.Len(), float64(gz.Len())/(1<<20))
	})

	t.Run("engines", func(t *testing.T) {
		// How long a kubelet takes to get a busybox container going, per
		// wazero engine: compile, then instantiate and run `true` and a
		// short shell script.
		for _, engine := range []struct {
			name   string
			config wazero.RuntimeConfig
		}{
			{"compiler", wazero.NewRuntimeConfigCompiler()},
			{"interpreter", wazero.NewRuntimeConfigInterpreter()},
		} {
			r := wazero.NewRuntimeWithConfig(ctx, engine.config)
			wasi_snapshot_preview1.MustInstantiate(ctx, r)
			start := time.Now()
			compiled, err := r.CompileModule(ctx, img.bytes)
			require.NoError(t, err)
			require.NoError(t, kpruntime.StubImports(ctx, r, compiled))
			compile := time.Since(start)
			e := &wasmImage{bytes: img.bytes, runtime: r, compiled: compiled}
			var times []string
			for _, argv := range [][]string{{"true"}, {"sh", "-c", "for i in 1 2 3; do echo $i | tr 1 x; done"}} {
				var stdout, stderr bytes.Buffer
				start = time.Now()
				code := e.run(t, &fakeClock{}, &stdout, &stderr, env, argv...)
				times = append(times, strings.Join(argv, " ")+": "+time.Since(start).Round(time.Millisecond).String())
				assert.Equal(t, 0, code, "%s: %s", argv, stderr.String())
			}
			t.Logf("%s: compile %v; instantiate+run %s", engine.name, compile.Round(time.Millisecond), strings.Join(times, ", "))
			r.Close(ctx)
		}
	})
}

// newConfig is a module config that starts the image: a WASI reactor
// (package wasmbuild), started by _initialize and then its main.
func newConfig() wazero.ModuleConfig {
	return wazero.NewModuleConfig().WithStartFunctions("_initialize", "kubeplay_main")
}
