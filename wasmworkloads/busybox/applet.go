package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// proc is everything an applet may use of "its process". Applets never read
// os.Args, os.Stdin, os.Environ or the process's working directory: the same
// applet runs as the program itself, as a command of sh (which has its own
// variables, directory and redirected streams, and runs pipeline stages
// concurrently in one process), and in tests.
type proc struct {
	ctx    context.Context
	args   []string // args[0] names the applet
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    []string // NAME=value, as os.Environ
	dir    string   // absolute working directory
	now    func() time.Time
}

// applet is one command of the multi-call program.
type applet struct {
	main  func(p *proc) int
	usage string // shown by --help: the arguments, then a line on what it does
}

// applets is the dispatch table. It is filled by init rather than by a
// composite literal because sh refers back to it (to run commands), which
// would be an initialization cycle.
var applets map[string]applet

func init() {
	applets = map[string]applet{
		"[":        {testMain, "EXPRESSION ]\nCheck file types, compare values"},
		"basename": {basenameMain, "FILE [SUFFIX]\nStrip directory path and SUFFIX from FILE"},
		"cat":      {catMain, "[-n] [FILE]...\nPrint FILEs to stdout"},
		"cut":      {cutMain, "[-s] [-d SEP] -f LIST | -c LIST [FILE]...\nPrint selected fields from FILEs to stdout"},
		"date":     {dateMain, "[-uRI] [-d TIME] [+FMT]\nDisplay time"},
		"dirname":  {dirnameMain, "FILENAME\nStrip non-directory suffix from FILENAME"},
		"echo":     {echoMain, "[-neE] [ARG]...\nPrint the specified ARGs to stdout"},
		"env":      {envMain, "[-i] [-u NAME] [NAME=VALUE]... [PROG ARGS]\nPrint current environment or run PROG after setting up environment"},
		"expr":     {exprMain, "EXPRESSION\nPrint the value of EXPRESSION to stdout"},
		"false":    {falseMain, "\nReturn an exit code of FALSE (1)"},
		"grep":     {grepMain, "[-HhnlLoqvsrieFEcwx] [-m N] [-e PTRN]... [PTRN] [FILE]...\nSearch for PATTERN in FILEs (or stdin)"},
		"head":     {headMain, "[-n N] [FILE]...\nPrint first 10 lines of FILEs (or stdin) to stdout"},
		"hostname": {hostnameMain, "[-s]\nShow the host name"},
		"id":       {idMain, "[-ugGnr] [USER]\nPrint information about USER or the current user"},
		"ls":       {lsMain, "[-1aAlFd] [FILE]...\nList directory contents"},
		"mkdir":    {mkdirMain, "[-p] [-m MODE] DIRECTORY...\nCreate DIRECTORY"},
		"nc":       {networkMain, "HOST PORT\nConnect to HOST:PORT (not available yet)"},
		"printenv": {printenvMain, "[VARIABLE]...\nPrint environment VARIABLEs"},
		"printf":   {printfMain, "FORMAT [ARG]...\nFormat and print ARG(s) according to FORMAT"},
		"pwd":      {pwdMain, "\nPrint the full filename of the current working directory"},
		"rm":       {rmMain, "[-irf] FILE...\nRemove (unlink) FILEs"},
		"seq":      {seqMain, "[-w] [-s SEP] [FIRST [INC]] LAST\nPrint numbers from FIRST to LAST, in steps of INC"},
		"sh":       {shMain, "[-eux] [-c 'SCRIPT' [ARG0 ARGS] | FILE ARGS | -s ARGS]\nUnix shell interpreter"},
		"sleep":    {sleepMain, "[N]...\nPause for a time equal to the total of the args given (N[smhd] or infinity)"},
		"sort":     {sortMain, "[-nru] [FILE]...\nSort lines of text"},
		"tail":     {tailMain, "[-n N] [FILE]...\nPrint last 10 lines of FILEs (or stdin) to stdout"},
		"test":     {testMain, "EXPRESSION\nCheck file types, compare values"},
		"touch":    {touchMain, "[-c] FILE...\nUpdate the last-modified date on FILEs"},
		"tr":       {trMain, "[-cds] STRING1 [STRING2]\nTranslate, squeeze, or delete characters from stdin"},
		"true":     {trueMain, "\nReturn an exit code of TRUE (0)"},
		"uname":    {unameMain, "[-amnrspvio]\nPrint system information"},
		"uniq":     {uniqMain, "[-cdu] [INPUT [OUTPUT]]\nDiscard duplicate lines"},
		"wc":       {wcMain, "[-lwc] [FILE]...\nCount lines, words and bytes for FILEs (or stdin)"},
		"wget":     {networkMain, "URL\nRetrieve files via HTTP (not available yet)"},
		"whoami":   {whoamiMain, "\nPrint the user name"},
		"yes":      {yesMain, "[STRING]\nRepeatedly output a line with STRING, or 'y'"},
	}
}

// dispatch runs the applet argv[0] names, or the busybox front end. A path
// in argv[0] counts by its last element, as BusyBox's /bin symlinks do.
func dispatch(p *proc) int {
	if len(p.args) == 0 { // a host may start WASI modules with no argv
		p.args = []string{"busybox"}
	}
	name := path.Base(p.args[0])
	if name == "busybox" {
		return busyboxMain(p)
	}
	a, ok := applets[name]
	if !ok {
		fmt.Fprintf(p.stderr, "%s: applet not found\n", name)
		return 127
	}
	if len(p.args) == 2 && p.args[1] == "--help" && name != "echo" && name != "printf" {
		p.printUsage(p.stdout, name)
		return 0
	}
	return a.main(p)
}

// busyboxMain is `busybox [--list | --help [APPLET] | APPLET ARGS...]`.
func busyboxMain(p *proc) int {
	args := p.args[1:]
	switch {
	case len(args) == 0 || (args[0] == "--help" && len(args) == 1):
		fmt.Fprintln(p.stdout, "BusyBox for kubeplay: a multi-call WASI program.")
		fmt.Fprintln(p.stdout, "\nUsage: busybox [function [arguments]...]\n   or: function [arguments]...")
		fmt.Fprintln(p.stdout, "\nCurrently defined functions:")
		fmt.Fprintf(p.stdout, "\t%s\n", strings.Join(appletNames(), ", "))
		return 0
	case args[0] == "--list":
		for _, name := range appletNames() {
			fmt.Fprintln(p.stdout, name)
		}
		return 0
	case args[0] == "--help":
		if _, ok := applets[args[1]]; !ok {
			fmt.Fprintf(p.stderr, "%s: applet not found\n", args[1])
			return 127
		}
		p.printUsage(p.stdout, args[1])
		return 0
	}
	sub := *p
	sub.args = args
	return dispatch(&sub)
}

// appletNames lists the applets in order.
func appletNames() []string {
	names := make([]string, 0, len(applets))
	for name := range applets {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// printUsage shows an applet's usage in BusyBox's layout.
func (p *proc) printUsage(w io.Writer, name string) {
	args, what, _ := strings.Cut(applets[name].usage, "\n")
	fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", name, args, what)
}

// name is the applet's name, for messages.
func (p *proc) name() string { return path.Base(p.args[0]) }

// errorf reports an error BusyBox style: "applet: message".
func (p *proc) errorf(format string, args ...any) {
	fmt.Fprintf(p.stderr, "%s: %s\n", p.name(), fmt.Sprintf(format, args...))
}

// usageError reports a bad invocation and returns BusyBox's status for it.
func (p *proc) usageError(format string, args ...any) int {
	p.errorf(format, args...)
	p.printUsage(p.stderr, p.name())
	return 1
}

// getenv looks a variable up in the applet's environment.
func (p *proc) getenv(name string) (string, bool) {
	for i := len(p.env) - 1; i >= 0; i-- { // the last definition wins
		if k, v, ok := strings.Cut(p.env[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// path resolves a file name against the applet's working directory, which
// is sh's and not the process's.
func (p *proc) path(name string) string {
	if filepath.IsAbs(name) || p.dir == "" {
		return name
	}
	return filepath.Join(p.dir, name)
}

// sleep waits for d or until the applet's context ends, reporting whether
// the whole time passed. Timers are the Go runtime's, which on wasip1 end in
// poll_oneoff clock subscriptions: the host's (virtual) clock decides.
func (p *proc) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// stdinOrEmpty is the applet's standard input, never nil.
func (p *proc) stdinOrEmpty() io.Reader {
	if p.stdin == nil {
		return strings.NewReader("")
	}
	return p.stdin
}
