// Package shell is the playground's shell: a real shell interpreter
// (mvdan.cc/sh) whose commands are kubectl and a set of builtins, over a
// file system that is the host's natively and a virtual one in the browser.
// The same shell runs in the browser terminal and in `kubeplay shell`, so
// both print the same thing for the same command line.
//
// The builtins are the tools that the Kubernetes documentation pipes
// kubectl into (grep, sed, awk, cut, sort, xargs, watch, ...), and they
// answer as GNU's do: options parsed as getopt_long parses them, glibc's
// and each tool's words and exit statuses for mistakes, GNU's output
// formats. Where they must differ it is on purpose and said in --help:
// strings sort and compare byte by byte (the C locale, the same everywhere);
// regular expressions are POSIX's translated to RE2, so back-references
// are refused rather than misread; time is the cluster's (date, sleep,
// watch, timeout, and the times of the files the shell writes, so that
// ls -l prints the same every run); and what needs other processes
// (tail -f, awk's pipes and system()) says it is not available.
package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/kubectl"
	"github.com/kubeplay/kubeplay/engine/network"
)

// Host is what the shell needs from where it runs: a way to let the
// cluster run while a command waits (sleep, kubectl delete, logs -f).
type Host interface {
	Wait(ctx context.Context, timeout time.Duration, cond func() bool) error
}

// Config configures a shell.
type Config struct {
	Client *client.Client
	Host   Host
	// FS is the file system the shell's commands see; paths in it have no
	// leading slash ("root/web.yaml" is /root/web.yaml).
	FS hackpadfs.FS
	// Dir is the initial working directory, absolute.
	Dir string
	// Env is the initial environment, "NAME=value".
	Env []string
	// Lock and Unlock guard the cluster: a command holds the lock while it
	// uses the cluster, and Host.Wait releases it while waiting.
	Lock, Unlock func()
	// Now reads the cluster's virtual clock; the shell calls it holding
	// the lock. It dates files, `date`, `ls -l` and `watch`. Nil means a
	// clock stopped at the Unix epoch.
	Now func() time.Time
	// Cloud is what the kubeplay command drives; nil leaves it without.
	Cloud Cloud
	// Editor is the host's editor for kubectl edit (the page's); nil
	// means $KUBE_EDITOR or $EDITOR.
	Editor EditFunc
	// Network is the cluster's network, which the host machine's curl
	// and kubectl port-forward reach from outside the cluster; nil
	// leaves them without.
	Network *network.Network
	// API serves the API server's HTTP paths at once, on the caller's
	// goroutine (httpapi.NewInline's Get), for kubectl get --raw; nil
	// leaves it without.
	API kubectl.RawGet
}

// Shell runs command lines.
type Shell struct {
	cfg     Config
	runner  *interp.Runner
	kubectl *kubectl.Kubectl
	parser  *syntax.Parser
	pending string
	history []string
	out     io.Writer
	term    io.Reader                 // what the user types while a command runs, if anything
	cmdEnv  expand.Environ            // the environment of the kubectl command running
	clock   atomic.Pointer[time.Time] // the cluster's time, as last read
	live    liveOutput                // the output of the line running, for jobs
	jobs    []*job
	nextJob int
	// dirRead is the error of the last read of a directory opened as a
	// redirection's input, which the interpreter's pipe from it to a
	// command turns into an end of file (natively).
	dirRead atomic.Pointer[error]
}

// Incomplete is the status Run returns when a line needs more lines (an
// open quote, a here-document, a loop without done).
const Incomplete = -1

// New returns a shell.
func New(cfg Config) (*Shell, error) {
	if cfg.Lock == nil {
		cfg.Lock, cfg.Unlock = func() {}, func() {}
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Unix(0, 0).UTC() }
	}
	s := &Shell{cfg: cfg, parser: syntax.NewParser()}
	s.readClock()
	s.kubectl = kubectl.New(cfg.Client, kubectlHost{s})
	r, err := s.newRunner(expand.ListEnviron(cfg.Env...), cfg.Dir)
	if err != nil {
		return nil, err
	}
	s.runner = r
	return s, nil
}

// newRunner returns an interpreter whose commands are the shell's.
func (s *Shell) newRunner(env expand.Environ, dir string, opts ...interp.RunnerOption) (*interp.Runner, error) {
	opts = append([]interp.RunnerOption{
		interp.Env(env),
		interp.CallHandler(s.callHandler),
		interp.ExecHandlers(s.execMiddleware),
		interp.OpenHandler(s.open),
		interp.ReadDirHandler2(s.readDir),
		interp.StatHandler(s.stat),
		interp.AccessHandler(s.access),
	}, opts...)
	r, err := interp.New(opts...)
	if err != nil {
		return nil, err
	}
	r.Dir = dir
	return r, nil
}

// Dir returns the working directory.
func (s *Shell) Dir() string { return s.runner.Dir }

// FS returns the file system the shell works in.
func (s *Shell) FS() hackpadfs.FS { return s.cfg.FS }

// Exited reports whether the shell ran `exit`.
func (s *Shell) Exited() bool { return s.runner.Exited() }

// History returns the command lines run so far.
func (s *Shell) History() []string { return append([]string(nil), s.history...) }

// Run runs one line of input. It returns the exit status, or Incomplete
// when the line continues a command that needs more lines.
func (s *Shell) Run(ctx context.Context, line string, stdout, stderr io.Writer) int {
	return s.RunTerminal(ctx, line, nil, stdout, stderr)
}

// RunTerminal is Run with a terminal: term reads what the user types while
// the line runs. Only commands that attach to a terminal read it (kubectl
// exec -i, kubectl run -i); the others' standard input stays empty, as in
// the playground's terminal they cannot be fed interactively.
func (s *Shell) RunTerminal(ctx context.Context, line string, term io.Reader, stdout, stderr io.Writer) int {
	s.term = term
	defer func() { s.term = nil }()
	src := s.pending + line + "\n"
	file, err := s.parser.Parse(strings.NewReader(src), "")
	if syntax.IsIncomplete(err) || unclosedHeredoc(err) {
		s.pending = src
		return Incomplete
	}
	s.pending = ""
	s.cfg.Lock()
	s.readClock()
	s.cfg.Unlock()
	if strings.TrimSpace(src) != "" {
		s.history = append(s.history, strings.TrimSuffix(src, "\n"))
	}
	if err != nil {
		fmt.Fprintf(stderr, "kubeplay: %v\n", err)
		return 2
	}
	if err := interp.StdIO(nil, stdout, stderr)(s.runner); err != nil {
		fmt.Fprintf(stderr, "kubeplay: %v\n", err)
		return 1
	}
	s.out = stdout
	s.live.Store(&liveOut{stdout, stderr})
	markJobs(file)
	err = s.runner.Run(ctx, file)
	if code, ok := interp.IsExitStatus(err); ok {
		return int(code)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return 130
		}
		fmt.Fprintf(stderr, "kubeplay: %v\n", err)
		return 1
	}
	return 0
}

// unclosedHeredoc reports a here-document whose body has not ended yet.
// The parser marks an unquoted one (<<EOF) incomplete but not a quoted one
// (<<'EOF', <<"EOF"), which the documentation uses as often; bash waits for
// the delimiter either way.
func unclosedHeredoc(err error) bool {
	var perr syntax.ParseError
	return errors.As(err, &perr) && strings.HasPrefix(perr.Text, "unclosed here-document")
}

// Reset discards a partly typed multi-line command (Ctrl-C at a "> " prompt).
func (s *Shell) Reset() { s.pending = "" }

// kubectlHost gives kubectl the shell's files and the host's waiting.
type kubectlHost struct{ s *Shell }

func (h kubectlHost) ReadFile(name string) ([]byte, error) { return h.s.ReadFile(name) }

// Network is the cluster's network, for kubectl port-forward.
func (h kubectlHost) Network() *network.Network { return h.s.cfg.Network }

// RawAPI is the API server's HTTP paths, for kubectl get --raw.
func (h kubectlHost) RawAPI() kubectl.RawGet { return h.s.cfg.API }

// Unlocked runs f without the cluster, which goes on meanwhile.
func (h kubectlHost) Unlocked(f func()) {
	h.s.cfg.Unlock()
	defer h.s.cfg.Lock()
	f()
}

func (h kubectlHost) Wait(ctx context.Context, timeout time.Duration, cond func() bool) error {
	return h.s.wait(ctx, timeout, cond)
}
