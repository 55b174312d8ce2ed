package scenario

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/engine/shell"
)

// Configure shapes a session's configuration as the scenario says: its
// cluster's size and zones, and its seed when the scenario sets one.
func (f *File) Configure(cfg session.Config) session.Config {
	if f.Cluster.Workers != nil {
		cfg.Cluster.Workers = *f.Cluster.Workers
	}
	cfg.Cluster.FakeNodes = f.Cluster.FakeNodes
	if f.Cluster.MaxPods != 0 {
		cfg.Cluster.MaxPods = f.Cluster.MaxPods
	}
	if f.Cluster.NodeCIDRMaskSize != 0 {
		cfg.Cluster.NodeCIDRMaskSize = f.Cluster.NodeCIDRMaskSize
	}
	if len(f.Cluster.Zones) > 0 {
		cfg.Cluster.Zones = slices.Clone(f.Cluster.Zones)
	}
	if f.Cluster.NodeCPU != "" {
		cfg.Cluster.NodeCPU = f.Cluster.NodeCPU
	}
	if f.Cluster.NodeMemory != "" {
		cfg.Cluster.NodeMemory = f.Cluster.NodeMemory
	}
	if f.Seed != 0 {
		cfg.Cluster.Seed = f.Seed
	}
	return cfg
}

// Setup writes the scenario's files into the home directory (the shell's
// working directory) and runs its setup scripts. Time jumps while they
// run, whatever the session's pace afterwards, so the state a scenario
// starts from is the same everywhere. The journal starts after the setup:
// a share link carries the scenario, which replays it.
func Setup(ctx context.Context, s *session.Session, f *File) error {
	home := strings.TrimPrefix(s.Config().Dir, "/")
	fsys := s.Shell().FS()
	for _, name := range slices.Sorted(maps.Keys(f.Files)) {
		p := path.Join(home, name)
		if err := hackpadfs.MkdirAll(fsys, path.Dir(p), 0o755); err != nil {
			return fmt.Errorf("files: %s: %w", name, err)
		}
		if err := hackpadfs.WriteFullFile(fsys, p, []byte(f.Files[name]), 0o644); err != nil {
			return fmt.Errorf("files: %s: %w", name, err)
		}
	}
	for i, script := range f.Setup {
		var out bytes.Buffer
		if code := execScript(ctx, s, script, &out); code != 0 {
			return fmt.Errorf("setup %d exited with status %d:\n%s", i+1, code, indent(out.String()))
		}
	}
	s.ResetJournal()
	return nil
}

// execScript runs a script in the session line by line, as a terminal
// would when it is pasted, and returns the last line's status.
func execScript(ctx context.Context, s *session.Session, script string, out io.Writer) int {
	code := 0
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		code = s.Exec(ctx, line, out, out)
		if s.Shell().Exited() {
			break
		}
	}
	if code == shell.Incomplete {
		s.Shell().Reset()
		fmt.Fprintln(out, "kubeplay: the script ends inside a multi-line command")
		return 2
	}
	return code
}

// StepResult is how one step went in a headless run.
type StepResult struct {
	Step   int // from 0
	Title  string
	Status string        // "ok", "FAIL" or "skip"
	Took   time.Duration // virtual time from the end of the code to the check holding
	Why    string        // why it failed
	Output string        // what the step's code printed
}

// Run runs a scenario headless in a session started with f.Configure:
// the setup, then each step's code blocks, then a wait on virtual time
// (the step's timeout at most) for its check, evaluated as the cluster
// changes. After a step fails, the rest are skipped. report, if set, is
// called with each result as it comes.
func Run(ctx context.Context, s *session.Session, f *File, report func(StepResult)) ([]StepResult, error) {
	if err := Setup(ctx, s, f); err != nil {
		return nil, err
	}
	ck, err := NewChecker(s, f)
	if err != nil {
		return nil, err
	}
	defer ck.Close()
	var results []StepResult
	failed := false
	for i := range f.Steps {
		r := StepResult{Step: i, Title: f.Steps[i].Title, Status: "skip"}
		if !failed {
			r = runStep(ctx, s, ck, f, i)
			failed = r.Status != "ok"
		}
		results = append(results, r)
		if report != nil {
			report(r)
		}
	}
	return results, nil
}

func runStep(ctx context.Context, s *session.Session, ck *Checker, f *File, i int) StepResult {
	st := &f.Steps[i]
	r := StepResult{Step: i, Title: st.Title, Status: "ok"}
	var out bytes.Buffer
	for _, block := range st.Code {
		code := execScript(ctx, s, block, &out)
		if code != 0 {
			fmt.Fprintf(&out, "[exit %d]\n", code)
		}
	}
	r.Output = out.String()
	if st.Check == nil {
		return r
	}
	s.Lock()
	defer s.Unlock()
	l := s.Cluster().Loop()
	from := l.Now()
	ck.Watch(i)
	held := ck.Passed(i) || l.RunUntil(func() bool { return ctx.Err() != nil || ck.Passed(i) }, from.Add(st.TimeoutOrDefault()))
	r.Took = l.Now().Sub(from)
	if !held || !ck.Passed(i) {
		r.Status = "FAIL"
		r.Why = fmt.Sprintf("the check did not hold within %s; it last said:\n%s", st.TimeoutOrDefault(), indent(ck.Last()))
	}
	return r
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
