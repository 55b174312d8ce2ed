package shell

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// sed scripts are parsed into a list of commands, as GNU sed does: an
// optional address or range (line numbers, $, /regex/ with I, first~step,
// addr,+N, addr,~N, 0,/regex/), an optional !, and the command. Blocks
// ({ }) become jumps.

type sedAddr struct {
	kind byte // 'n' line number, '$' last line, '/' regex, '~' first~step
	line int
	step int
	re   *regexp.Regexp // nil for //: the last regex used
}

type sedCmd struct {
	a1, a2  *sedAddr
	a2mode  byte // ',' addr2 as given, '+' addr1,+N, '~' addr1,~N
	neg     bool
	name    byte
	text    string // a, i, c; label of b, t, T, :; file of r, w
	re      *regexp.Regexp
	repl    []sedRepl
	global  bool
	nth     int // s///N: the match to replace, 1 by default
	printS  int // s///p: how many times to print
	wfile   string
	ymap    map[rune]rune
	exit    int
	jump    int // b, t, T: where to; {: past the matching }
	inRange bool
	rangeTo int // the last line of an addr1,+N range
}

// sedRepl is a piece of an s command's replacement: text, a group
// (0 is &), or a case conversion (\U \L \E \u \l).
type sedRepl struct {
	text  string
	group int // -1 for text
	conv  byte
}

// sedParser reads one script (an -e expression or a -f file).
type sedParser struct {
	src  string
	pos  int
	ere  bool
	name string // "-e expression #1" or "file F line L" for messages
}

func (p *sedParser) errorf(format string, a ...any) error {
	return fmt.Errorf("%s, char %d: %s", p.name, p.pos, fmt.Sprintf(format, a...))
}

func (p *sedParser) eof() bool { return p.pos >= len(p.src) }

func (p *sedParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

func (p *sedParser) next() byte {
	c := p.peek()
	p.pos++
	return c
}

func (p *sedParser) skipSpace() {
	for !p.eof() && (p.peek() == ' ' || p.peek() == '\t') {
		p.pos++
	}
}

// parseSed parses scripts into one program; labels are resolved after.
func parseSed(scripts []sedScript, ere bool) ([]*sedCmd, error) {
	var cmds []*sedCmd
	var blocks []int
	for _, sc := range scripts {
		p := &sedParser{src: sc.text, ere: ere, name: sc.name}
		for {
			p.skipSeparators()
			if p.eof() {
				break
			}
			c, err := p.command()
			if err != nil {
				return nil, err
			}
			switch c.name {
			case '{':
				blocks = append(blocks, len(cmds))
			case '}':
				if len(blocks) == 0 {
					return nil, p.errorf("unexpected `}'")
				}
				cmds[blocks[len(blocks)-1]].jump = len(cmds) + 1
				blocks = blocks[:len(blocks)-1]
			}
			cmds = append(cmds, c)
		}
		if len(blocks) > 0 {
			p.pos = 0
			return nil, p.errorf("unmatched `{'")
		}
	}
	return cmds, resolveLabels(cmds)
}

type sedScript struct{ name, text string }

func (p *sedParser) skipSeparators() {
	for !p.eof() && strings.IndexByte(" \t\n;", p.peek()) >= 0 {
		p.pos++
	}
	if p.peek() == '#' {
		for !p.eof() && p.peek() != '\n' {
			p.pos++
		}
		p.skipSeparators()
	}
}

func resolveLabels(cmds []*sedCmd) error {
	labels := map[string]int{}
	for i, c := range cmds {
		if c.name == ':' {
			labels[c.text] = i
		}
	}
	for _, c := range cmds {
		if c.name != 'b' && c.name != 't' && c.name != 'T' {
			continue
		}
		if c.text == "" {
			c.jump = len(cmds)
			continue
		}
		to, ok := labels[c.text]
		if !ok {
			return fmt.Errorf("can't find label for jump to `%s'", c.text)
		}
		c.jump = to
	}
	return nil
}

// command parses one command with its addresses.
func (p *sedParser) command() (*sedCmd, error) {
	c := &sedCmd{nth: 1, a2mode: ','}
	var err error
	if c.a1, err = p.address(); err != nil {
		return nil, err
	}
	if c.a1 != nil && p.peek() == ',' {
		p.pos++
		p.skipSpace()
		if m := p.peek(); m == '+' || m == '~' {
			p.pos++
			c.a2mode = m
		}
		if c.a2, err = p.address(); err != nil {
			return nil, err
		}
		if c.a2 == nil {
			return nil, p.errorf("unexpected `,'")
		}
	}
	if c.a1 != nil && c.a1.kind == 'n' && c.a1.line == 0 && (c.a2 == nil || c.a2.kind != '/') {
		return nil, p.errorf("invalid usage of line address 0")
	}
	p.skipSpace()
	for p.peek() == '!' {
		p.pos++
		c.neg = true
		p.skipSpace()
	}
	if p.eof() {
		return nil, p.errorf("missing command")
	}
	c.name = p.next()
	return c, p.body(c)
}

// address parses an address, or returns nil when there is none.
func (p *sedParser) address() (*sedAddr, error) {
	switch ch := p.peek(); {
	case ch == '$':
		p.pos++
		return &sedAddr{kind: '$'}, nil
	case ch >= '0' && ch <= '9':
		n := p.number()
		if p.peek() == '~' {
			p.pos++
			return &sedAddr{kind: '~', line: n, step: p.number()}, nil
		}
		return &sedAddr{kind: 'n', line: n}, nil
	case ch == '/' || ch == '\\':
		p.pos++
		delim := byte('/')
		if ch == '\\' {
			delim = p.next()
		}
		src, ok := p.delimited(delim, true)
		if !ok {
			return nil, p.errorf("unterminated address regex")
		}
		icase := false
		for p.peek() == 'I' || p.peek() == 'M' {
			if p.next() == 'M' {
				return nil, p.errorf("the M address flag is not supported here")
			}
			icase = true
		}
		re, err := p.regexp(src, icase)
		return &sedAddr{kind: '/', re: re}, err
	}
	return nil, nil
}

func (p *sedParser) number() int {
	start := p.pos
	for !p.eof() && p.peek() >= '0' && p.peek() <= '9' {
		p.pos++
	}
	n, _ := strconv.Atoi(p.src[start:p.pos])
	return n
}

// delimited reads up to an unescaped delim; in a regex, \delim becomes
// delim and a newline may be written \n.
func (p *sedParser) delimited(delim byte, isRegex bool) (string, bool) {
	var b strings.Builder
	for !p.eof() {
		c := p.next()
		switch {
		case c == delim:
			return b.String(), true
		case c == '\\' && !p.eof():
			n := p.next()
			switch {
			case n == delim && (isRegex || delim != '&'):
				b.WriteByte(n)
			case n == '\n':
				b.WriteString(`\n`)
			default:
				b.WriteString("\\" + string(n))
			}
		case c == '\n' && isRegex:
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

func (p *sedParser) regexp(src string, icase bool) (*regexp.Regexp, error) {
	if src == "" {
		return nil, nil
	}
	syn := reBasic
	if p.ere {
		syn = reExtended
	}
	re, err := compileRegexp(src, syn, icase)
	if err != nil {
		return nil, p.errorf("%s", err)
	}
	return re, nil
}

// body parses what follows a command's letter.
func (p *sedParser) body(c *sedCmd) error {
	switch c.name {
	case '{':
		return nil // a command may follow at once
	case '=', 'd', 'D', 'g', 'G', 'h', 'H', 'l', 'n', 'N', 'p', 'P', 'x', 'z', 'F':
	case '}':
		if c.a1 != nil {
			return p.errorf("} doesn't want any addresses")
		}
	case 'q', 'Q':
		p.skipSpace()
		c.exit = p.number()
	case 'a', 'i', 'c':
		c.text = p.text()
		return nil
	case ':':
		if c.a1 != nil {
			return p.errorf(": doesn't want any addresses")
		}
		p.skipSpace()
		if c.text = p.label(); c.text == "" {
			return p.errorf("\":\" lacks a label")
		}
		return nil
	case 'b', 't', 'T':
		p.skipSpace()
		c.text = p.label()
	case 'r', 'w':
		p.skipSpace()
		c.text = p.restOfLine()
		if c.text == "" {
			return p.errorf("missing filename in r/R/w/W commands")
		}
		return nil
	case 's':
		return p.substitute(c)
	case 'y':
		return p.transliterate(c)
	case 'e', 'R', 'W', 'v':
		return p.errorf("the `%c' command is not supported here", c.name)
	default:
		return p.errorf("unknown command: `%c'", c.name)
	}
	return p.end()
}

// end checks that nothing but a separator follows a command.
func (p *sedParser) end() error {
	p.skipSpace()
	switch p.peek() {
	case 0, ';', '\n', '}', '#':
		return nil
	}
	p.pos++
	return p.errorf("extra characters after command")
}

func (p *sedParser) label() string {
	start := p.pos
	for !p.eof() && p.peek() != ';' && p.peek() != '\n' {
		p.pos++
	}
	return strings.TrimSpace(p.src[start:p.pos])
}

func (p *sedParser) restOfLine() string {
	start := p.pos
	for !p.eof() && p.peek() != '\n' {
		p.pos++
	}
	return p.src[start:p.pos]
}

// text reads a, i and c's text: GNU's one-line form (a text) or the
// POSIX one (a\ newline text), with backslash-newline continuing it.
func (p *sedParser) text() string {
	p.skipSpace()
	if p.peek() == '\\' {
		p.pos++
		if p.peek() == '\n' {
			p.pos++
		}
	}
	var b strings.Builder
	for !p.eof() {
		c := p.next()
		switch {
		case c == '\\' && !p.eof():
			b.WriteByte(p.next())
		case c == '\n':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (p *sedParser) substitute(c *sedCmd) error {
	delim := p.next()
	if delim == 0 || delim == '\n' || delim == '\\' {
		return p.errorf("unterminated `s' command")
	}
	src, ok := p.delimited(delim, true)
	if !ok {
		return p.errorf("unterminated `s' command")
	}
	repl, ok := p.delimited(delim, false)
	if !ok {
		return p.errorf("unterminated `s' command")
	}
	icase := false
	for !p.eof() {
		switch f := p.peek(); {
		case f == 'g':
			c.global = true
		case f == 'p':
			c.printS++
		case f == 'i' || f == 'I':
			icase = true
		case f >= '1' && f <= '9':
			c.nth = p.number()
			continue
		case f == 'w':
			p.pos++
			p.skipSpace()
			c.wfile = p.restOfLine()
			continue
		case f == 'm' || f == 'M' || f == 'e':
			p.pos++
			return p.errorf("the `%c' option to `s' is not supported here", f)
		case strings.IndexByte(" \t;\n}#", f) >= 0:
			goto done
		default:
			p.pos++
			return p.errorf("unknown option to `s'")
		}
		p.pos++
	}
done:
	var err error
	if c.re, err = p.regexp(src, icase); err != nil {
		return err
	}
	if c.repl, err = p.replacement(repl, c.re); err != nil {
		return err
	}
	return p.end()
}

// replacement parses an s command's replacement text.
func (p *sedParser) replacement(s string, re *regexp.Regexp) ([]sedRepl, error) {
	var parts []sedRepl
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, sedRepl{text: lit.String(), group: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '&':
			flush()
			parts = append(parts, sedRepl{group: 0})
		case c == '\\' && i+1 < len(s):
			i++
			n := s[i]
			switch {
			case n >= '0' && n <= '9':
				g := int(n - '0')
				if re != nil && g > re.NumSubexp() {
					return nil, p.errorf("invalid reference \\%d on `s' command's RHS", g)
				}
				flush()
				parts = append(parts, sedRepl{group: g})
			case strings.IndexByte("ULEul", n) >= 0:
				flush()
				parts = append(parts, sedRepl{group: -1, conv: n})
			case n == 'n':
				lit.WriteByte('\n')
			case n == 't':
				lit.WriteByte('\t')
			default:
				lit.WriteByte(n)
			}
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts, nil
}

func (p *sedParser) transliterate(c *sedCmd) error {
	delim := p.next()
	src, ok1 := p.delimited(delim, false)
	dst, ok2 := p.delimited(delim, false)
	if !ok1 || !ok2 {
		return p.errorf("unterminated `y' command")
	}
	from, to := []rune(unescapeY(src)), []rune(unescapeY(dst))
	if len(from) != len(to) {
		return p.errorf("strings for `y' command are different lengths")
	}
	c.ymap = map[rune]rune{}
	for i, r := range from {
		c.ymap[r] = to[i]
	}
	return p.end()
}

func unescapeY(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`)
	return r.Replace(s)
}
