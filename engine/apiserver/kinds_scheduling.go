package apiserver

import (
	"fmt"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The registry strategy of scheduling.k8s.io/v1 PriorityClasses
// (pkg/apis/scheduling/v1/defaults.go, pkg/apis/scheduling/validation).
// Only one class may be the global default: admission.go says so.

const highestUserDefinablePriority = 1000000000

var preemptionPolicies = []string{"PreemptLowerPriority", "Never"}

func init() {
	strategies["PriorityClass.scheduling.k8s.io"] = &strategy{
		prepareCreate:  func(s *Server, obj api.Object) { defaultPriorityClass(obj.(*api.PriorityClass)) },
		prepareUpdate:  func(s *Server, obj, _ api.Object) { defaultPriorityClass(obj.(*api.PriorityClass)) },
		validate:       validatePriorityClass,
		validateUpdate: validatePriorityClassUpdate,
	}
}

func defaultPriorityClass(pc *api.PriorityClass) {
	if pc.PreemptionPolicy == nil {
		pc.PreemptionPolicy = api.Ptr("PreemptLowerPriority")
	}
}

// validatePriorityClass is ValidatePriorityClass. The 'system-' prefix is
// the API server's own: only its two classes, with their values, may use it.
func validatePriorityClass(s *Server, obj api.Object) []FieldError {
	if !creating(obj) {
		return nil
	}
	pc := obj.(*api.PriorityClass)
	var errs []FieldError
	if strings.HasPrefix(pc.Name, "system-") {
		if err := knownSystemPriorityClass(pc); err != "" {
			errs = append(errs, Forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: "+err))
		}
	} else if pc.Value > highestUserDefinablePriority {
		errs = append(errs, Forbidden("value", fmt.Sprintf("maximum allowed value of a user defined priority is %d", highestUserDefinablePriority)))
	}
	if p := pc.PreemptionPolicy; p != nil {
		errs = append(errs, preemptionPolicyErrors("preemptionPolicy", *p)...)
	}
	return errs
}

func knownSystemPriorityClass(pc *api.PriorityClass) string {
	for _, sys := range systemPriorityClasses() {
		if sys.Name != pc.Name {
			continue
		}
		if sys.Value != pc.Value {
			return fmt.Sprintf("value of %s PriorityClass must be %d", sys.Name, sys.Value)
		}
		if sys.GlobalDefault != pc.GlobalDefault {
			return fmt.Sprintf("globalDefault of %s PriorityClass must be %t", sys.Name, sys.GlobalDefault)
		}
		return ""
	}
	return pc.Name + " is not a known system priority class"
}

func preemptionPolicyErrors(field, p string) []FieldError {
	switch p {
	case "PreemptLowerPriority", "Never":
		return nil
	case "":
		return []FieldError{Required(field, "")}
	}
	return []FieldError{NotSupported(field, p, preemptionPolicies)}
}

// validatePriorityClassUpdate is ValidatePriorityClassUpdate: the value
// and preemption policy are fixed; nothing else is checked again.
func validatePriorityClassUpdate(obj, old api.Object) []FieldError {
	pc, o := obj.(*api.PriorityClass), old.(*api.PriorityClass)
	var errs []FieldError
	if pc.Value != o.Value {
		errs = append(errs, Forbidden("value", "may not be changed in an update."))
	}
	return append(errs, immutable("preemptionPolicy", pc.PreemptionPolicy, o.PreemptionPolicy)...)
}
