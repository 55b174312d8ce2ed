package apiserver

import (
	"sync"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// parseOwnEntry reads a managedFields entry the API server wrote itself
// (managedEntry.encode's text) without encoding/json: the fields in
// encode's order, strings without escapes, fieldsV1 keys sorted and
// written as writeFieldsV1 writes them. Re-encoding what it returns gives
// r back byte for byte, so r is already the API server's own text. Any
// other text (a client's reordered keys, spaces, escapes, unknown fields)
// is refused, and read by encoding/json instead. Most writes read the
// entries the previous write of the object wrote, so this is on every
// write's path.
func parseOwnEntry(r []byte) (*managedEntry, bool) {
	p := entryParser{b: r}
	e := &managedEntry{}
	if !p.lit(`{`) {
		return nil, false
	}
	first := true
	field := func(name string, dst *string) bool {
		sep := `,"`
		if first {
			sep = `"`
		}
		if !p.lit(sep + name + `":`) {
			return false
		}
		s, ok := p.str()
		if !ok || s == "" {
			return false
		}
		*dst, first = s, false
		return true
	}
	field("manager", &e.Manager)
	field("operation", &e.Operation)
	field("apiVersion", &e.APIVersion)
	var ts string
	if field("time", &ts) {
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil || t.UTC().Format(time.RFC3339) != ts {
			return nil, false
		}
		e.Time = &api.Time{Time: t.UTC()}
	}
	if !field("fieldsType", &e.FieldsType) || e.FieldsType != "FieldsV1" || !p.lit(`,"fieldsV1":`) {
		return nil, false
	}
	set, ok := p.set()
	if !ok {
		return nil, false
	}
	e.set = set
	if p.lit(`,"subresource":`) {
		s, ok := p.str()
		if !ok || s == "" {
			return nil, false
		}
		e.Subresource = s
	}
	if !p.lit(`}`) || p.i != len(r) {
		return nil, false
	}
	return e, true
}

type entryParser struct {
	b []byte
	i int
}

// lit consumes s if the text continues with it.
func (p *entryParser) lit(s string) bool {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return false
	}
	p.i += len(s)
	return true
}

// str reads a string as writeJSONString writes a printable ASCII one:
// quotes and backslashes escaped with a backslash, nothing else.
func (p *entryParser) str() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	start, escaped := p.i+1, false
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c < 0x20 || c >= 0x7f:
			return "", false
		case c == '"':
			p.i = j + 1
			if !escaped {
				return string(p.b[start:j]), true
			}
			return unescapeQuoted(p.b[start:j]), true
		case c == '\\':
			if j+1 >= len(p.b) || (p.b[j+1] != '"' && p.b[j+1] != '\\') {
				return "", false
			}
			escaped = true
			j++
		}
	}
	return "", false
}

// unescapeQuoted drops the backslash before each escaped quote and
// backslash.
func unescapeQuoted(b []byte) string {
	out := make([]byte, 0, len(b))
	for j := 0; j < len(b); j++ {
		if b[j] == '\\' {
			j++
		}
		out = append(out, b[j])
	}
	return string(out)
}

// set reads a fieldsV1 object as writeFieldsV1 writes it: keys in
// increasing order, "{}" for a member without children, `{".":{},...}`
// for a member with children.
func (p *entryParser) set() (fieldSet, bool) {
	if !p.lit(`{`) {
		return nil, false
	}
	return p.members()
}

// members reads an object's keys and values after its opening brace,
// up to and including its closing one.
func (p *entryParser) members() (fieldSet, bool) {
	out := fieldSet{}
	prev := ""
	for n := 0; !p.lit(`}`); n++ {
		if n > 0 && !p.lit(`,`) {
			return nil, false
		}
		k, ok := p.str()
		if !ok || k == "." || (n > 0 && k <= prev) || !p.lit(`:`) {
			return nil, false
		}
		prev = k
		node, ok := p.node()
		if !ok {
			return nil, false
		}
		out[k] = node
	}
	return out, true
}

// node reads a member's value: a node is the same for the same text, so
// one read lately is shared (sets are never changed once built), as the
// objects of a kind share most of their managers' subtrees (a pod's
// conditions, its containers' statuses) while each entry as a whole is
// its own (a kubelet's names its pod's IP).
func (p *entryParser) node() (*fieldNode, bool) {
	end := p.valueEnd()
	if end < 0 {
		return nil, false
	}
	text := p.b[p.i:end]
	subtrees.Lock()
	cached := subtrees.m[string(text)]
	subtrees.Unlock()
	if cached != nil {
		p.i = end
		return cached, true
	}
	node, ok := p.parseNode()
	if !ok || p.i != end {
		return nil, false
	}
	if len(text) <= maxSubtreeText {
		subtrees.Lock()
		if len(subtrees.m) >= 4096 || subtrees.m == nil {
			subtrees.m = make(map[string]*fieldNode, 4096)
		}
		subtrees.m[string(text)] = node
		subtrees.Unlock()
	}
	return node, true
}

// subtrees holds the nodes read lately by the text of their value.
var subtrees struct {
	sync.Mutex
	m map[string]*fieldNode
}

// maxSubtreeText is the longest value text remembered: a longer one is
// seldom seen twice.
const maxSubtreeText = 2048

func (p *entryParser) parseNode() (*fieldNode, bool) {
	node := &fieldNode{}
	var children fieldSet
	ok := true
	switch {
	case p.lit(`{}`):
		node.member = true
	case p.lit(`{".":{},`):
		node.member = true
		children, ok = p.members()
	default:
		children, ok = p.set()
	}
	if !ok {
		return nil, false
	}
	if !node.member || children != nil {
		// writeFieldsV1 writes a node whose children are empty as
		// "{}": any other text of it is not its own.
		if len(children) == 0 {
			return nil, false
		}
		node.children = children
	}
	return node, true
}

// valueEnd is where the object at the parser's position ends (just after
// its closing brace), or -1 when it does not.
func (p *entryParser) valueEnd() int {
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return -1
	}
	depth, inString := 0, false
	for j := p.i; j < len(p.b); j++ {
		c := p.b[j]
		switch {
		case inString:
			switch c {
			case '\\':
				j++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}
