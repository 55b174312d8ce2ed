package kubectl

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/kubeplay/kubeplay/engine/api"
)

// explain is `kubectl explain RESOURCE[.FIELD...]`: the documentation of a
// kind or one of its fields, as kubectl's OpenAPI v3 plaintext template
// prints it, from the schemas tools/apigen/explaingen takes from
// k8s.io/api (explain_render.go renders them).
func (k *Kubectl) explain(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("explain")
	k.commonFlags(fs)
	recursive := fs.Bool("recursive", "R", false)
	apiVersion := fs.String("api-version", "", "")
	output := fs.String("output", "o", "plaintext")
	maxDepth := fs.Int("max-depth", "", 0)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return errors.New("You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.\n")
	case len(pos) > 1:
		return errors.New("We accept only this format: explain RESOURCE\n")
	case *maxDepth > 0 && !*recursive:
		return errors.New("--max-depth requires --recursive")
	case *maxDepth < 0:
		return errors.New("--max-depth must be non-negative")
	}
	r, fields, err := explainTarget(pos[0], *apiVersion != "")
	if err != nil {
		return err
	}
	group, version := r.Group, r.Version
	if *apiVersion != "" {
		if group, version, err = parseGroupVersion(*apiVersion); err != nil {
			return err
		}
	}
	switch *output {
	case "plaintext":
	case "plaintext-openapiv2":
		return errors.New("the plaintext-openapiv2 format is not available in this playground: its API server serves OpenAPI v3 schemas only")
	default:
		return fmt.Errorf("unrecognized format: %s", *output)
	}
	doc, err := explainSchemas()
	if err != nil {
		return err
	}
	e := &explainer{doc: doc, recursive: *recursive, maxDepth: int(*maxDepth)}
	return e.print(io.Out, r.Resource, group, version, fields)
}

// explainTarget finds the resource and the field path of an argument, as
// kubectl's SplitAndParseResourceRequest(WithMatchingPrefix): the first
// word names the resource; "deployments.apps.spec" may name its group.
func explainTarget(arg string, exact bool) (*api.ResourceInfo, []string, error) {
	arg = strings.TrimSuffix(arg, ".")
	words := strings.Split(arg, ".")
	for _, w := range words {
		if w == "" || strings.ContainsAny(w, "[]{}*@$") {
			return nil, nil, errors.New("invalid jsonpath syntax, first node must be field node")
		}
	}
	rs := resourcesNamed(words[0])
	if len(rs) == 0 {
		return nil, nil, fmt.Errorf("the server doesn't have a resource type %q", words[0])
	}
	if !exact {
		for _, r := range rs {
			if gr := r.GroupResource(); r.Group != "" && strings.HasPrefix(arg, gr) {
				rest := strings.TrimPrefix(arg[len(gr):], ".")
				if rest == "" {
					return r, nil, nil
				}
				return r, strings.Split(rest, "."), nil
			}
		}
	}
	return rs[0], words[1:], nil
}

// resourcesNamed lists the resources a name (plural, singular, kind or
// short name) can mean, in discovery's order of preference.
func resourcesNamed(name string) []*api.ResourceInfo {
	name = strings.ToLower(name)
	var out []*api.ResourceInfo
	for _, r := range api.Resources {
		if name == r.Resource || name == r.Singular || name == strings.ToLower(r.Kind) || containsString(r.ShortNames, name) {
			out = append(out, r)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseGroupVersion is schema.ParseGroupVersion: "v1" is the core group.
func parseGroupVersion(s string) (string, string, error) {
	if s == "" || s == "/" {
		return "", "", nil
	}
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		return "", parts[0], nil
	case 2:
		return parts[0], parts[1], nil
	}
	return "", "", fmt.Errorf("unexpected GroupVersion string: %v", s)
}

//go:embed zz_generated.explain.json.gz
var explainData []byte

// explainDoc is what tools/apigen/explaingen writes: the served kinds, the
// types they reach and their descriptions, each stored once.
type explainDoc struct {
	Kinds []struct {
		Group   string `json:"g"`
		Version string `json:"v"`
		Kind    string `json:"k"`
		Type    int    `json:"t"`
	} `json:"kinds"`
	Types []explainType `json:"types"`
	Text  []string      `json:"text"`
}

// explainType is a type's schema; Type is "object", a primitive type, or
// "" for a type that is one of several (Quantity, IntOrString).
type explainType struct {
	Name  string        `json:"n"`
	Type  string        `json:"t"`
	Desc  int           `json:"d"`
	Props []explainProp `json:"p"`
}

type explainProp struct {
	Name     string `json:"n"`
	Desc     int    `json:"d"`
	Required bool   `json:"q"`
	explainShape
}

// explainShape is a property's schema: a type (Ref, 1-based), or a
// primitive type with its enum values, or an array or a map ("object")
// of Items.
type explainShape struct {
	Ref   int           `json:"r"`
	Type  string        `json:"t"`
	Enum  []string      `json:"e"`
	Items *explainShape `json:"i"`
}

// explainSchemas decodes the embedded schemas the first time explain
// needs them: most sessions never do, and they would cost memory and
// start-up time.
var explainSchemas = sync.OnceValues(func() (*explainDoc, error) {
	r, err := gzip.NewReader(bytes.NewReader(explainData))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var doc explainDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
})

// text is description i (1-based), "" for none.
func (d *explainDoc) text(i int) string {
	if i <= 0 || i > len(d.Text) {
		return ""
	}
	return d.Text[i-1]
}

// kindType finds the schema of a group/version/kind, or 0.
func (d *explainDoc) kindType(group, version, kind string) int {
	for _, k := range d.Kinds {
		if k.Group == group && k.Version == version && k.Kind == kind {
			return k.Type
		}
	}
	return 0
}
