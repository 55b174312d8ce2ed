package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/scenario"
	"github.com/kubeplay/kubeplay/engine/session"
)

// testCmd runs scenario files headless: each in a fresh cluster of its
// own shape, its steps' code run in turn and each check waited for on
// virtual time. It exits 1 when a check fails, 2 when a file cannot be
// read.
func testCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kubeplay test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: kubeplay test [-v] SCENARIO.yaml...")
		fs.PrintDefaults()
	}
	verbose := fs.Bool("v", false, "print what each step's code prints")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "kubeplay test: no scenario files given")
		fs.Usage()
		return 2
	}
	if code := checkModules(stderr); code != 0 {
		return code
	}
	status := 0
	for _, name := range fs.Args() {
		status = max(status, testFile(name, *verbose, stdout, stderr))
	}
	return status
}

func testFile(name string, verbose bool, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "kubeplay test: %v\n", err)
		return 2
	}
	f, err := scenario.Parse(name, data)
	if err != nil {
		fmt.Fprintf(stderr, "kubeplay test: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "=== %s: %s\n", name, f.Title)
	s, err := scenarioSession(f)
	if err != nil {
		fmt.Fprintf(stdout, "FAIL %s: %v\n", name, err)
		return 1
	}
	defer s.Close()
	passed := 0
	results, err := scenario.Run(context.Background(), s, f, func(r scenario.StepResult) {
		printResult(stdout, r, len(f.Steps), verbose)
		if r.Status == "ok" {
			passed++
		}
	})
	if err != nil {
		fmt.Fprintf(stdout, "FAIL %s: %v\n", name, err)
		return 1
	}
	if passed < len(results) {
		fmt.Fprintf(stdout, "FAIL %s (%d of %d steps passed)\n", name, passed, len(results))
		return 1
	}
	s.Lock()
	history := s.Cluster().API().Store().Digest()
	s.Unlock()
	// The digest of the history (kubeplay hash): a second run, here or in
	// the browser, reaches the same one.
	fmt.Fprintf(stdout, "PASS %s (%d steps; history %s)\n", name, len(results), history)
	return 0
}

func printResult(w io.Writer, r scenario.StepResult, n int, verbose bool) {
	title := r.Title
	if title == "" {
		title = "(untitled)"
	}
	line := fmt.Sprintf("%-4s %d/%d %s", r.Status, r.Step+1, n, title)
	if r.Status == "ok" && r.Took > 0 {
		line += fmt.Sprintf(" (held after %s)", r.Took)
	}
	fmt.Fprintln(w, line)
	if r.Why != "" {
		fmt.Fprintln(w, "    "+strings.ReplaceAll(r.Why, "\n", "\n    "))
	}
	if verbose && r.Output != "" {
		fmt.Fprintln(w, indentText(r.Output))
	}
}

func indentText(s string) string {
	return "    | " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    | ")
}

// scenarioSession starts a cluster shaped by f, with an empty home
// directory of its own in memory.
func scenarioSession(f *scenario.File) (*session.Session, error) {
	home, err := mem.NewFS()
	if err != nil {
		return nil, err
	}
	if err := home.Mkdir("root", 0o755); err != nil {
		return nil, err
	}
	cfg := f.Configure(session.Config{
		Cluster: cluster.Config{Seed: 1, Workers: 2, Modules: runtime.NewFSSource(modules())},
		FS:      home,
		Dir:     "/root",
		Home:    "root",
		Env:     []string{"HOME=/root", "USER=root", "HOSTNAME=" + cluster.ControlPlaneName, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PWD=/root"},
	})
	return session.New(cfg)
}
