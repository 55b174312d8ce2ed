package main

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// testMain is test and [. Within sh these are the shell's builtins; the
// applets serve argv ["test", ...] and `env [ ... ]`. Status 0 is true, 1
// false, 2 an error.
func testMain(p *proc) int {
	args := p.args[1:]
	if p.name() == "[" {
		if len(args) == 0 || args[len(args)-1] != "]" {
			p.errorf("missing ]")
			return 2
		}
		args = args[:len(args)-1]
	}
	t := &tester{p: p, args: args}
	ok, err := t.eval()
	if err != nil {
		p.errorf("%v", err)
		return 2
	}
	if ok {
		return 0
	}
	return 1
}

// testError is a malformed test expression.
type testError string

func (e testError) Error() string { return string(e) }

// tester evaluates a test expression. POSIX fixes the meaning of up to
// four arguments by their count (so `[ -n ]` and `[ = = = ]` work); longer
// expressions go through a parser with -o below -a below !.
type tester struct {
	p    *proc
	args []string
	pos  int
}

func (t *tester) eval() (bool, error) {
	a := t.args
	switch len(a) {
	case 0:
		return false, nil
	case 1:
		return a[0] != "", nil
	case 2:
		if a[0] == "!" {
			return a[1] == "", nil
		}
		if isUnaryTest(a[0]) {
			return t.unary(a[0], a[1])
		}
		return false, testError(a[0] + ": unknown operand")
	case 3:
		if isBinaryTest(a[1]) {
			return t.binary(a[0], a[1], a[2])
		}
		if a[0] == "!" {
			ok, err := (&tester{p: t.p, args: a[1:]}).eval()
			return !ok, err
		}
		if a[0] == "(" && a[2] == ")" {
			return a[1] != "", nil
		}
	case 4:
		if a[0] == "!" {
			ok, err := (&tester{p: t.p, args: a[1:]}).eval()
			return !ok, err
		}
		if a[0] == "(" && a[3] == ")" {
			return (&tester{p: t.p, args: a[1:3]}).eval()
		}
	}
	ok, err := t.or()
	if err == nil && t.pos < len(t.args) {
		err = testError("syntax error")
	}
	return ok, err
}

func (t *tester) peek() string {
	if t.pos < len(t.args) {
		return t.args[t.pos]
	}
	return ""
}

func (t *tester) or() (bool, error) {
	ok, err := t.and()
	for err == nil && t.peek() == "-o" {
		t.pos++
		var r bool
		r, err = t.and()
		ok = ok || r
	}
	return ok, err
}

func (t *tester) and() (bool, error) {
	ok, err := t.not()
	for err == nil && t.peek() == "-a" {
		t.pos++
		var r bool
		r, err = t.not()
		ok = ok && r
	}
	return ok, err
}

func (t *tester) not() (bool, error) {
	if t.peek() == "!" {
		t.pos++
		ok, err := t.not()
		return !ok, err
	}
	return t.primary()
}

func (t *tester) primary() (bool, error) {
	rest := len(t.args) - t.pos
	if rest == 0 {
		return false, testError("argument expected")
	}
	a := t.args[t.pos:]
	switch {
	case a[0] == "(":
		t.pos++
		ok, err := t.or()
		if err == nil && t.peek() != ")" {
			err = testError("')' expected")
		}
		t.pos++
		return ok, err
	case rest >= 3 && isBinaryTest(a[1]):
		t.pos += 3
		return t.binary(a[0], a[1], a[2])
	case rest >= 2 && isUnaryTest(a[0]):
		t.pos += 2
		return t.unary(a[0], a[1])
	}
	t.pos++
	return a[0] != "", nil
}

func isUnaryTest(op string) bool {
	return len(op) == 2 && op[0] == '-' && strings.IndexByte("bcdefghLnprsStuwxzGOk", op[1]) >= 0
}

func isBinaryTest(op string) bool {
	switch op {
	case "=", "==", "!=", "<", ">", "-eq", "-ne", "-gt", "-ge", "-lt", "-le", "-nt", "-ot", "-ef":
		return true
	}
	return false
}

// unary evaluates a string or file test. There is one user, root, so the
// permission tests come down to existence (and any x bit for -x).
func (t *tester) unary(op, arg string) (bool, error) {
	switch op {
	case "-z":
		return arg == "", nil
	case "-n":
		return arg != "", nil
	case "-t":
		return false, nil // no terminals here
	}
	var fi fs.FileInfo
	var err error
	if op == "-L" || op == "-h" {
		fi, err = lstatMode(t.p.path(arg))
	} else {
		fi, err = statMode(t.p.path(arg))
	}
	if err != nil {
		return false, nil
	}
	m := fi.Mode()
	switch op {
	case "-e", "-r", "-w", "-G", "-O":
		return true, nil
	case "-f":
		return m.IsRegular(), nil
	case "-d":
		return m.IsDir(), nil
	case "-s":
		return fi.Size() > 0, nil
	case "-x":
		return m&0o111 != 0 || m.IsDir(), nil
	case "-L", "-h":
		return m&fs.ModeSymlink != 0, nil
	case "-p":
		return m&fs.ModeNamedPipe != 0, nil
	case "-S":
		return m&fs.ModeSocket != 0, nil
	case "-b":
		return m&fs.ModeDevice != 0 && m&fs.ModeCharDevice == 0, nil
	case "-c":
		return m&fs.ModeCharDevice != 0, nil
	case "-u":
		return m&fs.ModeSetuid != 0, nil
	case "-g":
		return m&fs.ModeSetgid != 0, nil
	case "-k":
		return m&fs.ModeSticky != 0, nil
	}
	return false, testError(op + ": unknown operand")
}

// binary evaluates a comparison.
func (t *tester) binary(l, op, r string) (bool, error) {
	switch op {
	case "=", "==":
		return l == r, nil
	case "!=":
		return l != r, nil
	case "<":
		return l < r, nil
	case ">":
		return l > r, nil
	case "-nt", "-ot", "-ef":
		a, errA := os.Stat(t.p.path(l))
		b, errB := os.Stat(t.p.path(r))
		switch op {
		case "-nt":
			return errA == nil && (errB != nil || a.ModTime().After(b.ModTime())), nil
		case "-ot":
			return errB == nil && (errA != nil || a.ModTime().Before(b.ModTime())), nil
		}
		return errA == nil && errB == nil && os.SameFile(a, b), nil
	}
	a, err := testNumber(l)
	if err != nil {
		return false, err
	}
	b, err := testNumber(r)
	if err != nil {
		return false, err
	}
	switch op {
	case "-eq":
		return a == b, nil
	case "-ne":
		return a != b, nil
	case "-gt":
		return a > b, nil
	case "-ge":
		return a >= b, nil
	case "-lt":
		return a < b, nil
	}
	return a <= b, nil // -le
}

// testNumber parses an integer operand, allowing surrounding blanks.
func testNumber(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, testError(s + ": bad number")
	}
	return n, nil
}
