package apiserver

import (
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The registry strategy of policy/v1 PodDisruptionBudgets
// (pkg/registry/policy/poddisruptionbudget, pkg/apis/policy/validation).
// Their spec may change since policy/v1.

var unhealthyPodEvictionPolicies = []string{"AlwaysAllow", "IfHealthyBudget"}

func init() {
	strategies["PodDisruptionBudget.policy"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) {
			obj.(*api.PodDisruptionBudget).Status = api.PodDisruptionBudgetStatus{}
		},
		validate: validatePodDisruptionBudget,
	}
}

func validatePodDisruptionBudget(s *Server, obj api.Object) []FieldError {
	spec := &obj.(*api.PodDisruptionBudget).Spec
	var errs []FieldError
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		errs = append(errs, Invalid("spec", internal("policy", spec), "minAvailable and maxUnavailable cannot be both set"))
	}
	if v := spec.MinAvailable; v != nil {
		errs = append(errs, validateIntOrPercent(*v, "spec.minAvailable")...)
		errs = append(errs, notMoreThan100Percent(*v, "spec.minAvailable")...)
	}
	if v := spec.MaxUnavailable; v != nil {
		errs = append(errs, validateIntOrPercent(*v, "spec.maxUnavailable")...)
		errs = append(errs, notMoreThan100Percent(*v, "spec.maxUnavailable")...)
	}
	errs = append(errs, validateLabelSelector(spec.Selector, "spec.selector")...)
	if p := spec.UnhealthyPodEvictionPolicy; p != nil && !slices.Contains(unhealthyPodEvictionPolicies, *p) {
		errs = append(errs, NotSupported("spec.unhealthyPodEvictionPolicy", *p, unhealthyPodEvictionPolicies))
	}
	return errs
}
