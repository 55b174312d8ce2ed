package kubectl

import (
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Table returns the columns `kubectl get -o wide` prints for objects of
// resource r and a function that makes one object's cells, for the page's
// views of the cluster; ok is false for a kind without a table of its own.
func Table(r *api.ResourceInfo) (headers []string, row func(obj api.Object, now time.Time) []string, ok bool) {
	t, ok := tables[r.GroupKind()]
	if !ok {
		return nil, nil, false
	}
	for _, c := range t.cols {
		headers = append(headers, c.header)
	}
	return headers, t.row, true
}
