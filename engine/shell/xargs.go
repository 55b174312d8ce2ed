package shell

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/interp"
)

var xargsTool = &tool{
	name:  "xargs",
	usage: []string{"xargs [OPTION]... COMMAND [INITIAL-ARGS]..."},
	about: "Run COMMAND with arguments INITIAL-ARGS and more arguments read from input.\nCOMMAND is one of this shell's commands (echo by default).",
	opts: []option{
		{short: '0', long: "null", help: "items are separated by a null, not whitespace; disables quote and backslash processing"},
		{short: 'a', long: "arg-file", arg: needArg, argName: "FILE", help: "read arguments from FILE, not standard input"},
		{short: 'd', long: "delimiter", arg: needArg, argName: "CHARACTER", help: "items in input stream are separated by CHARACTER, not by blank space"},
		{short: 'I', arg: needArg, argName: "R", help: "same as --replace=R"},
		{short: 'i', long: "replace", arg: optArg, argName: "R", help: "replace R in INITIAL-ARGS with names read from standard input, split at newlines; if R is unspecified, assume {}"},
		{short: 'L', long: "max-lines", arg: needArg, argName: "MAX-LINES", help: "use at most MAX-LINES non-blank input lines per command line"},
		{short: 'n', long: "max-args", arg: needArg, argName: "MAX-ARGS", help: "use at most MAX-ARGS arguments per command line"},
		{short: 'P', long: "max-procs", arg: needArg, argName: "MAX-PROCS", help: "accepted; commands run one at a time here"},
		{short: 'r', long: "no-run-if-empty", help: "if there are no arguments, then do not run COMMAND"},
		{short: 't', long: "verbose", help: "print commands before executing them"},
	},
	inOrder: true,
	status:  1,
}

// xargsBatch is the arguments of one command line.
type xargsBatch []string

func (s *Shell) xargs(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := xargsTool.parse(hc, args)
	if done {
		return code
	}
	limits := map[string]int{"n": 0, "L": 0, "P": 1}
	for _, k := range []string{"n", "L", "P"} {
		if !o.has(k) {
			continue
		}
		n, err := strconv.Atoi(o.value(k))
		if err != nil || n < 1 && k != "P" {
			fmt.Fprintf(hc.Stderr, "xargs: invalid number \"%s\" for -%s option\n", o.value(k), k)
			return 1
		}
		limits[k] = n
	}
	replace, hasReplace := xargsReplace(o)
	cmd := o.args
	if len(cmd) == 0 {
		cmd = []string{"echo"}
	}
	// Read the whole input first: the command writing it may need the
	// cluster that the commands run here will take.
	source := "-"
	if o.has("a") {
		source = o.value("a")
	}
	data, err := s.readInput(hc, source)
	if err != nil {
		fmt.Fprintf(hc.Stderr, "xargs: %s: %s\n", source, errText(err))
		return 1
	}
	batches, err := xargsSplit(string(data), o, limits, hasReplace)
	if err != nil {
		fmt.Fprintf(hc.Stderr, "xargs: %s\n", err)
		return 1
	}
	if len(batches) == 0 && !o.has("r") && !hasReplace {
		batches = []xargsBatch{nil}
	}
	if !s.runnable(cmd[0]) && len(batches) > 0 {
		fmt.Fprintf(hc.Stderr, "xargs: %s: No such file or directory\n", cmd[0])
		return 127
	}
	c := childOf(hc)
	c.stdin = nil
	for _, b := range batches {
		argv := append(append([]string(nil), cmd...), b...)
		if hasReplace {
			argv = substitute(cmd, replace, strings.Join(b, " "))
		}
		if o.has("t") {
			fmt.Fprintln(hc.Stderr, strings.Join(argv, " "))
		}
		switch status := s.runArgs(ctx, c, argv); {
		case status == 255:
			fmt.Fprintf(hc.Stderr, "xargs: %s: exited with status 255; aborting\n", cmd[0])
			return 124
		case status == 130 && ctx.Err() != nil:
			return 130
		case status != 0:
			code = 123
		}
	}
	return code
}

func xargsReplace(o parsed) (string, bool) {
	switch o.last("I", "i") {
	case "I":
		return o.value("I"), true
	case "i":
		if v := o.value("i"); v != "" {
			return v, true
		}
		return "{}", true
	}
	return "", false
}

func substitute(words []string, old, new string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.ReplaceAll(w, old, new)
	}
	return out
}

// xargsSplit splits the input into items and the items into batches.
func xargsSplit(input string, o parsed, limits map[string]int, replace bool) ([]xargsBatch, error) {
	if o.has("0") || o.has("d") {
		delim := "\x00"
		if o.last("0", "d") == "d" {
			c, _ := setChar([]byte(o.value("d") + "x"))
			delim = string(c)
		}
		items := strings.Split(input, delim)
		if items[len(items)-1] == "" {
			items = items[:len(items)-1]
		}
		return batch(itemsAsLines(items), limits["n"], limits["L"]), nil
	}
	var lines [][]string
	for _, l := range strings.SplitAfter(input, "\n") {
		if replace {
			if l = strings.TrimRight(strings.TrimLeft(l, " \t"), "\n"); l != "" {
				lines = append(lines, []string{l})
			}
			continue
		}
		words, err := xargsWords(l)
		if err != nil {
			return nil, err
		}
		if len(words) > 0 {
			lines = append(lines, words)
		}
	}
	if replace {
		return batch(lines, 0, 1), nil
	}
	return batch(lines, limits["n"], limits["L"]), nil
}

func itemsAsLines(items []string) [][]string {
	lines := make([][]string, len(items))
	for i, it := range items {
		lines[i] = []string{it}
	}
	return lines
}

// batch groups the input's lines of items: at most n items (-n) or l
// lines (-L) a command, else all of them in one.
func batch(lines [][]string, n, l int) []xargsBatch {
	var out []xargsBatch
	var cur xargsBatch
	count := 0
	for _, line := range lines {
		for _, it := range line {
			cur = append(cur, it)
			if n > 0 && len(cur) == n {
				out, cur = append(out, cur), nil
			}
		}
		count++
		if l > 0 && count%l == 0 && len(cur) > 0 {
			out, cur = append(out, cur), nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// xargsWords splits a line as xargs does: at blanks, with '...', "..."
// and backslash quoting.
func xargsWords(l string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0 && c == '\n':
			kind := map[byte]string{'\'': "single", '"': "double"}[quote]
			return nil, fmt.Errorf("unmatched %s quote; by default quotes are special to xargs unless you use the -0 option", kind)
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == '\\' && i+1 < len(l):
			i++
			cur.WriteByte(l[i])
			in = true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		kind := map[byte]string{'\'': "single", '"': "double"}[quote]
		return nil, fmt.Errorf("unmatched %s quote; by default quotes are special to xargs unless you use the -0 option", kind)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}
