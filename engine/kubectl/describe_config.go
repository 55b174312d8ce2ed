package kubectl

import (
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// This file describes Secrets, LimitRanges and ResourceQuotas as kubectl's
// describers do: a Secret's data by size only, never its values.

func (d *describer) secret(s *api.Secret) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", s.Name)
		w.write(0, "Namespace:\t%s\n", s.Namespace)
		w.labels("Labels", s.Labels)
		w.annotations("Annotations", s.Annotations)
		w.write(0, "\nType:\t%s\n", s.Type)
		w.write(0, "\nData\n====\n")
		for _, k := range api.SortedKeys(s.Data) {
			if k == "token" && s.Type == "kubernetes.io/service-account-token" {
				w.write(0, "%s:\t%s\n", k, string(s.Data[k]))
				continue
			}
			w.write(0, "%s:\t%d bytes\n", k, len(s.Data[k]))
		}
	})
}

func (d *describer) limitRange(lr *api.LimitRange) string {
	var m map[string]any
	asJSON(lr, &m)
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", lr.Name)
		w.write(0, "Namespace:\t%s\n", lr.Namespace)
		w.write(0, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
		w.write(0, "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
		limitRangeRows(w, m, "")
	})
}

func (d *describer) resourceQuota(q *api.ResourceQuota) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", q.Name)
		w.write(0, "Namespace:\t%s\n", q.Namespace)
		if len(q.Spec.Scopes) > 0 {
			scopes := append([]string(nil), q.Spec.Scopes...)
			sort.Strings(scopes)
			w.write(0, "Scopes:\t%s\n", strings.Join(scopes, ", "))
			for _, s := range scopes {
				if help := quotaScopeHelp[s]; help != "" {
					w.write(0, " * %s\n", help)
				}
			}
		}
		w.write(0, "Resource\tUsed\tHard\n")
		w.write(0, "--------\t----\t----\n")
		for _, res := range api.SortedKeys(q.Status.Hard) {
			hard, used := q.Status.Hard[res], q.Status.Used[res]
			if hard.Format() != used.Format() {
				used = api.NewQuantity(used.Value(), hard.Format())
			}
			w.write(0, "%v\t%v\t%v\n", res, used.String(), hard.String())
		}
	})
}
