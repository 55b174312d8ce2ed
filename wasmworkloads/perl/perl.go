package main

import (
	"io"
	"math"
	"strconv"
	"strings"
)

// perl runs a program: statements separated by semicolons, each a print
// or say of a list of terms (bpi(N), Math::BigFloat->bpi(N), numbers,
// strings), a use of a module, or exit.
type perl struct {
	out, err io.Writer
	lineEnd  string // $\
	features bool   // say is there (-E, use feature, use v5.10+)
	file     string // "-e", "-" or the script's name, for messages
	line     int
	imports  map[string]bool // the functions modules imported: bpi
	bigint   bool            // bpi comes from bigint: pi's integer part
}

// incDirs is the perl image's @INC.
var incDirs = []string{
	"/usr/local/lib/perl5/site_perl/" + version + "/x86_64-linux-gnu",
	"/usr/local/lib/perl5/site_perl/" + version,
	"/usr/local/lib/perl5/vendor_perl/" + version + "/x86_64-linux-gnu",
	"/usr/local/lib/perl5/vendor_perl/" + version,
	"/usr/local/lib/perl5/" + version + "/x86_64-linux-gnu",
	"/usr/local/lib/perl5/" + version,
}

// modules are the modules the image has, and what they can import.
var modules = map[string]bool{
	"bignum": true, "bigint": true, "bigrat": true, "bigfloat": true,
	"Math::BigFloat": true, "Math::BigInt": true,
	"strict": true, "warnings": true, "utf8": true, "feature": true, "integer": true,
}

// use loads a module as -MName=a,b or `use Name qw(a b)` does; line 0
// is the command line. It reports false, with perl's status, for a
// module the image does not have.
func (p *perl) use(spec string, line int) (int, bool) {
	spec = strings.TrimPrefix(spec, "-") // -M-Foo: no Foo
	name, args, _ := strings.Cut(spec, "=")
	name, args2, _ := strings.Cut(name, " ")
	if args == "" {
		args = args2
	}
	if strings.HasPrefix(name, "v5") || strings.HasPrefix(name, "5") {
		p.features = true
		return 0, true
	}
	if !modules[name] {
		file := strings.ReplaceAll(name, "::", "/") + ".pm"
		where, after := ".", "\nBEGIN failed--compilation aborted."
		if line > 0 {
			where = sprintf(" at %s line %d.", p.file, line)
			after = sprintf("\nBEGIN failed--compilation aborted at %s line %d.", p.file, line)
		}
		fprintf(p.err, "Can't locate %s in @INC (you may need to install the %s module) (@INC entries checked: %s)%s%s\n",
			file, name, strings.Join(incDirs, " "), where, after)
		return 2, false
	}
	if name == "feature" {
		p.features = true
	}
	for _, f := range strings.FieldsFunc(args, func(r rune) bool { return r == ',' || r == ' ' || r == '(' || r == ')' || r == '\'' || r == '"' }) {
		if f == "qw" {
			continue
		}
		p.imports[f] = true
		p.bigint = name == "bigint" && f == "bpi"
	}
	return 0, true
}

// die prints a message as perl's die does and returns its status.
func (p *perl) die(status int, format string, args ...any) int {
	fprintf(p.err, format+" at %s line %d.\n", append(args, p.file, max(p.line, 1))...)
	return status
}

// run runs the program; check only compiles it (-c).
func (p *perl) run(src string, check bool) int {
	stmts, err := split(src)
	if err != nil {
		fprintf(p.err, "%v at %s line %d.\nExecution of %s aborted due to compilation errors.\n", err, p.file, err.line, p.file)
		return 255
	}
	for _, s := range stmts {
		if strings.HasPrefix(s.text, "use ") || strings.HasPrefix(s.text, "no ") {
			p.line = s.line
			if status, ok := p.useStatement(s.text); !ok {
				return status
			}
		}
	}
	if check {
		fprintf(p.err, "%s syntax OK\n", p.file)
		return 0
	}
	for _, s := range stmts {
		p.line = s.line
		if status, stop := p.statement(s.text); stop {
			return status
		}
	}
	return 0
}

// useStatement handles `use Module LIST`.
func (p *perl) useStatement(text string) (int, bool) {
	if strings.HasPrefix(text, "no ") {
		return 0, true
	}
	rest := strings.TrimSpace(strings.TrimPrefix(text, "use "))
	name, args, _ := strings.Cut(rest, " ")
	return p.use(name+"="+args, p.line)
}

// statement runs one statement; stop ends the program with status.
func (p *perl) statement(text string) (status int, stop bool) {
	switch {
	case text == "", strings.HasPrefix(text, "use "), strings.HasPrefix(text, "no "):
		return 0, false
	case text == "exit" || strings.HasPrefix(text, "exit ") || strings.HasPrefix(text, "exit("):
		arg := strings.Trim(strings.TrimSpace(strings.TrimPrefix(text, "exit")), "()")
		n, _ := strconv.Atoi(strings.TrimSpace(arg))
		return n, true
	}
	keyword, list := cutWord(text)
	switch {
	case keyword == "print":
		return p.print(list, "")
	case keyword == "say" && p.features:
		return p.print(list, "\n")
	}
	if name, _, ok := strings.Cut(text, "("); ok && isIdent(strings.TrimSpace(name)) && !strings.Contains(name, " ") {
		return p.die(255, "Undefined subroutine &main::%s called", strings.TrimSpace(name)), true
	}
	return p.unsupported(text), true
}

// unsupported says what the image can run.
func (p *perl) unsupported(text string) int {
	return p.die(255, "kubeplay's perl image runs print and say of bpi(N), numbers and strings (the documentation's pi Job); it cannot run \"%s\"", text)
}

// print prints a list, then $\ (and say's newline).
func (p *perl) print(list, end string) (int, bool) {
	list = strings.TrimSpace(list)
	if strings.HasPrefix(list, "(") && matchingParen(list, 0) == len(list)-1 {
		list = list[1 : len(list)-1]
	}
	terms, err := splitList(list)
	if err != nil {
		return p.unsupported("print " + list), true
	}
	var b strings.Builder
	for _, t := range terms {
		s, status, ok := p.term(t)
		if !ok {
			return status, true
		}
		b.WriteString(s)
	}
	if list == "" {
		b.WriteString("") // print with no list prints $_, which is empty
	}
	b.WriteString(end + p.lineEnd)
	io.WriteString(p.out, b.String())
	return 0, false
}

// term evaluates one term of a list.
func (p *perl) term(t string) (string, int, bool) {
	t = strings.TrimSpace(t)
	switch {
	case strings.HasPrefix(t, `"`) || strings.HasPrefix(t, `'`):
		s, ok := stringLiteral(t)
		if !ok {
			return "", p.unsupported(t), false
		}
		return s, 0, true
	case strings.HasPrefix(t, "bpi"):
		if !p.imports["bpi"] {
			return "", p.die(255, "Undefined subroutine &main::bpi called"), false
		}
		return p.bpi(strings.TrimSpace(strings.TrimPrefix(t, "bpi")), p.bigint)
	case strings.HasPrefix(t, "Math::BigFloat->bpi"):
		if len(p.imports) == 0 && !modules["Math::BigFloat"] {
			return "", p.unsupported(t), false
		}
		return p.bpi(strings.TrimSpace(strings.TrimPrefix(t, "Math::BigFloat->bpi")), false)
	}
	if v, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64); err == nil && !strings.ContainsAny(t, "xXpP") {
		return formatNumber(v), 0, true
	}
	if name, _, ok := strings.Cut(t, "("); ok && isIdent(strings.TrimSpace(name)) {
		return "", p.die(255, "Undefined subroutine &main::%s called", strings.TrimSpace(name)), false
	}
	return "", p.unsupported(t), false
}

// bpi evaluates bpi's argument and computes the digits: 40 without a
// positive accuracy (bignum's default div_scale), pi's integer part under
// bigint.
func (p *perl) bpi(arg string, integer bool) (string, int, bool) {
	arg = strings.TrimSpace(arg)
	if strings.HasPrefix(arg, "(") && matchingParen(arg, 0) == len(arg)-1 {
		arg = strings.TrimSpace(arg[1 : len(arg)-1])
	}
	if integer {
		return "3", 0, true
	}
	if arg == "" {
		return bpi(40), 0, true
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(arg, "_", ""), 64)
	switch {
	case err != nil:
		return "", p.unsupported("bpi(" + arg + ")"), false
	case v < 0:
		return "", p.die(255, "Argument to accuracy must be greater than zero"), false
	case v == 0:
		return bpi(40), 0, true
	case v > 1e6:
		return "", p.die(255, "kubeplay's perl image computes pi to at most a million digits"), false
	}
	return bpi(int(v)), 0, true
}

// formatNumber prints a number as perl does, with %.15g.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'g', 15, 64)
	if strings.ContainsAny(s, "e") {
		mant, exp, _ := strings.Cut(s, "e")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		sign := exp[:1]
		digits := strings.TrimLeft(exp[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + sign + digits
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// stringLiteral reads a quoted string: single quotes take it as it is
// (but \\ and \'), double quotes read escapes; interpolation is beyond
// this image.
func stringLiteral(t string) (string, bool) {
	if len(t) < 2 || t[len(t)-1] != t[0] {
		return "", false
	}
	body := t[1 : len(t)-1]
	if t[0] == '\'' {
		return strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(body), true
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '$' || c == '@' {
			return "", false
		}
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'a':
			b.WriteByte('\a')
		case 'e':
			b.WriteByte(0x1b)
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String(), true
}

func cutWord(s string) (string, string) {
	i := strings.IndexFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '(' || r == '"' || r == '\'' })
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == ':' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
