package page

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// Checking a manifest as `kubectl apply --dry-run=server -f FILE` would:
// the YAML is split and converted as kubectl does, each object is decoded
// strictly by the API server (unknown fields, wrong types) and sent as a
// dry run, a create for a new object and a strategic merge patch for one
// that exists; nothing is stored, and the server draws from a random
// source of its own (apiserver.Probe), so checking changes no history.
// Each problem becomes a Mark at the line of the field it names.

// Mark is a problem the editor shows in a manifest.
type Mark struct {
	Line     int    `json:"line"`   // from 1
	Column   int    `json:"column"` // from 1
	Severity string `json:"severity"`
	// Message is the problem in the API server's words, for the field
	// (`unknown field "spec.replcas"`); Detail is all kubectl would print.
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
	Field   string `json:"field,omitempty"`
}

// ValidateResult answers "validate".
type ValidateResult struct {
	Marks []Mark `json:"marks"`
	// Objects counts the objects the manifest holds.
	Objects int `json:"objects"`
}

func (p *Page) opValidate(_ int, raw json.RawMessage) (any, error) {
	var a struct {
		Path string `json:"path"`
		Text string `json:"text"`
	}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	if len(a.Text) > maxFile {
		return nil, fmt.Errorf("the text is larger than %d bytes", maxFile)
	}
	if a.Path == "" {
		a.Path = "manifest.yaml"
	}
	return p.Validate(a.Path, a.Text), nil
}

// Validate checks a manifest named source (as kubectl names it in errors).
func (p *Page) Validate(source, text string) ValidateResult {
	res := ValidateResult{Marks: []Mark{}}
	lines := strings.Split(text, "\n")
	s := p.cfg.Session
	s.Lock()
	defer s.Unlock()
	srv := s.Cluster().API()
	c := client.New(srv, "kubectl").DryRun()
	srv.Probe(func() {
		for _, ch := range chunks(lines) {
			v := &docCheck{p: p, c: c, source: source, lines: lines[ch.from-1 : ch.to-1], first: ch.from}
			res.Objects += v.check()
			res.Marks = append(res.Marks, v.marks...)
		}
	})
	return res
}

// chunk is one YAML document: lines [from, to) of the file, from 1.
type chunk struct{ from, to int }

// chunks splits at "---" lines, as kubectl's YAML reader does.
func chunks(lines []string) []chunk {
	var out []chunk
	cur := chunk{from: 1}
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "---"); ok {
			if t := strings.TrimSpace(rest); t == "" || strings.HasPrefix(t, "#") {
				cur.to = i + 1
				out = append(out, cur)
				cur = chunk{from: i + 2}
			}
		}
	}
	cur.to = len(lines) + 1
	return append(out, cur)
}

// docCheck checks one document.
type docCheck struct {
	p      *Page
	c      *client.Client
	source string
	lines  []string
	first  int
	es     []entry
	marks  []Mark
}

// yamlLineRE finds the line in go-yaml's errors ("yaml: line 3: ...").
var yamlLineRE = regexp.MustCompile(`line (\d+):`)

func (v *docCheck) check() int {
	text := strings.Join(v.lines, "\n")
	docs, err := api.SplitYAML([]byte(text))
	if err != nil {
		line := v.first
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = v.first + n - 1
		}
		v.mark(line, 1, "", err.Error(), fmt.Sprintf("error parsing %s: %v", v.source, err))
		return 0
	}
	v.es = entries(v.lines, v.first)
	for _, d := range docs {
		v.object(d.JSON, len(docs) > 1)
	}
	return len(docs)
}

// object checks one object; inList says it is an item of a List, whose
// fields are not followed to their lines.
func (v *docCheck) object(data []byte, inList bool) {
	var head struct {
		api.TypeMeta
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		v.field("", err.Error(), fmt.Sprintf("error validating %q: %v", v.source, err), inList)
		return
	}
	if head.Kind == "" || head.APIVersion == "" {
		missing := "kind"
		if head.APIVersion == "" {
			missing = "apiVersion"
		}
		v.field("", missing+" not set", fmt.Sprintf("error validating %q: error validating data: %s not set", v.source, missing), inList)
		return
	}
	r, err := api.LookupKind(head.APIVersion, head.Kind)
	if err != nil {
		v.field("kind", err.Error(), fmt.Sprintf("resource mapping not found for name: %q namespace: %q from %q: %v\nensure CRDs are installed first", head.Metadata.Name, head.Metadata.Namespace, v.source, err), inList)
		return
	}
	if head.Metadata.Name == "" {
		v.field("metadata", "metadata.name: Required value: name is required", fmt.Sprintf("error when retrieving current configuration of %q: resource name may not be empty", v.source), inList)
		return
	}
	ns := head.Metadata.Namespace
	if r.Namespaced && ns == "" {
		ns = "default"
	}
	if !r.Namespaced {
		ns = ""
	}
	v.send(r, ns, head.Metadata.Name, data, inList)
}

// send makes the dry run kubectl apply would make and marks its errors.
func (v *docCheck) send(r *api.ResourceInfo, ns, name string, data []byte, inList bool) {
	verb := "creating"
	obj, err := v.c.Decode(r, data)
	if err == nil {
		_, err = v.c.Get(r, ns, name)
		switch {
		case apiserver.IsNotFound(err):
			_, err = v.c.Create(r, ns, obj)
		case err == nil:
			verb = "patching"
			_, err = v.c.Patch(r, ns, name, patch.Strategic, data)
		}
	}
	for _, w := range v.c.Warnings() {
		v.marks = append(v.marks, Mark{Line: v.first, Column: 1, Severity: "warning", Message: w, Detail: "Warning: " + w})
	}
	if err == nil {
		return
	}
	detail := "Error from server: " + err.Error()
	var se *apiserver.StatusError
	if errors.As(err, &se) {
		detail = fmt.Sprintf("Error from server (%s): error when %s %q: %s", se.Status.Reason, verb, v.source, se.Status.Message)
	}
	v.apiError(err, detail, inList)
}

var (
	unknownFieldRE = regexp.MustCompile(`unknown field "([^"]+)"`)
	typeFieldRE    = regexp.MustCompile(`Go struct field [^.\s]+\.(\S+) of type`)
)

// apiError marks each field an API error names, or the document's start.
func (v *docCheck) apiError(err error, detail string, inList bool) {
	msg := err.Error()
	var se *apiserver.StatusError
	if errors.As(err, &se) && se.Status.Details != nil && len(se.Status.Details.Causes) > 0 {
		for _, c := range se.Status.Details.Causes {
			text := c.Message
			if c.Field != "" {
				text = c.Field + ": " + c.Message
			}
			v.field(c.Field, text, detail, inList)
		}
		return
	}
	if ms := unknownFieldRE.FindAllStringSubmatch(msg, -1); ms != nil {
		for _, m := range ms {
			v.field(m[1], m[0], detail, inList)
		}
		return
	}
	if m := typeFieldRE.FindStringSubmatch(msg); m != nil {
		v.field(m[1], msg[strings.Index(msg, "json: "):], detail, inList)
		return
	}
	field := ""
	if apiserver.IsNotFound(err) && strings.Contains(msg, "namespaces ") {
		field = "metadata.namespace"
	}
	v.field(field, msg, detail, inList)
}

// field marks a problem at the line of a field path, or as near as can be.
func (v *docCheck) field(path, message, detail string, inList bool) {
	line, col := v.first, 1
	if e, ok := locate(v.es, parsePath(path)); ok && !inList && path != "" {
		line, col = e.line, e.col+1
	} else if e, ok := v.firstEntry(); ok {
		line, col = e.line, e.col+1
	}
	v.marks = append(v.marks, Mark{Line: line, Column: col, Severity: "error", Message: message, Detail: detail, Field: path})
}

func (v *docCheck) firstEntry() (entry, bool) {
	if len(v.es) == 0 {
		return entry{}, false
	}
	return v.es[0], true
}

func (v *docCheck) mark(line, col int, field, message, detail string) {
	v.marks = append(v.marks, Mark{Line: line, Column: col, Severity: "error", Message: message, Detail: detail, Field: field})
}
