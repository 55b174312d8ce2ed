package client

import (
	"slices"
	"sort"
)

// An index groups an informer's objects by values computed from each, as
// client-go's indexers do, so that a controller finds the pods of one
// owner without walking every pod.
type index[T any] struct {
	f      func(T) []string
	byVal  map[string]map[string]bool // value -> keys
	sorted map[string][]string        // value -> keys in order, while valid
}

// AddIndex adds an index named name, unless there is one, computing each
// object's values with f.
func (i *Informer[T]) AddIndex(name string, f func(T) []string) {
	if _, ok := i.indexes[name]; ok {
		return
	}
	if i.indexes == nil {
		i.indexes = map[string]*index[T]{}
	}
	x := &index[T]{f: f, byVal: map[string]map[string]bool{}, sorted: map[string][]string{}}
	i.indexes[name] = x
	for k, obj := range i.items {
		x.add(k, f(obj))
	}
}

// ByIndex returns the cached objects whose index values include value,
// sorted by namespace and name.
func (i *Informer[T]) ByIndex(name, value string) []T {
	x, ok := i.indexes[name]
	if !ok {
		return nil
	}
	keys, ok := x.sorted[value]
	if !ok {
		for k := range x.byVal[value] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		x.sorted[value] = keys
	}
	out := make([]T, len(keys))
	for j, k := range keys {
		out[j] = i.items[k]
	}
	return out
}

func (x *index[T]) add(key string, values []string) {
	for _, v := range values {
		set := x.byVal[v]
		if set == nil {
			set = map[string]bool{}
			x.byVal[v] = set
		}
		if !set[key] {
			set[key] = true
			delete(x.sorted, v)
		}
	}
}

func (x *index[T]) remove(key string, values []string) {
	for _, v := range values {
		if set := x.byVal[v]; set[key] {
			delete(set, key)
			delete(x.sorted, v)
			if len(set) == 0 {
				delete(x.byVal, v)
			}
		}
	}
}

// reindex moves an object from its old values to its new ones, touching
// only the values that changed so that the sorted keys of the others
// stay valid.
func (i *Informer[T]) reindex(key string, old T, hadOld bool, cur T, hasCur bool) {
	for _, x := range i.indexes {
		var was, is []string
		if hadOld {
			was = x.f(old)
		}
		if hasCur {
			is = x.f(cur)
		}
		x.remove(key, without(was, is))
		x.add(key, without(is, was))
	}
}

// without returns the values of a that are not in b.
func without(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}
