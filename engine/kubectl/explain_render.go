package kubectl

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/kubeplay/kubeplay/engine/api"
)

// This file is kubectl's explain v2 plaintext template (plaintext.tmpl in
// k8s.io/kubectl/pkg/explain/v2/templates) in Go, over the schemas as the
// API server's OpenAPI v3 documents shape them: a property of a struct
// type is an allOf of one $ref beside its description, an array has
// items, a map additionalProperties. The template's quirks are kept:
// "FIELD:" is followed by two blank lines (one after an enum), a missing
// field is named by the last word of the path, fields come in name order
// with a tab before their type.

// schemaNode is one OpenAPI schema: a $ref to a type, an allOf of one
// schema, or an inline schema.
type schemaNode struct {
	ref      int // the type a $ref names, 1-based
	allOf    *schemaNode
	typ      string
	desc     string
	enum     []string
	items    *schemaNode // an array's
	addl     *schemaNode // a map's additionalProperties
	props    []explainProp
	required []string
}

// explainer renders one explain request.
type explainer struct {
	doc       *explainDoc
	recursive bool
	maxDepth  int
}

// print writes the explanation of a field path of a resource in a group
// version, or kubectl's error for what it cannot find. Like the template,
// it has written the header by the time it finds a field missing.
func (e *explainer) print(w io.Writer, resource, group, version string, fields []string) error {
	gvr := group + "/" + version + ", Resource=" + resource
	var served, found *api.ResourceInfo
	for _, r := range api.Resources {
		if r.Group == group && r.Version == version {
			served = r
			if r.Resource == resource {
				found = r
			}
		}
	}
	if served == nil {
		return fmt.Errorf("couldn't find resource for %q", gvr)
	}
	if found == nil {
		return fmt.Errorf("error: GVR (%s) not found in OpenAPI schema", gvr)
	}
	t := e.doc.kindType(group, version, found.Kind)
	if t == 0 {
		return fmt.Errorf("error: GVK map[group:%s kind:%s version:%s] not found in OpenAPI schema", group, found.Kind, version)
	}
	var b strings.Builder
	if group != "" {
		fmt.Fprintf(&b, "GROUP:      %s\n", group)
	}
	fmt.Fprintf(&b, "KIND:       %s\nVERSION:    %s\n\n", found.Kind, version)
	io.WriteString(w, b.String())
	out := e.output(e.typeNode(t), nil, fields)
	if out == "" {
		return fmt.Errorf("error: field %q does not exist", fields[len(fields)-1])
	}
	_, err := io.WriteString(w, out+"\n")
	return err
}

// typeNode is a type's component schema.
func (e *explainer) typeNode(i int) *schemaNode {
	t := e.doc.Types[i-1]
	n := &schemaNode{typ: t.Type, desc: e.doc.text(t.Desc), props: t.Props}
	for _, p := range t.Props {
		if p.Required {
			n.required = append(n.required, p.Name)
		}
	}
	return n
}

// propNode is a property's schema.
func (e *explainer) propNode(p explainProp) *schemaNode {
	n := e.shapeNode(p.explainShape)
	n.desc = e.doc.text(p.Desc)
	return n
}

func (e *explainer) shapeNode(s explainShape) *schemaNode {
	switch {
	case s.Ref != 0:
		return &schemaNode{allOf: &schemaNode{ref: s.Ref}}
	case s.Items != nil && s.Type == "array":
		return &schemaNode{typ: s.Type, items: e.shapeNode(*s.Items)}
	case s.Items != nil:
		return &schemaNode{typ: s.Type, addl: e.shapeNode(*s.Items)}
	}
	return &schemaNode{typ: s.Type, enum: s.Enum}
}

// resolve follows a $ref.
func (e *explainer) resolve(n *schemaNode) *schemaNode {
	if n.ref != 0 {
		return e.typeNode(n.ref)
	}
	return n
}

func (n *schemaNode) prop(name string) (explainProp, bool) {
	for _, p := range n.props {
		if p.Name == name {
			return p, true
		}
	}
	return explainProp{}, false
}

// history is the $refs followed so far, to stop at a cycle.
type history map[int]bool

func (h history) with(ref int) history {
	out := make(history, len(h)+1)
	for k := range h {
		out[k] = true
	}
	if ref != 0 {
		out[ref] = true
	}
	return out
}

// output is the template's "output": the description and fields at the
// end of path, or "" where the path leads nowhere.
func (e *explainer) output(n *schemaNode, h history, path []string) string {
	resolved := e.resolve(n)
	if len(path) == 0 {
		d := e.description(resolved)
		if d == "" {
			d = "<empty>"
		}
		out := "DESCRIPTION:\n" + indent(4, wordWrap(d, 76)) + "\n"
		if fl := e.fieldList(resolved, 1, nil); fl != "" {
			out += "FIELDS:\n" + fl
		}
		return out
	}
	if n.ref != 0 && h[n.ref] {
		return ""
	}
	next := h.with(n.ref)
	if p, ok := resolved.prop(path[0]); ok {
		sub := e.propNode(p)
		out := ""
		if len(path) == 1 {
			out = "FIELD: " + path[0] + " <" + e.typeGuess(sub) + ">\n" + extractEnum(sub, true, -1, 0) + "\n\n"
		}
		return out + e.output(sub, history{}, path[1:])
	}
	switch {
	case resolved.items != nil:
		return e.output(resolved.items, next, path)
	case resolved.addl != nil:
		return e.output(resolved.addl, next, path)
	case resolved.allOf != nil:
		return e.output(resolved.allOf, next, path)
	}
	return ""
}

// fieldList is the template's "fieldList": each property, one line each
// with --recursive (and its fields below it), else with its description.
func (e *explainer) fieldList(n *schemaNode, level int, h history) string {
	if n.ref != 0 && h[n.ref] {
		return ""
	}
	next := h.with(n.ref)
	resolved := e.resolve(n)
	var b strings.Builder
	for _, p := range resolved.props {
		b.WriteString(e.fieldDetail(p, resolved.required, level))
		if e.recursive && (e.maxDepth == 0 || level < e.maxDepth) {
			b.WriteString(e.fieldList(e.propNode(p), level+1, next))
		}
	}
	for _, sub := range []*schemaNode{resolved.allOf, resolved.items, resolved.addl} {
		if sub != nil {
			b.WriteString(e.fieldList(sub, level, next))
		}
	}
	return b.String()
}

// fieldDetail is the template's "fieldDetail": "name\t<type>", the
// required mark, the first enum values, and unless recursive the
// description below.
func (e *explainer) fieldDetail(p explainProp, required []string, level int) string {
	ind := level * 2
	n := e.propNode(p)
	s := strings.Repeat(" ", ind) + p.Name + "\t<" + e.typeGuess(n) + ">"
	if containsString(required, p.Name) {
		s += " -required-"
	}
	s += extractEnum(n, false, 4, ind) + "\n"
	if e.recursive {
		return s
	}
	d := n.desc
	if d == "" {
		d = "<no description>"
	}
	return s + indent(ind+2, wordWrap(d, 78-ind)) + "\n\n"
}

// description is the template's "description": a schema's own, then its
// $ref's, allOf's, items' and additionalProperties', each on a line.
func (e *explainer) description(n *schemaNode) string {
	r := e.resolve(n)
	s := ""
	if r.desc != "" {
		s = r.desc + "\n"
	}
	for _, sub := range []*schemaNode{r.allOf, r.items, r.addl} {
		if sub != nil {
			s += e.description(sub)
		}
	}
	return s
}

// typeGuess is the template's "typeGuess": []T, map[string]T, the name of
// a referenced object type, or a primitive type; "Object" for an object.
func (e *explainer) typeGuess(n *schemaNode) string {
	switch {
	case n.items != nil:
		return "[]" + e.typeGuess(n.items)
	case n.addl != nil:
		return "map[string]" + e.typeGuess(n.addl)
	case n.allOf != nil && len(n.props) == 0:
		return e.typeGuess(n.allOf)
	case n.ref != 0:
		t := e.doc.Types[n.ref-1]
		if t.Type == "" || t.Type == "object" {
			return t.Name
		}
		return t.Type
	case n.typ == "object" || n.typ == "":
		return "Object"
	}
	return n.typ
}

// extractEnum is the template's "extractEnum": "ENUM:" and a value a
// line for a field, or "enum: a, b, ...." (at most limit values) under a
// field in a list.
func extractEnum(n *schemaNode, long bool, limit, indentAmount int) string {
	if len(n.enum) == 0 {
		return ""
	}
	var b strings.Builder
	if long {
		b.WriteString("ENUM:")
	} else {
		b.WriteString("\n" + strings.Repeat(" ", indentAmount) + "enum: ")
	}
	for i, v := range n.enum {
		if limit > -1 && i >= limit {
			b.WriteString(", ....")
			break
		}
		switch {
		case i > 0 && !long:
			b.WriteString(", ")
		case long:
			b.WriteString("\n    ")
		}
		if v == "" {
			v = `""`
		}
		b.WriteString(v)
	}
	return b.String()
}

// indent is the template's "indent": pad before the text and after each
// newline in it.
func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// wordWrap is github.com/mitchellh/go-wordwrap's WrapString (v1.0.1),
// which kubectl's "wrap" uses: lines break at white space once a word
// would pass lim, a word longer than lim stays whole.
func wordWrap(s string, lim int) string {
	var buf, word, space strings.Builder
	var current, wordLen, spaceLen int
	flush := func() {
		current += spaceLen + wordLen
		buf.WriteString(space.String())
		buf.WriteString(word.String())
		space.Reset()
		word.Reset()
		spaceLen, wordLen = 0, 0
	}
	for _, c := range s {
		switch {
		case c == '\n':
			if word.Len() == 0 {
				if current+spaceLen <= lim {
					buf.WriteString(space.String())
				}
				space.Reset()
				spaceLen = 0
			} else {
				flush()
			}
			buf.WriteRune(c)
			current = 0
		case unicode.IsSpace(c) && c != 0xA0:
			if space.Len() == 0 || word.Len() > 0 {
				flush()
			}
			space.WriteRune(c)
			spaceLen++
		default:
			word.WriteRune(c)
			wordLen++
			if current+wordLen+spaceLen > lim && wordLen < lim {
				buf.WriteByte('\n')
				current = 0
				space.Reset()
				spaceLen = 0
			}
		}
	}
	if word.Len() == 0 {
		if current+spaceLen <= lim {
			buf.WriteString(space.String())
		}
	} else {
		buf.WriteString(space.String())
		buf.WriteString(word.String())
	}
	return buf.String()
}
