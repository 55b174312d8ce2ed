package kubectl

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kubeplay/kubeplay/engine/api"
)

// generic describes a kind without a describer of its own, as kubectl's
// generic describer does for unstructured objects: name, namespace, labels
// and annotations, then every other field of the object as the API server
// returns it, with labels made from the field names.
func (d *describer) generic(r *api.ResourceInfo, obj api.Object) (string, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	var content map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&content); err != nil {
		return "", err
	}
	content["apiVersion"] = r.APIVersion()
	content["kind"] = r.Kind
	var evs []*api.Event
	if d.showEvents {
		evs = d.objectEvents(obj)
	}
	m := obj.GetObjectMeta()
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", m.Name)
		w.write(0, "Namespace:\t%s\n", m.Namespace)
		w.labels("Labels", m.Labels)
		w.annotations("Annotations", m.Annotations)
		describeContent(w, 0, content, "", ".metadata.managedFields", ".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations")
		if d.showEvents {
			d.events(w, evs)
		}
	}), nil
}

// describeContent writes the fields of a JSON object sorted by name: maps
// and lists as indented sections, values after their labels. Fields whose
// paths are in skip are left out.
func describeContent(w *prefixWriter, level int, content map[string]any, prefix string, skip ...string) {
	for _, field := range api.SortedKeys(content) {
		path := prefix + "." + field
		if slices.Contains(skip, path) {
			continue
		}
		switch v := content[field].(type) {
		case map[string]any:
			w.write(level, "%s:\n", fieldLabel(field))
			describeContent(w, level+1, v, path, skip...)
		case []any:
			w.write(level, "%s:\n", fieldLabel(field))
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					describeContent(w, level+1, m, path, skip...)
				} else {
					w.write(level+1, "%v\n", item)
				}
			}
		default:
			w.write(level, "%s:\t%v\n", fieldLabel(field), v)
		}
	}
}

// fieldLabel makes a label of a field name, as kubectl's smartLabelFor:
// "apiVersion" is "API Version", "creationTimestamp" "Creation Timestamp".
// Names with characters other than letters and '-' stay as they are.
func fieldLabel(field string) string {
	if strings.IndexFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) != -1 {
		return field
	}
	parts := camelSplit(field)
	var merged []string
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		if i < len(parts)-1 && len(p) >= 2 && allUpperLetters(p) {
			if next := parts[i+1]; next != "" && unicode.IsUpper(rune(next[0])) {
				merged = append(merged, p+next)
				i++
				continue
			}
		}
		merged = append(merged, p)
	}
	out := make([]string, 0, len(merged))
	for _, p := range merged {
		if p == "_" {
			continue
		}
		switch up := strings.ToUpper(p); {
		case up == "API" || up == "URL" || up == "UID" || up == "GUID":
			p = up
		case strings.ToLower(p) == p:
			p = titleWord(p)
		}
		out = append(out, p)
	}
	return strings.Join(out, " ")
}

func allUpperLetters(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// titleWord capitalises the first letter of a lower-case word.
func titleWord(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToTitle(r)) + s[n:]
}

// camelSplit splits a camel-case word where the kind of character changes
// (lower case, upper case, digit, other), keeping an upper-case letter with
// the lower-case run after it: "podIPs" is "pod", "I", "Ps"; "HTTPGet" is
// "HTTP", "Get". It is github.com/fatih/camelcase's Split.
func camelSplit(s string) []string {
	if !utf8.ValidString(s) {
		return []string{s}
	}
	class := func(r rune) int {
		switch {
		case unicode.IsLower(r):
			return 1
		case unicode.IsUpper(r):
			return 2
		case unicode.IsDigit(r):
			return 3
		}
		return 4
	}
	var runs [][]rune
	last := 0
	for _, r := range s {
		c := class(r)
		if c == last {
			runs[len(runs)-1] = append(runs[len(runs)-1], r)
		} else {
			runs = append(runs, []rune{r})
		}
		last = c
	}
	for i := 0; i < len(runs)-1; i++ {
		if unicode.IsUpper(runs[i][0]) && unicode.IsLower(runs[i+1][0]) {
			runs[i+1] = append([]rune{runs[i][len(runs[i])-1]}, runs[i+1]...)
			runs[i] = runs[i][:len(runs[i])-1]
		}
	}
	out := make([]string, 0, len(runs))
	for _, r := range runs {
		if len(r) > 0 {
			out = append(out, string(r))
		}
	}
	return out
}
