package kubectl

import (
	"fmt"
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
)

// sortBy orders items (unstructured objects) by a --sort-by field, as
// kubectl's table and object sorters: the field is a relaxed JSONPath
// ("{.metadata.name}", ".metadata.name", "metadata.name"), an item without
// it sorts first, and strings that are both quantities compare as
// quantities, other strings in natural order ("pod-2" before "pod-10").
// It returns the new order as indexes into items. kubectl sorts with
// sort.Sort, not a stable sort, and so does this, with the same less
// function, so that ties fall the same way.
func sortBy(items []any, field string) ([]int, error) {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	if len(items) == 0 {
		return order, nil
	}
	expr, err := relaxedJSONPath(field)
	if err != nil {
		expr = field
	}
	j, err := newJSONPath(expr, true)
	if err != nil {
		return nil, fmt.Errorf("sorting error: %v", err)
	}
	s := &sorter{field: expr, order: order, values: make([]any, len(items)), found: make([]bool, len(items))}
	anyFound := false
	for i, item := range items {
		res, err := j.find(item)
		if err != nil {
			return nil, err
		}
		if len(res) > 0 && len(res[0]) > 0 {
			s.values[i], s.found[i], anyFound = res[0][0], true, true
		}
	}
	if !anyFound {
		return nil, fmt.Errorf("couldn't find any field with path %q in the list of objects", expr)
	}
	sort.Sort(s)
	if s.err != nil {
		return nil, s.err
	}
	return s.order, nil
}

// sorter sorts item indexes by each item's first value of the field.
type sorter struct {
	field  string
	order  []int
	values []any
	found  []bool
	err    error
}

func (s *sorter) Len() int      { return len(s.order) }
func (s *sorter) Swap(i, j int) { s.order[i], s.order[j] = s.order[j], s.order[i] }

func (s *sorter) Less(i, j int) bool {
	a, b := s.order[i], s.order[j]
	if !s.found[a] {
		return true
	}
	if !s.found[b] {
		return false
	}
	less, err := valueLess(s.values[a], s.values[b])
	if err != nil && s.err == nil {
		s.err = exitCodeError{code: 255, msg: fmt.Sprintf("Field %s in *v1.Table is an unsortable type: interface, err: %v", s.field, err)}
	}
	return less
}

// valueLess compares two JSON values as kubectl's isLess compares the
// values of unstructured objects.
func valueLess(a, b any) (bool, error) {
	switch {
	case a == nil && b == nil:
		return false, nil
	case a == nil:
		return true, nil
	case b == nil:
		return false, nil
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return x < y, nil
		}
	case float64:
		if y, ok := b.(float64); ok {
			return x < y, nil
		}
	case string:
		if y, ok := b.(string); ok {
			return stringLess(x, y), nil
		}
	default:
		return false, fmt.Errorf("unsortable type: %T", a)
	}
	return false, fmt.Errorf("unsortable interface: interface")
}

// stringLess compares two quantities as quantities, other strings
// naturally.
func stringLess(a, b string) bool {
	qa, err := api.ParseQuantity(a)
	if err != nil {
		return naturalLess(a, b)
	}
	qb, err := api.ParseQuantity(b)
	if err != nil {
		return naturalLess(a, b)
	}
	return qa.Cmp(qb) < 0
}

// naturalLess is github.com/fvbommel/sortorder's NaturalLess: runs of
// digits compare as numbers, and digits sort before other characters.
func naturalLess(a, b string) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		da, db := isDigit(ca), isDigit(cb)
		switch {
		case da != db:
			return da
		case !da:
			if ca != cb {
				return ca < cb
			}
			i++
			j++
		default:
			var less, decided bool
			i, j, less, decided = compareDigits(a, b, i, j)
			if decided {
				return less
			}
		}
	}
	return len(a) < len(b)
}

// compareDigits compares the runs of digits at a[i:] and b[j:], and
// returns the indexes after them.
func compareDigits(a, b string, i, j int) (int, int, bool, bool) {
	for ; i < len(a) && a[i] == '0'; i++ {
	}
	for ; j < len(b) && b[j] == '0'; j++ {
	}
	nzA, nzB := i, j
	for ; i < len(a) && isDigit(a[i]); i++ {
	}
	for ; j < len(b) && isDigit(b[j]); j++ {
	}
	if la, lb := i-nzA, j-nzB; la != lb {
		return i, j, la < lb, true
	}
	if na, nb := a[nzA:i], b[nzB:j]; na != nb {
		return i, j, na < nb, true
	}
	if nzA != nzB {
		return i, j, nzA < nzB, true
	}
	return i, j, false, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// exitCodeError is an error kubectl prints as it is and exits with code.
type exitCodeError struct {
	code int
	msg  string
}

func (e exitCodeError) Error() string { return e.msg }
