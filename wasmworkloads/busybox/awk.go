package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/kubeplay/kubeplay/engine/shell/awk"
)

// awkMain is awk: the interpreter is the playground shell's (package
// engine/shell/awk, POSIX awk with the usual builtins and nothing outside
// the standard library), behind BusyBox's command line and messages.
// Pipes to and from commands and system() are not available.
func awkMain(p *proc) int {
	args := p.args[1:]
	var vars [][2]string
	var fs *string
	var progFiles, progTexts []string
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		opt := args[0]
		args = args[1:]
		if opt == "--" {
			break
		}
		c, val := opt[1], opt[2:]
		if strings.IndexByte("vFfe", c) < 0 {
			return p.usageError("invalid option -- '%c'", c)
		}
		if val == "" {
			if len(args) == 0 {
				return p.usageError("option requires an argument -- '%c'", c)
			}
			val, args = args[0], args[1:]
		}
		switch c {
		case 'v':
			name, value, ok := strings.Cut(val, "=")
			if !ok {
				return p.usageError("invalid option -- 'v'")
			}
			vars = append(vars, [2]string{name, value})
		case 'F':
			fs = &val
		case 'f':
			progFiles = append(progFiles, val)
		case 'e':
			progTexts = append(progTexts, val)
		}
	}
	src, operands, code := awkProgram(p, progFiles, progTexts, args)
	if code >= 0 {
		return code
	}
	prog, err := awk.Compile(src, awkRegexp)
	if err != nil {
		p.errorf("%s", awkSyntaxError(err))
		return 2
	}
	stderr := &awkMessages{w: p.stderr}
	return prog.Run(awk.Config{
		Stdin: p.stdinOrEmpty(), Stdout: p.stdout, Stderr: stderr,
		Open:   func(name string) (io.ReadCloser, error) { return p.awkOpen(name) },
		Create: func(name string, appending bool) (io.WriteCloser, error) { return p.awkCreate(name, appending) },
		Env:    envMap(p.environ()), Args: operands, Vars: vars, FS: fs,
	})
}

// awkProgram gathers the program from -f files and -e texts, or the first
// operand; a code >= 0 ends awk.
func awkProgram(p *proc, files, texts, args []string) (string, []string, int) {
	var src strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(p.path(f))
		if err != nil {
			p.errorf("can't open '%s': %s", f, errText(err))
			return "", nil, 1
		}
		src.Write(data)
		src.WriteByte('\n')
	}
	for _, t := range texts {
		src.WriteString(t)
		src.WriteByte('\n')
	}
	if len(files) == 0 && len(texts) == 0 {
		if len(args) == 0 {
			p.printUsage(p.stderr, "awk")
			return "", nil, 1
		}
		src.WriteString(args[0])
		args = args[1:]
	}
	return src.String(), args, -1
}

// awkRegexp compiles an ERE, matched leftmost-longest as POSIX asks.
func awkRegexp(re string) (*regexp.Regexp, error) {
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, err
	}
	r.Longest()
	return r, nil
}

// awkSyntaxError words a syntax error as BusyBox's awk: "cmd. line:N:
// Unexpected token".
func awkSyntaxError(err error) string {
	var se *awk.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	line := strings.Count(se.Src[:min(se.Pos, len(se.Src))], "\n") + 1
	msg := "Unexpected token"
	if strings.Contains(se.Msg, "end of string") {
		msg = "Unexpected end of string"
	} else if strings.Contains(se.Msg, "never defined") {
		msg = "Call to undefined function"
	}
	return fmt.Sprintf("cmd. line:%d: %s", line, msg)
}

// awkMessages turns the interpreter's gawk-style fatal errors into
// BusyBox's "awk: cmd. line:1: Message".
type awkMessages struct{ w io.Writer }

func (a *awkMessages) Write(b []byte) (int, error) {
	msg, ok := bytes.CutPrefix(b, []byte("awk: fatal: "))
	if !ok {
		return a.w.Write(b)
	}
	text := strings.TrimSuffix(string(msg), " attempted\n")
	text = strings.TrimSuffix(text, "\n")
	if text != "" {
		text = strings.ToUpper(text[:1]) + text[1:]
	}
	_, err := fmt.Fprintf(a.w, "awk: cmd. line:1: %s\n", text)
	return len(b), err
}

func (p *proc) awkOpen(name string) (io.ReadCloser, error) {
	r, err := p.open(name)
	if err != nil {
		return nil, errors.New(errText(err))
	}
	return r, nil
}

func (p *proc) awkCreate(name string, appending bool) (io.WriteCloser, error) {
	if dev, ok := openDevice(name, nil, p.stdout, p.stderr); ok {
		return dev, nil
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appending {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(p.path(name), flag, 0o666)
	if err != nil {
		return nil, errors.New(errText(err))
	}
	return f, nil
}

// envMap is the environment as awk's ENVIRON.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}
