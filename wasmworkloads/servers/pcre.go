package main

import (
	"errors"
	"strconv"
)

// A small backtracking matcher for the regular expressions of Ingress
// paths (nginx's PCRE): literals, ., classes ([a-z0-9], [^/], \d \w \s
// and their negations), groups (capturing, and (?:...)), alternation,
// the quantifiers * + ? {n} {n,} {n,m} with their lazy forms, and ^ $.
// It matches as PCRE does (leftmost, the first alternative and the
// greediest count that let the rest match), case-insensitively for
// ASCII as nginx's ~* locations and (?i) rewrites do. Go's regexp would
// do too, but its Unicode tables cost the servers module half a
// megabyte, which every nginx and redis pod would compile in the
// browser. A construct outside this set (lookaround, backreferences)
// is an error: the location is not loaded.
type pcre struct {
	root  *reNode
	ncap  int
	steps int
}

type reNode struct {
	op       byte // 'l' literal, '.', '[' class, '^', '$', '(' group, '|' alternation, '+' concatenation, '*' repeat
	ch       byte
	class    [256]bool
	subs     []*reNode
	capture  int // a group's number, 0 for (?:...)
	min, max int // a repeat's, max -1 for no bound
	lazy     bool
}

// maxSteps bounds a match's work: past it the pattern does not match.
const maxSteps = 100000

var errPattern = errors.New("unsupported regular expression")

func compilePCRE(expr string) (*pcre, error) {
	p := &reParser{s: expr}
	n, err := p.alternation()
	if err != nil || p.i != len(p.s) {
		return nil, errPattern
	}
	return &pcre{root: n, ncap: p.ncap}, nil
}

type reParser struct {
	s    string
	i    int
	ncap int
}

func (p *reParser) alternation() (*reNode, error) {
	var alts []*reNode
	for {
		c, err := p.concatenation()
		if err != nil {
			return nil, err
		}
		alts = append(alts, c)
		if p.i >= len(p.s) || p.s[p.i] != '|' {
			break
		}
		p.i++
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &reNode{op: '|', subs: alts}, nil
}

func (p *reParser) concatenation() (*reNode, error) {
	seq := &reNode{op: '+'}
	for p.i < len(p.s) && p.s[p.i] != '|' && p.s[p.i] != ')' {
		a, err := p.atom()
		if err != nil {
			return nil, err
		}
		if a, err = p.quantified(a); err != nil {
			return nil, err
		}
		seq.subs = append(seq.subs, a)
	}
	return seq, nil
}

func (p *reParser) quantified(a *reNode) (*reNode, error) {
	for p.i < len(p.s) {
		min, max := 0, -1
		switch p.s[p.i] {
		case '*':
		case '+':
			min = 1
		case '?':
			max = 1
		case '{':
			n, m, ok := p.bounds()
			if !ok {
				return a, nil // a literal {, as PCRE takes it
			}
			min, max = n, m
		default:
			return a, nil
		}
		p.i++
		if a.op == '^' || a.op == '$' {
			return nil, errPattern
		}
		r := &reNode{op: '*', subs: []*reNode{a}, min: min, max: max}
		if p.i < len(p.s) && p.s[p.i] == '?' {
			r.lazy = true
			p.i++
		}
		a = r
	}
	return a, nil
}

// bounds reads {n}, {n,} or {n,m}, leaving p.i on its last byte.
func (p *reParser) bounds() (int, int, bool) {
	end := p.i + 1
	for end < len(p.s) && p.s[end] != '}' {
		end++
	}
	if end == len(p.s) {
		return 0, 0, false
	}
	body := p.s[p.i+1 : end]
	lo, hi, comma := body, body, false
	for j := range body {
		if body[j] == ',' {
			lo, hi, comma = body[:j], body[j+1:], true
			break
		}
	}
	n, err := strconv.Atoi(lo)
	if err != nil {
		return 0, 0, false
	}
	m := n
	if comma {
		m = -1
		if hi != "" {
			if m, err = strconv.Atoi(hi); err != nil || m < n {
				return 0, 0, false
			}
		}
	}
	p.i = end
	return n, m, true
}

func (p *reParser) atom() (*reNode, error) {
	c := p.s[p.i]
	p.i++
	switch c {
	case '(':
		n := &reNode{op: '('}
		if len(p.s)-p.i >= 2 && p.s[p.i] == '?' {
			if p.s[p.i+1] != ':' {
				return nil, errPattern
			}
			p.i += 2
		} else {
			p.ncap++
			n.capture = p.ncap
		}
		sub, err := p.alternation()
		if err != nil || p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, errPattern
		}
		p.i++
		n.subs = []*reNode{sub}
		return n, nil
	case '[':
		return p.class()
	case '.', '^', '$':
		return &reNode{op: c}, nil
	case '\\':
		if p.i >= len(p.s) {
			return nil, errPattern
		}
		e := p.s[p.i]
		p.i++
		if n := escapeClass(e); n != nil {
			return n, nil
		}
		if isWordByte(e) {
			return nil, errPattern // \b, \1, \x41 and the like
		}
		return &reNode{op: 'l', ch: e}, nil
	case ')', '*', '+', '?':
		return nil, errPattern
	}
	return &reNode{op: 'l', ch: c}, nil
}

// escapeClass is \d \D \w \W \s \S as a class.
func escapeClass(e byte) *reNode {
	var in func(byte) bool
	switch e | 0x20 {
	case 'd':
		in = func(b byte) bool { return b >= '0' && b <= '9' }
	case 'w':
		in = isWordByte
	case 's':
		in = func(b byte) bool { return b == ' ' || b >= '\t' && b <= '\r' }
	default:
		return nil
	}
	n := &reNode{op: '['}
	for b := range 256 {
		n.class[b] = in(byte(b)) != (e < 'a')
	}
	return n
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'z'
}

func (p *reParser) class() (*reNode, error) {
	n := &reNode{op: '['}
	neg := p.i < len(p.s) && p.s[p.i] == '^'
	if neg {
		p.i++
	}
	first := true
	for {
		if p.i >= len(p.s) {
			return nil, errPattern
		}
		c := p.s[p.i]
		p.i++
		if c == ']' && !first {
			break
		}
		first = false
		if c == '\\' && p.i < len(p.s) {
			e := p.s[p.i]
			p.i++
			if sub := escapeClass(e); sub != nil {
				for b := range 256 {
					n.class[b] = n.class[b] || sub.class[b]
				}
				continue
			}
			c = e
		}
		hi := c
		if p.i+1 < len(p.s) && p.s[p.i] == '-' && p.s[p.i+1] != ']' {
			hi = p.s[p.i+1]
			p.i += 2
			if hi < c {
				return nil, errPattern
			}
		}
		for b := int(c); b <= int(hi); b++ {
			n.class[b] = true
		}
	}
	if neg {
		for b := range 256 {
			n.class[b] = !n.class[b]
		}
	}
	return n, nil
}

// find returns the leftmost match's group offsets (start and end of the
// match, then of each group, -1 for a group that took no part), or nil.
func (re *pcre) find(s string) []int {
	for start := 0; start <= len(s); start++ {
		caps := make([]int, 2*re.ncap+2)
		for i := range caps {
			caps[i] = -1
		}
		re.steps = 0
		m := &reMatch{re: re, s: s, caps: caps}
		if m.match(re.root, start, func(end int) bool { caps[0], caps[1] = start, end; return true }) {
			return caps
		}
		if re.steps > maxSteps {
			return nil
		}
	}
	return nil
}

type reMatch struct {
	re   *pcre
	s    string
	caps []int
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// match matches n at i, then the rest (k) from where n ended.
func (m *reMatch) match(n *reNode, i int, k func(int) bool) bool {
	if m.re.steps++; m.re.steps > maxSteps {
		return false
	}
	switch n.op {
	case 'l':
		return i < len(m.s) && lower(m.s[i]) == lower(n.ch) && k(i+1)
	case '.':
		return i < len(m.s) && m.s[i] != '\n' && k(i+1)
	case '[':
		if i >= len(m.s) {
			return false
		}
		b := m.s[i]
		return (n.class[b] || n.class[lower(b)] || n.class[b&^0x20] && isWordByte(b)) && k(i+1)
	case '^':
		return i == 0 && k(i)
	case '$':
		return i == len(m.s) && k(i)
	case '|':
		for _, a := range n.subs {
			if m.match(a, i, k) {
				return true
			}
		}
		return false
	case '+':
		return m.sequence(n.subs, i, k)
	case '(':
		if n.capture == 0 {
			return m.match(n.subs[0], i, k)
		}
		c := 2 * n.capture
		old0, old1 := m.caps[c], m.caps[c+1]
		if m.match(n.subs[0], i, func(j int) bool {
			s0, s1 := m.caps[c], m.caps[c+1]
			m.caps[c], m.caps[c+1] = i, j
			if k(j) {
				return true
			}
			m.caps[c], m.caps[c+1] = s0, s1
			return false
		}) {
			return true
		}
		m.caps[c], m.caps[c+1] = old0, old1
		return false
	}
	return m.repeat(n, 0, i, k)
}

func (m *reMatch) sequence(subs []*reNode, i int, k func(int) bool) bool {
	if len(subs) == 0 {
		return k(i)
	}
	return m.match(subs[0], i, func(j int) bool { return m.sequence(subs[1:], j, k) })
}

// repeat matches n's sub-expression count times so far from i, then more
// (greedy: as many as may be; lazy: as few), then the rest.
func (m *reMatch) repeat(n *reNode, count, i int, k func(int) bool) bool {
	more := func() bool {
		if n.max >= 0 && count >= n.max {
			return false
		}
		return m.match(n.subs[0], i, func(j int) bool {
			return j != i && m.repeat(n, count+1, j, k) // an empty turn ends the loop
		})
	}
	if n.lazy {
		return count >= n.min && k(i) || more()
	}
	return more() || count >= n.min && k(i)
}
