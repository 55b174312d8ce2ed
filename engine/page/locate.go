package page

import (
	"regexp"
	"strconv"
	"strings"
)

// Finding a field in a manifest's text: the API server names fields by
// path ("spec.template.spec.containers[0].image"); the editor needs a line.
// The manifest is read as block YAML by its indentation: each mapping key
// and each sequence item ("- ") is an entry at a column, and a path is
// followed entry by entry. Flow style ({...}, [...]) and JSON are not
// followed into: a path that cannot be followed stops at the deepest
// entry found, and at worst at the document's first line.

// entry is one key or sequence item of the text.
type entry struct {
	line int // from 1, in the whole file
	col  int // from 0
	key  string
	item bool
}

// keyRE matches a mapping key at the start of what is left of a line: a
// quoted or plain scalar, then a colon and a space or the line's end.
var keyRE = regexp.MustCompile(`^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{\[\]},&*!|>%@` + "`" + `][^#]*?)\s*:(?:\s|$)`)

// entries reads the keys and items of lines, the first of which is line
// first of the file.
func entries(lines []string, first int) []entry {
	var out []entry
	block := -1 // inside a block scalar: the column its content is deeper than
	for i, raw := range lines {
		line := strings.TrimRight(raw, "\r")
		content := strings.TrimLeft(line, " ")
		col := len(line) - len(content)
		if block >= 0 {
			if content == "" || col > block {
				continue
			}
			block = -1
		}
		if content == "" || content[0] == '#' {
			continue
		}
		for content == "-" || strings.HasPrefix(content, "- ") {
			out = append(out, entry{line: first + i, col: col, item: true})
			rest := strings.TrimLeft(content[1:], " ")
			col += len(content) - len(rest)
			content = rest
			block = -1
		}
		m := keyRE.FindStringSubmatch(content)
		if m == nil {
			if strings.HasPrefix(content, "|") || strings.HasPrefix(content, ">") {
				block = col - 1 // a block scalar as an item: deeper than the dash
			}
			continue
		}
		out = append(out, entry{line: first + i, col: col, key: unquote(m[1])})
		value := strings.TrimSpace(content[len(m[0]):])
		if strings.HasPrefix(value, "|") || strings.HasPrefix(value, ">") {
			block = col
		}
	}
	return out
}

func unquote(k string) string {
	switch {
	case len(k) >= 2 && k[0] == '"':
		if s, err := strconv.Unquote(k); err == nil {
			return s
		}
		return k[1 : len(k)-1]
	case len(k) >= 2 && k[0] == '\'':
		return strings.ReplaceAll(k[1:len(k)-1], "''", "'")
	}
	return strings.TrimSpace(k)
}

// segment is one step of a field path: a key, or an index when index >= 0.
type segment struct {
	key   string
	index int
}

// parsePath reads "spec.containers[0].image" and "metadata.labels[app]".
func parsePath(p string) []segment {
	var out []segment
	for p != "" {
		switch {
		case p[0] == '.':
			p = p[1:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return append(out, segment{key: p[1:], index: -1})
			}
			inner := p[1:end]
			if n, err := strconv.Atoi(inner); err == nil && n >= 0 {
				out = append(out, segment{index: n})
			} else {
				out = append(out, segment{key: inner, index: -1})
			}
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, segment{key: p[:end], index: -1})
			p = p[end:]
		}
	}
	return out
}

// locate finds the entry a path names, or the deepest one on its way; ok
// is false when not even the first step was found.
func locate(es []entry, path []segment) (e entry, ok bool) {
	lo, hi := 0, len(es)
	for _, sg := range path {
		if lo >= hi {
			break
		}
		i := find(es, lo, hi, sg)
		if i < 0 {
			break
		}
		e, ok = es[i], true
		lo, hi = i+1, valueEnd(es, i, hi)
	}
	return e, ok
}

// find looks for a segment among the entries of one mapping or sequence,
// those at the column of the first entry in [lo, hi).
func find(es []entry, lo, hi int, sg segment) int {
	col, n := es[lo].col, 0
	for i := lo; i < hi; i++ {
		e := es[i]
		switch {
		case e.col != col:
		case sg.index >= 0 && e.item:
			if n == sg.index {
				return i
			}
			n++
		case sg.index < 0 && !e.item && e.key == sg.key:
			return i
		}
	}
	return -1
}

// valueEnd is where the value of entry i ends: at the next entry as
// shallow as it, save the items of a sequence written at its key's column.
func valueEnd(es []entry, i, hi int) int {
	e := es[i]
	j := i + 1
	for j < hi && (es[j].col > e.col || (!e.item && es[j].col == e.col && es[j].item)) {
		j++
	}
	return j
}
