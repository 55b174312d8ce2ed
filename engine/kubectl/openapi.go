package kubectl

import "fmt"

// OpenAPISchemas returns the components.schemas of the OpenAPI v3
// document of a group/version, as kube-apiserver serves it at
// /openapi/v3/apis/GROUP/VERSION, from the same schemas kubectl explain
// reads here: every type the group-version's kinds reach, each kind's
// schema marked with x-kubernetes-group-version-kind, properties that
// refer to another type wrapped in allOf as kube-openapi writes them. So
// the real kubectl explain, reading them from the HTTP API, prints what
// the in-page explain prints. Types are named kubeplay.NAME (the last
// part of a name is what explain shows); a name two types share gets
// the type's index: kubeplay.t12.Event.
func OpenAPISchemas(group, version string) (map[string]any, error) {
	doc, err := explainSchemas()
	if err != nil {
		return nil, err
	}
	names := schemaNames(doc)
	out := map[string]any{}
	var visit func(i int)
	visit = func(i int) {
		if _, ok := out[names[i-1]]; ok {
			return
		}
		out[names[i-1]] = nil
		out[names[i-1]] = typeSchema(doc, i, names, visit)
	}
	for _, k := range doc.Kinds {
		if k.Group != group || k.Version != version {
			continue
		}
		visit(k.Type)
		s := out[names[k.Type-1]].(map[string]any)
		s["x-kubernetes-group-version-kind"] = []map[string]string{{"group": k.Group, "kind": k.Kind, "version": k.Version}}
	}
	return out, nil
}

// schemaNames names each type, uniquely.
func schemaNames(doc *explainDoc) []string {
	count := map[string]int{}
	for _, t := range doc.Types {
		count[t.Name]++
	}
	names := make([]string, len(doc.Types))
	for i, t := range doc.Types {
		names[i] = "kubeplay." + t.Name
		if count[t.Name] > 1 {
			names[i] = fmt.Sprintf("kubeplay.t%d.%s", i+1, t.Name)
		}
	}
	return names
}

func typeSchema(doc *explainDoc, i int, names []string, visit func(int)) map[string]any {
	t := doc.Types[i-1]
	s := map[string]any{}
	if t.Type != "" {
		s["type"] = t.Type
	}
	if d := doc.text(t.Desc); d != "" {
		s["description"] = d
	}
	if len(t.Props) == 0 {
		return s
	}
	props := map[string]any{}
	var required []string
	for _, p := range t.Props {
		ps := shapeSchema(p.explainShape, names, visit, true)
		if d := doc.text(p.Desc); d != "" {
			ps["description"] = d
		}
		props[p.Name] = ps
		if p.Required {
			required = append(required, p.Name)
		}
	}
	s["properties"] = props
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// shapeSchema is a property's or an item's schema; a property's
// reference is wrapped in allOf, as kube-openapi does so that the
// property may carry its own description.
func shapeSchema(sh explainShape, names []string, visit func(int), property bool) map[string]any {
	switch {
	case sh.Ref != 0:
		visit(sh.Ref)
		ref := map[string]any{"$ref": "#/components/schemas/" + names[sh.Ref-1]}
		if property {
			return map[string]any{"allOf": []any{ref}}
		}
		return ref
	case sh.Items != nil && sh.Type == "array":
		return map[string]any{"type": "array", "items": shapeSchema(*sh.Items, names, visit, false)}
	case sh.Items != nil:
		return map[string]any{"type": sh.Type, "additionalProperties": shapeSchema(*sh.Items, names, visit, false)}
	}
	s := map[string]any{}
	if sh.Type != "" {
		s["type"] = sh.Type
	}
	if len(sh.Enum) > 0 {
		s["enum"] = sh.Enum
	}
	return s
}
