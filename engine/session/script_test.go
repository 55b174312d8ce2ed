package session

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/shell"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output in testdata/*.txt")

// TestScripts runs the scripts in testdata: each "$ command" line is run
// in a fresh cluster's shell, in order, and what it prints (stdout and
// stderr together) must be the lines that follow it, then "[exit N]" if it
// failed. Lines starting with "#" before a command are comments. With
// -rewrite the expected output is regenerated from what the commands print.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	require.NoError(t, err)
	modules := wasmtest.Modules(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runScript(t, file, runtime.NewFSSource(modules))
		})
	}
}

type step struct {
	comments []string
	command  string
	want     string
}

// parseScript reads a script. A "#" line is a comment when it starts the
// file or follows a blank line.
func parseScript(data string) []step {
	var steps []step
	var cur *step
	var comments []string
	prevBlank := true
	for _, line := range strings.SplitAfter(data, "\n") {
		switch {
		case strings.HasPrefix(line, "$ "):
			steps = append(steps, step{comments: comments, command: strings.TrimSuffix(line[2:], "\n")})
			cur, comments = &steps[len(steps)-1], nil
		case strings.HasPrefix(line, "#") && (prevBlank || len(comments) > 0):
			comments = append(comments, line)
		case cur != nil:
			cur.want += line
		}
		prevBlank = strings.TrimSpace(line) == ""
	}
	for i := range steps {
		steps[i].want = strings.TrimSuffix(steps[i].want, "\n\n") + "\n"
		if strings.TrimSpace(steps[i].want) == "" {
			steps[i].want = ""
		}
	}
	return steps
}

func newTestSession(t *testing.T, modules runtime.ModuleSource) *Session {
	t.Helper()
	return newSeededSession(t, modules, 1)
}

func clusterConfig(modules runtime.ModuleSource) cluster.Config {
	return cluster.Config{Seed: 1, Workers: 2, Modules: modules}
}

func memFS(tb testing.TB) *mem.FS {
	tb.Helper()
	fsys, err := mem.NewFS()
	require.NoError(tb, err)
	require.NoError(tb, fsys.Mkdir("root", 0o755))
	return fsys
}

func newSeededSession(t *testing.T, modules runtime.ModuleSource, seed uint64) *Session {
	t.Helper()
	cfg := clusterConfig(modules)
	cfg.Seed = seed
	s, err := New(Config{
		Cluster: cfg,
		FS:      memFS(t),
		Dir:     "/root",
		Env:     []string{"HOME=/root", "PATH=/usr/bin:/bin"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func runScript(t *testing.T, file string, modules runtime.ModuleSource) {
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	s := newTestSession(t, modules)
	var out strings.Builder
	for _, st := range parseScript(string(data)) {
		got := execLines(s, st.command)
		for _, c := range st.comments {
			out.WriteString(c)
		}
		out.WriteString("$ " + st.command + "\n" + got)
		if got != "" {
			out.WriteString("\n")
		}
		if !*rewrite && got != st.want {
			t.Errorf("%s: $ %s\n--- want\n%s--- got\n%s", file, st.command, st.want, got)
		}
	}
	if *rewrite {
		require.NoError(t, os.WriteFile(file, []byte(strings.TrimSuffix(out.String(), "\n")+"\n"), 0o644))
	}
}

// execLines runs a command (its continuation lines separated by "\n";
// "\\n" stands for a "\n" in the line itself, as in a jsonpath template).
func execLines(s *Session, command string) string {
	var buf bytes.Buffer
	code := 0
	command = strings.ReplaceAll(command, `\\n`, "\x00")
	for _, line := range strings.Split(command, "\\n") {
		code = s.Exec(context.Background(), strings.ReplaceAll(line, "\x00", `\n`), &buf, &buf)
	}
	out := buf.String()
	if code == shell.Incomplete {
		out += "[incomplete]\n"
	} else if code != 0 {
		out += fmt.Sprintf("[exit %d]\n", code)
	}
	return out
}
