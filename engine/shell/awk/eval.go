package awk

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

func (in *interp) block(b blockStmt) error {
	for _, s := range b {
		if err := in.exec(s); err != nil {
			return err
		}
	}
	return nil
}

func (in *interp) exec(s stmt) error {
	switch s := s.(type) {
	case blockStmt:
		return in.block(s)
	case exprStmt:
		_, err := in.eval(s.x)
		return err
	case printStmt:
		return in.print(s)
	case ifStmt:
		v, err := in.eval(s.cond)
		switch {
		case err != nil:
			return err
		case v.bool():
			return in.exec(s.then)
		case s.els != nil:
			return in.exec(s.els)
		}
		return nil
	case whileStmt:
		return in.loop(s.cond, nil, s.body, false)
	case doStmt:
		return in.loop(s.cond, nil, s.body, true)
	case forStmt:
		if s.init != nil {
			if err := in.exec(s.init); err != nil {
				return err
			}
		}
		return in.loop(s.cond, s.post, s.body, false)
	case forInStmt:
		return in.forIn(s)
	case nextStmt:
		return errNext
	case nextfileStmt:
		return errNextFile
	case breakStmt:
		return errBreak
	case continueStmt:
		return errContinue
	case exitStmt:
		if s.x == nil {
			return exitError{}
		}
		v, err := in.eval(s.x)
		if err != nil {
			return err
		}
		return exitError{code: int(v.num()) & 0xff, set: true}
	case returnStmt:
		var v value
		if s.x != nil {
			var err error
			if v, err = in.eval(s.x); err != nil {
				return err
			}
		}
		return returnError{v}
	case deleteStmt:
		arr, err := in.array(s.arr)
		if err != nil {
			return err
		}
		if s.index == nil {
			clear(arr)
			return nil
		}
		k, err := in.subscript(s.index)
		delete(arr, k)
		return err
	}
	return fmt.Errorf("awk: unknown statement %T", s)
}

// loop runs while, do-while and for loops.
func (in *interp) loop(cond expr, post stmt, body stmt, doFirst bool) error {
	for first := true; ; first = false {
		if !(doFirst && first) && cond != nil {
			v, err := in.eval(cond)
			if err != nil {
				return err
			}
			if !v.bool() {
				return nil
			}
		}
		err := in.exec(body)
		switch {
		case errors.Is(err, errBreak):
			return nil
		case err != nil && !errors.Is(err, errContinue):
			return err
		}
		if post != nil {
			if err := in.exec(post); err != nil {
				return err
			}
		}
	}
}

func (in *interp) forIn(s forInStmt) error {
	arr, err := in.array(s.arr)
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(arr) {
		if _, ok := arr[k]; !ok {
			continue // deleted meanwhile
		}
		if err := in.assign(s.v, strnum(k)); err != nil {
			return err
		}
		err := in.exec(s.body)
		switch {
		case errors.Is(err, errBreak):
			return nil
		case err != nil && !errors.Is(err, errContinue):
			return err
		}
	}
	return nil
}

func (in *interp) print(s printStmt) error {
	w, err := in.writer(s.dest, s.mode)
	if err != nil {
		return err
	}
	vals := make([]value, len(s.args))
	for i, a := range s.args {
		if vals[i], err = in.eval(a); err != nil {
			return err
		}
	}
	if s.printf {
		_, err = io.WriteString(w, sprintf(vals[0].str(in.convfmt()), vals[1:], in.convfmt()))
		return err
	}
	if len(vals) == 0 {
		vals = []value{in.getField(0)}
	}
	ofmt := in.globals[vOFMT].v.str("%.6g")
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = v.str(ofmt)
	}
	_, err = io.WriteString(w, strings.Join(parts, in.globals[vOFS].v.str(in.convfmt()))+in.globals[vORS].v.str(in.convfmt()))
	return err
}

func (in *interp) eval(x expr) (value, error) {
	switch x := x.(type) {
	case numLit:
		return num(x.v), nil
	case strLit:
		return str(x.s), nil
	case regexLit:
		return boolean(x.re.MatchString(in.record)), nil
	case groupExpr:
		return in.eval(x.x)
	case *varRef:
		return in.varValue(x)
	case indexExpr:
		arr, err := in.array(x.arr)
		if err != nil {
			return value{}, err
		}
		k, err := in.subscript(x.index)
		if err != nil {
			return value{}, err
		}
		v, ok := arr[k]
		if !ok {
			v = &value{}
			arr[k] = v // referencing an element creates it, as in awk
		}
		return *v, nil
	case fieldExpr:
		i, err := in.fieldIndex(x)
		if err != nil {
			return value{}, err
		}
		return in.getField(i), nil
	case assignExpr:
		return in.evalAssign(x)
	case incrExpr:
		return in.evalIncr(x)
	case condExpr:
		c, err := in.eval(x.cond)
		if err != nil {
			return value{}, err
		}
		if c.bool() {
			return in.eval(x.yes)
		}
		return in.eval(x.no)
	case unaryExpr:
		v, err := in.eval(x.x)
		switch x.op {
		case "!":
			return boolean(!v.bool()), err
		case "-":
			return num(-v.num()), err
		}
		return num(v.num()), err
	case binaryExpr:
		return in.evalBinary(x)
	case concatExpr:
		l, err := in.eval(x.l)
		if err != nil {
			return value{}, err
		}
		r, err := in.eval(x.r)
		return str(l.str(in.convfmt()) + r.str(in.convfmt())), err
	case matchExpr:
		l, err := in.eval(x.l)
		if err != nil {
			return value{}, err
		}
		re, err := in.regexOf(x.re)
		if err != nil {
			return value{}, err
		}
		return boolean(re.MatchString(l.str(in.convfmt())) != x.neg), nil
	case inExpr:
		arr, err := in.array(x.arr)
		if err != nil {
			return value{}, err
		}
		k, err := in.subscript(x.index)
		_, ok := arr[k]
		return boolean(ok), err
	case *callExpr:
		return in.call(x)
	case builtinCall:
		return in.builtin(x)
	case getlineExpr:
		return in.getline(x)
	case listExpr:
		return value{}, fatalf("a list (a, b) is only allowed before `in'")
	}
	return value{}, fmt.Errorf("awk: unknown expression %T", x)
}

func (in *interp) varValue(v *varRef) (value, error) {
	c := in.cellOf(v)
	if c.arr != nil {
		return value{}, fatalf("attempt to use array `%s' in a scalar context", v.name)
	}
	if !v.local && v.idx == vNF {
		in.splitRecord()
	}
	return c.v, nil
}

func (in *interp) fieldIndex(f fieldExpr) (int, error) {
	v, err := in.eval(f.index)
	if err != nil {
		return 0, err
	}
	i := int(v.num())
	if i < 0 {
		return 0, fatalf("attempt to access field %d", i)
	}
	return i, nil
}

// regexOf is the regex of the right side of ~: a regex literal, or any
// value taken as a dynamic regex.
func (in *interp) regexOf(x expr) (*regexp.Regexp, error) {
	if r, ok := x.(regexLit); ok {
		return r.re, nil
	}
	v, err := in.eval(x)
	if err != nil {
		return nil, err
	}
	return in.regex(v.str(in.convfmt()))
}

// assign stores a value in a variable, an element or a field.
func (in *interp) assign(target expr, v value) error {
	switch t := target.(type) {
	case *varRef:
		c := in.cellOf(t)
		if c.arr != nil {
			return fatalf("attempt to use array `%s' in a scalar context", t.name)
		}
		c.v = v
		if !t.local {
			in.special(t.idx)
		}
	case indexExpr:
		arr, err := in.array(t.arr)
		if err != nil {
			return err
		}
		k, err := in.subscript(t.index)
		if err != nil {
			return err
		}
		arr[k] = &v
	case fieldExpr:
		i, err := in.fieldIndex(t)
		if err != nil {
			return err
		}
		return in.setField(i, v.str(in.convfmt()))
	}
	return nil
}

// special does what assigning NF means.
func (in *interp) special(idx int) {
	if idx == vNF {
		in.setNF(int(in.globals[vNF].v.num()))
	}
}

func (in *interp) evalAssign(x assignExpr) (value, error) {
	r, err := in.eval(x.value)
	if err != nil {
		return value{}, err
	}
	if x.op != "=" {
		l, err := in.eval(x.target)
		if err != nil {
			return value{}, err
		}
		if r, err = arith(x.op[:1], l.num(), r.num()); err != nil {
			return value{}, err
		}
	}
	return r, in.assign(x.target, r)
}

func (in *interp) evalIncr(x incrExpr) (value, error) {
	old, err := in.eval(x.target)
	if err != nil {
		return value{}, err
	}
	n := old.num()
	d := 1.0
	if x.op == "--" {
		d = -1
	}
	if err := in.assign(x.target, num(n+d)); err != nil {
		return value{}, err
	}
	if x.pre {
		return num(n + d), nil
	}
	return num(n), nil
}

func (in *interp) evalBinary(x binaryExpr) (value, error) {
	l, err := in.eval(x.l)
	if err != nil {
		return value{}, err
	}
	switch x.op {
	case "&&":
		if !l.bool() {
			return num(0), nil
		}
		r, err := in.eval(x.r)
		return boolean(r.bool()), err
	case "||":
		if l.bool() {
			return num(1), nil
		}
		r, err := in.eval(x.r)
		return boolean(r.bool()), err
	}
	r, err := in.eval(x.r)
	if err != nil {
		return value{}, err
	}
	switch x.op {
	case "<", "<=", ">", ">=", "==", "!=":
		c := compare(l, r, in.convfmt())
		return boolean(map[string]bool{"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0, "==": c == 0, "!=": c != 0}[x.op]), nil
	}
	return arith(x.op, l.num(), r.num())
}

func arith(op string, a, b float64) (value, error) {
	switch op {
	case "+":
		return num(a + b), nil
	case "-":
		return num(a - b), nil
	case "*":
		return num(a * b), nil
	case "/":
		if b == 0 {
			return value{}, fatalf("division by zero attempted")
		}
		return num(a / b), nil
	case "%":
		if b == 0 {
			return value{}, fatalf("division by zero attempted in `%%'")
		}
		return num(math.Mod(a, b)), nil
	}
	return num(math.Pow(a, b)), nil
}

// call calls a user function: scalars by value, arrays by reference.
func (in *interp) call(c *callExpr) (value, error) {
	if len(in.frames) > 1000 {
		return value{}, fatalf("function `%s': too deep a recursion", c.name)
	}
	f := &frame{locals: make([]*cell, len(c.fn.params))}
	for i := range f.locals {
		if i >= len(c.args) {
			f.locals[i] = &cell{}
			continue
		}
		if v, ok := c.args[i].(*varRef); ok {
			if cl := in.cellOf(v); cl.arr != nil || cl.v.kind == kNone {
				f.locals[i] = cl // an array, or a variable the function may make one
				continue
			}
		}
		v, err := in.eval(c.args[i])
		if err != nil {
			return value{}, err
		}
		f.locals[i] = &cell{v: v}
	}
	in.frames = append(in.frames, f)
	defer func() { in.frames = in.frames[:len(in.frames)-1] }()
	err := in.block(c.fn.body)
	var ret returnError
	if errors.As(err, &ret) {
		return ret.v, nil
	}
	return value{}, err
}

func (in *interp) getline(g getlineExpr) (value, error) {
	var rec string
	var ok bool
	if g.file == nil {
		var err error
		if rec, ok, err = in.nextMainRecord(); err != nil {
			return num(-1), nil
		}
		if ok {
			in.incr(vNR)
			in.incr(vFNR)
		}
	} else {
		fv, err := in.eval(g.file)
		if err != nil {
			return value{}, err
		}
		name := fv.str(in.convfmt())
		r, err := in.fileReader(name)
		if err != nil {
			return num(-1), nil
		}
		rec, ok = r.read(in.globals[vRS].v.str(in.convfmt()))
	}
	if !ok {
		return num(0), nil
	}
	if g.target == nil {
		in.setRecord(rec)
		return num(1), nil
	}
	return num(1), in.assign(g.target, strnum(rec))
}

func (in *interp) fileReader(name string) (*recordReader, error) {
	if r, ok := in.readers[name]; ok {
		return r, nil
	}
	var r io.ReadCloser
	var err error
	if name == "-" || name == "/dev/stdin" {
		r = io.NopCloser(in.cfg.Stdin)
	} else if r, err = in.cfg.Open(name); err != nil {
		return nil, err
	}
	rr := newRecordReader(r)
	in.readers[name] = rr
	return rr, nil
}

func (in *interp) builtin(b builtinCall) (value, error) {
	args := make([]value, len(b.args))
	for i, a := range b.args {
		if in.unevaluated(b.name, i, a) {
			continue
		}
		var err error
		if args[i], err = in.eval(a); err != nil {
			return value{}, err
		}
	}
	cf := in.convfmt()
	switch b.name {
	case "length":
		if len(b.args) == 0 {
			return num(float64(utf8.RuneCountInString(in.record))), nil
		}
		if v, ok := b.args[0].(*varRef); ok && in.cellOf(v).arr != nil {
			return num(float64(len(in.cellOf(v).arr))), nil
		}
		return num(float64(utf8.RuneCountInString(args[0].str(cf)))), nil
	case "substr":
		return str(substr(args, cf)), nil
	case "index":
		i := strings.Index(args[0].str(cf), args[1].str(cf))
		if i < 0 || args[1].str(cf) == "" {
			return num(0), nil
		}
		return num(float64(utf8.RuneCountInString(args[0].str(cf)[:i]) + 1)), nil
	case "split":
		return in.splitBuiltin(b, args)
	case "sub", "gsub":
		return in.substitute(b, args)
	case "match":
		return in.match(b, args)
	case "sprintf":
		return str(sprintf(args[0].str(cf), args[1:], cf)), nil
	case "tolower":
		return str(strings.ToLower(args[0].str(cf))), nil
	case "toupper":
		return str(strings.ToUpper(args[0].str(cf))), nil
	case "int":
		return num(math.Trunc(args[0].num())), nil
	case "sqrt":
		return num(math.Sqrt(args[0].num())), nil
	case "exp":
		return num(math.Exp(args[0].num())), nil
	case "log":
		return num(math.Log(args[0].num())), nil
	case "sin":
		return num(math.Sin(args[0].num())), nil
	case "cos":
		return num(math.Cos(args[0].num())), nil
	case "atan2":
		return num(math.Atan2(args[0].num(), args[1].num())), nil
	case "rand":
		return num(in.randFloat()), nil
	case "srand":
		prev := in.rand
		in.rand = 1
		if len(args) > 0 {
			in.rand = uint64(int64(args[0].num())) | 1
		}
		return num(float64(prev)), nil
	case "close":
		return in.close(args[0].str(cf)), nil
	case "fflush":
		in.out.Flush()
		return num(0), nil
	}
	return value{}, fatalf("%s is not supported here", b.name)
}

// unevaluated tells which arguments a builtin takes as they are: regex
// literals of sub, gsub, match and split, split's array, length's array.
func (in *interp) unevaluated(name string, i int, a expr) bool {
	_, isRe := a.(regexLit)
	switch {
	case isRe && (name == "sub" || name == "gsub") && i == 0:
		return true
	case isRe && name == "match" && i == 1:
		return true
	case name == "split" && (i == 1 || i == 2 && isRe):
		return true
	}
	if v, ok := a.(*varRef); ok && name == "length" {
		return in.cellOf(v).arr != nil
	}
	return false
}

func substr(args []value, cf string) string {
	s := []rune(args[0].str(cf))
	start := math.Round(args[1].num())
	length := float64(len(s)) + 1 - start
	if len(args) > 2 {
		length = math.Round(args[2].num())
	}
	end := start + length // exclusive, 1-based
	start = math.Max(start, 1)
	end = math.Min(end, float64(len(s))+1)
	if end <= start || math.IsNaN(start) || math.IsNaN(end) {
		return ""
	}
	return string(s[int(start)-1 : int(end)-1])
}

func (in *interp) close(name string) value {
	if f, ok := in.files[name]; ok {
		f.Close()
		delete(in.files, name)
		return num(0)
	}
	if r, ok := in.readers[name]; ok {
		r.close()
		delete(in.readers, name)
		return num(0)
	}
	return num(-1)
}

// reArg is a regex argument of sub, gsub, match and split.
func (in *interp) reArg(x expr, v value) (*regexp.Regexp, error) {
	if r, ok := x.(regexLit); ok {
		return r.re, nil
	}
	return in.regex(v.str(in.convfmt()))
}

func (in *interp) splitBuiltin(b builtinCall, args []value) (value, error) {
	arrRef, ok := b.args[1].(*varRef)
	if !ok {
		return value{}, fatalf("split: second argument is not an array")
	}
	arr, err := in.array(arrRef)
	if err != nil {
		return value{}, err
	}
	clear(arr)
	s := args[0].str(in.convfmt())
	var parts []string
	if len(b.args) > 2 {
		if r, isRe := b.args[2].(regexLit); isRe {
			parts = r.re.Split(s, -1)
			if s == "" {
				parts = nil
			}
		} else {
			parts = in.splitFields(s, args[2].str(in.convfmt()))
		}
	} else {
		parts = in.splitFields(s, in.globals[vFS].v.str(in.convfmt()))
	}
	for i, p := range parts {
		v := strnum(p)
		arr[fmt.Sprint(i+1)] = &v
	}
	return num(float64(len(parts))), nil
}

func (in *interp) substitute(b builtinCall, args []value) (value, error) {
	re, err := in.reArg(b.args[0], args[0])
	if err != nil {
		return value{}, err
	}
	var target expr = fieldExpr{numLit{0}}
	if len(b.args) > 2 {
		target = b.args[2]
	}
	tv, err := in.eval(target)
	if err != nil {
		return value{}, err
	}
	src, repl := tv.str(in.convfmt()), args[1].str(in.convfmt())
	count := 0
	out := re.ReplaceAllStringFunc(src, func(m string) string {
		count++
		if b.name == "sub" && count > 1 {
			return m
		}
		return awkReplacement(repl, m)
	})
	if b.name == "sub" {
		count = min(count, 1)
	}
	if count == 0 {
		return num(0), nil
	}
	return num(float64(count)), in.assign(target, str(out))
}

// awkReplacement expands & (the match) and \& (a literal &).
func awkReplacement(repl, match string) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		switch {
		case repl[i] == '\\' && i+1 < len(repl) && (repl[i+1] == '&' || repl[i+1] == '\\'):
			b.WriteByte(repl[i+1])
			i++
		case repl[i] == '&':
			b.WriteString(match)
		default:
			b.WriteByte(repl[i])
		}
	}
	return b.String()
}

func (in *interp) match(b builtinCall, args []value) (value, error) {
	re, err := in.reArg(b.args[1], args[1])
	if err != nil {
		return value{}, err
	}
	s := args[0].str(in.convfmt())
	loc := re.FindStringIndex(s)
	start, length := 0, -1
	if loc != nil {
		start = utf8.RuneCountInString(s[:loc[0]]) + 1
		length = utf8.RuneCountInString(s[loc[0]:loc[1]])
	}
	in.globals[vRSTART].v, in.globals[vRLENGTH].v = num(float64(start)), num(float64(length))
	return num(float64(start)), nil
}
