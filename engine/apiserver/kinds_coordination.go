package apiserver

import (
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The registry strategy of coordination.k8s.io/v1 Leases
// (pkg/apis/coordination/validation). Leases have no defaults.

var leaseStrategies = []string{"OldestEmulationVersion"}

func init() {
	strategies["Lease.coordination.k8s.io"] = &strategy{validate: validateLease}
}

func validateLease(s *Server, obj api.Object) []FieldError {
	spec := &obj.(*api.Lease).Spec
	var errs []FieldError
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, Invalid("spec.leaseDurationSeconds", *d, "must be greater than 0"))
	}
	if t := spec.LeaseTransitions; t != nil && *t < 0 {
		errs = append(errs, Invalid("spec.leaseTransitions", *t, isNegativeErrorMsg))
	}
	if st := spec.Strategy; st != nil {
		// A strategy of Kubernetes' own is a bare name; others are qualified.
		const f = "spec.strategy.strategy"
		if !strings.Contains(*st, "/") {
			if !slices.Contains(leaseStrategies, *st) {
				errs = append(errs, NotSupported(f, *st, leaseStrategies))
			}
		} else {
			errs = append(errs, qualifiedName(f, *st)...)
		}
	}
	if ph := spec.PreferredHolder; ph != nil && *ph != "" && api.Deref(spec.Strategy, "") == "" {
		errs = append(errs, Forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"))
	}
	return errs
}
