package patch

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// listMeta is how a list field merges: by the value of a key in each
// element (mergeKey), as a set of scalars (merge without key), or, when
// a field is absent from the table, replaced as a whole.
type listMeta struct {
	merge    bool
	mergeKey string
}

// mergeLists is the patchStrategy and patchMergeKey of the list fields of
// k8s.io/api v0.37, by "GoStructName.jsonField". Lists not named here are
// atomic: a patch replaces them (tolerations, command, args, envFrom...).
// Status conditions are handled by rule: see lookupList.
var mergeLists = map[string]listMeta{
	"ObjectMeta.ownerReferences":             {true, "uid"},
	"ObjectMeta.finalizers":                  {true, ""},
	"PodSpec.volumes":                        {true, "name"},
	"PodSpec.initContainers":                 {true, "name"},
	"PodSpec.containers":                     {true, "name"},
	"PodSpec.ephemeralContainers":            {true, "name"},
	"PodSpec.imagePullSecrets":               {true, "name"},
	"PodSpec.hostAliases":                    {true, "ip"},
	"PodSpec.topologySpreadConstraints":      {true, "topologyKey"},
	"PodSpec.schedulingGates":                {true, "name"},
	"PodSpec.resourceClaims":                 {true, "name"},
	"Container.ports":                        {true, "containerPort"},
	"Container.env":                          {true, "name"},
	"Container.volumeMounts":                 {true, "mountPath"},
	"Container.volumeDevices":                {true, "devicePath"},
	"EphemeralContainerCommon.ports":         {true, "containerPort"},
	"EphemeralContainerCommon.env":           {true, "name"},
	"EphemeralContainerCommon.volumeMounts":  {true, "mountPath"},
	"EphemeralContainerCommon.volumeDevices": {true, "devicePath"},
	"PodStatus.podIPs":                       {true, "ip"},
	"PodStatus.hostIPs":                      {true, "ip"},
	"PodStatus.resourceClaimStatuses":        {true, "name"},
	"ServiceSpec.ports":                      {true, "port"},
	"ServiceAccount.secrets":                 {true, "name"},
	"NodeSpec.podCIDRs":                      {true, ""},
	"NodeStatus.addresses":                   {true, "type"},
}

// lookupList returns how the list field of struct t named field merges.
func lookupList(t reflect.Type, field string) listMeta {
	if t == nil {
		return listMeta{}
	}
	if m, ok := mergeLists[t.Name()+"."+field]; ok {
		return m
	}
	if field == "conditions" && strings.HasSuffix(t.Name(), "Status") {
		return listMeta{true, "type"}
	}
	return listMeta{}
}

// Directives of strategic merge patches.
const (
	directive           = "$patch"
	retainKeys          = "$retainKeys"
	deleteFromPrimitive = "$deleteFromPrimitiveList/"
	setElementOrder     = "$setElementOrder/"
)

// ApplyStrategic applies a strategic merge patch to doc, whose Go type is
// t: maps merge and null deletes as in a merge patch; lists merge by their
// merge key (a new element goes first, before the elements the patch does
// not name, as upstream orders them), or replace when the type says
// nothing; the directives $patch (replace, delete, merge), $retainKeys
// and $deleteFromPrimitiveList apply, and $setElementOrder orders a
// merged list.
func ApplyStrategic(doc, patch []byte, t reflect.Type) ([]byte, error) {
	d, p, err := decodeBoth(doc, patch)
	if err != nil {
		return nil, err
	}
	pm, ok := p.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("unable to unmarshal patch: json: cannot unmarshal %s into Go value of type map[string]interface {}", jsonKind(p))
	}
	dm, _ := d.(map[string]any)
	out, err := mergeMap(dm, pm, structType(t))
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	}
	return "object"
}

// structType dereferences pointers; it returns nil for what is not a struct.
func structType(t reflect.Type) reflect.Type {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// fieldType returns the Go type of the field with JSON name key in t,
// looking into inlined structs.
func fieldType(t reflect.Type, key string) (reflect.Type, reflect.Type) {
	if t == nil {
		return nil, nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
			if ft, owner := fieldType(structType(f.Type), key); ft != nil {
				return ft, owner
			}
			continue
		}
		if name == key {
			return f.Type, t
		}
	}
	return nil, nil
}

func mergeMap(orig, patch map[string]any, t reflect.Type) (map[string]any, error) {
	switch patch[directive] {
	case "replace":
		return stripDirectives(patch, t)
	case "delete":
		return map[string]any{}, nil
	}
	out := make(map[string]any, len(orig)+len(patch))
	for k, v := range orig {
		out[k] = v
	}
	if keep, ok := patch[retainKeys].([]any); ok {
		retain(out, keep)
	}
	ordered, err := mergeOrdered(out, patch, t)
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(patch) {
		if ordered[k] {
			continue
		}
		if err := mergeKey(out, patch, k, t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeOrdered merges the lists a $setElementOrder directive orders, as
// mergePatchIntoOriginal does: the merged list (the patch's elements with
// the ones only the original has) is sorted in the directive's order,
// elements it does not name last in their order; kubectl's two-way
// patches (kubectl debug's, client-side apply's) send it so that an added
// element lands where the new list has it. It returns the fields it
// merged.
func mergeOrdered(out, patch map[string]any, t reflect.Type) (map[string]bool, error) {
	var done map[string]bool
	for _, k := range sortedKeys(patch) {
		order, ok := patch[k].([]any)
		if !ok || !strings.HasPrefix(k, setElementOrder) {
			continue
		}
		field := strings.TrimPrefix(k, setElementOrder)
		pv, present := patch[field]
		pl, isList := pv.([]any)
		ft, owner := fieldType(t, field)
		lm := lookupList(owner, field)
		if present && !isList || !lm.merge || replaceMarker(pl) >= 0 {
			continue
		}
		ol, _ := out[field].([]any)
		merged, err := mergeList(ol, pl, structType(ft), lm)
		if err != nil {
			return nil, err
		}
		index := func(v any) int {
			i := indexScalar(order, v)
			if m, ok := v.(map[string]any); ok && lm.mergeKey != "" {
				i = indexKeyed(order, lm.mergeKey, m[lm.mergeKey])
			}
			if i < 0 {
				return len(order)
			}
			return i
		}
		sort.SliceStable(merged, func(i, j int) bool { return index(merged[i]) < index(merged[j]) })
		out[field] = merged
		if done == nil {
			done = map[string]bool{}
		}
		done[field] = true
	}
	return done, nil
}

func retain(m map[string]any, keep []any) {
	set := map[string]bool{}
	for _, k := range keep {
		if s, ok := k.(string); ok {
			set[s] = true
		}
	}
	for k := range m {
		if !set[k] {
			delete(m, k)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mergeKey(out, patch map[string]any, k string, t reflect.Type) error {
	pv := patch[k]
	switch {
	case k == directive || k == retainKeys || strings.HasPrefix(k, setElementOrder):
		return nil
	case strings.HasPrefix(k, deleteFromPrimitive):
		field := strings.TrimPrefix(k, deleteFromPrimitive)
		if list, ok := out[field].([]any); ok {
			out[field] = withoutValues(list, pv)
		}
		return nil
	case pv == nil:
		delete(out, k)
		return nil
	}
	ft, owner := fieldType(t, k)
	merged, err := mergeValueStrategic(out[k], pv, ft, lookupList(owner, k))
	if err != nil {
		return err
	}
	out[k] = merged
	return nil
}

func withoutValues(list []any, remove any) []any {
	rm, _ := remove.([]any)
	out := []any{}
	for _, v := range list {
		if !containsValue(rm, v) {
			out = append(out, v)
		}
	}
	return out
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if reflect.DeepEqual(normalize(x), normalize(v)) {
			return true
		}
	}
	return false
}

// mergeValueStrategic merges one value of patch into orig; ft is the field's
// Go type and lm how it merges when it is a list.
func mergeValueStrategic(orig, patch any, ft reflect.Type, lm listMeta) (any, error) {
	switch p := patch.(type) {
	case map[string]any:
		om, _ := orig.(map[string]any)
		if ft != nil && ft.Kind() == reflect.Map {
			return mergeMap(om, p, nil)
		}
		return mergeMap(om, p, structType(ft))
	case []any:
		ol, _ := orig.([]any)
		return mergeList(ol, p, structType(ft), lm)
	}
	return patch, nil
}

func stripDirectives(m map[string]any, t reflect.Type) (map[string]any, error) {
	p := make(map[string]any, len(m))
	for k, v := range m {
		if k != directive {
			p[k] = v
		}
	}
	return mergeMap(nil, p, t)
}

// mergeList merges a patch list into orig; elem is the elements' struct type.
func mergeList(orig, patch []any, elem reflect.Type, lm listMeta) ([]any, error) {
	if i := replaceMarker(patch); i >= 0 {
		patch = append(append([]any(nil), patch[:i]...), patch[i+1:]...)
		return mergeList(nil, patch, elem, listMeta{})
	}
	if !lm.merge {
		out := make([]any, len(patch))
		for i, v := range patch {
			m, err := mergeValueStrategic(nil, v, elem, listMeta{})
			if err != nil {
				return nil, err
			}
			out[i] = m
		}
		return out, nil
	}
	if !allMaps(orig) || !allMaps(patch) {
		return mergeScalars(orig, patch), nil
	}
	if lm.mergeKey == "" {
		return nil, fmt.Errorf("cannot merge lists without merge key for %s", typeName(elem))
	}
	return mergeKeyed(orig, patch, elem, lm.mergeKey)
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "<nil>"
	}
	return t.Name()
}

func replaceMarker(patch []any) int {
	for i, v := range patch {
		if m, ok := v.(map[string]any); ok && len(m) == 1 && m[directive] == "replace" {
			return i
		}
	}
	return -1
}

func allMaps(l []any) bool {
	for _, v := range l {
		if _, ok := v.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// mergeScalars merges lists of scalars as a set, in upstream's order.
func mergeScalars(orig, patch []any) []any {
	var patchItems, serverOnly []any
	for _, v := range orig {
		if !containsValue(patch, v) {
			serverOnly = append(serverOnly, v)
		}
	}
	for _, v := range patch {
		if !containsValue(patchItems, v) {
			patchItems = append(patchItems, v)
		}
	}
	return mergeSorted(serverOnly, patchItems, func(v any) int { return indexScalar(orig, v) })
}

func indexScalar(list []any, v any) int {
	for i, x := range list {
		if reflect.DeepEqual(normalize(x), normalize(v)) {
			return i
		}
	}
	return -1
}

// mergeKeyed merges lists of maps by key: an element named in the patch
// merges with the original one of the same key, "$patch: delete" removes
// it, and a new one is added.
func mergeKeyed(orig, patch []any, elem reflect.Type, key string) ([]any, error) {
	merged := append([]any(nil), orig...)
	for _, v := range patch {
		pm := v.(map[string]any)
		kv, ok := pm[key]
		if !ok {
			return nil, fmt.Errorf("map: %v does not contain declared merge key: %s", goMap(pm), key)
		}
		i := indexKeyed(merged, key, kv)
		if pm[directive] == "delete" {
			if i >= 0 {
				merged = append(merged[:i], merged[i+1:]...)
			}
			continue
		}
		var om map[string]any
		if i >= 0 {
			om = merged[i].(map[string]any)
		}
		m, err := mergeMap(om, pm, elem)
		if err != nil {
			return nil, err
		}
		if i >= 0 {
			merged[i] = m
		} else {
			merged = append(merged, m)
		}
	}
	// As partitionMapsByPresentInList: each merged element once (two
	// patch elements of one key, as kubectl debug -c sends for a name the
	// pod has, both merge into it), in the patch's order.
	var patchItems, serverOnly []any
	for _, v := range merged {
		if indexKeyed(patch, key, v.(map[string]any)[key]) < 0 {
			serverOnly = append(serverOnly, v)
		} else {
			patchItems = append(patchItems, v)
		}
	}
	sort.SliceStable(patchItems, func(i, j int) bool {
		return indexKeyed(patch, key, patchItems[i].(map[string]any)[key]) < indexKeyed(patch, key, patchItems[j].(map[string]any)[key])
	})
	return mergeSorted(serverOnly, patchItems, func(v any) int { return indexKeyed(orig, key, v.(map[string]any)[key]) }), nil
}

// goMap prints a map as Go's %v does, keys sorted.
func goMap(m map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s:%v", k, m[k]))
	}
	return "map[" + strings.Join(parts, " ") + "]"
}

func indexKeyed(list []any, key string, kv any) int {
	for i, v := range list {
		if m, ok := v.(map[string]any); ok && reflect.DeepEqual(normalize(m[key]), normalize(kv)) {
			return i
		}
	}
	return -1
}

// mergeSorted interleaves the elements only the server has (left, in
// their original order) with the patch's (right, in the patch's order) as
// strategicpatch's mergeSortedSlice does: a left element goes before a
// right one when both were in the original list and it came first there.
func mergeSorted(left, right []any, serverIndex func(any) int) []any {
	out := make([]any, 0, len(left)+len(right))
	i, j := 0, 0
	for i < len(left) || j < len(right) {
		switch {
		case i >= len(left):
			out = append(out, right[j])
			j++
		case j >= len(right):
			out = append(out, left[i])
			i++
		default:
			li, ri := serverIndex(left[i]), serverIndex(right[j])
			if li >= 0 && ri >= 0 && li < ri {
				out = append(out, left[i])
				i++
			} else {
				out = append(out, right[j])
				j++
			}
		}
	}
	return out
}
