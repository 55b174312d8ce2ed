package shell

import (
	"fmt"
	"io"
	"strings"

	"mvdan.cc/sh/v3/interp"
)

// Command lines are parsed as GNU getopt_long parses them: short options
// bundled (-rf), a value attached (-n5) or in the next word (-n 5), long
// options (--lines=5, --lines 5) and their unambiguous prefixes (--li),
// "--" ending the options, a lone "-" as an operand, and options after
// operands too unless the command stops at its first operand (xargs,
// watch, env, timeout). Errors use glibc's words, then each tool's own
// closing lines and exit status.

type argKind uint8

const (
	noArg   argKind = iota
	needArg         // -n 5, -n5, --lines=5, --lines 5
	optArg          // -i.bak, --color=always; never the next word
)

// option is one option a command accepts.
type option struct {
	short   byte   // the letter, or 0
	long    string // the long name, or ""
	arg     argKind
	argName string // what --help calls the value: NUM, FILE
	help    string
	same    string // the key of the option this one is another name of
}

// key is how a parsed option is looked up: its letter, else its long
// name, or for another name of an option, that option's key.
func (o option) key() string {
	if o.same != "" {
		return o.same
	}
	if o.short != 0 {
		return string(o.short)
	}
	return o.long
}

// failStyle is how a tool closes a usage error.
type failStyle uint8

const (
	tryHelp   failStyle = iota // coreutils: "Try 'head --help' for more information."
	usageTry                   // grep: the usage line, then the Try line
	fullUsage                  // sed, watch: the whole usage text
)

// tool describes a command's command line.
type tool struct {
	name    string
	usage   []string // each printed after "Usage: "
	about   string   // printed after the usage lines
	opts    []option
	inOrder bool      // options end at the first operand
	numbers bool      // an operand like -5 or -.5 ends the options (seq)
	digits  string    // the key that -NUM sets (grep's -5 is -C 5)
	fail    failStyle // how usage errors close
	status  int       // the exit status of a usage error
}

var (
	helpOpt    = option{long: "help", help: "display this help and exit"}
	versionOpt = option{long: "version", help: "output version information and exit"}
)

// setOpt is one option as given, in order.
type setOpt struct{ key, val string }

// parsed is a command line once parsed.
type parsed struct {
	set  []setOpt
	args []string // the operands
}

func (p *parsed) has(key string) bool {
	for _, o := range p.set {
		if o.key == key {
			return true
		}
	}
	return false
}

// value returns the last value given to key, or "".
func (p *parsed) value(key string) string {
	v := ""
	for _, o := range p.set {
		if o.key == key {
			v = o.val
		}
	}
	return v
}

// values returns every value given to key, in order.
func (p *parsed) values(key string) []string {
	var vs []string
	for _, o := range p.set {
		if o.key == key {
			vs = append(vs, o.val)
		}
	}
	return vs
}

// last returns whichever of keys was given last, or "".
func (p *parsed) last(keys ...string) string {
	k := ""
	for _, o := range p.set {
		for _, want := range keys {
			if o.key == want {
				k = want
			}
		}
	}
	return k
}

// parse parses args. When it returns done, the command has finished (it
// printed --help or a usage error) with the status code.
func (t *tool) parse(hc interp.HandlerContext, args []string) (p parsed, code int, done bool) {
	p, err := t.parseArgs(args)
	switch {
	case err == errHelp:
		t.printHelp(hc.Stdout)
		return p, 0, true
	case err == errVersion:
		fmt.Fprintf(hc.Stdout, "%s (kubeplay shell)\nThe kubeplay shell's built-in %s, after the GNU tool of that name; see '%s --help'.\n", t.name, t.name, t.name)
		return p, 0, true
	case err != nil:
		return p, t.usageError(hc.Stderr, "%s", err.Error()), true
	}
	return p, 0, false
}

type parseError string

func (e parseError) Error() string { return string(e) }

const (
	errHelp    = parseError("--help")
	errVersion = parseError("--version")
)

// usageError prints "name: message" and the tool's closing lines, and
// returns the status to exit with.
func (t *tool) usageError(w io.Writer, format string, a ...any) int {
	if format != "" {
		fmt.Fprintf(w, "%s: %s\n", t.name, fmt.Sprintf(format, a...))
	}
	switch t.fail {
	case usageTry:
		fmt.Fprintf(w, "Usage: %s\n", t.usage[0])
		fmt.Fprintf(w, "Try '%s --help' for more information.\n", t.name)
	case fullUsage:
		t.printHelp(w)
	default:
		fmt.Fprintf(w, "Try '%s --help' for more information.\n", t.name)
	}
	return t.status
}

func (t *tool) parseArgs(args []string) (parsed, error) {
	var p parsed
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			p.args = append(p.args, args[i+1:]...)
			return p, nil
		case t.numbers && looksNegative(a):
			p.args = append(p.args, args[i:]...)
			return p, nil
		case len(a) < 2 || a[0] != '-':
			if t.inOrder {
				p.args = append(p.args, args[i:]...)
				return p, nil
			}
			p.args = append(p.args, a)
			continue
		}
		var err error
		if strings.HasPrefix(a, "--") {
			i, err = t.parseLong(&p, args, i)
		} else {
			i, err = t.parseShort(&p, args, i)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

func looksNegative(a string) bool {
	return len(a) > 1 && a[0] == '-' && (a[1] == '.' || a[1] >= '0' && a[1] <= '9')
}

// parseShort parses the cluster args[i] ("-rf", "-n5") and returns the
// index of the last word it used.
func (t *tool) parseShort(p *parsed, args []string, i int) (int, error) {
	a := args[i]
	for j := 1; j < len(a); j++ {
		c := a[j]
		if t.digits != "" && c >= '0' && c <= '9' {
			k := j
			for k < len(a) && a[k] >= '0' && a[k] <= '9' {
				k++
			}
			p.set = append(p.set, setOpt{t.digits, a[j:k]})
			j = k - 1
			continue
		}
		o, ok := t.shortOpt(c)
		if !ok {
			return i, parseError(fmt.Sprintf("invalid option -- '%c'", c))
		}
		switch {
		case o.arg == noArg:
			p.set = append(p.set, setOpt{o.key(), ""})
			continue
		case j+1 < len(a):
			p.set = append(p.set, setOpt{o.key(), a[j+1:]})
		case o.arg == optArg:
			p.set = append(p.set, setOpt{o.key(), ""})
		case i+1 < len(args):
			i++
			p.set = append(p.set, setOpt{o.key(), args[i]})
		default:
			return i, parseError(fmt.Sprintf("option requires an argument -- '%c'", c))
		}
		return i, nil
	}
	return i, nil
}

func (t *tool) shortOpt(c byte) (option, bool) {
	for _, o := range t.opts {
		if o.short == c {
			return o, true
		}
	}
	return option{}, false
}

// parseLong parses args[i], a "--name" or "--name=value".
func (t *tool) parseLong(p *parsed, args []string, i int) (int, error) {
	body := args[i][2:]
	name, val, hasVal := strings.Cut(body, "=")
	o, err := t.longOpt(name, body)
	if err != nil {
		return i, err
	}
	switch {
	case o.arg == noArg && hasVal:
		return i, parseError(fmt.Sprintf("option '--%s' doesn't allow an argument", o.long))
	case o.arg == needArg && !hasVal:
		if i+1 >= len(args) {
			return i, parseError(fmt.Sprintf("option '--%s' requires an argument", o.long))
		}
		i++
		val = args[i]
	}
	switch o.long {
	case "help":
		return i, errHelp
	case "version":
		return i, errVersion
	}
	p.set = append(p.set, setOpt{o.key(), val})
	return i, nil
}

// longOpt finds the option called name, or the one it is a prefix of.
func (t *tool) longOpt(name, body string) (option, error) {
	var found []option
	for _, o := range append(t.opts, helpOpt, versionOpt) {
		switch {
		case o.long == "":
		case o.long == name:
			return o, nil
		case strings.HasPrefix(o.long, name):
			found = append(found, o)
		}
	}
	if len(found) == 0 {
		return option{}, parseError(fmt.Sprintf("unrecognized option '--%s'", body))
	}
	if sameOption(found) {
		return found[0], nil
	}
	msg := fmt.Sprintf("option '--%s' is ambiguous; possibilities:", name)
	for _, o := range found {
		msg += " '--" + o.long + "'"
	}
	return option{}, parseError(msg)
}

// printHelp prints a short --help: the usage, what the tool does, and
// the options this shell supports.
func (t *tool) printHelp(w io.Writer) {
	for i, u := range t.usage {
		if i == 0 {
			fmt.Fprintf(w, "Usage: %s\n", u)
		} else {
			fmt.Fprintf(w, "  or:  %s\n", u)
		}
	}
	if t.about != "" {
		fmt.Fprintf(w, "%s\n", t.about)
	}
	fmt.Fprintln(w)
	opts := append(append([]option(nil), t.opts...), helpOpt)
	cols := make([]string, len(opts))
	width := 0
	for i, o := range opts {
		cols[i] = o.synopsis()
		width = max(width, min(len(cols[i]), 28))
	}
	for i, o := range opts {
		if len(cols[i]) > width {
			fmt.Fprintf(w, "  %s\n  %*s  %s\n", cols[i], width, "", o.help)
			continue
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, cols[i], o.help)
	}
}

// synopsis is the option as --help lists it: "-n, --lines=NUM".
func (o option) synopsis() string {
	var b strings.Builder
	if o.short != 0 {
		b.WriteString("-" + string(o.short))
		if o.long != "" {
			b.WriteString(", ")
		}
	} else {
		b.WriteString("    ")
	}
	if o.long != "" {
		b.WriteString("--" + o.long)
	}
	switch {
	case o.arg == needArg && o.long != "":
		b.WriteString("=" + o.argName)
	case o.arg == needArg:
		b.WriteString(" " + o.argName)
	case o.arg == optArg && o.long != "":
		b.WriteString("[=" + o.argName + "]")
	case o.arg == optArg:
		b.WriteString("[" + o.argName + "]")
	}
	return b.String()
}

// sameOption tells whether options are all names of one option, which
// makes a prefix of them unambiguous (--col for --color and --colour).
func sameOption(opts []option) bool {
	for _, o := range opts[1:] {
		if o.key() != opts[0].key() || o.arg != opts[0].arg {
			return false
		}
	}
	return true
}
