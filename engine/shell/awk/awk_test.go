package awk

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run compiles and runs a program over input, with Go's regexps (the
// shell passes POSIX ones).
func run(t *testing.T, src, input string, args ...string) (string, int) {
	t.Helper()
	prog, err := Compile(src, regexp.Compile)
	require.NoError(t, err, src)
	var out bytes.Buffer
	files := map[string]string{"data": "x 1\ny 2\n"}
	code := prog.Run(Config{
		Stdin: strings.NewReader(input), Stdout: &out, Stderr: &out, Args: args,
		Env: map[string]string{"HOME": "/root"},
		Open: func(name string) (io.ReadCloser, error) {
			if data, ok := files[name]; ok {
				return io.NopCloser(strings.NewReader(data)), nil
			}
			return nil, errors.New("No such file or directory")
		},
	})
	return out.String(), code
}

func TestPrograms(t *testing.T) {
	for _, c := range []struct {
		name, src, input, out string
		args                  []string
		code                  int
	}{
		{name: "multi-line program", src: "BEGIN {\n  x = 1\n  y = 2; print x +\\\n y\n}", out: "3\n"},
		{name: "comments", src: "# first\n{ print $1 } # trailing\n", input: "a b\n", out: "a\n"},
		{name: "newline after && and ,", src: "{ if ($1 == \"a\" &&\n $2 == \"b\") print \"yes\",\n \"both\" }", input: "a b\n", out: "yes both\n"},
		{name: "semicolons and empty statements", src: "BEGIN { ; x = 1;; print x; }", out: "1\n"},
		{name: "else on the next line", src: "BEGIN { if (0) print \"a\"\nelse print \"b\" }", out: "b\n"},
		{name: "function over lines", src: "function max(a, b) {\n  return a > b ? a : b\n}\n{ m = max(m, $1) }\nEND { print m }", input: "3\n10\n7\n", out: "10\n"},
		{name: "recursion and locals", src: "function fib(n,   a) { if (n < 2) return n; a = fib(n-1); return a + fib(n-2) }\nBEGIN { print fib(15) }", out: "610\n"},
		{name: "array passed by reference", src: "function add(arr, k) { arr[k]++ }\n{ add(count, $1) }\nEND { for (k in count) print k, count[k] }", input: "b\na\nb\n", out: "a 1\nb 2\n"},
		{name: "for-in order is numeric then by bytes", src: "BEGIN { a[\"b\"]; a[10]; a[9]; a[\"a\"]; for (k in a) printf \"%s \", k; print \"\" }", out: "9 10 a b \n"},
		{name: "uninitialized", src: "BEGIN { print x + 0, \"[\" x \"]\", length(x), (x == 0 && x == \"\") }", out: "0 [] 0 1\n"},
		{name: "strnum comparison", src: "{ print ($1 < $2) }", input: "9 10\nabc abd\n 1e2 100\n", out: "1\n1\n0\n"},
		{name: "string comparison of constants", src: "BEGIN { print (\"9\" < \"10\") }", out: "0\n"},
		{name: "integer output", src: "BEGIN { print 3.0, 2^53, 0.1 * 3, (1e300 > 1e299) }", out: "3 9007199254740992 0.3 1\n"},
		{name: "no files to write", src: "BEGIN { print 1 > \"f\" }", out: "awk: fatal: can't redirect to `f': no files here\n", code: 2},
		{name: "OFMT and CONVFMT", src: "BEGIN { OFMT = \"%.2f\"; CONVFMT = \"%.3f\"; x = 3.14159; print x, x \"\" }", out: "3.14 3.142\n"},
		{name: "getline from a file", src: "BEGIN { while ((getline line < \"data\") > 0) n++; print n, line }", out: "2 y 2\n"},
		{name: "getline var keeps $0", src: "NR == 1 { getline v; print $0 \"|\" v \"|\" NR }", input: "a\nb\n", out: "a|b|2\n"},
		{name: "operand assignments", src: "{ print v, $0 }", input: "in\n", args: []string{"v=1", "-", "v=2"}, out: "1 in\n"},
		{name: "ENVIRON and ARGV", src: "BEGIN { print ENVIRON[\"HOME\"], ARGC, ARGV[1] }", args: []string{"data"}, out: "/root 2 data\n"},
		{name: "exit code from END", src: "END { exit 7 }", input: "", out: "", code: 7},
		{name: "exit in a rule runs END", src: "{ exit 2 } END { print \"end\", NR }", input: "a\nb\n", out: "end 1\n", code: 2},
		{name: "regex dynamic", src: "BEGIN { re = \"^a.c$\" } $0 ~ re", input: "abc\nabd\n", out: "abc\n"},
		{name: "sub with & and escaped &", src: "{ sub(/b/, \"[&|\\\\&]\"); print }", input: "abc\n", out: "a[b|&]c\n"},
		{name: "gsub on a field rebuilds $0", src: "BEGIN { OFS = \"-\" } { gsub(/o/, \"0\", $2); print }", input: "foo boo zoo\n", out: "foo-b00-zoo\n"},
		{name: "split with a regex and default FS", src: "BEGIN { n = split(\"a  b\\tc\", p); print n, p[3]; n = split(\"a1b2c\", q, /[0-9]/); print n, q[2] }", out: "3 c\n3 b\n"},
		{name: "printf reuses nothing and pads", src: "BEGIN { printf \"[%5s][%-5d][%.3s][%c]\\n\", \"ab\", 7, \"abcdef\", 256+65 }", out: "[   ab][7    ][abc][Ł]\n"},
		{name: "printf %%c of a number", src: "BEGIN { printf \"%c%c\\n\", 72, \"i!\" }", out: "Hi\n"},
		{name: "increment fields", src: "{ $2++; print; print $2 }", input: "a 1\n", out: "a 2\n2\n"},
		{name: "NF decrement", src: "{ NF--; print }", input: "a b c\n", out: "a b\n"},
		{name: "paragraph mode", src: "BEGIN { RS = \"\" } { print NR \": \" NF }", input: "\n\na b\nc\n\n\nd\n", out: "1: 3\n2: 1\n"},
		{name: "range with the same line", src: "/b/,/b/", input: "a\nb\nc\nb\n", out: "b\nb\n"},
		{name: "next file", src: "FNR == 2 { nextfile } { print FILENAME, $0 }", args: []string{"data", "data"}, out: "data x 1\ndata x 1\n"},
		{name: "division by zero is fatal", src: "BEGIN { print 1 % 0 }", out: "awk: fatal: division by zero attempted in `%'\n", code: 2},
		{name: "missing file is fatal", src: "{ print }", args: []string{"nope"}, out: "awk: fatal: cannot open file `nope' for reading: No such file or directory\n", code: 2},
		{name: "deep recursion is stopped", src: "function f(n) { return f(n + 1) } BEGIN { f(1) }", out: "awk: fatal: function `f': too deep a recursion\n", code: 2},
		{name: "substr rounding", src: "BEGIN { print substr(\"hello\", 1.5, 2.3) \"|\" substr(\"hello\", 10) \"|\" }", out: "el||\n"},
		{name: "print parenthesised list with redirection-free >", src: "BEGIN { print (2 > 1), (1 > 2) }", out: "1 0\n"},
		{name: "in with a parenthesised list", src: "BEGIN { a[1, \"x\"] = 1; print ((1, \"x\") in a), ((2, \"x\") in a) }", out: "1 0\n"},
		{name: "unary minus and power", src: "BEGIN { print -2^2, 2^-1, 2^3^2 }", out: "-4 0.5 512\n"},
		{name: "ternary is right associative", src: "BEGIN { x = 2; print x == 1 ? \"one\" : x == 2 ? \"two\" : \"many\" }", out: "two\n"},
		{name: "regex as a value matches $0", src: "{ x = /b/; print x }", input: "abc\nxyz\n", out: "1\n0\n"},
		{name: "length of an array", src: "BEGIN { a[1]; a[2]; print length(a) }", out: "2\n"},
		{name: "delete inside for-in", src: "BEGIN { a[1]; a[2]; a[3]; for (k in a) delete a[k]; print length(a) }", out: "0\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, code := run(t, c.src, c.input, c.args...)
			assert.Equal(t, c.out, out)
			assert.Equal(t, c.code, code)
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct{ src, err string }{
		{"{ print $1", "awk: cmd. line:1: { print $1\nawk: cmd. line:1:           ^ unexpected newline or end of string"},
		{"BEGIN {\n  x = = 1\n}", "awk: cmd. line:2:   x = = 1\nawk: cmd. line:2:       ^ syntax error"},
		{"BEGIN", "awk: cmd. line:1: BEGIN\nawk: cmd. line:1:      ^ BEGIN blocks must have an action part"},
		{"BEGIN { f(1) }", "awk: cmd. line:1: BEGIN { f(1) }\nawk: cmd. line:1:         ^ function `f' called but never defined"},
		{"function f(a) { } function f(b) { }", "awk: cmd. line:1: function f(a) { } function f(b) { }\nawk: cmd. line:1:                            ^ function `f' previously defined"},
		{"BEGIN { x = /a }", "awk: cmd. line:1: BEGIN { x = /a }\nawk: cmd. line:1:             ^ unterminated regexp"},
		{"BEGIN { printf }", "awk: cmd. line:1: BEGIN { printf }\nawk: cmd. line:1:                ^ printf: no format"},
		{"BEGIN { substr(1) }", "awk: cmd. line:1: BEGIN { substr(1) }\nawk: cmd. line:1:                   ^ 1 is invalid as number of arguments for substr"},
		{"BEGIN { sub(/a/, \"b\", \"c\") }", "awk: cmd. line:1: BEGIN { sub(/a/, \"b\", \"c\") }\nawk: cmd. line:1:                            ^ sub: argument 3 is not a variable"},
	} {
		_, err := Compile(c.src, regexp.Compile)
		assert.EqualError(t, err, c.err, c.src)
	}
}
