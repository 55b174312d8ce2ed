package shell

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sampleTool = &tool{
	name: "sample",
	opts: []option{
		{short: 'a', long: "all"},
		{short: 'n', long: "lines", arg: needArg},
		{short: 'i', long: "in-place", arg: optArg},
		{long: "color", arg: optArg},
		{long: "colour", same: "color", arg: optArg},
		{long: "count"},
	},
}

func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		set  []setOpt
		ops  []string
		err  string
	}{
		{args: []string{"-an5", "x"}, set: []setOpt{{"a", ""}, {"n", "5"}}, ops: []string{"x"}},
		{args: []string{"-n", "5", "x", "-a"}, set: []setOpt{{"n", "5"}, {"a", ""}}, ops: []string{"x"}},
		{args: []string{"--lines=7", "--lines", "8"}, set: []setOpt{{"n", "7"}, {"n", "8"}}},
		{args: []string{"--li=7", "--al"}, set: []setOpt{{"n", "7"}, {"a", ""}}},
		{args: []string{"-i", "x"}, set: []setOpt{{"i", ""}}, ops: []string{"x"}},
		{args: []string{"-i.bak", "--in-place=.orig"}, set: []setOpt{{"i", ".bak"}, {"i", ".orig"}}},
		{args: []string{"--col"}, set: []setOpt{{"color", ""}}},
		{args: []string{"--colour=never"}, set: []setOpt{{"color", "never"}}},
		{args: []string{"--", "-a", "-"}, ops: []string{"-a", "-"}},
		{args: []string{"-"}, ops: []string{"-"}},
		{args: []string{"-x"}, err: "invalid option -- 'x'"},
		{args: []string{"-an"}, err: "option requires an argument -- 'n'"},
		{args: []string{"--lines"}, err: "option '--lines' requires an argument"},
		{args: []string{"--all=yes"}, err: "option '--all' doesn't allow an argument"},
		{args: []string{"--nope=1"}, err: "unrecognized option '--nope=1'"},
		{args: []string{"--co"}, err: "option '--co' is ambiguous; possibilities: '--color' '--colour' '--count'"},
		{args: []string{"--he"}, err: "--help"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			p, err := sampleTool.parseArgs(c.args)
			if c.err != "" {
				require.EqualError(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.set, p.set)
			assert.Equal(t, c.ops, p.args)
		})
	}
}

func TestParseArgsInOrder(t *testing.T) {
	p, err := (&tool{opts: []option{{short: 'n', arg: needArg}}, inOrder: true}).parseArgs([]string{"-n", "1", "cmd", "-n", "2"})
	require.NoError(t, err)
	assert.Equal(t, []string{"cmd", "-n", "2"}, p.args)
	p, err = seqTool.parseArgs([]string{"-s,", "-5", "-1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"-5", "-1"}, p.args)
	p, err = grepTool.parseArgs([]string{"-2n", "x"})
	require.NoError(t, err)
	assert.Equal(t, []setOpt{{"C", "2"}, {"n", ""}}, p.set)
}

// TestEveryCommandHelpsAndRejects runs every command with --help (a usage
// on stdout, status 0) and with an option it does not have (GNU's words on
// stderr, and the tool's own status).
func TestEveryCommandHelpsAndRejects(t *testing.T) {
	status := map[string]int{"awk": 2, "grep": 2, "ls": 2, "sort": 2, "env": 125, "timeout": 125, "which": 2, "sh": 2, "bash": 2}
	// curl is not a GNU tool: its own words are in testdata/curl.txt.
	skip := map[string]bool{"kubectl": true, "k": true, "help": true, "history": true, "curl": true}
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if skip[n] {
			continue
		}
		t.Run(n, func(t *testing.T) {
			ts := newTestShell(t, nil)
			out, errs, code := ts.runSplit(n + " --help")
			assert.Equal(t, 0, code)
			assert.Empty(t, errs)
			assert.Contains(t, out, "Usage: ")
			assert.Contains(t, out, "--help")
			out, errs, code = ts.runSplit(n + " -@")
			want := 1
			if s, ok := status[n]; ok {
				want = s
			}
			assert.Equal(t, want, code)
			assert.Empty(t, out)
			assert.True(t, strings.HasPrefix(errs, n+": invalid option -- '@'\n"), errs)
		})
	}
}

// TestShadowedBuiltins checks that the shell's help, history, type and
// command -v are its own, not the interpreter's.
func TestShadowedBuiltins(t *testing.T) {
	ts := newTestShell(t, nil)
	out, code := ts.run("history")
	assert.Equal(t, "    1  history\n", out)
	assert.Equal(t, 0, code)
	out, _ = ts.run("help")
	assert.Contains(t, out, "  kubectl  control the cluster\n")
	out, _ = ts.run("command -v grep kubectl frob; echo $?")
	assert.Equal(t, "grep\nkubectl\n1\n", out)
	out, _ = ts.run("help() { echo mine; }; help")
	assert.Equal(t, "mine\n", out)
	out, code = ts.run("frobnicate")
	assert.Equal(t, "kubeplay: frobnicate: command not found\n", out)
	assert.Equal(t, 127, code)
}

// TestFileTimes checks that every way the shell writes a file dates it
// by the cluster's clock, and its directory too when an entry comes or
// goes, so that ls -l prints the same every run.
func TestFileTimes(t *testing.T) {
	ts := newTestShell(t, nil)
	mtime := func(name string) time.Time {
		info, err := hackpadfs.Stat(ts.fs, fsPath(abs("/root", name)))
		require.NoError(t, err)
		return info.ModTime().UTC()
	}
	at := func(d time.Duration) time.Time { return start.Add(d) }
	steps := []struct {
		cmd   string
		file  string
		want  time.Duration
		where time.Duration // the directory's time
	}{
		{"echo a > r.txt", "r.txt", 10 * time.Second, 10 * time.Second},
		{"echo b >> r.txt", "r.txt", 20 * time.Second, 10 * time.Second},
		{": > r.txt", "r.txt", 30 * time.Second, 10 * time.Second},
		{"echo t | tee t.txt", "t.txt", 40 * time.Second, 40 * time.Second},
		{"mkdir d", "d", 50 * time.Second, 50 * time.Second},
		{"touch d/x", "d", 60 * time.Second, 50 * time.Second},
		{"touch t.txt", "t.txt", 70 * time.Second, 50 * time.Second},
		{"printf 'b\\na\\n' | sort -o s.txt", "s.txt", 80 * time.Second, 80 * time.Second},
		{"rm s.txt", "t.txt", 70 * time.Second, 90 * time.Second},
		{"cat r.txt > /dev/null", "r.txt", 30 * time.Second, 90 * time.Second},
	}
	for _, st := range steps {
		ts.host.now = ts.host.now.Add(10 * time.Second)
		_, code := ts.run(st.cmd)
		require.Equal(t, 0, code, st.cmd)
		assert.Equal(t, at(st.want), mtime(st.file), st.cmd)
		assert.Equal(t, at(st.where), mtime("."), st.cmd)
	}
	out, _ := ts.run("ls -l")
	assert.Equal(t, "total 8\n"+
		"drwxr-xr-x 2 root root 4096 Jan  1 00:01 d\n"+
		"-rw-r--r-- 1 root root    0 Jan  1 00:00 r.txt\n"+
		"-rw-r--r-- 1 root root    2 Jan  1 00:01 t.txt\n", out)
}

// TestWatchUntilInterrupted runs watch with no end, as a user would, and
// interrupts it (the context's cancel, as Ctrl-C) after 5s of cluster time.
func TestWatchUntilInterrupted(t *testing.T) {
	ts := newTestShell(t, nil)
	ts.host.stopAfter = 5 * time.Second
	out, _ := ts.run("watch -t -n 2 date +%T")
	assert.Equal(t, "\x1b[H\x1b[2J00:00:00\n\x1b[H\x1b[2J00:00:02\n\x1b[H\x1b[2J00:00:04\n", out)
	assert.Equal(t, start.Add(5*time.Second), ts.host.now)
}

// TestWritingFilesDoesNotTakeTheCluster checks that only the start of a
// command line takes the cluster to read its clock: a command writing a
// file in a pipeline must not wait for the kubectl feeding it, which
// holds the cluster while it writes into the pipe.
func TestWritingFilesDoesNotTakeTheCluster(t *testing.T) {
	ts := newTestShell(t, nil)
	locks := 0
	ts.cfg.Lock = func() { locks++ }
	_, code := ts.run("echo a > f; echo b | tee g >> f; touch h; mkdir d; sort -o s f; date; ls -l >/dev/null")
	require.Equal(t, 0, code)
	assert.Equal(t, 1, locks)
}
