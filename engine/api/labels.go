package api

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Selector matches label sets, as labels.Selector.
type Selector struct {
	reqs    []Requirement
	nothing bool
}

// Requirement is one term of a selector: key, operator, values.
type Requirement struct {
	Key      string
	Operator string // "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
	Values   []string
}

// Everything returns a selector that matches every label set.
func Everything() Selector { return Selector{} }

// Nothing returns a selector that matches no label set.
func Nothing() Selector { return Selector{nothing: true} }

// SelectorFromSet returns a selector requiring each key=value of set.
func SelectorFromSet(set map[string]string) Selector {
	var s Selector
	for _, k := range slices.Sorted(maps.Keys(set)) {
		s.reqs = append(s.reqs, Requirement{Key: k, Operator: "=", Values: []string{set[k]}})
	}
	return s
}

// Empty reports whether s matches everything.
func (s Selector) Empty() bool { return !s.nothing && len(s.reqs) == 0 }

// Requirements returns the terms of s.
func (s Selector) Requirements() []Requirement { return s.reqs }

// Matches reports whether labels satisfy every requirement.
func (s Selector) Matches(labels map[string]string) bool {
	if s.nothing {
		return false
	}
	for _, r := range s.reqs {
		if !r.Matches(labels) {
			return false
		}
	}
	return true
}

// Matches reports whether labels satisfy r.
func (r Requirement) Matches(labels map[string]string) bool {
	v, ok := labels[r.Key]
	switch r.Operator {
	case "=", "==", "in":
		return ok && slices.Contains(r.Values, v)
	case "!=", "notin":
		return !ok || !slices.Contains(r.Values, v)
	case "exists":
		return ok
	case "!":
		return !ok
	case "gt", "lt":
		if !ok || len(r.Values) != 1 {
			return false
		}
		have, err1 := strconv.ParseInt(v, 10, 64)
		want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == "gt" {
			return have > want
		}
		return have < want
	}
	return false
}

// String prints s in the syntax ParseSelector reads.
func (s Selector) String() string {
	parts := make([]string, len(s.reqs))
	for i, r := range s.reqs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// String prints r in selector syntax.
func (r Requirement) String() string {
	switch r.Operator {
	case "exists":
		return r.Key
	case "!":
		return "!" + r.Key
	case "in", "notin":
		return r.Key + " " + r.Operator + " (" + strings.Join(r.Values, ",") + ")"
	case "gt":
		return r.Key + ">" + r.Values[0]
	case "lt":
		return r.Key + "<" + r.Values[0]
	}
	return r.Key + r.Operator + r.Values[0]
}

// SelectorFromLabelSelector converts the API form, as
// metav1.LabelSelectorAsSelector: nil selects nothing, empty selects everything.
func SelectorFromLabelSelector(ls *LabelSelector) (Selector, error) {
	if ls == nil {
		return Nothing(), nil
	}
	s := SelectorFromSet(ls.MatchLabels)
	for _, e := range ls.MatchExpressions {
		r, err := expressionRequirement(e)
		if err != nil {
			return Selector{}, err
		}
		s.reqs = append(s.reqs, r)
	}
	sortRequirements(s.reqs)
	return s, nil
}

func expressionRequirement(e LabelSelectorRequirement) (Requirement, error) {
	ops := map[string]string{"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
	op, ok := ops[e.Operator]
	if !ok {
		return Requirement{}, fmt.Errorf("%q is not a valid label selector operator", e.Operator)
	}
	vals := slices.Clone(e.Values)
	sort.Strings(vals)
	return Requirement{Key: e.Key, Operator: op, Values: vals}, nil
}

func sortRequirements(reqs []Requirement) {
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].Key < reqs[j].Key })
}

// ParseSelector reads the selector syntax of kubectl -l and the API's
// labelSelector parameter: "a=b,c!=d,e in (f,g),h,!i,j>3".
func ParseSelector(text string) (Selector, error) {
	p := &selectorParser{s: text}
	var sel Selector
	for {
		p.skipSpace()
		if p.done() {
			break
		}
		r, err := p.requirement()
		if err != nil {
			return Selector{}, err
		}
		sel.reqs = append(sel.reqs, r)
		p.skipSpace()
		if p.done() {
			break
		}
		if p.s[p.i] != ',' {
			return Selector{}, fmt.Errorf("found '%c', expected: ',' or 'end of string'", p.s[p.i])
		}
		p.i++
		p.skipSpace()
		if p.done() {
			return Selector{}, fmt.Errorf("found '', expected: identifier after ','")
		}
	}
	sortRequirements(sel.reqs)
	return sel, nil
}

type selectorParser struct {
	s string
	i int
}

func (p *selectorParser) done() bool { return p.i >= len(p.s) }

func (p *selectorParser) skipSpace() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func isKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./", c) >= 0
}

func (p *selectorParser) word() string {
	start := p.i
	for !p.done() && isKeyChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *selectorParser) requirement() (Requirement, error) {
	if p.s[p.i] == '!' {
		p.i++
		p.skipSpace()
		key := p.word()
		if key == "" {
			return Requirement{}, fmt.Errorf("found '%s', expected: identifier", p.rest())
		}
		return Requirement{Key: key, Operator: "!"}, validateLabelKeyForSelector(key)
	}
	key := p.word()
	if key == "" {
		return Requirement{}, fmt.Errorf("found '%s', expected: !, identifier, or 'end of string'", p.rest())
	}
	if err := validateLabelKeyForSelector(key); err != nil {
		return Requirement{}, err
	}
	p.skipSpace()
	if p.done() || p.s[p.i] == ',' {
		return Requirement{Key: key, Operator: "exists"}, nil
	}
	op, err := p.operator()
	if err != nil {
		return Requirement{}, err
	}
	p.skipSpace()
	if op == "in" || op == "notin" {
		vals, err := p.valueSet()
		return Requirement{Key: key, Operator: op, Values: vals}, err
	}
	val := p.word()
	if op == "gt" || op == "lt" {
		if _, err := strconv.ParseInt(val, 10, 64); err != nil {
			return Requirement{}, fmt.Errorf("for 'Gt', 'Lt' operators, the value must be an integer")
		}
	}
	return Requirement{Key: key, Operator: op, Values: []string{val}}, nil
}

func (p *selectorParser) rest() string { return p.s[p.i:] }

func (p *selectorParser) operator() (string, error) {
	for _, op := range []struct{ text, name string }{
		{"==", "="}, {"!=", "!="}, {"=", "="}, {">", "gt"}, {"<", "lt"},
	} {
		if strings.HasPrefix(p.rest(), op.text) {
			p.i += len(op.text)
			return op.name, nil
		}
	}
	w := p.word()
	if w == "in" || w == "notin" {
		return w, nil
	}
	return "", fmt.Errorf("found '%s', expected: in, notin, =, ==, !=, gt, lt", w)
}

func (p *selectorParser) valueSet() ([]string, error) {
	if p.done() || p.s[p.i] != '(' {
		return nil, fmt.Errorf("found '%s', expected: '('", p.rest())
	}
	p.i++
	var vals []string
	for {
		p.skipSpace()
		vals = append(vals, p.word())
		p.skipSpace()
		if p.done() {
			return nil, fmt.Errorf("found 'end of string', expected: ',' or ')'")
		}
		c := p.s[p.i]
		p.i++
		if c == ')' {
			sort.Strings(vals)
			return vals, nil
		}
		if c != ',' {
			return nil, fmt.Errorf("found '%c', expected: ',' or ')'", c)
		}
	}
}

func validateLabelKeyForSelector(key string) error {
	if errs := ValidateQualifiedName(key); len(errs) > 0 {
		return fmt.Errorf("key: Invalid value: %q: %s", key, strings.Join(errs, "; "))
	}
	return nil
}
