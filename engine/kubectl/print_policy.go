package kubectl

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Tables of the kinds that bound what runs: disruption budgets, priority
// classes, resource quotas and limit ranges.
func init() {
	tables["PodDisruptionBudget.policy"] = table([]string{"NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"}, nil, podDisruptionBudgetRow)
	// PREEMPTIONPOLICY is not a priority column: kubectl prints it always.
	tables["PriorityClass.scheduling.k8s.io"] = table([]string{"NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"}, nil, priorityClassRow)
	tables["ResourceQuota"] = table([]string{"NAME", "REQUEST", "LIMIT", "AGE"}, nil, resourceQuotaRow)
	// kube-apiserver has no printer for limit ranges: its default table
	// convertor prints them.
	tables["LimitRange"] = defaultTable
}

func podDisruptionBudgetRow(obj api.Object, now time.Time) []string {
	pdb := obj.(*api.PodDisruptionBudget)
	orNA := func(v *api.IntOrString) string {
		if v == nil {
			return "N/A"
		}
		return v.String()
	}
	return []string{pdb.Name, orNA(pdb.Spec.MinAvailable), orNA(pdb.Spec.MaxUnavailable), fmt.Sprint(pdb.Status.DisruptionsAllowed), age(pdb.CreationTimestamp.Time, now)}
}

func priorityClassRow(obj api.Object, now time.Time) []string {
	pc := obj.(*api.PriorityClass)
	return []string{pc.Name, fmt.Sprint(pc.Value), fmt.Sprint(pc.GlobalDefault), age(pc.CreationTimestamp.Time, now), api.Deref(pc.PreemptionPolicy, "")}
}

// resourceQuotaRow shows "resource: used/hard" for each resource the quota
// status counts, by name; limits.* ones under LIMIT, the rest under REQUEST.
func resourceQuotaRow(obj api.Object, now time.Time) []string {
	q := obj.(*api.ResourceQuota)
	var requests, limits []string
	for _, name := range api.SortedKeys(q.Status.Hard) {
		used, hard := q.Status.Used[name], q.Status.Hard[name]
		cell := fmt.Sprintf("%s: %s/%s", name, used.String(), hard.String())
		if strings.HasPrefix(name, "limits.") {
			limits = append(limits, cell)
		} else {
			requests = append(requests, cell)
		}
	}
	return []string{q.Name, strings.Join(requests, ", "), strings.Join(limits, ", "), age(q.CreationTimestamp.Time, now)}
}
