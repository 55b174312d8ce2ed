package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/interp"

	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// builtin is a command of the shell besides the interpreter's own builtins
// (echo, printf, cd, pwd, export, test, read, true, false, ...).
type builtin struct {
	help string
	run  func(s *Shell, ctx context.Context, hc interp.HandlerContext, args []string) int
}

var builtins map[string]builtin

func init() {
	builtins = map[string]builtin{
		"kubectl":  {"control the cluster", (*Shell).kubectlCmd},
		"k":        {"alias of kubectl", (*Shell).kubectlCmd},
		"kubeplay": {"be the cluster's cloud: add, stop, start, delete nodes; push to its image registry", (*Shell).kubeplayCmd},
		"awk":      {"pattern scanning and processing language", (*Shell).awk},
		"base64":   {"encode or decode base64 (-d, -w)", (*Shell).base64},
		"basename": {"strip directory and suffix from names", (*Shell).basename},
		"cat":      {"print files (-n, -A, ...)", (*Shell).cat},
		"clear":    {"clear the screen", (*Shell).clear},
		"curl":     {"transfer a URL from the host machine (HTTP to node ports, load balancers, localhost)", (*Shell).curl},
		"cut":      {"print selected parts of lines (-d, -f, -c)", (*Shell).cut},
		"date":     {"print the cluster's date and time", (*Shell).date},
		"dirname":  {"strip the last part of names", (*Shell).dirname},
		"env":      {"print the environment, or run a command in a changed one", (*Shell).env},
		"grep":     {"print lines that match patterns", (*Shell).grep},
		"head":     {"first lines (-n N, -c N)", (*Shell).head},
		"help":     {"this list", (*Shell).help},
		"history":  {"list the commands run so far", (*Shell).historyCmd},
		"ls":       {"list files (-l, -a, -R, -h, ...)", (*Shell).ls},
		"mkdir":    {"make directories (-p)", (*Shell).mkdir},
		"rm":       {"remove files (-r, -f)", (*Shell).rm},
		"rmdir":    {"remove empty directories", (*Shell).rmdir},
		"sed":      {"stream editor (s///, d, p, addresses, -n, -i, -E)", (*Shell).sed},
		"seq":      {"print a sequence of numbers", (*Shell).seq},
		"sh":       {"run a command string (sh -c '...')", (*Shell).sh},
		"sleep":    {"wait, in cluster time", (*Shell).sleep},
		"sort":     {"sort lines (-n, -r, -k, -t, -u, -h, ...)", (*Shell).sort},
		"tail":     {"last lines (-n N, -n +N, -c N)", (*Shell).tail},
		"tee":      {"copy input to files and output (-a)", (*Shell).tee},
		"timeout":  {"run a command with a time limit, in cluster time", (*Shell).timeout},
		"touch":    {"create files, or update their times", (*Shell).touch},
		"tr":       {"translate or delete characters", (*Shell).tr},
		"uniq":     {"drop or count repeated lines (-c, -d, -u)", (*Shell).uniq},
		"watch":    {"run a command again and again, in cluster time", (*Shell).watch},
		"wc":       {"count lines, words, bytes (-l, -w, -c, -m)", (*Shell).wc},
		"which":    {"tell which commands are built in", (*Shell).which},
		"xargs":    {"run a command with arguments read from input", (*Shell).xargs},
	}
	builtins["bash"] = builtin{builtins["sh"].help, (*Shell).bash}
}

// shadowed are builtins of the interpreter that the shell provides
// itself: the call handler renames them so that they reach execMiddleware.
var shadowed = map[string]string{"help": "\x00help", "history": "\x00history", "type": "\x00type", "command": "\x00command",
	"jobs": "\x00jobs", "kill": "\x00kill"}

// callHandler routes the commands in shadowed to the shell's own
// versions, unless a function of that name was defined.
func (s *Shell) callHandler(ctx context.Context, args []string) ([]string, error) {
	name, ok := shadowed[args[0]]
	switch {
	case !ok || s.runner.Funcs[args[0]] != nil:
	case args[0] == "command" && (len(args) < 3 || args[1] != "-v" && args[1] != "-V"):
		// command NAME runs NAME; only -v and -V are the shell's.
	default:
		args = append([]string{name}, args[1:]...)
	}
	return args, nil
}

// execMiddleware runs the shell's commands; anything else is not found.
func (s *Shell) execMiddleware(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		hc := interp.HandlerCtx(ctx)
		name := strings.TrimPrefix(args[0], "\x00")
		b, ok := builtins[name]
		switch args[0] {
		case "\x00type":
			b, ok = builtin{run: (*Shell).typeCmd}, true
		case "\x00command":
			b, ok = builtin{run: (*Shell).commandV}, true
		case "\x00jobs":
			b, ok = builtin{run: (*Shell).jobsCmd}, true
		case "\x00kill":
			b, ok = builtin{run: (*Shell).kill}, true
		case bgMark:
			b, ok = builtin{run: (*Shell).startJob}, true
		}
		if !ok {
			fmt.Fprintf(hc.Stderr, "kubeplay: %s: command not found\n", name)
			return interp.NewExitStatus(127)
		}
		code := b.run(s, ctx, hc, args[1:])
		// A directory read as this command's input that it did not
		// report is no other command's.
		s.dirRead.Store(nil)
		if code != 0 {
			return interp.NewExitStatus(uint8(code))
		}
		return nil
	}
}

func (s *Shell) kubectlCmd(ctx context.Context, hc interp.HandlerContext, args []string) int {
	in, term := hc.Stdin, false
	switch {
	case in == nil && s.term != nil && attaches(args):
		in, term = s.term, true
	case in != nil && (usesStdin(args) || attaches(args)):
		// Read stdin before taking the cluster: in a pipeline the command
		// writing it may need the cluster too.
		data, _ := io.ReadAll(in)
		in = bytes.NewReader(data)
	}
	s.cfg.Lock()
	defer s.cfg.Unlock()
	s.cmdEnv = hc.Env
	return s.kubectl.Run(ctx, kubectl.IO{In: in, Out: hc.Stdout, Err: hc.Stderr, Terminal: term}, args)
}

// attaches reports a kubectl command that passes its stdin to a container
// (exec -i, run -i, attach -i).
func attaches(args []string) bool {
	if len(args) == 0 || args[0] != "exec" && args[0] != "run" && args[0] != "attach" {
		return false
	}
	for _, a := range args[1:] {
		switch {
		case a == "--":
			return false
		case a == "--stdin" || a == "--stdin=true" || a == "-i=true":
			return true
		case len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.Trim(a[1:], "it") == "" && strings.Contains(a, "i"):
			return true
		}
	}
	return false
}

func usesStdin(args []string) bool {
	for i, a := range args {
		if a == "-f=-" || a == "--filename=-" || (a == "-f" || a == "--filename") && i+1 < len(args) && args[i+1] == "-" {
			return true
		}
	}
	return false
}

var sleepTool = &tool{
	name:   "sleep",
	usage:  []string{"sleep NUMBER[SUFFIX]..."},
	about:  "Pause for NUMBER seconds of cluster time. SUFFIX may be 's', 'm', 'h' or 'd'.\nNUMBER may be a fraction, or 'infinity'. The times given add up.",
	status: 1,
}

// sleep waits in cluster time: natively it takes no real time at all.
func (s *Shell) sleep(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := sleepTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) == 0 {
		return sleepTool.usageError(hc.Stderr, "missing operand")
	}
	var total time.Duration
	for _, a := range o.args {
		d, err := parseDuration(a)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "sleep: invalid time interval '%s'\n", a)
			code = 1
		}
		total += d
	}
	if code != 0 {
		return sleepTool.usageError(hc.Stderr, "")
	}
	s.cfg.Lock()
	defer s.cfg.Unlock()
	if errors.Is(s.wait(ctx, total, func() bool { return false }), context.Canceled) {
		return 130
	}
	return 0
}

// parseDuration reads sleep's and timeout's NUMBER[SUFFIX].
func parseDuration(a string) (time.Duration, error) {
	if a == "infinity" || a == "inf" {
		return 100 * 365 * 24 * time.Hour, nil
	}
	unit := time.Second
	if n := len(a); n > 0 {
		switch a[n-1] {
		case 's':
			a = a[:n-1]
		case 'm':
			a, unit = a[:n-1], time.Minute
		case 'h':
			a, unit = a[:n-1], time.Hour
		case 'd':
			a, unit = a[:n-1], 24*time.Hour
		}
	}
	f, err := strconv.ParseFloat(a, 64)
	if err != nil || f < 0 || strings.ContainsAny(a, "xXpPnN") {
		return 0, errors.New("invalid")
	}
	return time.Duration(f * float64(unit)), nil
}

var clearTool = &tool{
	name:   "clear",
	usage:  []string{"clear [options]"},
	about:  "Clear the screen and its scrollback.",
	opts:   []option{{short: 'x', help: "do not try to clear scrollback"}},
	fail:   fullUsage,
	status: 1,
}

func (s *Shell) clear(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := clearTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) > 0 {
		return clearTool.usageError(hc.Stderr, "")
	}
	fmt.Fprint(hc.Stdout, "\x1b[H\x1b[2J")
	if !o.has("x") {
		fmt.Fprint(hc.Stdout, "\x1b[3J")
	}
	return 0
}

func (s *Shell) historyCmd(ctx context.Context, hc interp.HandlerContext, args []string) int {
	for i, h := range s.history {
		fmt.Fprintf(hc.Stdout, "%5d  %s\n", i+1, h)
	}
	return 0
}

func (s *Shell) help(ctx context.Context, hc interp.HandlerContext, args []string) int {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(hc.Stdout, "kubeplay shell: a POSIX shell (pipes, &&, ||, variables, $(...), here-documents, for/while).")
	fmt.Fprintln(hc.Stdout, "Commands (each takes --help):")
	for _, n := range names {
		fmt.Fprintf(hc.Stdout, "  %-8s %s\n", n, builtins[n].help)
	}
	fmt.Fprintln(hc.Stdout, "Shell builtins: cd pwd echo printf export unset read test [ true false exit type")
	return 0
}
