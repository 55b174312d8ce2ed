package controller

import (
	"encoding/json"
)

// TemplatePatch returns the patch a ControllerRevision of a DaemonSet or
// StatefulSet holds: the object's JSON reduced to spec.template, marked
// {"$patch":"replace"}, with keys in sorted order as upstream re-encodes
// it through a map. Applied to the object, it puts that template back.
func TemplatePatch(obj any) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	spec, _ := raw["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	if tmpl == nil {
		tmpl = map[string]any{}
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}
