package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// echoMain is BusyBox's echo: -n (no newline), -e (escapes), -E (none,
// the default). An argument counts as options only when all its letters
// are n, e or E, so `echo -x` prints -x.
func echoMain(p *proc) int {
	args := p.args[1:]
	newline, escapes := true, false
	for len(args) > 0 && isEchoFlags(args[0]) {
		for _, c := range args[0][1:] {
			switch c {
			case 'n':
				newline = false
			case 'e':
				escapes = true
			case 'E':
				escapes = false
			}
		}
		args = args[1:]
	}
	var b strings.Builder
	for i, arg := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if escapes {
			s, stop := unescape(arg, true)
			b.WriteString(s)
			if stop {
				newline = false
				break
			}
			continue
		}
		b.WriteString(arg)
	}
	if newline {
		b.WriteByte('\n')
	}
	_, err := p.stdout.Write([]byte(b.String()))
	if err != nil {
		return 1
	}
	return 0
}

func isEchoFlags(arg string) bool {
	return len(arg) > 1 && arg[0] == '-' && strings.Trim(arg[1:], "neE") == ""
}

// unescape interprets backslash escapes as echo -e and printf's %b do:
// \a \b \e \f \n \r \t \v \\, \0NNN and \NNN octal, \xHH hex, and \c,
// which stops all output (reported by stop).
func unescape(s string, echoStyle bool) (out string, stop bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'e', 'E':
			b.WriteByte(0x1b)
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '\\':
			b.WriteByte('\\')
		case 'c':
			return b.String(), true
		case 'x':
			n, used := digits(s[i+1:], 16, 2)
			if used == 0 {
				b.WriteString(`\x`)
				continue
			}
			b.WriteByte(byte(n))
			i += used
		case '0', '1', '2', '3', '4', '5', '6', '7':
			// Up to three octal digits; echo also skips the 0 of \0NNN.
			start := i
			if echoStyle && c == '0' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7' {
				start++
			}
			n, used := digits(s[start:], 8, 3)
			b.WriteByte(byte(n))
			i = start + used - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String(), false
}

// digits reads up to max digits of the base from the start of s.
func digits(s string, base, max int) (n, used int) {
	for used < max && used < len(s) {
		d := strings.IndexByte("0123456789abcdef", lower(s[used]))
		if d < 0 || d >= base {
			break
		}
		n = n*base + d
		used++
	}
	return n, used
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// printfMain is printf(1): the format is reused until the arguments run
// out; conversions are C's, and a number that does not parse is reported
// and counted as 0, making the status 1, as in BusyBox.
func printfMain(p *proc) int {
	if len(p.args) < 2 {
		return p.usageError("missing format")
	}
	format, args := p.args[1], p.args[2:]
	if format == "--" && len(args) > 0 {
		format, args = args[0], args[1:]
	}
	f := &printfState{p: p, args: args}
	var b strings.Builder
	for {
		if f.format(&b, format) {
			break // \c
		}
		if f.used == 0 || len(f.args) == 0 {
			break
		}
		f.used = 0
	}
	p.stdout.Write([]byte(b.String()))
	return f.status
}

// printfState walks the arguments for one printf.
type printfState struct {
	p      *proc
	args   []string
	used   int // arguments consumed by this pass over the format
	status int
}

// next takes the next argument, or "" when they have run out.
func (f *printfState) next() string {
	if len(f.args) == 0 {
		return ""
	}
	a := f.args[0]
	f.args = f.args[1:]
	f.used++
	return a
}

// format writes one pass of the format, reporting whether \c stopped it.
func (f *printfState) format(b *strings.Builder, format string) bool {
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '\\':
			j := i + 1
			for j < len(format) && j < i+4 && format[j] >= '0' && format[j] <= '7' {
				j++
			}
			if j == i+1 && j < len(format) {
				j++
				if format[i+1] == 'x' {
					_, used := digits(format[j:], 16, 2)
					j += used
				}
			}
			s, stop := unescape(format[i:j], false)
			b.WriteString(s)
			if stop {
				return true
			}
			i = j - 1
		case c == '%' && i+1 < len(format) && format[i+1] == '%':
			b.WriteByte('%')
			i++
		case c == '%':
			n, stop := f.conversion(b, format[i:])
			if stop {
				return true
			}
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return false
}

// conversion formats one %-conversion at the start of spec, returning its
// length in the format.
func (f *printfState) conversion(b *strings.Builder, spec string) (n int, stop bool) {
	i := 1
	for i < len(spec) && strings.IndexByte("-+ #0", spec[i]) >= 0 {
		i++
	}
	goSpec := spec[:i]
	// Width and precision, either of which may be * (from the arguments).
	for _, part := range []string{"width", "precision"} {
		if part == "precision" {
			if i >= len(spec) || spec[i] != '.' {
				break
			}
			goSpec += "."
			i++
		}
		if i < len(spec) && spec[i] == '*' {
			goSpec += strconv.Itoa(int(f.integer(f.next())))
			i++
			continue
		}
		j := i
		for i < len(spec) && spec[i] >= '0' && spec[i] <= '9' {
			i++
		}
		goSpec += spec[j:i]
	}
	for i < len(spec) && strings.IndexByte("hlLqjzt", spec[i]) >= 0 {
		i++ // length modifiers mean nothing here
	}
	if i >= len(spec) {
		b.WriteString(spec)
		return len(spec), false
	}
	verb := spec[i]
	i++
	switch verb {
	case 'd', 'i':
		fmt.Fprintf(b, goSpec+"d", f.integer(f.next()))
	case 'u':
		fmt.Fprintf(b, goSpec+"d", uint64(f.integer(f.next())))
	case 'o', 'x', 'X':
		fmt.Fprintf(b, goSpec+string(verb), uint64(f.integer(f.next())))
	case 'c':
		s := f.next()
		if s != "" {
			r, _ := utf8.DecodeRuneInString(s)
			fmt.Fprintf(b, goSpec+"s", string(r))
		}
	case 's':
		fmt.Fprintf(b, goSpec+"s", f.next())
	case 'b':
		s, stop := unescape(f.next(), true)
		fmt.Fprintf(b, goSpec+"s", s)
		if stop {
			return i, true
		}
	case 'e', 'E', 'f', 'F', 'g', 'G', 'a', 'A':
		if (verb == 'g' || verb == 'G') && !strings.Contains(goSpec, ".") {
			goSpec += ".6" // C's default; Go's %g means shortest instead
		}
		goVerb := string(verb)
		switch verb {
		case 'F':
			goVerb = "f"
		case 'a':
			goVerb = "x"
		case 'A':
			goVerb = "X"
		}
		fmt.Fprintf(b, goSpec+goVerb, f.float(f.next()))
	default:
		f.p.errorf("%s: invalid format", spec[:i])
		f.status = 1
		return len(spec), true
	}
	return i, false
}

// integer parses a numeric argument as C's strtol would for printf: with
// 0x and 0 prefixes, and 'c or "c meaning the character's code.
func (f *printfState) integer(s string) int64 {
	if s == "" {
		return 0
	}
	if s[0] == '\'' || s[0] == '"' {
		if len(s) == 1 {
			return 0
		}
		r, _ := utf8.DecodeRuneInString(s[1:])
		return int64(r)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 0, 64)
	if err != nil {
		if u, uerr := strconv.ParseUint(strings.TrimSpace(s), 0, 64); uerr == nil {
			return int64(u)
		}
		f.p.errorf("invalid number '%s'", s)
		f.status = 1
	}
	return n
}

// float parses a floating-point argument, with the same character rule.
func (f *printfState) float(s string) float64 {
	if s == "" {
		return 0
	}
	if s[0] == '\'' || s[0] == '"' {
		return float64(f.integer(s))
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil && !math.IsInf(v, 0) {
		f.p.errorf("invalid number '%s'", s)
		f.status = 1
		return 0
	}
	return v
}
