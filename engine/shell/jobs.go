package shell

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// Background jobs. The interpreter would run `cmd &` in a goroutine of
// its own, racing the foreground for the cluster; the commands that are
// meant to run in the background while the user goes on (kubectl
// port-forward) instead run as jobs of the shell: they set themselves up
// on the cluster's loop, return, and go on there until `kill %N` stops
// them. What they print goes to the terminal as it happens, in the
// output of whatever command is running then.

// job is a background job.
type job struct {
	id, pid int
	cmd     string
	stop    func()
	done    bool
	code    int
}

// bgMark is the word the shell puts before a command it runs as a job.
const bgMark = "\x00bg"

// firstPID is the first process ID the shell hands out to jobs.
const firstPID = 1024

// markJobs rewrites each `kubectl port-forward ... &` of a parsed line to
// run as a job of the shell.
func markJobs(f *syntax.File) {
	syntax.Walk(f, func(n syntax.Node) bool {
		st, ok := n.(*syntax.Stmt)
		if !ok || !st.Background {
			return true
		}
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || !runsInBackground(call) {
			return true
		}
		st.Background = false
		mark := &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: bgMark}}}
		call.Args = append([]*syntax.Word{mark}, call.Args...)
		return true
	})
}

// runsInBackground reports a kubectl port-forward written out plainly.
func runsInBackground(call *syntax.CallExpr) bool {
	if len(call.Args) < 2 {
		return false
	}
	if name := call.Args[0].Lit(); name != "kubectl" && name != "k" {
		return false
	}
	for _, w := range call.Args[1:] {
		if w.Lit() == "port-forward" {
			return true
		}
	}
	return false
}

// liveWriter writes to the output of the command running now.
type liveWriter struct {
	s   *Shell
	err bool
}

func (w liveWriter) Write(p []byte) (int, error) {
	out := w.s.live.Load()
	if out == nil {
		return len(p), nil
	}
	if w.err {
		return out.stderr.Write(p)
	}
	return out.stdout.Write(p)
}

// liveOut is the current command line's output.
type liveOut struct{ stdout, stderr io.Writer }

type liveOutput = atomic.Pointer[liveOut]

// startJob runs a kubectl command as a background job.
func (s *Shell) startJob(ctx context.Context, hc interp.HandlerContext, args []string) int {
	s.nextJob++
	j := &job{id: s.nextJob, pid: firstPID + s.nextJob - 1, cmd: strings.Join(args, " ")}
	fmt.Fprintf(hc.Stderr, "[%d] %d\n", j.id, j.pid)
	s.jobs = append(s.jobs, j)
	detached := false
	ctx = kubectl.WithDetach(context.WithoutCancel(ctx), func(stop func()) func(int) {
		detached, j.stop = true, stop
		return func(code int) { j.done, j.code = true, code }
	})
	s.cfg.Lock()
	defer s.cfg.Unlock()
	s.cmdEnv = hc.Env
	code := s.kubectl.Run(ctx, kubectl.IO{Out: liveWriter{s: s}, Err: liveWriter{s: s, err: true}}, args[1:])
	if !detached {
		j.done, j.code = true, code
	}
	return 0
}

// jobsCmd is bash's jobs: each job, its state and command; finished jobs
// are reported once, then forgotten.
func (s *Shell) jobsCmd(ctx context.Context, hc interp.HandlerContext, args []string) int {
	var keep []*job
	for i, j := range s.jobs {
		mark := ' '
		switch i {
		case len(s.jobs) - 1:
			mark = '+'
		case len(s.jobs) - 2:
			mark = '-'
		}
		fmt.Fprintf(hc.Stdout, "[%d]%c  %-24s%s%s\n", j.id, mark, j.state(), j.cmd, map[bool]string{true: "", false: " &"}[j.done])
		if !j.done {
			keep = append(keep, j)
		}
	}
	s.jobs = keep
	return 0
}

func (j *job) state() string {
	switch {
	case !j.done:
		return "Running"
	case j.code == 0:
		return "Done"
	case j.code == 143:
		return "Terminated"
	}
	return "Exit " + strconv.Itoa(j.code)
}

// kill stops jobs named %N or by their process ID.
func (s *Shell) kill(ctx context.Context, hc interp.HandlerContext, args []string) int {
	code := 0
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(args) > 1 {
			continue // a signal: every one ends the job
		}
		j := s.findJob(a)
		if j == nil {
			if strings.HasPrefix(a, "%") {
				fmt.Fprintf(hc.Stderr, "kubeplay: kill: %s: no such job\n", a)
			} else if _, err := strconv.Atoi(a); err == nil {
				fmt.Fprintf(hc.Stderr, "kubeplay: kill: (%s) - No such process\n", a)
			} else {
				fmt.Fprintf(hc.Stderr, "kubeplay: kill: %s: arguments must be process or job IDs\n", a)
			}
			code = 1
			continue
		}
		s.cfg.Lock()
		if j.stop != nil {
			j.stop()
		}
		s.cfg.Unlock()
		j.done, j.code = true, 143
		fmt.Fprintf(hc.Stderr, "[%d]+  %-24s%s\n", j.id, j.state(), j.cmd)
		s.forget(j)
	}
	if len(args) == 0 {
		fmt.Fprintln(hc.Stderr, "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]")
		return 2
	}
	return code
}

func (s *Shell) findJob(a string) *job {
	for _, j := range s.jobs {
		if j.done {
			continue
		}
		if a == "%"+strconv.Itoa(j.id) || a == strconv.Itoa(j.pid) || (a == "%%" || a == "%+") && j == s.jobs[len(s.jobs)-1] {
			return j
		}
	}
	return nil
}

func (s *Shell) forget(j *job) {
	for i, o := range s.jobs {
		if o == j {
			s.jobs = append(s.jobs[:i], s.jobs[i+1:]...)
			return
		}
	}
}
