package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// shInvocation is how sh was asked to run.
type shInvocation struct {
	options     []string // set options for interp.Params: -e, +x, -o pipefail...
	command     string   // -c's script
	hasCommand  bool
	interactive bool   // -i
	file        string // the script file, if any
	name        string // $0
	params      []string
}

// shMain is the shell: mvdan.cc/sh's interpreter (Bash syntax, which is a
// superset of what BusyBox's ash accepts in practice), with commands that
// are not builtins or functions run as applets in this same process.
// Pipeline stages run as goroutines joined by in-process pipes; under
// wasip1 that needs the image to be built by ./wasmworkloads/build (see
// package wasmbuild), as the interpreter otherwise asks for OS pipes.
//
//	sh [-eux...] [-o OPT] -c SCRIPT [ARG0 [ARG...]]
//	sh [-eux...] FILE [ARG...]
//	sh [-eux...] [-s] [ARG...]     (the script is standard input)
func shMain(p *proc) int {
	return p.runShell(shellSh)
}

// shell is how a shell presents itself: sh is BusyBox's ash, bash is GNU
// bash as the bash image has it. Both are the same interpreter, whose
// language is Bash's (arrays, [[ ]]), a superset of what ash accepts.
type shell struct {
	name     string
	notFound string // the format of "command not found"
	vars     map[string]string
}

var (
	shellSh   = shell{name: "sh", notFound: "%s: %s: not found\n"}
	shellBash = shell{name: "bash", notFound: "%s: %s: command not found\n", vars: map[string]string{
		"BASH":          "/usr/local/bin/bash",
		"BASH_VERSION":  bashVersion,
		"BASH_VERSINFO": "5",
	}}
)

// bashVersion is the version the bash image's bash reports, that of the
// docker.io/library/bash image's latest tag.
const bashVersion = "5.3.3(1)-release"

// debianBash makes bash present itself as Debian bookworm's, the bash of
// the Debian-based images (nginx, redis, perl), which start the module
// through `busybox --with-bash`.
func debianBash() {
	withBash = true
	shellBash.vars = map[string]string{"BASH": "/usr/bin/bash", "BASH_VERSION": debianBashVersion, "BASH_VERSINFO": "5"}
	bashBanner = "GNU bash, version " + debianBashVersion + " (x86_64-pc-linux-gnu)\nCopyright (C) 2022 Free Software Foundation, Inc.\n"
}

// debianBashVersion is bookworm's bash.
const debianBashVersion = "5.2.15(1)-release"

// bashBanner starts `bash --version`.
var bashBanner = "GNU bash, version " + bashVersion + " (x86_64-pc-linux-musl)\nCopyright (C) 2025 Free Software Foundation, Inc.\n"

// bashMain is bash, present in the bash image only.
func bashMain(p *proc) int {
	if len(p.args) == 2 && p.args[1] == "--version" {
		p.printf("%s"+
			"License GPLv3+: GNU GPL version 3 or later <http://gnu.org/licenses/gpl.html>\n\n"+
			"This is free software; you are free to change and redistribute it.\n"+
			"There is NO WARRANTY, to the extent permitted by law.\n", bashBanner)
		return 0
	}
	return p.runShell(shellBash)
}

// entrypointMain is the bash image's docker-entrypoint.sh: with no
// arguments, or options first (`docker run bash -c 'echo hi'`), it runs
// bash with them; else it runs the command they name.
func entrypointMain(p *proc) int {
	args := p.args[1:]
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		p.args = append([]string{"bash"}, args...)
		return dispatch(p)
	}
	child := *p
	child.args = args
	child.shell = shellBash.name
	if _, ok := lookupApplet(baseName(args[0])); !ok && baseName(args[0]) != "busybox" && !strings.Contains(args[0], "/") {
		fmt.Fprintf(p.stderr, "/usr/local/bin/docker-entrypoint.sh: line 11: exec: %s: not found\n", args[0])
		return 127
	}
	return child.runCommand()
}

// runShell runs sh's or bash's command line.
func (p *proc) runShell(sh shell) int {
	p.shell = sh.name
	inv, err := parseShArgs(p.args[1:])
	if err != nil {
		p.errorf("%v", err)
		return 2
	}
	if inv.name == "sh" {
		inv.name = sh.name
	}
	var script io.Reader
	switch {
	case inv.hasCommand:
		script = strings.NewReader(inv.command)
	case inv.file != "":
		f, err := p.open(inv.file)
		if err != nil {
			p.errorf("can't open '%s': %s", inv.file, errText(err))
			return 2
		}
		defer f.Close()
		script = f
	case inv.interactive || p.onTerminal():
		return withStdin(p, strings.NewReader("")).interactive(p.stdinOrEmpty(), inv, sh)
	default:
		// Read it all first, as a script file: an interactive shell would
		// read statement by statement, but there is no terminal here, and a
		// container's stdin is normally empty.
		script = p.stdinOrEmpty()
		p = withStdin(p, strings.NewReader(""))
	}
	file, err := syntax.NewParser().Parse(script, inv.name)
	if err != nil {
		p.syntaxError(err, inv)
		return 2
	}
	runner, err := p.newRunner(inv, sh)
	if err != nil {
		p.errorf("%v", err)
		return 2
	}
	return p.shStatus(runner.Run(p.ctx, file))
}

// withStdin returns a copy of p reading from r.
func withStdin(p *proc, r io.Reader) *proc {
	c := *p
	c.stdin = r
	return &c
}

// parseShArgs reads sh's command line.
func parseShArgs(args []string) (shInvocation, error) {
	inv := shInvocation{name: "sh"}
	readStdin := false
	for len(args) > 0 {
		arg := args[0]
		if len(arg) < 2 || (arg[0] != '-' && arg[0] != '+') {
			break
		}
		args = args[1:]
		if arg == "--" || arg == "-" {
			break
		}
		for _, c := range arg[1:] {
			switch {
			case c == 'c' && arg[0] == '-':
				inv.hasCommand = true
			case c == 's' && arg[0] == '-':
				readStdin = true
			case c == 'i':
				inv.interactive = true
			case c == 'l':
				// a login shell: nothing to do differently
			case c == 'o':
				if len(args) == 0 {
					return inv, fmt.Errorf("%co requires an argument", arg[0])
				}
				inv.options = append(inv.options, arg[:1]+"o", args[0])
				args = args[1:]
			default:
				inv.options = append(inv.options, arg[:1]+string(c))
			}
		}
	}
	switch {
	case inv.hasCommand:
		if len(args) == 0 {
			return inv, errors.New("-c requires an argument")
		}
		inv.command, args = args[0], args[1:]
		if len(args) > 0 {
			inv.name, args = args[0], args[1:]
		}
	case !readStdin && len(args) > 0:
		inv.file, inv.name, args = args[0], args[0], args[1:]
	}
	inv.params = args
	return inv, nil
}

// newRunner sets up the interpreter for p. Its environment is the
// applet's; the working directory is p's, set directly because
// interp.Dir insists on stat'ing it, and a WASI module may have no
// filesystem at all.
func (p *proc) newRunner(inv shInvocation, sh shell) (*interp.Runner, error) {
	opts := []interp.RunnerOption{
		interp.Env(shellEnviron{expand.ListEnviron(p.environ()...), sh.vars}),
		interp.StdIO(p.stdinOrEmpty(), p.stdout, p.stderr),
		interp.ExecHandlers(p.appletExec),
		interp.OpenHandler(p.openHandler),
		interp.StatHandler(shStat),
		interp.AccessHandler(shAccess),
		interp.Params(inv.options...),
	}
	if len(inv.params) > 0 {
		opts = append(opts, interp.Params(append([]string{"--"}, inv.params...)...))
	}
	r, err := interp.New(opts...)
	if err != nil {
		return nil, err
	}
	if p.dir != "" {
		r.Dir = p.dir
	}
	return r, nil
}

// appletExec is the interpreter's exec middleware. Commands that are not
// builtins or functions run as applets, in-process: there are no processes
// under WASI, so the next handler (which would start one) is never called.
func (p *proc) appletExec(interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		hc := interp.HandlerCtx(ctx)
		child := &proc{
			ctx:      ctx,
			args:     args,
			stdin:    hc.Stdin,
			stdout:   hc.Stdout,
			stderr:   hc.Stderr,
			shellEnv: hc.Env,
			dir:      hc.Dir,
			now:      p.now,
			pid:      newPID(),
			shell:    p.shell,
		}
		if f, ok := child.stdin.(*os.File); ok && f == nil {
			child.stdin = nil // a nil *os.File is not a usable reader
		}
		if code := child.runCommand(); code != 0 {
			return interp.ExitStatus(uint8(code))
		}
		return nil
	}
}

// runCommand runs an external command: an applet (by its name, or the
// last element of a path such as /bin/sleep), else a script file run by a
// new sh, as shells do with files that are not binaries.
func (p *proc) runCommand() int {
	name := p.args[0]
	if _, ok := lookupApplet(baseName(name)); ok || baseName(name) == "busybox" {
		return dispatch(p)
	}
	sh := shellSh
	if p.shell == shellBash.name {
		sh = shellBash
	}
	if strings.Contains(name, "/") {
		if fi, err := statMode(p.path(name)); err == nil && fi.Mode().IsRegular() {
			if fi.Mode()&0o111 == 0 {
				// execve(2) of a file without x bits, even for root
				fmt.Fprintf(p.stderr, "%s: %s: Permission denied\n", sh.name, name)
				return 126
			}
			p.args = append([]string{p.shellName(), name}, p.args[1:]...)
			return dispatch(p)
		}
	}
	fmt.Fprintf(p.stderr, sh.notFound, sh.name, name)
	return 127
}

// shellName is the shell that runs p's scripts.
func (p *proc) shellName() string {
	if p.shell == "" {
		return "sh"
	}
	return p.shell
}

// shellEnviron adds a shell's own variables (not exported) to the
// environment it starts with.
type shellEnviron struct {
	expand.Environ
	vars map[string]string
}

func (e shellEnviron) Get(name string) expand.Variable {
	if v, ok := e.vars[name]; ok {
		return expand.Variable{Set: true, Kind: expand.String, Str: v}
	}
	return e.Environ.Get(name)
}

func (e shellEnviron) Each(fn func(name string, vr expand.Variable) bool) {
	for _, name := range slices.Sorted(maps.Keys(e.vars)) {
		if !fn(name, e.Get(name)) {
			return
		}
	}
	e.Environ.Each(func(name string, vr expand.Variable) bool {
		if _, ok := e.vars[name]; ok {
			return true
		}
		return fn(name, vr)
	})
}

// exportedEnv is the environment a command gets: the exported variables.
func exportedEnv(env expand.Environ) []string {
	var list []string
	env.Each(func(name string, vr expand.Variable) bool {
		if vr.Exported && vr.IsSet() {
			list = append(list, name+"="+vr.String())
		}
		return true
	})
	return list
}

// openHandler opens redirection targets. The /dev files scripts rely on
// (`> /dev/null`, `>&2`'s spelling `> /dev/stderr`) are provided here, since
// the module's filesystem may have no /dev; everything else goes to the
// default handler, which opens files relative to the shell's directory.
func (p *proc) openHandler(ctx context.Context, path string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	hc := interp.HandlerCtx(ctx)
	if dev, ok := openDevice(path, hc.Stdin, hc.Stdout, hc.Stderr); ok {
		return dev, nil
	}
	return interp.DefaultOpenHandler()(ctx, path, flag, perm)
}

// syntaxError reports a parse error as "sh: line N: syntax error: ..."
// (bash: "bash: -c: line N: ...", or the script's name for a file).
func (p *proc) syntaxError(err error, inv shInvocation) {
	prefix := p.shellName() + ": "
	if p.shell == shellBash.name {
		if inv.hasCommand {
			prefix += "-c: "
		} else if inv.file != "" {
			prefix += inv.file + ": "
		}
	}
	var pe syntax.ParseError
	if errors.As(err, &pe) {
		fmt.Fprintf(p.stderr, "%sline %d: syntax error: %s\n", prefix, pe.Pos.Line(), pe.Text)
		return
	}
	fmt.Fprintf(p.stderr, "%s%v\n", prefix, err)
}

// shStatus turns the interpreter's result into an exit status.
func (p *proc) shStatus(err error) int {
	var status interp.ExitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &status):
		return int(status)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return 143 // as if terminated
	case errors.Is(err, syscall.ENOSYS):
		// A plain wasip1 build: the interpreter asked for an OS pipe.
		p.errorf("%v (build this image with ./wasmworkloads/build, which gives the shell in-process pipes)", err)
		return 2
	}
	p.errorf("%v", err)
	return 2
}

// onTerminal tells whether the shell's input is a terminal. A WASI module
// cannot ask (every standard stream looks like a character device), so
// it goes by what a container runtime does for a terminal session: it
// sets TERM.
func (p *proc) onTerminal() bool {
	_, ok := p.getenv("TERM")
	return ok
}

// interactive reads commands from in as a terminal's user types them, runs
// each complete one at once and prompts for the next, as ash does with a
// terminal: PS1 ("/ # " for root in /) and PS2 ("> ") on stderr.
func (p *proc) interactive(in io.Reader, inv shInvocation, sh shell) int {
	runner, err := p.newRunner(inv, sh)
	if err != nil {
		p.errorf("%v", err)
		return 2
	}
	parser := syntax.NewParser()
	status := 0
	fmt.Fprint(p.stderr, ps1(runner))
	for {
		err = parser.Interactive(in, p.runTyped(parser, runner, &status))
		var perr syntax.ParseError
		if !errors.As(err, &perr) || runner.Exited() {
			break
		}
		// A mistyped line is reported and the shell goes on.
		p.syntaxError(err, inv)
		status = 2
		fmt.Fprint(p.stderr, ps1(runner))
	}
	if err != nil && !runner.Exited() {
		p.errorf("%v", err)
		return 2
	}
	return status
}

// runTyped runs the statements of each complete line typed.
func (p *proc) runTyped(parser *syntax.Parser, runner *interp.Runner, status *int) func([]*syntax.Stmt) bool {
	return func(stmts []*syntax.Stmt) bool {
		if parser.Incomplete() {
			fmt.Fprint(p.stderr, "> ")
			return true
		}
		for _, st := range stmts {
			*status = p.shStatus(runner.Run(p.ctx, st))
			if runner.Exited() {
				return false
			}
		}
		fmt.Fprint(p.stderr, ps1(runner))
		return true
	}
}

// ps1 is BusyBox's default prompt, '\w \$ ': the directory, with $HOME as
// ~, and # for root.
func ps1(r *interp.Runner) string {
	dir := r.Dir
	if home := r.Env.Get("HOME").String(); home != "" && home != "/" && (dir == home || strings.HasPrefix(dir, home+"/")) {
		dir = "~" + dir[len(home):]
	}
	if dir == "" {
		dir = "/"
	}
	return dir + " # "
}

// shStat is the shell's stat, with the modes the runtime keeps.
func shStat(_ context.Context, name string, follow bool) (fs.FileInfo, error) {
	if follow {
		return statMode(name)
	}
	return lstatMode(name)
}

// shAccess is access(2) for root, which a container's process is: any
// file may be read and written, and run when some x bit is set.
func shAccess(_ context.Context, name string, mode interp.AccessMode) error {
	fi, err := statMode(name)
	if err != nil {
		return err
	}
	if mode&interp.AccessExec != 0 && fi.Mode()&0o111 == 0 && !fi.IsDir() {
		return fs.ErrPermission
	}
	return nil
}
