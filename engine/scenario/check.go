package scenario

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"mvdan.cc/sh/v3/syntax"

	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/kubectl"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/engine/shell"
	"github.com/kubeplay/kubeplay/engine/store"
)

// Checker evaluates the check of one step at a time, whenever the cluster
// changes: a watch on the store (every object, every change) posts one
// evaluation to the event loop after the change, however many changes
// come at once. An evaluation only reads the cluster: its shell cannot
// wait (time never moves inside a check) and its requests are its own,
// apart from the page's request stream.
type Checker struct {
	s     *session.Session
	steps []Step
	// newShell makes the shell a check runs in: one each time, so that
	// nothing a check does (cd, exit, a variable) carries over.
	newShell func() (*shell.Shell, error)
	stop     func()
	active   int // the step whose check is evaluated; -1 for none
	passed   []bool
	last     string // what the last evaluation printed
	posted   bool
	running  bool
	evals    int
	notify   func(step int)
}

// NewChecker watches the session's cluster for the steps' checks. Call it
// without holding the session's lock.
func NewChecker(s *session.Session, f *File) (*Checker, error) {
	s.Lock()
	defer s.Unlock()
	cfg := s.Config()
	c := &Checker{s: s, steps: f.Steps, active: -1, passed: make([]bool, len(f.Steps))}
	cl := s.Cluster()
	shcfg := shell.Config{
		Client: client.New(cl.API(), "kubeplay-scenario"),
		Host:   noWait{},
		FS:     s.Shell().FS(),
		Dir:    cfg.Dir,
		Env:    cfg.Env,
		Now:    cl.Now,
	}
	c.newShell = func() (*shell.Shell, error) { return shell.New(shcfg) }
	st := cl.API().Store()
	var err error
	c.stop, err = st.Watch("", st.Revision(), func(store.Event) { c.changed() })
	if err != nil {
		return nil, err
	}
	return c, nil
}

// OnPass sets a function called (as a loop task) when a step's check
// starts to hold.
func (c *Checker) OnPass(f func(step int)) { c.notify = f }

// Close stops watching.
func (c *Checker) Close() {
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
}

// Watch makes step i's check the one evaluated, and evaluates it now. The
// caller holds the session's lock.
func (c *Checker) Watch(i int) {
	c.active = i
	c.evaluate()
}

// Passed reports whether step i's check has held. The caller holds the
// session's lock.
func (c *Checker) Passed(i int) bool { return i >= 0 && i < len(c.passed) && c.passed[i] }

// Last is what the last evaluation of the active check printed.
func (c *Checker) Last() string { return c.last }

// Evaluations counts the evaluations so far.
func (c *Checker) Evaluations() int { return c.evals }

// changed runs in the write that changed the store: it posts one
// evaluation, and none for what an evaluation itself does.
func (c *Checker) changed() {
	if c.posted || c.running || c.active < 0 || c.passed[c.active] {
		return
	}
	c.posted = true
	// Aside: an evaluation reads the cluster; a replay of the session
	// evaluates no check and must count the same events.
	c.s.Cluster().Loop().PostAside(func() {
		c.posted = false
		c.evaluate()
	})
}

func (c *Checker) evaluate() {
	i := c.active
	if i < 0 || i >= len(c.steps) || c.passed[i] || c.steps[i].Check == nil {
		return
	}
	c.running = true
	ok, out := c.steps[i].Check.eval(c.newShell)
	c.running = false
	c.evals++
	c.last = out
	if ok {
		c.passed[i] = true
		if c.notify != nil {
			c.notify(i)
		}
	}
}

// eval runs the check once: it holds, and what it printed.
func (ck *Check) eval(sh func() (*shell.Shell, error)) (bool, string) {
	var out bytes.Buffer
	if ck.Run != "" {
		code := runScript(sh, ck.Run, &out)
		return code == 0, out.String()
	}
	line, want := ck.command()
	code := runScript(sh, line, &out)
	got := out.String()
	switch {
	case ck.Absent:
		return code == 0 && strings.TrimSpace(got) == "", describe(ck, got, "nothing")
	case code != 0:
		return false, got
	case ck.Matches != "":
		return regexp.MustCompile(ck.Matches).MatchString(got), describe(ck, got, "a match of "+ck.Matches)
	}
	return got == want, describe(ck, got, want)
}

func describe(ck *Check, got, want string) string {
	return fmt.Sprintf("%s: got %q, want %s", ck.Object, got, want)
}

// command is the kubectl get that reads what a condition check is about,
// and what it must print.
func (ck *Check) command() (string, string) {
	args := []string{"kubectl", "get", ck.Object}
	if ck.Namespace != "" {
		args = append(args, "-n", ck.Namespace)
	}
	if ck.Selector != "" {
		args = append(args, "-l", ck.Selector)
	}
	want := ""
	switch {
	case ck.Condition != "":
		args = append(args, "-o", fmt.Sprintf(`jsonpath={.status.conditions[?(@.type==%q)].status}`, ck.Condition))
		want = cmpOr(ck.Status, "True")
	case ck.JSONPath != "":
		args = append(args, "-o", "jsonpath="+ck.JSONPath)
		if ck.Equals != nil {
			want = *ck.Equals
		}
	default: // Absent
		args = append(args, "-o", "name", "--ignore-not-found")
	}
	for i, a := range args {
		q, err := syntax.Quote(a, syntax.LangBash)
		if err == nil {
			args[i] = q
		}
	}
	return strings.Join(args, " "), want
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// runScript runs a script in a shell of its own: its status is the last
// command's, as sh's.
func runScript(newShell func() (*shell.Shell, error), script string, out *bytes.Buffer) int {
	sh, err := newShell()
	if err != nil {
		fmt.Fprintln(out, err)
		return 1
	}
	code := sh.Run(context.Background(), strings.TrimRight(script, "\n"), out, out)
	if code == shell.Incomplete {
		sh.Reset()
		fmt.Fprintln(out, "kubeplay: the check ends inside a multi-line command")
		return 2
	}
	return code
}

// noWait is a check's host: a check reads the cluster as it is, so a
// command that would wait gives up at once.
type noWait struct{}

func (noWait) Wait(ctx context.Context, d time.Duration, cond func() bool) error {
	if cond() {
		return nil
	}
	return kubectl.ErrTimeout
}
