package shell

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/interp"
)

var headTool = &tool{
	name:  "head",
	usage: []string{"head [OPTION]... [FILE]..."},
	about: "Print the first 10 lines of each FILE to standard output.\nWith more than one FILE, precede each with a header giving the file name.",
	opts: []option{
		{short: 'c', long: "bytes", arg: needArg, argName: "[-]NUM", help: "print the first NUM bytes of each file; -NUM: all but the last NUM"},
		{short: 'n', long: "lines", arg: needArg, argName: "[-]NUM", help: "print the first NUM lines instead of the first 10; -NUM: all but the last NUM"},
		{short: 'q', long: "quiet", help: "never print headers giving file names"},
		{long: "silent", same: "q", help: "same as --quiet"},
		{short: 'v', long: "verbose", help: "always print headers giving file names"},
	},
	status: 1,
}

var tailTool = &tool{
	name:  "tail",
	usage: []string{"tail [OPTION]... [FILE]..."},
	about: "Print the last 10 lines of each FILE to standard output.\nWith more than one FILE, precede each with a header giving the file name.",
	opts: []option{
		{short: 'c', long: "bytes", arg: needArg, argName: "[+]NUM", help: "output the last NUM bytes; +NUM: from byte NUM on"},
		{short: 'f', long: "follow", arg: optArg, argName: "{name|descriptor}", help: "not available here: use 'kubectl logs -f' for a pod's log"},
		{short: 'F', help: "not available here, as -f"},
		{short: 'n', long: "lines", arg: needArg, argName: "[+]NUM", help: "output the last NUM lines, instead of the last 10; +NUM: from line NUM on"},
		{short: 'q', long: "quiet", help: "never output headers giving file names"},
		{long: "silent", same: "q", help: "same as --quiet"},
		{short: 'v', long: "verbose", help: "always output headers giving file names"},
	},
	status: 1,
}

// obsoleteCount matches head's and tail's old -NUM form (-5, -5c, +5).
var obsoleteCount = regexp.MustCompile(`^[-+]([0-9]+)([bcl]?)$`)

// obsolete rewrites head -5 and tail -5 / tail +5 (GNU still accepts
// them as the first argument) into -n 5.
func obsolete(args []string, plus bool) []string {
	if len(args) == 0 || (!plus && args[0][0] == '+') {
		return args
	}
	m := obsoleteCount.FindStringSubmatch(args[0])
	if m == nil || plus && len(args) > 2 {
		return args
	}
	sign := ""
	if args[0][0] == '+' {
		sign = "+"
	}
	flag := "-n"
	switch m[2] {
	case "c":
		flag = "-c"
	case "b":
		return append([]string{"-c", sign + m[1] + "b"}, args[1:]...)
	}
	return append([]string{flag, sign + m[1]}, args[1:]...)
}

// countSpec is head's and tail's NUM: a count, maybe signed.
type countSpec struct {
	n      int64
	bytes  bool
	sign   byte // '-' (head: all but the last), '+' (tail: from)
	header bool
}

func parseCountOpt(t *tool, hc interp.HandlerContext, o parsed, files int) (countSpec, bool) {
	c := countSpec{n: 10, header: files > 1}
	switch o.last("q", "v") {
	case "q":
		c.header = false
	case "v":
		c.header = true
	}
	key := o.last("n", "c")
	if key == "" {
		return c, true
	}
	v := o.value(key)
	c.bytes = key == "c"
	if v != "" && (v[0] == '-' || v[0] == '+') {
		c.sign, v = v[0], v[1:]
	}
	n, ok := parseSize(v)
	if !ok {
		what := "lines"
		if c.bytes {
			what = "bytes"
		}
		fmt.Fprintf(hc.Stderr, "%s: invalid number of %s: '%s'\n", t.name, what, o.value(key))
		return c, false
	}
	c.n = n
	return c, true
}

// parseSize reads a count with coreutils' multiplier suffixes
// (b 512, K/KiB 1024, kB/KB 1000, M, MB, G, GB, ...).
func parseSize(v string) (int64, bool) {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil {
		return 0, false
	}
	suffix := v[i:]
	if suffix == "" {
		return n, true
	}
	if suffix == "b" {
		return n * 512, true
	}
	k := strings.IndexByte("KMGTPE", strings.ToUpper(suffix[:1])[0])
	if k < 0 || suffix[0] == 'k' && suffix != "kB" {
		return 0, false
	}
	base := int64(1024)
	switch suffix[1:] {
	case "", "iB":
	case "B":
		base = 1000
	default:
		return 0, false
	}
	for ; k >= 0; k-- {
		n *= base
	}
	return n, true
}

func (s *Shell) head(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := headTool.parse(hc, obsolete(args, false))
	if done {
		return code
	}
	c, ok := parseCountOpt(headTool, hc, o, len(o.args))
	if !ok {
		return 1
	}
	return s.eachInput(hc, headTool, o.args, c.header, func(r io.Reader, out *errWriter) {
		switch {
		case c.bytes && c.sign == '-':
			data, _ := io.ReadAll(r)
			out.Write(data[:max(int64(len(data))-c.n, 0)])
		case c.bytes:
			io.CopyN(out, r, c.n)
		case c.sign == '-':
			lines := splitLines(r)
			for _, l := range lines[:max(int64(len(lines))-c.n, 0)] {
				io.WriteString(out, l)
			}
		default:
			lr := newLineReader(r)
			for i := int64(0); i < c.n; i++ {
				l, nl, ok := lr.next()
				if !ok {
					break
				}
				io.WriteString(out, l+newline(nl))
			}
		}
	})
}

// eachInput runs each over head's or tail's inputs, with a header before
// each when there are several (or -v).
func (s *Shell) eachInput(hc interp.HandlerContext, t *tool, names []string, header bool, each func(r io.Reader, out *errWriter)) int {
	out := &errWriter{w: hc.Stdout}
	errs := fileErrs{open: "cannot open '%s' for reading: %s", read: "error reading '%s': %s"}
	first := true
	return s.inputs(hc, t.name, errs, names, func(name string, r io.Reader) bool {
		if header {
			if name == "-" {
				name = "standard input"
			}
			if !first {
				out.printf("\n")
			}
			first = false
			out.printf("==> %s <==\n", name)
		}
		each(r, out)
		return out.err == nil
	})
}

func newline(nl bool) string {
	if nl {
		return "\n"
	}
	return ""
}

// splitLines reads r as lines that keep their newlines.
func splitLines(r io.Reader) []string {
	data, _ := io.ReadAll(r)
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func (s *Shell) tail(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := tailTool.parse(hc, obsolete(args, true))
	if done {
		return code
	}
	if o.has("f") || o.has("F") {
		fmt.Fprintln(hc.Stderr, "tail: -f is not available in the kubeplay shell: no other command can write to a file while tail waits.\ntail: To follow a pod's log, use 'kubectl logs -f POD'.")
		return 1
	}
	c, ok := parseCountOpt(tailTool, hc, o, len(o.args))
	if !ok {
		return 1
	}
	return s.eachInput(hc, tailTool, o.args, c.header, func(r io.Reader, out *errWriter) {
		data, _ := io.ReadAll(r)
		if c.bytes {
			start := max(int64(len(data))-c.n, 0)
			if c.sign == '+' {
				start = min(max(c.n-1, 0), int64(len(data)))
			}
			out.Write(data[start:])
			return
		}
		lines := splitLines(strings.NewReader(string(data)))
		start := max(int64(len(lines))-c.n, 0)
		if c.sign == '+' {
			start = min(max(c.n-1, 0), int64(len(lines)))
		}
		io.WriteString(out, strings.Join(lines[start:], ""))
	})
}
