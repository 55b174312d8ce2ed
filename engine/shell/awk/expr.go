package awk

// Expressions, from the loosest operator to the tightest: assignment,
// ?:, ||, &&, in, ~ and !~, comparison, concatenation, + -, * / %,
// unary ! + -, ^, ++ --, $, and the primaries.

func (p *parser) expr() (expr, error) {
	l, err := p.ternary()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tPunct {
		return l, nil
	}
	switch op := p.tok.text; op {
	case "=", "+=", "-=", "*=", "/=", "%=", "^=", "**=":
		if !isLvalue(l) {
			return nil, p.syntaxError()
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.optNewlines(); err != nil {
			return nil, err
		}
		r, err := p.expr()
		if op == "**=" {
			op = "^="
		}
		return assignExpr{target: l, op: op, value: r}, err
	}
	return l, nil
}

func isLvalue(x expr) bool {
	switch x.(type) {
	case *varRef, indexExpr, fieldExpr:
		return true
	}
	return false
}

func (p *parser) ternary() (expr, error) {
	cond, err := p.binary(0)
	if err != nil || !p.is("?") {
		return cond, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.optNewlines(); err != nil {
		return nil, err
	}
	yes, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.optNewlines(); err != nil {
		return nil, err
	}
	if err := p.expect(":"); err != nil {
		return nil, err
	}
	if err := p.optNewlines(); err != nil {
		return nil, err
	}
	no, err := p.expr()
	return condExpr{cond, yes, no}, err
}

// levels are the binary operators by precedence, loosest first.
var levels = [][]string{{"||"}, {"&&"}, {"in"}, {"~", "!~"}, {"<", "<=", "==", "!=", ">=", ">"}}

// binary parses the binary operators from levels[level] down.
func (p *parser) binary(level int) (expr, error) {
	if level == len(levels) {
		return p.concat()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		op := p.operatorAt(level)
		if op == "" {
			return l, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if op == "&&" || op == "||" {
			if err := p.optNewlines(); err != nil {
				return nil, err
			}
		}
		if op == "in" {
			index := []expr{l}
			if list, ok := l.(listExpr); ok {
				index = list.list
			}
			arr, err := p.arrayName()
			if err != nil {
				return nil, err
			}
			l = inExpr{index: index, arr: arr}
			continue
		}
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		switch op {
		case "~", "!~":
			l = matchExpr{neg: op == "!~", l: l, re: r}
		default:
			l = binaryExpr{op: op, l: l, r: r}
		}
		if level == len(levels)-1 {
			return l, nil // comparisons do not chain
		}
	}
}

// operatorAt returns the operator of that level at the current token.
func (p *parser) operatorAt(level int) string {
	if p.tok.kind != tPunct && !(p.tok.kind == tKeyword && p.tok.text == "in") {
		return ""
	}
	for _, op := range levels[level] {
		if p.tok.text != op {
			continue
		}
		if op == "in" && p.noIn || op == ">" && p.noGt {
			return ""
		}
		return op
	}
	return ""
}

func (p *parser) concat() (expr, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	for p.startsOperand() {
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		l = concatExpr{l, r}
	}
	if p.is("|") {
		save, saveTok := *p.lex, p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.is("getline") {
			return nil, p.errorf("input from a command (\"cmd\" | getline) is not supported here")
		}
		*p.lex, p.tok = save, saveTok
	}
	return l, nil
}

// startsOperand tells whether the token can begin an operand of a
// concatenation.
func (p *parser) startsOperand() bool {
	switch p.tok.kind {
	case tNumber, tString, tRegex, tName, tFuncName, tBuiltin:
		return true
	case tPunct:
		switch p.tok.text {
		case "$", "(", "!", "++", "--", "-", "+":
			return p.tok.text != "-" && p.tok.text != "+" && p.tok.text != "!"
		}
	}
	return false
}

func (p *parser) additive() (expr, error) {
	l, err := p.multiplicative()
	for err == nil && (p.is("+") || p.is("-")) {
		op := p.tok.text
		if err = p.advance(); err != nil {
			break
		}
		var r expr
		r, err = p.multiplicative()
		l = binaryExpr{op: op, l: l, r: r}
	}
	return l, err
}

func (p *parser) multiplicative() (expr, error) {
	l, err := p.unary()
	for err == nil && (p.is("*") || p.is("/") || p.is("%")) {
		op := p.tok.text
		if err = p.advance(); err != nil {
			break
		}
		var r expr
		r, err = p.unary()
		l = binaryExpr{op: op, l: l, r: r}
	}
	return l, err
}

func (p *parser) unary() (expr, error) {
	if p.is("!") || p.is("-") || p.is("+") {
		op := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		return unaryExpr{op: op, x: x}, err
	}
	return p.power()
}

func (p *parser) power() (expr, error) {
	base, err := p.postfix()
	if err != nil || !(p.is("^") || p.is("**")) {
		return base, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	exp, err := p.unaryPower()
	return binaryExpr{op: "^", l: base, r: exp}, err
}

// unaryPower is the right side of ^: 2^-1, 2^3^2 (right associative).
func (p *parser) unaryPower() (expr, error) {
	if p.is("-") || p.is("+") || p.is("!") {
		op := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unaryPower()
		return unaryExpr{op: op, x: x}, err
	}
	return p.power()
}

func (p *parser) postfix() (expr, error) {
	if p.is("++") || p.is("--") {
		op := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.postfix()
		if err == nil && !isLvalue(x) {
			return nil, p.syntaxError()
		}
		return incrExpr{target: x, op: op, pre: true}, err
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	if (p.is("++") || p.is("--")) && isLvalue(x) {
		op := p.tok.text
		return incrExpr{target: x, op: op}, p.advance()
	}
	return x, nil
}

func (p *parser) primary() (expr, error) {
	t := p.tok
	switch t.kind {
	case tNumber:
		return numLit{t.num}, p.advance()
	case tString:
		return strLit{t.text}, p.advance()
	case tRegex:
		re, err := p.prog.regexp(t.text)
		if err != nil {
			return nil, p.errorf("%s", err)
		}
		return regexLit{re}, p.advance()
	case tName:
		if err := p.advance(); err != nil {
			return nil, err
		}
		v := p.var_(t.text)
		if !p.is("[") {
			return v, nil
		}
		index, err := p.subscript()
		return indexExpr{arr: v, index: index}, err
	case tFuncName:
		return p.call()
	case tBuiltin:
		return p.builtin()
	case tKeyword:
		if t.text == "getline" {
			return p.getline()
		}
	case tPunct:
		switch t.text {
		case "$":
			if err := p.advance(); err != nil {
				return nil, err
			}
			var x expr
			var err error
			if p.is("++") || p.is("--") || p.is("-") {
				x, err = p.unary()
			} else {
				x, err = p.primary()
			}
			return fieldExpr{x}, err
		case "(":
			return p.group()
		}
	}
	return nil, p.syntaxError()
}

func (p *parser) group() (expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	noIn, noGt := p.noIn, p.noGt
	p.noIn, p.noGt = false, false
	list, err := p.exprList(")")
	p.noIn, p.noGt = noIn, noGt
	if err != nil {
		return nil, err
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	switch len(list) {
	case 0:
		return nil, p.syntaxError()
	case 1:
		return groupExpr{list[0]}, nil
	}
	return listExpr{list}, nil
}

func (p *parser) call() (expr, error) {
	c := &callExpr{name: p.tok.text, pos: p.tok.pos}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil { // (
		return nil, err
	}
	var err error
	if c.args, err = p.callArgs(); err != nil {
		return nil, err
	}
	p.calls = append(p.calls, c)
	return c, nil
}

func (p *parser) callArgs() ([]expr, error) {
	noIn, noGt := p.noIn, p.noGt
	p.noIn, p.noGt = false, false
	defer func() { p.noIn, p.noGt = noIn, noGt }()
	list, err := p.exprList(")")
	if err != nil {
		return nil, err
	}
	return list, p.expect(")")
}

func (p *parser) builtin() (expr, error) {
	name := p.tok.text
	if err := p.advance(); err != nil {
		return nil, err
	}
	if name == "system" {
		return nil, p.errorf("system() is not supported here: awk cannot run commands in this shell")
	}
	if !p.is("(") {
		if name == "length" {
			return builtinCall{name: name}, nil
		}
		return nil, p.syntaxError()
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	args, err := p.callArgs()
	if err != nil {
		return nil, err
	}
	return builtinCall{name: name, args: args}, p.checkArity(name, args)
}

var arity = map[string][2]int{
	"length": {0, 1}, "substr": {2, 3}, "index": {2, 2}, "split": {2, 3}, "sub": {2, 3},
	"gsub": {2, 3}, "match": {2, 2}, "sprintf": {1, 1 << 20}, "tolower": {1, 1}, "toupper": {1, 1},
	"int": {1, 1}, "sqrt": {1, 1}, "exp": {1, 1}, "log": {1, 1}, "sin": {1, 1}, "cos": {1, 1},
	"atan2": {2, 2}, "rand": {0, 0}, "srand": {0, 1}, "close": {1, 2}, "fflush": {0, 1},
}

func (p *parser) checkArity(name string, args []expr) error {
	a := arity[name]
	if len(args) < a[0] || len(args) > a[1] {
		return p.lex.errorf(p.tok.pos, "%d is invalid as number of arguments for %s", len(args), name)
	}
	if name == "split" || name == "sub" || name == "gsub" {
		target := 1
		if name != "split" {
			target = 2
		}
		if target < len(args) && !isLvalue(args[target]) {
			return p.lex.errorf(p.tok.pos, "%s: argument %d is not a variable", name, target+1)
		}
	}
	return nil
}

func (p *parser) getline() (expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	g := getlineExpr{}
	if p.tok.kind == tName || p.is("$") {
		x, err := p.primary()
		if err != nil {
			return nil, err
		}
		g.target = x
	}
	if p.is("<") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		f, err := p.primary()
		if err != nil {
			return nil, err
		}
		g.file = f
	}
	return g, nil
}
