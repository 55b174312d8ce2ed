package awk

import (
	"regexp"
)

// The syntax tree.

type expr interface{}

type (
	numLit   struct{ v float64 }
	strLit   struct{ s string }
	regexLit struct{ re *regexp.Regexp } // alone, it matches $0
	varRef   struct {
		local bool
		idx   int
		name  string
	}
	indexExpr struct {
		arr   *varRef
		index []expr
	}
	fieldExpr  struct{ index expr }
	assignExpr struct {
		target expr
		op     string // "=", "+=", ...
		value  expr
	}
	condExpr   struct{ cond, yes, no expr }
	binaryExpr struct {
		op   string
		l, r expr
	}
	matchExpr struct {
		neg bool
		l   expr
		re  expr
	}
	inExpr struct {
		index []expr
		arr   *varRef
	}
	unaryExpr struct {
		op string
		x  expr
	}
	incrExpr struct {
		target expr
		op     string
		pre    bool
	}
	concatExpr struct{ l, r expr }
	callExpr   struct {
		name string
		fn   *funcDef
		args []expr
		pos  int
	}
	builtinCall struct {
		name string
		args []expr
	}
	getlineExpr struct {
		target expr // nil: $0
		file   expr // nil: the main input
	}
	groupExpr struct{ x expr }
	listExpr  struct{ list []expr } // (a, b) before "in"
)

type stmt interface{}

type (
	printStmt struct {
		args   []expr
		printf bool
		dest   expr
		mode   string // "", ">", ">>"
	}
	exprStmt struct{ x expr }
	ifStmt   struct {
		cond      expr
		then, els stmt
	}
	whileStmt struct {
		cond expr
		body stmt
	}
	doStmt struct {
		body stmt
		cond expr
	}
	forStmt struct {
		init, post stmt
		cond       expr
		body       stmt
	}
	forInStmt struct {
		v    expr
		arr  *varRef
		body stmt
	}
	blockStmt    []stmt
	nextStmt     struct{}
	nextfileStmt struct{}
	exitStmt     struct{ x expr }
	returnStmt   struct{ x expr }
	breakStmt    struct{}
	continueStmt struct{}
	deleteStmt   struct {
		arr   *varRef
		index []expr // nil: the whole array
	}
)

type itemKind int

const (
	itemMain itemKind = iota
	itemBegin
	itemEnd
)

type item struct {
	kind      itemKind
	pat, pat2 expr
	ranged    bool
	action    blockStmt // nil: print $0
	inRange   bool
}

type funcDef struct {
	name    string
	params  []string
	body    blockStmt
	defined bool
}

// Program is a compiled awk program.
type Program struct {
	items   []*item
	funcs   map[string]*funcDef
	globals map[string]int
	regexp  func(string) (*regexp.Regexp, error)
}

// The special variables have fixed places among the globals.
const (
	vNR = iota
	vNF
	vFNR
	vFS
	vOFS
	vORS
	vRS
	vFILENAME
	vSUBSEP
	vRSTART
	vRLENGTH
	vCONVFMT
	vOFMT
	vENVIRON
	vARGC
	vARGV
	numSpecial
)

var specialNames = []string{"NR", "NF", "FNR", "FS", "OFS", "ORS", "RS", "FILENAME", "SUBSEP", "RSTART", "RLENGTH", "CONVFMT", "OFMT", "ENVIRON", "ARGC", "ARGV"}

type parser struct {
	lex    *lexer
	tok    token
	prog   *Program
	locals map[string]int // in a function: its parameters
	calls  []*callExpr
	noIn   bool // in for (x in a): "in" is not an operator
	noGt   bool // in print's arguments: ">" is a redirection
	loops  int
	inFunc bool
}

// Compile parses an awk program; compile makes regular expressions (POSIX
// EREs) of regex literals and of strings used as regexes.
func Compile(src string, compile func(string) (*regexp.Regexp, error)) (*Program, error) {
	prog := &Program{funcs: map[string]*funcDef{}, globals: map[string]int{}, regexp: compile}
	for i, n := range specialNames {
		prog.globals[n] = i
	}
	p := &parser{lex: &lexer{src: src, last: tNewline}, prog: prog}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.program(); err != nil {
		return nil, err
	}
	for _, c := range p.calls {
		f := prog.funcs[c.name]
		if f == nil || !f.defined {
			return nil, p.lex.errorf(c.pos, "function `%s' called but never defined", c.name)
		}
		if len(c.args) > len(f.params) {
			return nil, p.lex.errorf(c.pos, "function `%s' called with more arguments than declared", c.name)
		}
		c.fn = f
	}
	return prog, nil
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	p.tok = t
	return err
}

func (p *parser) is(text string) bool {
	return (p.tok.kind == tPunct || p.tok.kind == tKeyword) && p.tok.text == text
}

func (p *parser) errorf(format string, a ...any) error {
	return p.lex.errorf(p.tok.pos, format, a...)
}

func (p *parser) syntaxError() error {
	if p.tok.kind == tEOF || p.tok.kind == tNewline {
		return p.errorf("unexpected newline or end of string")
	}
	return p.errorf("syntax error")
}

func (p *parser) expect(text string) error {
	if !p.is(text) {
		return p.syntaxError()
	}
	return p.advance()
}

func (p *parser) optNewlines() error {
	for p.tok.kind == tNewline {
		if err := p.advance(); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) program() error {
	for {
		for p.tok.kind == tNewline || p.is(";") {
			if err := p.advance(); err != nil {
				return err
			}
		}
		if p.tok.kind == tEOF {
			return nil
		}
		if err := p.item(); err != nil {
			return err
		}
	}
}

func (p *parser) item() error {
	switch {
	case p.is("function") || p.is("func"):
		return p.function()
	case p.is("BEGIN") || p.is("END"):
		kind := map[string]itemKind{"BEGIN": itemBegin, "END": itemEnd}[p.tok.text]
		if err := p.advance(); err != nil {
			return err
		}
		if !p.is("{") {
			return p.errorf("%s blocks must have an action part", map[itemKind]string{itemBegin: "BEGIN", itemEnd: "END"}[kind])
		}
		body, err := p.block()
		if err != nil {
			return err
		}
		p.prog.items = append(p.prog.items, &item{kind: kind, action: body})
		return nil
	}
	it := &item{kind: itemMain}
	if !p.is("{") {
		var err error
		if it.pat, err = p.expr(); err != nil {
			return err
		}
		if p.is(",") {
			if err := p.advance(); err != nil {
				return err
			}
			if err := p.optNewlines(); err != nil {
				return err
			}
			if it.pat2, err = p.expr(); err != nil {
				return err
			}
			it.ranged = true
		}
	}
	p.prog.items = append(p.prog.items, it)
	if !p.is("{") {
		return p.itemEnd() // a pattern alone ends at a newline or ;
	}
	body, err := p.block()
	if body == nil {
		body = blockStmt{}
	}
	it.action = body
	return err
}

func (p *parser) itemEnd() error {
	if p.tok.kind == tNewline || p.tok.kind == tEOF || p.is(";") || p.is("{") || p.is("}") {
		return nil
	}
	return p.syntaxError()
}

func (p *parser) function() error {
	if err := p.advance(); err != nil {
		return err
	}
	if p.tok.kind != tName && p.tok.kind != tFuncName {
		return p.syntaxError()
	}
	name := p.tok.text
	if _, ok := p.prog.globals[name]; ok && name != "" {
		if idx := p.prog.globals[name]; idx < numSpecial {
			return p.errorf("function name `%s' previously defined", name)
		}
	}
	f := p.prog.funcs[name]
	if f == nil {
		f = &funcDef{name: name}
		p.prog.funcs[name] = f
	}
	if f.defined {
		return p.errorf("function `%s' previously defined", name)
	}
	f.defined = true
	if err := p.advance(); err != nil {
		return err
	}
	if err := p.expect("("); err != nil {
		return err
	}
	p.locals = map[string]int{}
	for !p.is(")") {
		if p.tok.kind != tName {
			return p.syntaxError()
		}
		p.locals[p.tok.text] = len(f.params)
		f.params = append(f.params, p.tok.text)
		if err := p.advance(); err != nil {
			return err
		}
		if p.is(",") {
			if err := p.advance(); err != nil {
				return err
			}
			if err := p.optNewlines(); err != nil {
				return err
			}
		}
	}
	if err := p.advance(); err != nil {
		return err
	}
	if err := p.optNewlines(); err != nil {
		return err
	}
	p.inFunc = true
	body, err := p.block()
	p.inFunc, p.locals = false, nil
	f.body = body
	return err
}

// block parses { statements }.
func (p *parser) block() (blockStmt, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var list blockStmt
	for {
		if err := p.skipTerminators(); err != nil {
			return nil, err
		}
		if p.is("}") {
			return list, p.advance()
		}
		if p.tok.kind == tEOF {
			return nil, p.syntaxError()
		}
		s, err := p.statement()
		if err != nil {
			return nil, err
		}
		list = append(list, s)
	}
}

func (p *parser) skipTerminators() error {
	for p.tok.kind == tNewline || p.is(";") {
		if err := p.advance(); err != nil {
			return err
		}
	}
	return nil
}

// simpleEnd ends a simple statement: ; newline, or before } or EOF.
func (p *parser) simpleEnd() error {
	switch {
	case p.is(";") || p.tok.kind == tNewline:
		return p.advance()
	case p.is("}") || p.tok.kind == tEOF:
		return nil
	}
	return p.syntaxError()
}

func (p *parser) var_(name string) *varRef {
	if i, ok := p.locals[name]; ok {
		return &varRef{local: true, idx: i, name: name}
	}
	i, ok := p.prog.globals[name]
	if !ok {
		i = len(p.prog.globals)
		p.prog.globals[name] = i
	}
	return &varRef{idx: i, name: name}
}

func (p *parser) statement() (stmt, error) {
	if p.tok.kind == tKeyword {
		switch p.tok.text {
		case "if", "while", "do", "for":
			return p.compound()
		case "print", "printf":
			return p.print()
		}
	}
	if p.is("{") {
		return p.block()
	}
	s, err := p.simple()
	if err != nil {
		return nil, err
	}
	return s, p.simpleEnd()
}

// simple parses the statements that need a terminator after them.
func (p *parser) simple() (stmt, error) {
	if p.tok.kind == tKeyword {
		kw := p.tok.text
		switch kw {
		case "next", "nextfile", "break", "continue":
			if (kw == "break" || kw == "continue") && p.loops == 0 {
				return nil, p.errorf("`%s' is not allowed outside a loop", kw)
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			return map[string]stmt{"next": nextStmt{}, "nextfile": nextfileStmt{}, "break": breakStmt{}, "continue": continueStmt{}}[kw], nil
		case "exit", "return":
			if kw == "return" && !p.inFunc {
				return nil, p.errorf("`return' used outside function context")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			var x expr
			if !p.is(";") && !p.is("}") && p.tok.kind != tNewline && p.tok.kind != tEOF {
				var err error
				if x, err = p.expr(); err != nil {
					return nil, err
				}
			}
			if kw == "exit" {
				return exitStmt{x}, nil
			}
			return returnStmt{x}, nil
		case "delete":
			return p.delete()
		}
	}
	x, err := p.expr()
	return exprStmt{x}, err
}

// arrayName parses the name of an array (after delete and in).
func (p *parser) arrayName() (*varRef, error) {
	if p.tok.kind != tName {
		return nil, p.syntaxError()
	}
	arr := p.var_(p.tok.text)
	return arr, p.advance()
}

func (p *parser) delete() (stmt, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	arr, err := p.arrayName()
	if err != nil {
		return nil, err
	}
	if !p.is("[") {
		return deleteStmt{arr: arr}, nil
	}
	index, err := p.subscript()
	return deleteStmt{arr: arr, index: index}, err
}

// subscript parses [expr, expr...].
func (p *parser) subscript() ([]expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	list, err := p.exprList("]")
	if err != nil {
		return nil, err
	}
	return list, p.expect("]")
}

func (p *parser) exprList(end string) ([]expr, error) {
	var list []expr
	for !p.is(end) {
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		list = append(list, x)
		if !p.is(",") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.optNewlines(); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (p *parser) compound() (stmt, error) {
	kw := p.tok.text
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch kw {
	case "if":
		cond, err := p.condition()
		if err != nil {
			return nil, err
		}
		then, err := p.body()
		if err != nil {
			return nil, err
		}
		s := ifStmt{cond: cond, then: then}
		save := *p.lex
		saveTok := p.tok
		if err := p.skipTerminators(); err != nil {
			return nil, err
		}
		if !p.is("else") {
			*p.lex, p.tok = save, saveTok
			return s, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		s.els, err = p.body()
		return s, err
	case "while":
		cond, err := p.condition()
		if err != nil {
			return nil, err
		}
		if p.is(";") {
			return whileStmt{cond: cond, body: blockStmt{}}, p.advance()
		}
		body, err := p.loopBody()
		return whileStmt{cond: cond, body: body}, err
	case "do":
		body, err := p.loopBody()
		if err != nil {
			return nil, err
		}
		if err := p.skipTerminators(); err != nil {
			return nil, err
		}
		if err := p.expect("while"); err != nil {
			return nil, err
		}
		cond, err := p.condition()
		if err != nil {
			return nil, err
		}
		return doStmt{body: body, cond: cond}, p.simpleEnd()
	}
	return p.forLoop()
}

func (p *parser) condition() (expr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	return x, p.expect(")")
}

func (p *parser) body() (stmt, error) {
	if err := p.optNewlines(); err != nil {
		return nil, err
	}
	if p.is(";") {
		return blockStmt{}, p.advance()
	}
	return p.statement()
}

func (p *parser) loopBody() (stmt, error) {
	p.loops++
	defer func() { p.loops-- }()
	return p.body()
}

func (p *parser) forLoop() (stmt, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	if p.tok.kind == tName {
		save, saveTok := *p.lex, p.tok
		v := p.var_(p.tok.text)
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.is("in") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			arr, err := p.arrayName()
			if err != nil {
				return nil, err
			}
			if p.is(")") {
				if err := p.advance(); err != nil {
					return nil, err
				}
				body, err := p.loopBody()
				return forInStmt{v: v, arr: arr, body: body}, err
			}
		}
		*p.lex, p.tok = save, saveTok
	}
	var f forStmt
	err := p.forPart(";", func() (err error) { f.init, err = p.simple(); return err })
	if err == nil {
		err = p.forPart(";", func() (err error) { f.cond, err = p.expr(); return err })
	}
	if err == nil {
		err = p.forPart(")", func() (err error) { f.post, err = p.simple(); return err })
	}
	if err != nil {
		return nil, err
	}
	if p.is(";") {
		f.body = blockStmt{}
		return f, p.advance()
	}
	f.body, err = p.loopBody()
	return f, err
}

// forPart parses an optional part of for (init; cond; post) and what
// ends it.
func (p *parser) forPart(end string, parse func() error) error {
	if !p.is(end) {
		if err := parse(); err != nil {
			return err
		}
	}
	if err := p.expect(end); err != nil {
		return err
	}
	if end == ";" {
		return p.optNewlines()
	}
	return nil
}

func (p *parser) print() (stmt, error) {
	s := printStmt{printf: p.tok.text == "printf"}
	if err := p.advance(); err != nil {
		return nil, err
	}
	p.noGt = true
	var err error
	if !p.is(";") && !p.is("}") && !p.is(">") && !p.is(">>") && !p.is("|") && p.tok.kind != tNewline && p.tok.kind != tEOF {
		if s.args, err = p.exprList(""); err != nil {
			p.noGt = false
			return nil, err
		}
	}
	p.noGt = false
	if len(s.args) == 1 {
		if l, ok := s.args[0].(listExpr); ok {
			s.args = l.list // print (a, b)
		}
	}
	if s.printf && len(s.args) == 0 {
		return nil, p.errorf("printf: no format")
	}
	switch {
	case p.is(">") || p.is(">>"):
		s.mode = p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		if s.dest, err = p.concat(); err != nil {
			return nil, err
		}
	case p.is("|"):
		return nil, p.errorf("output to a command (print | \"cmd\") is not supported here")
	}
	return s, p.simpleEnd()
}
