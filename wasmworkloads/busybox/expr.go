package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// exprError is a failure that makes expr exit with status 2.
type exprError string

func (e exprError) Error() string { return string(e) }

// exprMain evaluates an expression given as separate arguments, with
// POSIX expr's operators, lowest precedence first: |, &, comparisons
// (= != < <= > >=), + -, * / %, and : (anchored regular expression match),
// plus BusyBox's match, substr, index and length. It prints the result;
// the status is 1 if the result is null or 0, 2 for errors.
func exprMain(p *proc) int {
	e := &exprParser{args: p.args[1:]}
	v, err := e.parse()
	if err != nil {
		p.errorf("%v", err)
		return 2
	}
	fmt.Fprintln(p.stdout, v)
	if v == "" || v == "0" {
		return 1
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n == 0 {
		return 1
	}
	return 0
}

// exprParser is a recursive descent parser that evaluates as it goes.
type exprParser struct {
	args []string
	pos  int
}

func (e *exprParser) parse() (string, error) {
	if len(e.args) == 0 {
		return "", exprError("missing operand")
	}
	v, err := e.or()
	if err == nil && e.pos < len(e.args) {
		err = exprError("syntax error")
	}
	return v, err
}

// accept consumes the next argument if it is one of ops.
func (e *exprParser) accept(ops ...string) (string, bool) {
	if e.pos < len(e.args) {
		for _, op := range ops {
			if e.args[e.pos] == op {
				e.pos++
				return op, true
			}
		}
	}
	return "", false
}

// next consumes an operand.
func (e *exprParser) next() (string, error) {
	if e.pos >= len(e.args) {
		return "", exprError("syntax error")
	}
	e.pos++
	return e.args[e.pos-1], nil
}

func (e *exprParser) or() (string, error) {
	l, err := e.and()
	for err == nil {
		if _, ok := e.accept("|"); !ok {
			break
		}
		var r string
		if r, err = e.and(); err == nil && isNull(l) {
			l = r
			if isNull(r) {
				l = "0"
			}
		}
	}
	return l, err
}

func (e *exprParser) and() (string, error) {
	l, err := e.compare()
	for err == nil {
		if _, ok := e.accept("&"); !ok {
			break
		}
		var r string
		if r, err = e.compare(); err == nil && (isNull(l) || isNull(r)) {
			l = "0"
		}
	}
	return l, err
}

func (e *exprParser) compare() (string, error) {
	l, err := e.sum()
	for err == nil {
		op, ok := e.accept("=", "==", "!=", "<", "<=", ">", ">=")
		if !ok {
			break
		}
		var r string
		if r, err = e.sum(); err != nil {
			break
		}
		c := strings.Compare(l, r)
		if a, aerr := strconv.ParseInt(l, 10, 64); aerr == nil {
			if b, berr := strconv.ParseInt(r, 10, 64); berr == nil {
				c = compareFloat(float64(a), float64(b))
			}
		}
		l = boolString(map[string]bool{
			"=": c == 0, "==": c == 0, "!=": c != 0,
			"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0,
		}[op])
	}
	return l, err
}

func (e *exprParser) sum() (string, error) {
	l, err := e.product()
	for err == nil {
		op, ok := e.accept("+", "-")
		if !ok {
			break
		}
		var r string
		if r, err = e.product(); err == nil {
			l, err = arith(l, op, r)
		}
	}
	return l, err
}

func (e *exprParser) product() (string, error) {
	l, err := e.match()
	for err == nil {
		op, ok := e.accept("*", "/", "%")
		if !ok {
			break
		}
		var r string
		if r, err = e.match(); err == nil {
			l, err = arith(l, op, r)
		}
	}
	return l, err
}

func (e *exprParser) match() (string, error) {
	l, err := e.unary()
	for err == nil {
		if _, ok := e.accept(":"); !ok {
			break
		}
		var r string
		if r, err = e.unary(); err == nil {
			l, err = regexMatch(l, r)
		}
	}
	return l, err
}

func (e *exprParser) unary() (string, error) {
	op, ok := e.accept("match", "substr", "index", "length", "+", "(")
	if !ok {
		return e.next()
	}
	var args []string
	switch op {
	case "(":
		v, err := e.or()
		if err != nil {
			return "", err
		}
		if _, ok := e.accept(")"); !ok {
			return "", exprError("syntax error")
		}
		return v, nil
	case "+":
		return e.next() // the next argument, taken literally
	case "length":
		args = make([]string, 1)
	case "match", "index":
		args = make([]string, 2)
	case "substr":
		args = make([]string, 3)
	}
	for i := range args {
		v, err := e.unary()
		if err != nil {
			return "", err
		}
		args[i] = v
	}
	switch op {
	case "length":
		return strconv.Itoa(utf8.RuneCountInString(args[0])), nil
	case "match":
		return regexMatch(args[0], args[1])
	case "index":
		return strconv.Itoa(strings.IndexAny(args[0], args[1]) + 1), nil
	}
	pos, err1 := strconv.Atoi(args[1])
	n, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil {
		return "", exprError("non-numeric argument")
	}
	if pos < 1 || n < 1 || pos > len(args[0]) {
		return "", nil
	}
	return args[0][pos-1 : min(len(args[0]), pos-1+n)], nil
}

// arith applies an integer operator.
func arith(l, op, r string) (string, error) {
	a, err1 := strconv.ParseInt(strings.TrimSpace(l), 10, 64)
	b, err2 := strconv.ParseInt(strings.TrimSpace(r), 10, 64)
	if err1 != nil || err2 != nil {
		return "", exprError("non-numeric argument")
	}
	var v int64
	switch op {
	case "+":
		v = a + b
	case "-":
		v = a - b
	case "*":
		v = a * b
	case "/", "%":
		if b == 0 {
			return "", exprError("division by zero")
		}
		if op == "/" {
			v = a / b
		} else {
			v = a % b
		}
	}
	return strconv.FormatInt(v, 10), nil
}

// regexMatch is STRING : REGEX, anchored at the start: the first \(...\)
// group if there is one, else the length of the match.
func regexMatch(s, pattern string) (string, error) {
	re, err := regexp.Compile("^(?:" + basicToExtended(pattern) + ")")
	if err != nil {
		return "", exprError(fmt.Sprintf("bad regex '%s'", pattern))
	}
	m := re.FindStringSubmatch(s)
	if re.NumSubexp() > 0 {
		if m == nil {
			return "", nil
		}
		return m[1], nil
	}
	if m == nil {
		return "0", nil
	}
	return strconv.Itoa(utf8.RuneCountInString(m[0])), nil
}

// isNull is expr's notion of false: empty or zero.
func isNull(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return s == "" || (err == nil && n == 0)
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
