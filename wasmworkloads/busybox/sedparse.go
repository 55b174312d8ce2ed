package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sed's program, parsed. The commands are a flat list: a '{' knows where
// its '}' is, a branch knows the index of its label.

// sedAddr is one address.
type sedAddr struct {
	kind byte // 0 none, 'n' line, '$' last line, '/' regex, '~' first~step, '+' +N, '%' ~N
	n    int
	step int
	re   *regexp.Regexp // nil for '//' (the last regex used)
}

// sedCmd is one command with its addresses.
type sedCmd struct {
	a1, a2  sedAddr
	negate  bool
	cmd     byte
	inRange bool // a range that has started
	endLine int  // for '+N' ranges, the line it ends on

	// s
	re     *regexp.Regexp
	repl   string
	global bool
	nth    int
	print  bool
	wfile  string
	// a i c: the text; b t T: the label; r w: the file; q Q: the status
	text   string
	status int
	ymap   map[rune]rune
	target int // '{': index of its '}'; b t T: index to jump to (-1: end)
}

// sedParser reads a script.
type sedParser struct {
	src      string
	pos      int
	extended bool
	cmds     []*sedCmd
	blocks   []int
	labels   map[string]int
}

// sedError is a script error; BusyBox words these without positions.
type sedError string

func (e sedError) Error() string { return string(e) }

func parseSedScript(script string, extended bool) ([]*sedCmd, error) {
	p := &sedParser{src: script, extended: extended, labels: map[string]int{}}
	for {
		p.skip(" \t\n;")
		if p.pos >= len(p.src) {
			break
		}
		if p.peek() == '#' {
			p.skipLine()
			continue
		}
		if err := p.command(); err != nil {
			return nil, err
		}
	}
	if len(p.blocks) > 0 {
		return nil, sedError("unmatched '{'")
	}
	for _, c := range p.cmds {
		if c.cmd != 'b' && c.cmd != 't' && c.cmd != 'T' {
			continue
		}
		if c.text == "" {
			c.target = -1
			continue
		}
		i, ok := p.labels[c.text]
		if !ok {
			return nil, sedError(fmt.Sprintf("can't find label for jump to '%s'", c.text))
		}
		c.target = i
	}
	return p.cmds, nil
}

func (p *sedParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *sedParser) skip(chars string) {
	for p.pos < len(p.src) && strings.IndexByte(chars, p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *sedParser) skipLine() {
	for p.pos < len(p.src) && p.src[p.pos] != '\n' {
		p.pos++
	}
}

// command reads [addr[,addr]][!]cmd[args].
func (p *sedParser) command() error {
	c := &sedCmd{}
	var err error
	if c.a1, err = p.address(); err != nil {
		return err
	}
	if c.a1.kind != 0 && p.peek() == ',' {
		p.pos++
		p.skip(" \t")
		if c.a2, err = p.address2(); err != nil {
			return err
		}
	}
	p.skip(" \t")
	for p.peek() == '!' {
		c.negate = true
		p.pos++
		p.skip(" \t")
	}
	if p.pos >= len(p.src) {
		return sedError("missing command")
	}
	c.cmd = p.src[p.pos]
	p.pos++
	if err := p.arguments(c); err != nil {
		return err
	}
	if c.cmd != ':' {
		p.cmds = append(p.cmds, c)
	}
	return nil
}

// address reads a line number, $, first~step, /re/ or \cREc.
func (p *sedParser) address() (sedAddr, error) {
	switch ch := p.peek(); {
	case ch >= '0' && ch <= '9':
		n := p.number()
		if p.peek() == '~' {
			p.pos++
			return sedAddr{kind: '~', n: n, step: p.number()}, nil
		}
		return sedAddr{kind: 'n', n: n}, nil
	case ch == '$':
		p.pos++
		return sedAddr{kind: '$'}, nil
	case ch == '/' || ch == '\\':
		if ch == '\\' {
			p.pos++
		}
		return p.regexAddress()
	}
	return sedAddr{}, nil
}

// address2 is a range's end: also +N and ~N.
func (p *sedParser) address2() (sedAddr, error) {
	switch p.peek() {
	case '+':
		p.pos++
		return sedAddr{kind: '+', n: p.number()}, nil
	case '~':
		p.pos++
		return sedAddr{kind: '%', n: p.number()}, nil
	}
	a, err := p.address()
	if err == nil && a.kind == 0 {
		err = sedError("unexpected ','")
	}
	return a, err
}

func (p *sedParser) regexAddress() (sedAddr, error) {
	delim := p.peek()
	p.pos++
	text, err := p.delimited(delim)
	if err != nil {
		return sedAddr{}, err
	}
	icase := false
	for p.peek() == 'I' || p.peek() == 'M' {
		icase = icase || p.peek() == 'I'
		p.pos++
	}
	re, err := p.compile(text, delim, icase)
	return sedAddr{kind: '/', re: re}, err
}

func (p *sedParser) number() int {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	n, _ := strconv.Atoi(p.src[start:p.pos])
	return n
}

// delimited reads up to an unescaped delim (not inside a bracket
// expression), turning \delim into delim and \n into a newline.
func (p *sedParser) delimited(delim byte) (string, error) {
	var b strings.Builder
	inBracket := false
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case inBracket:
			if c == ']' {
				inBracket = false
			}
		case c == '[':
			inBracket = true
			b.WriteByte(c)
			p.pos++
			if p.peek() == '^' {
				b.WriteByte('^')
				p.pos++
			}
			if p.peek() == ']' {
				b.WriteByte(']')
				p.pos++
			}
			continue
		case c == '\\' && p.pos+1 < len(p.src):
			next := p.src[p.pos+1]
			p.pos += 2
			switch {
			case next == delim:
				b.WriteByte(delim)
			case next == 'n':
				b.WriteString("\n")
			default:
				b.WriteByte('\\')
				b.WriteByte(next)
			}
			continue
		case c == delim:
			p.pos++
			return b.String(), nil
		case c == '\n' && delim != '\n':
			return "", sedError(fmt.Sprintf("unmatched '%c'", delim))
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", sedError(fmt.Sprintf("unmatched '%c'", delim))
}

// compile turns a sed regex into Go's; "" stands for the last one used.
func (p *sedParser) compile(text string, delim byte, icase bool) (*regexp.Regexp, error) {
	if text == "" {
		return nil, nil
	}
	expr := text
	if !p.extended {
		expr = basicToExtended(text)
	}
	if icase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, sedError(fmt.Sprintf("bad regex '%s': %s", text, regexErrText(err)))
	}
	re.Longest()
	return re, nil
}

// regexErrText is the reason a regex did not compile.
func regexErrText(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "error parsing regexp") {
		msg = msg[i+2:]
	}
	if strings.Contains(msg, `\1`) || strings.Contains(msg, "escape sequence") {
		return "back-references are not supported here"
	}
	return msg
}

// arguments reads what follows a command letter.
func (p *sedParser) arguments(c *sedCmd) error {
	switch c.cmd {
	case '{':
		p.blocks = append(p.blocks, len(p.cmds))
	case '}':
		if len(p.blocks) == 0 {
			return sedError("unexpected '}'")
		}
		open := p.blocks[len(p.blocks)-1]
		p.blocks = p.blocks[:len(p.blocks)-1]
		p.cmds[open].target = len(p.cmds)
	case '=', 'd', 'D', 'g', 'G', 'h', 'H', 'l', 'n', 'N', 'p', 'P', 'x', 'z', 'F':
	case 'q', 'Q':
		p.skip(" \t")
		c.status = p.number()
	case 'a', 'i', 'c':
		c.text = p.text()
	case ':':
		p.skip(" \t")
		label := p.word()
		if label == "" {
			return sedError("\":\" lacks a label")
		}
		p.labels[label] = len(p.cmds)
	case 'b', 't', 'T':
		p.skip(" \t")
		c.text = p.word()
	case 'r', 'w':
		p.skip(" \t")
		c.text = p.rest()
	case 's':
		return p.substitute(c)
	case 'y':
		return p.transliterate(c)
	default:
		return sedError(fmt.Sprintf("unsupported command %c", c.cmd))
	}
	return p.end()
}

// end ends a command. BusyBox needs no separator after one: `sed pq`
// is p, then q.
func (p *sedParser) end() error {
	p.skip(" \t")
	return nil
}

// word reads a label, up to a separator.
func (p *sedParser) word() string {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte(";\n", p.src[p.pos]) < 0 {
		p.pos++
	}
	return strings.TrimSpace(p.src[start:p.pos])
}

// rest reads a file name: the rest of the line.
func (p *sedParser) rest() string {
	start := p.pos
	p.skipLine()
	return p.src[start:p.pos]
}

// text reads a, i and c's text: "a\" then lines (a trailing backslash
// continues), or GNU's one-line "a text".
func (p *sedParser) text() string {
	p.skip(" \t")
	if p.peek() == '\\' {
		p.pos++
		if p.peek() == '\n' {
			p.pos++
		}
	}
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '\n' {
			break
		}
		if c == '\\' && p.pos+1 < len(p.src) {
			p.pos++
			b.WriteByte(p.src[p.pos])
			p.pos++
			continue
		}
		b.WriteByte(c)
		p.pos++
	}
	return b.String()
}

// substitute reads s/RE/REPL/FLAGS.
func (p *sedParser) substitute(c *sedCmd) error {
	delim := p.peek()
	if delim == 0 || delim == '\n' || delim == '\\' {
		return sedError("unmatched 's'")
	}
	p.pos++
	pattern, err := p.delimited(delim)
	if err != nil {
		return err
	}
	if c.repl, err = p.replacement(delim); err != nil {
		return err
	}
	icase := false
	for done := false; !done && p.pos < len(p.src); {
		switch ch := p.src[p.pos]; {
		case ch == 'g':
			c.global = true
		case ch == 'p':
			c.print = true
		case ch == 'i' || ch == 'I':
			icase = true
		case ch == 'm' || ch == 'M' || ch == 'e':
		case ch >= '0' && ch <= '9':
			c.nth = p.number()
			continue
		case ch == 'w':
			p.pos++
			p.skip(" \t")
			c.wfile = p.rest()
			continue
		case strings.IndexByte(" \t\n;}#", ch) >= 0:
			done = true
			continue
		default:
			return sedError("bad option in substitution expression")
		}
		p.pos++
	}
	if c.re, err = p.compile(pattern, delim, icase); err != nil {
		return err
	}
	return p.end()
}

// replacement reads the replacement up to delim, keeping its escapes for
// expand (but resolving \delim and \n).
func (p *sedParser) replacement(delim byte) (string, error) {
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.src):
			next := p.src[p.pos+1]
			p.pos += 2
			switch next {
			case delim:
				if delim == '&' {
					b.WriteString(`\&`)
				} else {
					b.WriteByte(delim)
				}
			case 'n':
				b.WriteByte('\n')
			case '\n':
				b.WriteByte('\n')
			default:
				b.WriteByte('\\')
				b.WriteByte(next)
			}
			continue
		case c == delim:
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", sedError(fmt.Sprintf("unmatched '%c'", delim))
}

// transliterate reads y/SRC/DST/.
func (p *sedParser) transliterate(c *sedCmd) error {
	delim := p.peek()
	p.pos++
	src, err := p.delimited(delim)
	if err != nil {
		return err
	}
	dst, err := p.delimited(delim)
	if err != nil {
		return err
	}
	src, dst = strings.ReplaceAll(src, `\\`, `\`), strings.ReplaceAll(dst, `\\`, `\`)
	if utf8.RuneCountInString(src) != utf8.RuneCountInString(dst) {
		return sedError("strings for y command are different lengths")
	}
	c.ymap = map[rune]rune{}
	d := []rune(dst)
	for i, r := range []rune(src) {
		c.ymap[r] = d[i]
	}
	return p.end()
}
