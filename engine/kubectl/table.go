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

// ServerTable is the Table kube-apiserver answers a request for objects of
// resource r with (Accept: application/json;as=Table): the column headers,
// whether each is a priority column (printed only with -o wide), and a
// function that makes an object's cells. The object is as stored: a
// second view of stored objects converts back first. Kinds without a
// printer get the default NAME and CREATED AT table. The HTTP API and
// the in-page kubectl print from the same code, so they cannot drift.
func ServerTable(r *api.ResourceInfo) (headers []string, wide []bool, row func(obj api.Object, now time.Time) []string) {
	t := tableFor(r.Stored().GroupKind())
	for _, c := range t.cols {
		headers = append(headers, c.header)
		wide = append(wide, c.wide)
	}
	return headers, wide, func(obj api.Object, now time.Time) []string {
		return t.row(r.ToStorage(obj), now)
	}
}
