package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/interp"

	"github.com/kubeplay/kubeplay/engine/shell/awk"
)

var awkTool = &tool{
	name: "awk",
	usage: []string{"awk [POSIX or GNU style options] -f progfile [--] file ...",
		"awk [POSIX or GNU style options] [--] 'program' file ..."},
	about: "Pattern scanning and processing: POSIX awk (patterns, actions, BEGIN, END, ranges,\n" +
		"fields, arrays, functions, printf, getline, print > file) with the string and math builtins.\n" +
		"Pipes to and from commands and system() are not available here.",
	opts: []option{
		{short: 'F', long: "field-separator", arg: needArg, argName: "fs", help: "use fs as the input field separator"},
		{short: 'v', long: "assign", arg: needArg, argName: "var=val", help: "assign val to var before the program runs"},
		{short: 'f', long: "file", arg: needArg, argName: "progfile", help: "read the program from progfile"},
	},
	inOrder: true,
	fail:    fullUsage,
	status:  2,
}

func (s *Shell) awk(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := awkTool.parse(hc, args)
	if done {
		return code
	}
	var vars [][2]string
	for _, kv := range o.values("v") {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			fmt.Fprintf(hc.Stderr, "awk: `%s' argument to `-v' not in `var=value' form\n\n", kv)
			return awkTool.usageError(hc.Stderr, "")
		}
		vars = append(vars, [2]string{name, val})
	}
	src, operands := "", o.args
	switch {
	case o.has("f"):
		for _, f := range o.values("f") {
			data, err := s.readInput(hc, f)
			if err != nil {
				fmt.Fprintf(hc.Stderr, "awk: fatal: can't open source file `%s' for reading: %s\n", f, errText(err))
				return 2
			}
			src += string(data) + "\n"
		}
	case len(operands) == 0:
		return awkTool.usageError(hc.Stderr, "")
	default:
		src, operands = operands[0], operands[1:]
	}
	cfg := awk.Config{
		Stdin: hc.Stdin, Stdout: hc.Stdout, Stderr: hc.Stderr, Env: exported(hc.Env), Args: operands,
		Open:   func(name string) (io.ReadCloser, error) { return s.awkOpen(hc, name) },
		Create: func(name string, appending bool) (io.WriteCloser, error) { return s.awkCreate(hc, name, appending) },
		Vars:   vars,
	}
	if o.has("F") {
		fs := o.value("F")
		cfg.FS = &fs
	}
	prog, err := awk.Compile(src, func(re string) (*regexp.Regexp, error) { return compileRegexp(re, reExtended, false) })
	if err != nil {
		fmt.Fprintln(hc.Stderr, err)
		return 1
	}
	return prog.Run(cfg)
}

func (s *Shell) awkOpen(hc interp.HandlerContext, name string) (io.ReadCloser, error) {
	r, err := s.openInput(hc, name)
	if err != nil {
		return nil, errors.New(errText(err))
	}
	if rc, ok := r.(io.ReadCloser); ok {
		return rc, nil
	}
	return io.NopCloser(r), nil
}

func (s *Shell) awkCreate(hc interp.HandlerContext, name string, appending bool) (io.WriteCloser, error) {
	if abs(hc.Dir, name) == "/dev/null" {
		return discard{}, nil
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appending {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := s.openFile(fsPath(abs(hc.Dir, name)), flag, 0o644)
	if err != nil {
		return nil, errors.New(errText(err))
	}
	return f, nil
}
