package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// Commands that run other commands (sh, env, xargs, watch, timeout) run
// them in a new interpreter, as a child process would run: with the
// exported environment and the working directory, and the shell's own
// commands.

// child is how a command started by a builtin runs.
type child struct {
	env            []string
	dir            string
	stdin          io.Reader
	stdout, stderr io.Writer
	params         []string // for interp.Params: "-e", "--", "$1", ...
}

func childOf(hc interp.HandlerContext) child {
	return child{env: envList(exported(hc.Env)), dir: hc.Dir, stdin: hc.Stdin, stdout: hc.Stdout, stderr: hc.Stderr}
}

// runScript runs shell source and returns its exit status.
func (s *Shell) runScript(ctx context.Context, c child, src string) int {
	file, err := syntax.NewParser().Parse(strings.NewReader(src), "")
	if err != nil {
		fmt.Fprintf(c.stderr, "kubeplay: %v\n", err)
		return 2
	}
	opts := []interp.RunnerOption{interp.StdIO(c.stdin, c.stdout, c.stderr)}
	if c.params != nil {
		opts = append(opts, interp.Params(c.params...))
	}
	r, err := s.newRunner(expand.ListEnviron(c.env...), c.dir, opts...)
	if err != nil {
		fmt.Fprintf(c.stderr, "kubeplay: %v\n", err)
		return 2
	}
	return exitCode(c.stderr, r.Run(ctx, file))
}

func exitCode(stderr io.Writer, err error) int {
	if code, ok := interp.IsExitStatus(err); ok {
		return int(code)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, context.Canceled):
		return 130
	}
	fmt.Fprintf(stderr, "kubeplay: %v\n", err)
	return 1
}

// runArgs runs a command given as its words, as exec would.
func (s *Shell) runArgs(ctx context.Context, c child, argv []string) int {
	words := make([]string, len(argv))
	for i, a := range argv {
		q, err := syntax.Quote(a, syntax.LangBash)
		if err != nil {
			fmt.Fprintf(c.stderr, "kubeplay: %v\n", err)
			return 126
		}
		words[i] = q
	}
	return s.runScript(ctx, c, strings.Join(words, " "))
}

// runnable tells whether a program of that name can be run: the shell's
// commands, and the interpreter's builtins that are programs elsewhere.
func (s *Shell) runnable(name string) bool {
	_, ok := builtins[name]
	return ok || interp.IsBuiltin(name)
}

// A timeout's deadline travels in the context of the command it runs:
// waits in cluster time (sleep, watch, kubectl wait) end there.
type deadlineKey struct{}

type deadline struct {
	at     time.Time
	cancel context.CancelFunc
	fired  bool
	parent *deadline
}

func deadlineOf(ctx context.Context) *deadline {
	d, _ := ctx.Value(deadlineKey{}).(*deadline)
	var first *deadline
	for ; d != nil; d = d.parent {
		if first == nil || d.at.Before(first.at) {
			first = d
		}
	}
	return first
}

// wait is the host's wait, ended by an enclosing timeout's deadline.
// The caller holds the cluster.
func (s *Shell) wait(ctx context.Context, d time.Duration, cond func() bool) error {
	defer s.readClock()
	dl := deadlineOf(ctx)
	if dl == nil {
		return s.cfg.Host.Wait(ctx, d, cond)
	}
	left := max(dl.at.Sub(s.cfg.Now()), 0)
	if left > d {
		return s.cfg.Host.Wait(ctx, d, cond)
	}
	err := s.cfg.Host.Wait(ctx, left, cond)
	if errors.Is(err, kubectl.ErrTimeout) {
		dl.fired = true
		dl.cancel()
		return context.Canceled
	}
	return err
}

var timeoutTool = &tool{
	name:  "timeout",
	usage: []string{"timeout [OPTION] DURATION COMMAND [ARG]...", "timeout [OPTION]"},
	about: "Start COMMAND, and stop it if still running after DURATION of cluster time.\nDURATION is a number with an optional suffix: s, m, h or d.\nIf the command times out, exit with status 124.",
	opts: []option{
		{long: "preserve-status", help: "exit with the same status as COMMAND, even when the command times out"},
		{long: "foreground", help: "accepted; there is no TTY to give up"},
		{short: 'k', long: "kill-after", arg: needArg, argName: "DURATION", help: "accepted; the command always stops when told"},
		{short: 's', long: "signal", arg: needArg, argName: "SIGNAL", help: "the signal to send on timeout (TERM by default)"},
		{short: 'v', long: "verbose", help: "diagnose to stderr any signal sent upon timeout"},
	},
	inOrder: true,
	status:  125,
}

func (s *Shell) timeout(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := timeoutTool.parse(hc, args)
	if done {
		return code
	}
	switch {
	case len(o.args) == 0:
		return timeoutTool.usageError(hc.Stderr, "missing operand")
	case len(o.args) == 1:
		return timeoutTool.usageError(hc.Stderr, "missing operand after '%s'", o.args[0])
	}
	d, err := parseDuration(o.args[0])
	if err != nil {
		return timeoutTool.usageError(hc.Stderr, "invalid time interval '%s'", o.args[0])
	}
	if !s.runnable(o.args[1]) {
		fmt.Fprintf(hc.Stderr, "timeout: failed to run command '%s': No such file or directory\n", o.args[1])
		return 127
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dl := &deadline{at: s.now().Add(d), cancel: cancel, parent: deadlineOf(ctx)}
	code = s.runArgs(context.WithValue(cctx, deadlineKey{}, dl), childOf(hc), o.args[1:])
	if !dl.fired || ctx.Err() != nil {
		return code
	}
	signal := strings.TrimPrefix(strings.ToUpper(o.value("s")), "SIG")
	if signal == "" {
		signal = "TERM"
	}
	if o.has("v") {
		fmt.Fprintf(hc.Stderr, "timeout: sending signal %s to command '%s'\n", signal, o.args[1])
	}
	if o.has("preserve-status") {
		return 128 + signalNumber(signal)
	}
	return 124
}

func signalNumber(name string) int {
	if n, err := strconv.Atoi(name); err == nil {
		return n
	}
	for i, s := range []string{"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM"} {
		if s == name {
			return i + 1
		}
	}
	return 15
}

var shTool = &tool{
	name:  "sh",
	usage: []string{"sh [-eux] -c COMMAND [NAME [ARG]...]", "sh [-eux] [FILE [ARG]...]"},
	about: "Run COMMAND, or the commands in FILE or read from standard input, in a new shell\nthat has the exported variables and the working directory of this one.",
	opts: []option{
		{short: 'c', help: "read commands from the COMMAND operand"},
		{short: 'e', help: "exit as soon as a command fails"},
		{short: 'u', help: "treat unset variables as an error"},
		{short: 'x', help: "print commands as they run"},
	},
	inOrder: true,
	fail:    usageTry,
	status:  2,
}

var bashTool = func() *tool { t := *shTool; t.name = "bash"; return &t }()

func (s *Shell) sh(ctx context.Context, hc interp.HandlerContext, args []string) int {
	return s.shell(ctx, hc, shTool, args)
}

func (s *Shell) bash(ctx context.Context, hc interp.HandlerContext, args []string) int {
	return s.shell(ctx, hc, bashTool, args)
}

// shell runs a new shell, as sh or bash.
func (s *Shell) shell(ctx context.Context, hc interp.HandlerContext, t *tool, args []string) int {
	o, code, done := t.parse(hc, args)
	if done {
		return code
	}
	c := childOf(hc)
	for _, f := range "eux" {
		if o.has(string(f)) {
			c.params = append(c.params, "-"+string(f))
		}
	}
	var src string
	switch {
	case o.has("c") && len(o.args) == 0:
		fmt.Fprintf(hc.Stderr, "%s: -c: option requires an argument\n", t.name)
		return 2
	case o.has("c"):
		src = o.args[0]
		if len(o.args) > 2 {
			c.params = append(c.params, append([]string{"--"}, o.args[2:]...)...)
		}
	case len(o.args) > 0:
		data, err := s.readInput(hc, o.args[0])
		if err != nil {
			fmt.Fprintf(hc.Stderr, "%s: %s: %s\n", t.name, o.args[0], errText(err))
			return 127
		}
		src = string(data)
		c.params = append(c.params, append([]string{"--"}, o.args[1:]...)...)
	default:
		data, _ := s.readInput(hc, "-")
		src, c.stdin = string(data), nil
	}
	return s.runScript(ctx, c, src)
}

var watchTool = &tool{
	name:  "watch",
	usage: []string{"watch [options] command"},
	about: "Run command again and again, every 2 seconds of cluster time, showing its output\nfull screen, until interrupted (Ctrl-C).",
	opts: []option{
		{short: 'g', long: "chgexit", help: "exit when output from command changes"},
		{short: 'n', long: "interval", arg: needArg, argName: "secs", help: "seconds to wait between updates"},
		{short: 'p', long: "precise", help: "attempt run command in precise intervals (always so here)"},
		{short: 't', long: "no-title", help: "turn off header"},
		{short: 'x', long: "exec", help: "pass command to exec instead of \"sh -c\""},
	},
	inOrder: true,
	fail:    fullUsage,
	status:  1,
}

func (s *Shell) watch(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := watchTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) == 0 {
		return watchTool.usageError(hc.Stderr, "")
	}
	interval := 2 * time.Second
	if o.has("n") {
		f, err := strconv.ParseFloat(strings.ReplaceAll(o.value("n"), ",", "."), 64)
		if err != nil || f < 0 {
			fmt.Fprintf(hc.Stderr, "watch: failed to parse argument: '%s'\n", o.value("n"))
			return 1
		}
		interval = max(time.Duration(f*float64(time.Second)), 100*time.Millisecond)
	}
	cmd := strings.Join(o.args, " ")
	out := &errWriter{w: hc.Stdout}
	var prev []byte
	for ctx.Err() == nil {
		var buf bytes.Buffer
		c := childOf(hc)
		c.stdin, c.stdout, c.stderr = nil, &buf, &buf
		if o.has("x") {
			s.runArgs(ctx, c, o.args)
		} else {
			s.runScript(ctx, c, cmd)
		}
		if ctx.Err() != nil {
			break
		}
		out.printf("\x1b[H\x1b[2J")
		if !o.has("t") {
			out.printf("%s\n\n", s.watchTitle(hc, interval, cmd))
		}
		out.Write(buf.Bytes())
		if out.err != nil {
			return 1
		}
		if o.has("g") && prev != nil && !bytes.Equal(prev, buf.Bytes()) {
			return 0
		}
		prev = buf.Bytes()
		s.cfg.Lock()
		err := s.wait(ctx, interval, func() bool { return false })
		s.cfg.Unlock()
		if errors.Is(err, context.Canceled) {
			break
		}
	}
	return 0
}

// watchTitle is watch's header: the interval and command on the left,
// the host name and time on the right of a COLUMNS-wide line.
func (s *Shell) watchTitle(hc interp.HandlerContext, interval time.Duration, cmd string) string {
	left := fmt.Sprintf("Every %.1fs: %s", interval.Seconds(), cmd)
	host := hc.Env.Get("HOSTNAME").String()
	if host == "" {
		host = "kubeplay"
	}
	right := host + ": " + strftime("%a %b %e %H:%M:%S %Y", s.now().UTC())
	width, err := strconv.Atoi(hc.Env.Get("COLUMNS").String())
	if err != nil || width <= 0 {
		width = 80
	}
	return left + strings.Repeat(" ", max(width-len(left)-len(right), 1)) + right
}
