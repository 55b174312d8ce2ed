package shell

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// start is the fake cluster clock's first instant.
var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeHost is a cluster where nothing happens: waiting moves its clock
// on. After stopAfter of waiting it cancels the command, as Ctrl-C does.
type fakeHost struct {
	now       time.Time
	waited    time.Duration
	stopAfter time.Duration
	cancel    context.CancelFunc
}

func (h *fakeHost) Wait(ctx context.Context, d time.Duration, cond func() bool) error {
	if cond() {
		return nil
	}
	if ctx.Err() != nil {
		return context.Canceled
	}
	if h.stopAfter > 0 && h.waited+d > h.stopAfter {
		h.now = h.now.Add(h.stopAfter - h.waited)
		h.waited = h.stopAfter
		h.cancel()
		return context.Canceled
	}
	h.now, h.waited = h.now.Add(d), h.waited+d
	if cond() {
		return nil
	}
	return kubectl.ErrTimeout
}

type testShell struct {
	*Shell
	host *fakeHost
	fs   *mem.FS
}

// newTestShell is a shell over an in-memory file system holding files,
// in /root, without a cluster: kubectl is not to be used.
func newTestShell(t *testing.T, files map[string]string) *testShell {
	t.Helper()
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, fsys.Mkdir("root", 0o755))
	host := &fakeHost{now: start}
	s, err := New(Config{
		Host: host,
		FS:   fsys,
		Dir:  "/root",
		Env:  []string{"HOME=/root", "HOSTNAME=controlplane", "PATH=/usr/bin:/bin"},
		Now:  func() time.Time { return host.now },
	})
	require.NoError(t, err)
	ts := &testShell{Shell: s, host: host, fs: fsys}
	for name, data := range files {
		ts.write(t, name, data)
	}
	return ts
}

func (ts *testShell) write(t *testing.T, name, data string) {
	t.Helper()
	p := fsPath(abs("/root", name))
	require.NoError(t, hackpadfs.MkdirAll(ts.fs, fsPath(abs("/", p+"/..")), 0o755))
	require.NoError(t, ts.writeFile(p, []byte(data), 0o644))
}

func (ts *testShell) read(t *testing.T, name string) string {
	t.Helper()
	data, err := ts.ReadFile(name)
	require.NoError(t, err)
	return string(data)
}

// run runs a command line; it returns what it printed (stdout and
// stderr together) and its status.
func (ts *testShell) run(line string) (string, int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ts.host.cancel = cancel
	var buf bytes.Buffer
	code := ts.Run(ctx, line, &buf, &buf)
	return buf.String(), code
}

// runSplit runs a command line and returns stdout and stderr apart.
func (ts *testShell) runSplit(line string) (string, string, int) {
	var out, errs bytes.Buffer
	code := ts.Run(context.Background(), line, &out, &errs)
	return out.String(), errs.String(), code
}

// sampleFiles are the files each case starts with.
var sampleFiles = map[string]string{
	"pods.txt":  "NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          5m\nweb-2   0/1     Pending   0          1m\ndb-0    1/1     Running   3          2h\n",
	"a.txt":     "one\ntwo\nthree\n",
	"dir/b.txt": "bee\n",
}

// scriptCase is a command line, run in a fresh shell with sampleFiles,
// and what it must print (stdout and stderr together) and exit with.
type scriptCase struct {
	cmd  string
	out  string
	code int
}

func runCases(t *testing.T, cases []scriptCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.cmd, func(t *testing.T) {
			ts := newTestShell(t, sampleFiles)
			out, code := ts.run(c.cmd)
			require.Equal(t, c.out, out, c.cmd)
			require.Equal(t, c.code, code, c.cmd)
		})
	}
}

func TestHeredocsWaitForTheirDelimiter(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"unquoted", []string{"cat <<EOF", "home is $HOME", "EOF"}, "home is /root\n"},
		{"single-quoted", []string{"cat <<'EOF'", "home is $HOME", "EOF"}, "home is $HOME\n"},
		{"double-quoted", []string{`cat <<"EOF" | wc -l`, "a", "b", "EOF"}, "2\n"},
		{"tab-stripping", []string{"cat <<-'EOF'", "\tindented", "\tEOF"}, "indented\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestShell(t, nil)
			for _, l := range tt.lines[:len(tt.lines)-1] {
				_, code := ts.run(l)
				require.Equal(t, Incomplete, code, "after %q", l)
			}
			out, code := ts.run(tt.lines[len(tt.lines)-1])
			require.Equal(t, 0, code)
			require.Equal(t, tt.want, out)
		})
	}
}
