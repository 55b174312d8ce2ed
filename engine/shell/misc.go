package shell

import (
	"context"
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

var basenameTool = &tool{
	name:  "basename",
	usage: []string{"basename NAME [SUFFIX]", "basename OPTION... NAME..."},
	about: "Print NAME with any leading directory components removed.\nIf specified, also remove a trailing SUFFIX.",
	opts: []option{
		{short: 'a', long: "multiple", help: "support multiple arguments and treat each as a NAME"},
		{short: 's', long: "suffix", arg: needArg, argName: "SUFFIX", help: "remove a trailing SUFFIX; implies -a"},
		{short: 'z', long: "zero", help: "end each output line with NUL, not newline"},
	},
	status: 1,
}

func (s *Shell) basename(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := basenameTool.parse(hc, args)
	if done {
		return code
	}
	names, suffix := o.args, o.value("s")
	switch {
	case len(names) == 0:
		return basenameTool.usageError(hc.Stderr, "missing operand")
	case !o.has("a") && !o.has("s") && len(names) == 2:
		names, suffix = names[:1], names[1]
	case !o.has("a") && !o.has("s") && len(names) > 2:
		return basenameTool.usageError(hc.Stderr, "extra operand '%s'", names[2])
	}
	end := lineEnd(o)
	for _, n := range names {
		b := baseName(n)
		if suffix != "" && b != suffix && strings.HasSuffix(b, suffix) {
			b = strings.TrimSuffix(b, suffix)
		}
		fmt.Fprint(hc.Stdout, b+end)
	}
	return 0
}

func lineEnd(o parsed) string {
	if o.has("z") {
		return "\x00"
	}
	return "\n"
}

// baseName is basename(1)'s: trailing slashes go, "/" stays.
func baseName(n string) string {
	t := strings.TrimRight(n, "/")
	if t == "" {
		if n == "" {
			return ""
		}
		return "/"
	}
	return path.Base(t)
}

var dirnameTool = &tool{
	name:   "dirname",
	usage:  []string{"dirname [OPTION] NAME..."},
	about:  "Output each NAME with its last non-slash component and trailing slashes\nremoved; if NAME contains no /'s, output '.' (meaning the current directory).",
	opts:   []option{{short: 'z', long: "zero", help: "end each output line with NUL, not newline"}},
	status: 1,
}

func (s *Shell) dirname(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := dirnameTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) == 0 {
		return dirnameTool.usageError(hc.Stderr, "missing operand")
	}
	for _, n := range o.args {
		fmt.Fprint(hc.Stdout, dirName(n)+lineEnd(o))
	}
	return 0
}

func dirName(n string) string {
	t := strings.TrimRight(n, "/")
	if t == "" {
		if strings.HasPrefix(n, "/") {
			return "/"
		}
		return "."
	}
	i := strings.LastIndex(t, "/")
	if i < 0 {
		return "."
	}
	d := strings.TrimRight(t[:i], "/")
	if d == "" {
		return "/"
	}
	return d
}

var seqTool = &tool{
	name:  "seq",
	usage: []string{"seq [OPTION]... LAST", "seq [OPTION]... FIRST LAST", "seq [OPTION]... FIRST INCREMENT LAST"},
	about: "Print numbers from FIRST to LAST, in steps of INCREMENT.",
	opts: []option{
		{short: 'f', long: "format", arg: needArg, argName: "FORMAT", help: "use printf style floating-point FORMAT (%f, %e or %g)"},
		{short: 's', long: "separator", arg: needArg, argName: "STRING", help: "use STRING to separate numbers (default: \\n)"},
		{short: 'w', long: "equal-width", help: "equalize width by padding with leading zeroes"},
	},
	inOrder: true,
	numbers: true,
	status:  1,
}

func (s *Shell) seq(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := seqTool.parse(hc, args)
	if done {
		return code
	}
	switch n := len(o.args); {
	case n == 0:
		return seqTool.usageError(hc.Stderr, "missing operand")
	case n > 3:
		return seqTool.usageError(hc.Stderr, "extra operand '%s'", o.args[3])
	}
	nums := []float64{1, 1, 0}
	operands := map[int][]int{1: {2}, 2: {0, 2}, 3: {0, 1, 2}}[len(o.args)]
	prec := 0
	for i, a := range o.args {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil || math.IsNaN(f) {
			return seqTool.usageError(hc.Stderr, "invalid floating point argument: '%s'", a)
		}
		nums[operands[i]] = f
		if dot := strings.IndexByte(a, '.'); dot >= 0 && operands[i] != 2 && !strings.ContainsAny(a, "eE") {
			prec = max(prec, len(a)-dot-1)
		}
	}
	if nums[1] == 0 {
		return seqTool.usageError(hc.Stderr, "invalid Zero increment value: '%s'", o.args[1])
	}
	format := func(f float64) string { return strconv.FormatFloat(f, 'f', prec, 64) }
	if o.has("f") {
		verb := o.value("f")
		format = func(f float64) string { return cFormat(verb, f) }
	}
	width := 0
	if o.has("w") {
		width = max(len(format(nums[0])), len(format(nums[2])))
	}
	out := &errWriter{w: hc.Stdout}
	sep := "\n"
	if o.has("s") {
		sep = o.value("s")
	}
	first, step, last := nums[0], nums[1], nums[2]
	for i := 0; out.err == nil; i++ {
		v := first + float64(i)*step
		if step > 0 && v > last || step < 0 && v < last {
			if i > 0 {
				out.printf("\n")
			}
			break
		}
		if i > 0 {
			out.printf("%s", sep)
		}
		out.printf("%s", zeroPad(format(v), width))
	}
	return 0
}

func zeroPad(s string, width int) string {
	if len(s) >= width {
		return s
	}
	if strings.HasPrefix(s, "-") {
		return "-" + strings.Repeat("0", width-len(s)) + s[1:]
	}
	return strings.Repeat("0", width-len(s)) + s
}

// cFormat formats a float with a C printf format (%f, %e, %g and their
// flags, width and precision), as seq -f does.
func cFormat(format string, f float64) string {
	i := strings.IndexByte(format, '%')
	if i < 0 {
		return format
	}
	j := i + 1
	for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
		j++
	}
	if j == len(format) {
		return format
	}
	spec, verb := format[i+1:j], format[j]
	var v string
	switch verb {
	case 'g', 'G':
		prec := 6
		if k := strings.IndexByte(spec, '.'); k >= 0 {
			prec, _ = strconv.Atoi(spec[k+1:])
			spec = spec[:k]
		}
		v = fmt.Sprintf("%"+spec+"s", trimG(strconv.FormatFloat(f, byte(verb), max(prec, 1), 64)))
	default:
		v = fmt.Sprintf("%"+spec+string(verb), f)
	}
	return format[:i] + v + format[j+1:]
}

// trimG drops the trailing zeros that C's %g drops and Go's 'g' keeps
// at a given precision.
func trimG(s string) string {
	mant, exp, hasExp := strings.Cut(s, "e")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	if hasExp {
		return mant + "e" + exp
	}
	return mant
}

var whichTool = &tool{
	name:   "which",
	usage:  []string{"which [-a] COMMAND..."},
	about:  "Tell which COMMANDs this shell has; every one of them is built in.",
	opts:   []option{{short: 'a', help: "print all matches (there is only ever one)"}},
	status: 2,
}

func (s *Shell) which(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := whichTool.parse(hc, args)
	if done {
		return code
	}
	for _, n := range o.args {
		if _, ok := builtins[n]; ok || interp.IsBuiltin(n) {
			fmt.Fprintf(hc.Stdout, "%s: shell built-in command\n", n)
			continue
		}
		fmt.Fprintf(hc.Stdout, "%s not found\n", n)
		code = 1
	}
	return code
}

// typeCmd is bash's type, knowing that the shell's commands are builtins.
func (s *Shell) typeCmd(ctx context.Context, hc interp.HandlerContext, args []string) int {
	mode := ""
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		if args[0] == "--" {
			args = args[1:]
			break
		}
		for _, c := range args[0][1:] {
			if !strings.ContainsRune("aftpP", c) {
				fmt.Fprintf(hc.Stderr, "kubeplay: type: -%c: invalid option\ntype: usage: type [-afptP] name [name ...]\n", c)
				return 2
			}
			mode = string(c)
		}
		args = args[1:]
	}
	code := 0
	for _, n := range args {
		kind := s.commandKind(n)
		switch {
		case kind == "":
			if mode != "t" && mode != "p" && mode != "P" {
				fmt.Fprintf(hc.Stderr, "kubeplay: type: %s: not found\n", n)
			}
			code = 1
		case mode == "t":
			fmt.Fprintln(hc.Stdout, kind)
		case mode == "p" || mode == "P":
		case kind == "keyword":
			fmt.Fprintf(hc.Stdout, "%s is a shell keyword\n", n)
		case kind == "function":
			fmt.Fprintf(hc.Stdout, "%s is a function\n", n)
		default:
			fmt.Fprintf(hc.Stdout, "%s is a shell builtin\n", n)
		}
	}
	return code
}

// commandV is `command -v` and `command -V`.
func (s *Shell) commandV(ctx context.Context, hc interp.HandlerContext, args []string) int {
	verbose := args[0] == "-V"
	code := 0
	for _, n := range args[1:] {
		kind := s.commandKind(n)
		switch {
		case kind == "":
			if verbose {
				fmt.Fprintf(hc.Stderr, "kubeplay: command: %s: not found\n", n)
			}
			code = 1
		case verbose:
			return s.typeCmd(ctx, hc, args[1:])
		default:
			fmt.Fprintln(hc.Stdout, n)
		}
	}
	return code
}

// commandKind is what type -t says of a name: keyword, function,
// builtin, or "" when the shell has no such command.
func (s *Shell) commandKind(n string) string {
	_, ours := builtins[n]
	switch {
	case syntax.IsKeyword(n):
		return "keyword"
	case s.runner.Funcs[n] != nil:
		return "function"
	case ours || interp.IsBuiltin(n):
		return "builtin"
	}
	return ""
}

var envTool = &tool{
	name:  "env",
	usage: []string{"env [OPTION]... [-] [NAME=VALUE]... [COMMAND [ARG]...]"},
	about: "Set each NAME to VALUE in the environment and run COMMAND.\nWithout COMMAND, print the environment (sorted by name here).",
	opts: []option{
		{short: 'i', long: "ignore-environment", help: "start with an empty environment"},
		{short: '0', long: "null", help: "end each output line with NUL, not newline"},
		{short: 'u', long: "unset", arg: needArg, argName: "NAME", help: "remove variable from the environment"},
		{short: 'C', long: "chdir", arg: needArg, argName: "DIR", help: "change working directory to DIR"},
	},
	inOrder: true,
	status:  125,
}

func (s *Shell) env(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := envTool.parse(hc, args)
	if done {
		return code
	}
	rest := o.args
	if len(rest) > 0 && rest[0] == "-" {
		o.set, rest = append(o.set, setOpt{"i", ""}), rest[1:]
	}
	vars := map[string]string{}
	if !o.has("i") {
		vars = exported(hc.Env)
	}
	for _, u := range o.values("u") {
		delete(vars, u)
	}
	for len(rest) > 0 && strings.Contains(rest[0], "=") && !strings.HasPrefix(rest[0], "=") {
		k, v, _ := strings.Cut(rest[0], "=")
		vars[k], rest = v, rest[1:]
	}
	if len(rest) == 0 {
		end := "\n"
		if o.has("0") {
			end = "\x00"
		}
		for _, k := range sortedKeys(vars) {
			fmt.Fprint(hc.Stdout, k+"="+vars[k]+end)
		}
		return 0
	}
	dir := hc.Dir
	if o.has("C") {
		dir = abs(hc.Dir, o.value("C"))
	}
	if !s.runnable(rest[0]) {
		fmt.Fprintf(hc.Stderr, "env: '%s': No such file or directory\n", rest[0])
		return 127
	}
	return s.runArgs(ctx, child{env: envList(vars), dir: dir, stdin: hc.Stdin, stdout: hc.Stdout, stderr: hc.Stderr}, rest)
}

// exported returns the exported variables of an environment.
func exported(env expand.Environ) map[string]string {
	vars := map[string]string{}
	env.Each(func(name string, vr expand.Variable) bool {
		if vr.Exported && vr.IsSet() {
			vars[name] = vr.String()
		}
		return true
	})
	return vars
}

func envList(vars map[string]string) []string {
	var list []string
	for _, k := range sortedKeys(vars) {
		list = append(list, k+"="+vars[k])
	}
	return list
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
