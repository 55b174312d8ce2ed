package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// xargsOptions are xargs' flags once parsed.
type xargsOptions struct {
	nul, trace, noEmpty, exitOnSize bool
	maxArgs                         int    // -n; 0 is no limit
	replace                         string // -I
	maxChars                        int    // -s
	inputFile                       string // -a
}

// xargsMain runs a command (echo by default) with the items read from
// standard input as arguments: words split at blanks and newlines, with
// quotes and backslashes as BusyBox reads them; lines with -I; NUL-ended
// with -0. The command is an applet or a script, run in this process.
func xargsMain(p *proc) int {
	x, cmd, status := parseXargs(p)
	if status >= 0 {
		return status
	}
	if len(cmd) == 0 {
		cmd = []string{"echo"}
	}
	in := p.stdinOrEmpty()
	if f := xargsFile(p, x.inputFile); f != nil {
		defer f.Close()
		in = f
	}
	items, err := readItems(in, x)
	if err != nil {
		p.errorf("%v", err)
		return 1
	}
	if len(items) == 0 && x.noEmpty {
		return 0
	}
	return p.runBatches(x, cmd, items)
}

// parseXargs reads the options up to the command, which stops them.
func parseXargs(p *proc) (xargsOptions, []string, int) {
	x := xargsOptions{maxChars: 128 << 10}
	args := p.args[1:]
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		arg := args[0]
		args = args[1:]
		if arg == "--" {
			break
		}
		for i := 1; i < len(arg); i++ {
			c := arg[i]
			if strings.IndexByte("nsIPaE", c) >= 0 {
				val := arg[i+1:]
				if val == "" {
					if len(args) == 0 {
						return x, nil, p.usageError("option requires an argument -- '%c'", c)
					}
					val, args = args[0], args[1:]
				}
				if status := x.set(p, c, val); status >= 0 {
					return x, nil, status
				}
				break
			}
			switch c {
			case '0':
				x.nul = true
			case 't':
				x.trace = true
			case 'r':
				x.noEmpty = true
			case 'x':
				x.exitOnSize = true
			case 'p', 'e':
			default:
				return x, nil, p.usageError("invalid option -- '%c'", c)
			}
		}
	}
	return x, args, -1
}

// set applies an option with a value; a status >= 0 ends xargs.
func (x *xargsOptions) set(p *proc, c byte, val string) int {
	switch c {
	case 'I':
		x.replace, x.maxArgs = val, 1
	case 'n', 's', 'P':
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 || (n == 0 && c != 'P') {
			p.errorf("invalid number '%s'", val)
			return 1
		}
		if c == 'n' {
			x.maxArgs = n
		} else if c == 's' {
			x.maxChars = n
		}
	case 'a':
		x.inputFile = val
	}
	return -1
}

// xargsFile opens -a's file, if any.
func xargsFile(p *proc, name string) io.ReadCloser {
	if name == "" {
		return nil
	}
	f, err := p.open(name)
	if err != nil {
		p.errorf("%s: %s", name, errText(err))
		return io.NopCloser(strings.NewReader(""))
	}
	return f
}

// readItems splits the input into arguments.
func readItems(r io.Reader, x xargsOptions) ([]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	switch {
	case x.nul:
		items := strings.Split(string(data), "\x00")
		if items[len(items)-1] == "" {
			items = items[:len(items)-1]
		}
		return items, nil
	case x.replace != "":
		var items []string
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if line := strings.TrimLeft(sc.Text(), " \t"); line != "" {
				items = append(items, line)
			}
		}
		return items, sc.Err()
	}
	return splitWords(string(data))
}

// splitWords splits at unquoted blanks, as xargs does: '...' and "..."
// quote, a backslash escapes the next character.
func splitWords(s string) ([]string, error) {
	var items []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\n' {
				return nil, fmt.Errorf("unmatched %s quote", map[byte]string{'\'': "single", '"': "double"}[quote])
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				items = append(items, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unmatched %s quote", map[byte]string{'\'': "single", '"': "double"}[quote])
	}
	if inWord {
		items = append(items, cur.String())
	}
	return items, nil
}

// runBatches runs the command once per batch of items and combines the
// statuses as xargs does: 123 if any run failed, 124 if one exited 255,
// 126/127 if the command could not be run.
func (p *proc) runBatches(x xargsOptions, cmd, items []string) int {
	status := 0
	for first := true; first || len(items) > 0; first = false {
		n := len(items)
		if x.maxArgs > 0 {
			n = min(n, x.maxArgs)
		}
		n = fitChars(cmd, items[:n], x.maxChars)
		batch := items[:n]
		items = items[n:]
		argv := append(append([]string(nil), cmd...), batch...)
		if x.replace != "" {
			argv = replaceAll(cmd, x.replace, strings.Join(batch, " "))
		}
		if x.trace {
			fmt.Fprintln(p.stderr, strings.Join(argv, " "))
		}
		switch code := p.spawn(argv); {
		case code == 127 || code == 126:
			return code
		case code == 255:
			p.errorf("%s: exited with status 255; aborting", argv[0])
			return 124
		case code != 0:
			status = 123
		}
		if n == 0 {
			break
		}
	}
	return status
}

// fitChars is how many of items fit in a command line of max bytes; at
// least one.
func fitChars(cmd, items []string, max int) int {
	size := 0
	for _, c := range cmd {
		size += len(c) + 1
	}
	for i, it := range items {
		size += len(it) + 1
		if size > max && i > 0 {
			return i
		}
	}
	return len(items)
}

func replaceAll(cmd []string, old, new string) []string {
	out := make([]string, len(cmd))
	for i, a := range cmd {
		out[i] = strings.ReplaceAll(a, old, new)
	}
	return out
}

// spawn runs a command as a child of this process: an applet, or a
// script. Its status is 127 when it does not exist, as execvp fails.
func (p *proc) spawn(argv []string) int {
	child := *p
	child.args = argv
	child.pid = newPID()
	name := argv[0]
	if _, ok := lookupApplet(baseName(name)); ok || baseName(name) == "busybox" {
		return dispatch(&child)
	}
	if strings.Contains(name, "/") {
		if fi, err := os.Stat(p.path(name)); err == nil && fi.Mode().IsRegular() {
			child.args = append([]string{p.shellName(), name}, argv[1:]...)
			return dispatch(&child)
		}
	}
	p.errorf("%s: No such file or directory", name)
	return 127
}
