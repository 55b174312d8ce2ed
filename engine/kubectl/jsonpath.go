package kubectl

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file parses JSONPath templates with the grammar and error messages
// of k8s.io/client-go/util/jsonpath, which kubectl uses for -o jsonpath,
// custom columns and --sort-by: text with {actions} in it, where an action
// is a path (.a.b, ['a'], [0], [1:3:2], [*], .*, .., [?(@.x=="y")],
// [0,2]), a quoted string, a number, true or false, or range and end.
// jsonpath_eval.go runs what this parses.

// jpNode is one node of a parsed template.
type jpNode interface{ jpNode() }

type (
	jpList      struct{ nodes []jpNode } // an action, or the template itself
	jpText      struct{ text string }    // literal text or a quoted string
	jpField     struct{ name string }
	jpIdent     struct{ name string } // range, end, or a mistake
	jpInt       struct{ v int }
	jpFloat     struct{ v float64 }
	jpBool      struct{ v bool }
	jpWildcard  struct{}
	jpRecursive struct{}
	jpUnion     struct{ lists []*jpList }
	jpArray     struct{ params [3]jpParam }
	jpFilter    struct {
		left, right *jpList
		op          string
	}
)

// jpParam is one of a slice's start, end and step: known when written (or
// implied, as the end of an index is), derived when implied.
type jpParam struct {
	v              int
	known, derived bool
}

func (*jpList) jpNode()      {}
func (*jpText) jpNode()      {}
func (*jpField) jpNode()     {}
func (*jpIdent) jpNode()     {}
func (*jpInt) jpNode()       {}
func (*jpFloat) jpNode()     {}
func (*jpBool) jpNode()      {}
func (*jpWildcard) jpNode()  {}
func (*jpRecursive) jpNode() {}
func (*jpUnion) jpNode()     {}
func (*jpArray) jpNode()     {}
func (*jpFilter) jpNode()    {}

func (l *jpList) add(n jpNode) { l.nodes = append(l.nodes, n) }

const jpEOF = -1

// jpParser scans a template rune by rune; start marks where the text
// consumed next begins.
type jpParser struct {
	input             string
	pos, start, width int
	root              *jpList
}

var (
	jpDictKey  = regexp.MustCompile(`^'([^']*)'$`)
	jpSlice    = regexp.MustCompile(`^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$`)
	jpOperator = regexp.MustCompile(`^([^!<>=]+)([!<>=]+)(.+?)$`)
)

// parseJSONPath parses a template.
func parseJSONPath(text string) (*jpList, error) {
	p := &jpParser{input: text, root: &jpList{}}
	if err := p.text(); err != nil {
		return nil, err
	}
	return p.root, nil
}

// parseJSONPathAction parses text as the inside of one action.
func parseJSONPathAction(text string) (*jpList, error) {
	root, err := parseJSONPath("{" + text + "}")
	if err != nil {
		return nil, err
	}
	return root.nodes[0].(*jpList), nil
}

func (p *jpParser) consume() string {
	s := p.input[p.start:p.pos]
	p.start = p.pos
	return s
}

func (p *jpParser) next() rune {
	if p.pos >= len(p.input) {
		p.width = 0
		return jpEOF
	}
	r, w := utf8.DecodeRuneInString(p.input[p.pos:])
	p.width = w
	p.pos += w
	return r
}

func (p *jpParser) backup() { p.pos -= p.width }

func (p *jpParser) peek() rune {
	r := p.next()
	p.backup()
	return r
}

func (p *jpParser) rest() string { return p.input[p.pos:] }

// text reads literal text up to the next action.
func (p *jpParser) text() error {
	for !strings.HasPrefix(p.rest(), "{") {
		if p.next() == jpEOF {
			if p.pos > p.start {
				p.root.add(&jpText{p.consume()})
			}
			return nil
		}
	}
	if p.pos > p.start {
		p.root.add(&jpText{p.consume()})
	}
	p.pos++
	p.consume()
	action := &jpList{}
	p.root.add(action)
	return p.action(action)
}

// action reads the inside of an action up to its closing brace.
func (p *jpParser) action(cur *jpList) error {
	switch rest := p.rest(); {
	case strings.HasPrefix(rest, "}"):
		p.pos++
		p.consume()
		return p.text()
	case strings.HasPrefix(rest, "[?("):
		return p.filter(cur)
	case strings.HasPrefix(rest, ".."):
		return p.recursive(cur)
	}
	switch r := p.next(); {
	case r == jpEOF || r == '\r' || r == '\n':
		return errors.New("unclosed action")
	case r == ' ', r == '@', r == '$':
		p.consume()
	case r == '[':
		return p.array(cur)
	case r == '"' || r == '\'':
		return p.quote(cur, r)
	case r == '.':
		return p.field(cur)
	case r == '+' || r == '-' || unicode.IsDigit(r):
		p.backup()
		return p.number(cur)
	case isJPAlphaNumeric(r):
		p.backup()
		return p.identifier(cur)
	default:
		return fmt.Errorf("unrecognized character in action: %#U", r)
	}
	return p.action(cur)
}

func (p *jpParser) identifier(cur *jpList) error {
	for !isJPTerminator(p.next()) {
	}
	p.backup()
	switch v := p.consume(); v {
	case "true", "false":
		cur.add(&jpBool{v == "true"})
	default:
		cur.add(&jpIdent{v})
	}
	return p.action(cur)
}

func (p *jpParser) recursive(cur *jpList) error {
	if n := len(cur.nodes); n > 0 {
		if _, ok := cur.nodes[n-1].(*jpRecursive); ok {
			return errors.New("invalid multiple recursive descent")
		}
	}
	p.pos += 2
	p.consume()
	cur.add(&jpRecursive{})
	if isJPAlphaNumeric(p.peek()) {
		return p.field(cur)
	}
	return p.action(cur)
}

func (p *jpParser) number(cur *jpList) error {
	if r := p.peek(); r == '+' || r == '-' {
		p.next()
	}
	for r := p.next(); r == '.' || unicode.IsDigit(r); r = p.next() {
	}
	p.backup()
	v := p.consume()
	if i, err := strconv.Atoi(v); err == nil {
		cur.add(&jpInt{i})
		return p.action(cur)
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		cur.add(&jpFloat{f})
		return p.action(cur)
	}
	return fmt.Errorf("cannot parse number %s", v)
}

// array reads what is between brackets: a union, a quoted key or a slice.
func (p *jpParser) array(cur *jpList) error {
	for r := p.next(); r != ']'; r = p.next() {
		if r == jpEOF || r == '\n' {
			return errors.New("unterminated array")
		}
	}
	text := p.consume()
	text = text[1 : len(text)-1]
	if text == "*" {
		text = ":"
	}
	if parts := strings.Split(text, ","); len(parts) > 1 {
		u := &jpUnion{}
		for _, part := range parts {
			l, err := parseJSONPathAction("[" + strings.Trim(part, " ") + "]")
			if err != nil {
				return err
			}
			u.lists = append(u.lists, l)
		}
		cur.add(u)
		return p.action(cur)
	}
	if key := jpDictKey.FindStringSubmatch(text); key != nil {
		l, err := parseJSONPathAction("." + key[1])
		if err != nil {
			return err
		}
		cur.nodes = append(cur.nodes, l.nodes...)
		return p.action(cur)
	}
	a, err := sliceParams(text)
	if err != nil {
		return err
	}
	cur.add(a)
	return p.action(cur)
}

// sliceParams reads "i", "a:b" or "a:b:c", any part left out.
func sliceParams(text string) (*jpArray, error) {
	m := jpSlice.FindStringSubmatch(text)
	if m == nil {
		return nil, fmt.Errorf("invalid array index %s", text)
	}
	a := &jpArray{}
	for i, s := range m[1:] {
		if s == "" {
			if i == 1 {
				a.params[1] = jpParam{v: a.params[0].v + 1, known: true, derived: true}
			}
			continue
		}
		if i > 0 {
			s = s[1:]
			if s == "" {
				continue
			}
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("array index %s is not a number", s)
		}
		a.params[i] = jpParam{v: v, known: true}
	}
	return a, nil
}

// filter reads [?(left op right)] or [?(path)], which keeps the items the
// path exists in.
func (p *jpParser) filter(cur *jpList) error {
	p.pos += len("[?(")
	p.consume()
	begin, end := false, false
	var pair rune
scan:
	for {
		switch r := p.next(); r {
		case jpEOF, '\n':
			return errors.New("unterminated filter")
		case '"', '\'':
			if !begin {
				begin, pair = true, r
				continue
			}
			if p.input[p.pos-2] != '\\' && r == pair {
				end = true
			}
		case ')':
			if begin == end {
				break scan
			}
		}
	}
	if p.next() != ']' {
		return errors.New("unclosed array expect ]")
	}
	text := p.consume()
	text = text[:len(text)-2]
	m := jpOperator.FindStringSubmatch(text)
	if m == nil {
		l, err := parseJSONPathAction(text)
		if err != nil {
			return err
		}
		cur.add(&jpFilter{left: l, right: &jpList{}, op: "exists"})
		return p.action(cur)
	}
	left, err := parseJSONPathAction(m[1])
	if err != nil {
		return err
	}
	right, err := parseJSONPathAction(m[3])
	if err != nil {
		return err
	}
	cur.add(&jpFilter{left: left, right: right, op: m[2]})
	return p.action(cur)
}

func (p *jpParser) quote(cur *jpList, end rune) error {
	for {
		r := p.next()
		if r == jpEOF || r == '\n' {
			return errors.New("unterminated quoted string")
		}
		if r == end && p.input[p.pos-2] != '\\' {
			break
		}
	}
	v := p.consume()
	s, err := unquoteJSONPath(v)
	if err != nil {
		return fmt.Errorf("unquote string %s error %v", v, err)
	}
	cur.add(&jpText{s})
	return p.action(cur)
}

// field reads a field name up to the next unescaped terminator; "\."
// puts a dot in the name.
func (p *jpParser) field(cur *jpList) error {
	p.consume()
	for {
		r := p.next()
		if r == '\\' {
			p.next()
			continue
		}
		if isJPTerminator(r) {
			p.backup()
			break
		}
	}
	v := p.consume()
	if v == "*" {
		cur.add(&jpWildcard{})
	} else {
		cur.add(&jpField{strings.ReplaceAll(v, `\`, "")})
	}
	return p.action(cur)
}

func isJPTerminator(r rune) bool {
	switch r {
	case jpEOF, ' ', '\t', '\r', '\n', '.', ',', '[', ']', '$', '@', '{', '}':
		return true
	}
	return false
}

func isJPAlphaNumeric(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// unquoteJSONPath is strconv.Unquote that also takes single quotes around
// a string of any length.
func unquoteJSONPath(s string) (string, error) {
	n := len(s)
	if n < 2 || s[0] != s[n-1] || (s[0] != '"' && s[0] != '\'') {
		return "", errors.New("invalid syntax")
	}
	quote := s[0]
	s = s[1 : n-1]
	if !strings.ContainsRune(s, '\\') && !strings.ContainsRune(s, rune(quote)) {
		return s, nil
	}
	var b strings.Builder
	for len(s) > 0 {
		c, multibyte, rest, err := strconv.UnquoteChar(s, quote)
		if err != nil {
			return "", err
		}
		s = rest
		if c < utf8.RuneSelf || !multibyte {
			b.WriteByte(byte(c))
		} else {
			b.WriteRune(c)
		}
	}
	return b.String(), nil
}
