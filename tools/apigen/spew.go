package main

import (
	"bytes"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kube-controller-manager names a Deployment's ReplicaSets and a
// DaemonSet's ControllerRevisions by controller.ComputeHash: FNV-32a of
// the pod template as k8s.io/utils/dump.ForHash prints it, which is
// go-spew's "%#v" with every Go type named as reflect spells it
// ("(v1.PodSpec)", "(*int64)", "(v1.RestartPolicy)Always"); the endpoints
// controller orders an Endpoints object's subsets and ports by MD5 of the
// same print. engine/api flattens named scalars to their underlying types
// and drops the package names, so it cannot learn those spellings from its
// own types (and an EndpointSlice's ports are ordered by the MD5 of theirs):
// this file writes them down, for every type reachable from the
// hashed roots, into zz_generated.spew.go, which engine/api's hash printer
// walks beside the value it prints.

// spewFile is the generated table's file name, in the output directory.
const spewFile = "zz_generated.spew.go"

// spewRoots are the types kube-controller-manager hashes, with their
// names in engine/api.
var spewRoots = []struct {
	typ  reflect.Type
	name string
}{
	{reflect.TypeFor[corev1.PodTemplateSpec](), "PodTemplateSpec"},
	{reflect.TypeFor[corev1.EndpointSubset](), "EndpointSubset"},
	{reflect.TypeFor[corev1.EndpointPort](), "EndpointPort"},
	{reflect.TypeFor[discoveryv1.EndpointPort](), "DiscoveryV1EndpointPort"},
}

// spewSpecial are types whose printing depends on unexported fields the
// engine's twins do not have; the printer knows them by kind.
var spewSpecial = map[reflect.Type]string{
	reflect.TypeFor[metav1.Time]():       "spewTime",
	reflect.TypeFor[resource.Quantity](): "spewQuantity",
}

// spewEntry is one row of the table.
type spewEntry struct {
	name   string
	kind   string
	elem   int
	fields []spewFieldEntry
}

type spewFieldEntry struct {
	name string
	typ  int
}

// spewTable numbers the types reachable from spewRoots, in the order a
// depth-first walk from each root in turn meets them.
type spewTable struct {
	index   map[reflect.Type]int
	entries []*spewEntry
}

func buildSpewTable() (*spewTable, error) {
	t := &spewTable{index: map[reflect.Type]int{}}
	for _, r := range spewRoots {
		if _, err := t.add(r.typ); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *spewTable) add(typ reflect.Type) (int, error) {
	if i, ok := t.index[typ]; ok {
		return i, nil
	}
	i := len(t.entries)
	e := &spewEntry{name: typ.String()}
	t.entries = append(t.entries, e)
	t.index[typ] = i
	if k, ok := spewSpecial[typ]; ok {
		e.kind = k
		return i, nil
	}
	var err error
	switch typ.Kind() {
	case reflect.Pointer:
		e.kind = "spewPointer"
		e.elem, err = t.add(typ.Elem())
	case reflect.Slice:
		e.kind = "spewSlice"
		e.elem, err = t.add(typ.Elem())
	case reflect.Map:
		e.kind = "spewMap"
		e.elem, err = t.add(typ.Elem())
	case reflect.Struct:
		e.kind = "spewStruct"
		err = t.addFields(e, typ)
	case reflect.Bool, reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		e.kind = "spewScalar"
	default:
		err = fmt.Errorf("%s: %s types cannot be hashed", typ, typ.Kind())
	}
	return i, err
}

func (t *spewTable) addFields(e *spewEntry, typ reflect.Type) error {
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			return fmt.Errorf("%s.%s: unexported fields cannot be hashed", typ, f.Name)
		}
		ft, err := t.add(f.Type)
		if err != nil {
			return err
		}
		e.fields = append(e.fields, spewFieldEntry{name: f.Name, typ: ft})
	}
	return nil
}

// emitSpew writes the table as Go source.
func emitSpew() ([]byte, error) {
	t, err := buildSpewTable()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("// spewRoot returns where the k8s.io twin of v's type is in spewTypes.\n")
	b.WriteString("func spewRoot(v any) (int, bool) {\n\tswitch v.(type) {\n")
	for _, r := range spewRoots {
		fmt.Fprintf(&b, "\tcase *%s:\n\t\treturn %d, true\n", r.name, t.index[r.typ])
	}
	b.WriteString("\t}\n\treturn 0, false\n}\n\n")
	b.WriteString("// spewTypes are the k8s.io/api types reachable from the types hashed as\n")
	b.WriteString("// kube-controller-manager hashes them, as reflect names them: what hash.go\n")
	b.WriteString("// needs to print them as go-spew does.\n")
	b.WriteString("var spewTypes = []spewType{\n")
	for i, e := range t.entries {
		fmt.Fprintf(&b, "\t%d: {name: %q, kind: %s", i, e.name, e.kind)
		if e.kind == "spewPointer" || e.kind == "spewSlice" || e.kind == "spewMap" {
			fmt.Fprintf(&b, ", elem: %d", e.elem)
		}
		if len(e.fields) > 0 {
			b.WriteString(", fields: []spewField{")
			for j, f := range e.fields {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "{%q, %d}", f.name, f.typ)
			}
			b.WriteString("}")
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n")
	return finish(&b)
}
