// Package awk is the awk of the kubeplay shell: the POSIX language (patterns
// and actions, BEGIN and END, ranges, fields, associative arrays, user
// functions, printf and the string and math builtins) over the shell's
// files. It leaves out what needs other processes (pipes to and from
// commands, system()) and says so when a program uses it, rather than
// doing something else. Regular expressions come from the caller, so
// that awk, grep and sed agree on them.
package awk

import (
	"fmt"
	"strings"
)

type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tNumber
	tString
	tRegex
	tName
	tFuncName // a name followed at once by "("
	tBuiltin
	tKeyword
	tPunct
)

type token struct {
	kind tokKind
	text string // the name, keyword, punctuation, or string/regex contents
	num  float64
	pos  int
}

var keywords = map[string]bool{
	"BEGIN": true, "END": true, "function": true, "func": true, "if": true, "else": true,
	"while": true, "for": true, "do": true, "break": true, "continue": true, "next": true,
	"nextfile": true, "exit": true, "return": true, "delete": true, "getline": true,
	"in": true, "print": true, "printf": true,
}

var builtinFuncs = map[string]bool{
	"length": true, "substr": true, "index": true, "split": true, "sub": true, "gsub": true,
	"match": true, "sprintf": true, "tolower": true, "toupper": true, "int": true,
	"sqrt": true, "exp": true, "log": true, "sin": true, "cos": true, "atan2": true,
	"rand": true, "srand": true, "system": true, "close": true, "fflush": true,
}

// puncts are the operators, longest first.
var puncts = []string{
	"**=", "&&", "||", "==", "!=", "<=", ">=", "!~", "++", "--", "+=", "-=", "*=", "/=",
	"%=", "^=", "**", ">>", "{", "}", "(", ")", "[", "]", ";", ",", "+", "-", "*", "/",
	"%", "^", "!", ">", "<", "|", "?", ":", "~", "$", "=",
}

// SyntaxError is an error in a program, at a byte offset of its source.
type SyntaxError struct {
	Src string
	Pos int
	Msg string
}

// Error words it as gawk does: the line, a caret under the place, why.
func (e *SyntaxError) Error() string {
	start := strings.LastIndexByte(e.Src[:min(e.Pos, len(e.Src))], '\n') + 1
	end := strings.IndexByte(e.Src[start:], '\n')
	if end < 0 {
		end = len(e.Src)
	} else {
		end += start
	}
	line := strings.Count(e.Src[:start], "\n") + 1
	prefix := fmt.Sprintf("awk: cmd. line:%d: ", line)
	return fmt.Sprintf("%s%s\n%s%s^ %s", prefix, e.Src[start:end], prefix, strings.Repeat(" ", max(e.Pos-start, 0)), e.Msg)
}

type lexer struct {
	src  string
	pos  int
	last tokKind
	prev string // the last token's text
}

func (l *lexer) errorf(pos int, format string, a ...any) error {
	return &SyntaxError{Src: l.src, Pos: pos, Msg: fmt.Sprintf(format, a...)}
}

// regexAllowed tells whether a "/" starts a regex: not after an operand.
func (l *lexer) regexAllowed() bool {
	switch l.last {
	case tNumber, tString, tRegex, tName, tBuiltin:
		return false
	case tPunct:
		return l.prev != ")" && l.prev != "]" && l.prev != "$" && l.prev != "++" && l.prev != "--"
	case tKeyword:
		return l.prev != "getline"
	}
	return true
}

func (l *lexer) next() (token, error) {
	t, err := l.scan()
	l.last, l.prev = t.kind, t.text
	return t, err
}

func (l *lexer) scan() (token, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			l.pos++
		case c == '\\' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '\n':
			l.pos += 2
		case c == '\\' && strings.HasPrefix(l.src[l.pos+1:], "\r\n"):
			l.pos += 3
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		default:
			return l.token()
		}
	}
	return token{kind: tEOF, pos: l.pos}, nil
}

func (l *lexer) token() (token, error) {
	start := l.pos
	c := l.src[l.pos]
	switch {
	case c == '\n':
		l.pos++
		return token{kind: tNewline, text: "\n", pos: start}, nil
	case c == '"':
		l.pos++
		s, err := l.str('"', start)
		return token{kind: tString, text: s, pos: start}, err
	case c == '/' && l.regexAllowed():
		l.pos++
		s, err := l.regex(start)
		return token{kind: tRegex, text: s, pos: start}, err
	case isDigit(c) || c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1]):
		return l.number()
	case isAlpha(c):
		for l.pos < len(l.src) && (isAlpha(l.src[l.pos]) || isDigit(l.src[l.pos])) {
			l.pos++
		}
		word := l.src[start:l.pos]
		switch {
		case keywords[word]:
			return token{kind: tKeyword, text: word, pos: start}, nil
		case builtinFuncs[word]:
			return token{kind: tBuiltin, text: word, pos: start}, nil
		case l.pos < len(l.src) && l.src[l.pos] == '(':
			return token{kind: tFuncName, text: word, pos: start}, nil
		}
		return token{kind: tName, text: word, pos: start}, nil
	}
	for _, p := range puncts {
		if strings.HasPrefix(l.src[l.pos:], p) {
			l.pos += len(p)
			return token{kind: tPunct, text: p, pos: start}, nil
		}
	}
	return token{}, l.errorf(start, "invalid char '%c' in expression", c)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (l *lexer) number() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && (isDigit(l.src[l.pos]) || l.src[l.pos] == '.') {
		l.pos++
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		k := l.pos + 1
		if k < len(l.src) && (l.src[k] == '+' || l.src[k] == '-') {
			k++
		}
		if k < len(l.src) && isDigit(l.src[k]) {
			for l.pos = k; l.pos < len(l.src) && isDigit(l.src[l.pos]); l.pos++ {
			}
		}
	}
	n, _ := strToNum(l.src[start:l.pos])
	return token{kind: tNumber, text: l.src[start:l.pos], num: n, pos: start}, nil
}

// str reads a string literal's contents, unescaping them.
func (l *lexer) str(quote byte, start int) (string, error) {
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		l.pos++
		switch {
		case c == quote:
			return b.String(), nil
		case c == '\n':
			return "", l.errorf(start, "unterminated string")
		case c == '\\' && l.pos < len(l.src):
			l.pos += unescape(l.src[l.pos:], &b)
		default:
			b.WriteByte(c)
		}
	}
	return "", l.errorf(start, "unterminated string")
}

// unescape writes the escape sequence at the start of s (after the
// backslash) and returns its length.
func unescape(s string, b *strings.Builder) int {
	switch c := s[0]; c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case '\\':
		b.WriteByte('\\')
	case '"':
		b.WriteByte('"')
	case '/':
		b.WriteByte('/')
	case 'a':
		b.WriteByte(7)
	case 'b':
		b.WriteByte(8)
	case 'f':
		b.WriteByte(12)
	case 'v':
		b.WriteByte(11)
	case '\n':
	default:
		if c >= '0' && c <= '7' {
			v, n := 0, 0
			for n < 3 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
				v = v*8 + int(s[n]-'0')
				n++
			}
			b.WriteByte(byte(v))
			return n
		}
		b.WriteByte('\\')
		b.WriteByte(c)
	}
	return 1
}

// regex reads a regex literal; \/ is a slash, other escapes stay for the
// regex compiler.
func (l *lexer) regex(start int) (string, error) {
	var b strings.Builder
	inBracket := false
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		l.pos++
		switch {
		case c == '\n':
			return "", l.errorf(start, "unterminated regexp")
		case c == '\\' && l.pos < len(l.src):
			if l.src[l.pos] == '/' {
				b.WriteByte('/')
			} else {
				b.WriteByte('\\')
				b.WriteByte(l.src[l.pos])
			}
			l.pos++
		case c == '[':
			inBracket = true
			b.WriteByte(c)
		case c == ']':
			inBracket = false
			b.WriteByte(c)
		case c == '/' && !inBracket:
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", l.errorf(start, "unterminated regexp")
}
