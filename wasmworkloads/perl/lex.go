package main

import (
	"errors"
	"strings"
)

// stmt is a statement of the program and the line it starts on.
type stmt struct {
	text string
	line int
}

// syntaxError is a program perl would not compile.
type syntaxError struct {
	msg  string
	line int
}

func (e *syntaxError) Error() string { return e.msg }

// split cuts a program into statements at semicolons outside strings and
// parentheses, dropping comments, and stops at __END__ or __DATA__.
func split(src string) ([]stmt, *syntaxError) {
	var out []stmt
	var cur strings.Builder
	line, start := 1, 1
	depth := 0
	var quote byte
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, stmt{text: strings.Join(strings.Fields(s), " "), line: start})
		}
		cur.Reset()
		start = line
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\n' {
			line++
		}
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == '\\' && i+1 < len(src) {
				i++
				cur.WriteByte(src[i])
			} else if c == quote {
				quote = 0
			}
			continue
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			line++
			cur.WriteByte(' ')
			continue
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ';' && depth == 0:
			flush()
			continue
		}
		if strings.TrimSpace(cur.String()) == "" && (strings.HasPrefix(src[i:], "__END__") || strings.HasPrefix(src[i:], "__DATA__")) {
			break
		}
		if strings.TrimSpace(cur.String()) == "" && c != ' ' && c != '\t' && c != '\n' {
			start = line
		}
		cur.WriteByte(c)
	}
	if quote != 0 {
		return nil, &syntaxError{msg: sprintf("Can't find string terminator %s%c%s anywhere before EOF", `'`, quote, `'`), line: start}
	}
	if depth != 0 {
		return nil, &syntaxError{msg: "syntax error", line: line}
	}
	flush()
	return out, nil
}

// splitList cuts a list at commas outside strings and parentheses.
func splitList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	depth, last := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[last:i])
			last = i + 1
		}
	}
	if quote != 0 || depth != 0 {
		return nil, errors.New("unbalanced")
	}
	return append(out, s[last:]), nil
}

// matchingParen returns the index of the parenthesis closing s[open], or
// -1.
func matchingParen(s string, open int) int {
	depth := 0
	var quote byte
	for i := open; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
