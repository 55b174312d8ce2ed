package apiserver

import (
	"fmt"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The registry strategy of HorizontalPodAutoscalers, stored as
// autoscaling/v2 (autoscaling/v1 ones are converted on the way in, so
// they are defaulted and validated here too): pkg/apis/autoscaling/v2/
// defaults.go and pkg/apis/autoscaling/validation.

const (
	maxHPAPeriodSeconds              = 1800
	maxHPAStabilizationWindowSeconds = 3600
	defaultCPUUtilization            = 80
)

var (
	hpaSelectPolicies  = []string{"Disabled", "Max", "Min"}
	hpaPolicyTypes     = []string{"Percent", "Pods"}
	metricSourceTypes  = []string{"ContainerResource", "External", "Object", "Pods", "Resource"}
	metricTargetTypes  = []string{"AverageValue", "Utilization", "Value"}
	metricSourceFields = []string{"object", "external", "pods", "resource", "containerResource"}
)

func init() {
	strategies["HorizontalPodAutoscaler.autoscaling"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) {
			h := obj.(*api.HorizontalPodAutoscaler)
			h.Status = api.HorizontalPodAutoscalerStatus{}
			defaultHPA(h)
		},
		prepareUpdate: func(s *Server, obj, _ api.Object) { defaultHPA(obj.(*api.HorizontalPodAutoscaler)) },
		validate: func(s *Server, obj api.Object) []FieldError {
			if !creating(obj) {
				return nil
			}
			return validateHPASpec(&obj.(*api.HorizontalPodAutoscaler).Spec, 1)
		},
		validateUpdate: func(obj, old api.Object) []FieldError {
			// One that scaled to zero (an alpha feature elsewhere) may stay so.
			lower := int32(1)
			if m := old.(*api.HorizontalPodAutoscaler).Spec.MinReplicas; m != nil && *m == 0 {
				lower = 0
			}
			return validateHPASpec(&obj.(*api.HorizontalPodAutoscaler).Spec, lower)
		},
	}
}

// defaultHPA is SetDefaults_HorizontalPodAutoscaler: one replica at least,
// 80% CPU when no metric is given, and the default scaling rules filled in
// wherever a behavior is given.
func defaultHPA(h *api.HorizontalPodAutoscaler) {
	spec := &h.Spec
	if spec.MinReplicas == nil {
		spec.MinReplicas = api.Ptr(int32(1))
	}
	if len(spec.Metrics) == 0 {
		spec.Metrics = []api.MetricSpec{{Type: "Resource", Resource: &api.ResourceMetricSource{
			Name: "cpu", Target: api.MetricTarget{Type: "Utilization", AverageUtilization: api.Ptr(int32(defaultCPUUtilization))},
		}}}
	}
	if b := spec.Behavior; b != nil {
		b.ScaleUp = fillScalingRules(b.ScaleUp, api.HPAScalingRules{
			StabilizationWindowSeconds: api.Ptr(int32(0)), SelectPolicy: api.Ptr("Max"),
			Policies: []api.HPAScalingPolicy{{Type: "Pods", Value: 4, PeriodSeconds: 15}, {Type: "Percent", Value: 100, PeriodSeconds: 15}},
		})
		b.ScaleDown = fillScalingRules(b.ScaleDown, api.HPAScalingRules{
			SelectPolicy: api.Ptr("Max"),
			Policies:     []api.HPAScalingPolicy{{Type: "Percent", Value: 100, PeriodSeconds: 15}},
		})
	}
}

func fillScalingRules(from *api.HPAScalingRules, to api.HPAScalingRules) *api.HPAScalingRules {
	if from != nil {
		if from.SelectPolicy != nil {
			to.SelectPolicy = from.SelectPolicy
		}
		if from.StabilizationWindowSeconds != nil {
			to.StabilizationWindowSeconds = from.StabilizationWindowSeconds
		}
		if from.Policies != nil {
			to.Policies = from.Policies
		}
		if from.Tolerance != nil {
			to.Tolerance = from.Tolerance
		}
	}
	return &to
}

func validateHPASpec(spec *api.HorizontalPodAutoscalerSpec, minLower int32) []FieldError {
	var errs []FieldError
	if m := spec.MinReplicas; m != nil && *m < minLower {
		errs = append(errs, Invalid("spec.minReplicas", *m, fmt.Sprintf("must be greater than or equal to %d", minLower)))
	}
	if spec.MaxReplicas < 1 {
		errs = append(errs, Invalid("spec.maxReplicas", spec.MaxReplicas, "must be greater than 0"))
	}
	if m := spec.MinReplicas; m != nil && spec.MaxReplicas < *m {
		errs = append(errs, Invalid("spec.maxReplicas", spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	errs = append(errs, validateCrossVersionObjectReference(spec.ScaleTargetRef, "spec.scaleTargetRef")...)
	objectOrExternal := false
	for i, m := range spec.Metrics {
		errs = append(errs, validateMetricSpec(&m, fmt.Sprintf("spec.metrics[%d]", i))...)
		objectOrExternal = objectOrExternal || m.Type == "Object" || m.Type == "External"
	}
	if m := spec.MinReplicas; m != nil && *m == 0 && !objectOrExternal {
		errs = append(errs, Forbidden("spec.metrics", "must specify at least one Object or External metric to support scaling to zero replicas"))
	}
	if b := spec.Behavior; b != nil {
		errs = append(errs, validateScalingRules(b.ScaleUp, "spec.behavior.scaleUp")...)
		errs = append(errs, validateScalingRules(b.ScaleDown, "spec.behavior.scaleDown")...)
	}
	return errs
}

func validateCrossVersionObjectReference(ref api.CrossVersionObjectReference, p string) []FieldError {
	errs := pathSegment(p+".kind", ref.Kind, "")
	return append(errs, pathSegment(p+".name", ref.Name, "")...)
}

func validateScalingRules(r *api.HPAScalingRules, p string) []FieldError {
	if r == nil {
		return nil
	}
	var errs []FieldError
	if w := r.StabilizationWindowSeconds; w != nil && *w < 0 {
		errs = append(errs, Invalid(p+".stabilizationWindowSeconds", *w, "must be greater than or equal to zero"))
	}
	if w := r.StabilizationWindowSeconds; w != nil && *w > maxHPAStabilizationWindowSeconds {
		errs = append(errs, Invalid(p+".stabilizationWindowSeconds", *w, fmt.Sprintf("must be less than or equal to %d", maxHPAStabilizationWindowSeconds)))
	}
	if sp := r.SelectPolicy; sp != nil && !slices.Contains(hpaSelectPolicies, *sp) {
		errs = append(errs, NotSupported(p+".selectPolicy", *sp, hpaSelectPolicies))
	}
	if len(r.Policies) == 0 {
		errs = append(errs, Required(p+".policies", "must specify at least one Policy"))
	}
	for i, pol := range r.Policies {
		pp := fmt.Sprintf("%s.policies[%d]", p, i)
		if !slices.Contains(hpaPolicyTypes, pol.Type) {
			errs = append(errs, NotSupported(pp+".type", pol.Type, hpaPolicyTypes))
		}
		if pol.Value <= 0 {
			errs = append(errs, Invalid(pp+".value", pol.Value, "must be greater than zero"))
		}
		if pol.PeriodSeconds <= 0 {
			errs = append(errs, Invalid(pp+".periodSeconds", pol.PeriodSeconds, "must be greater than zero"))
		}
		if pol.PeriodSeconds > maxHPAPeriodSeconds {
			errs = append(errs, Invalid(pp+".periodSeconds", pol.PeriodSeconds, fmt.Sprintf("must be less than or equal to %d", maxHPAPeriodSeconds)))
		}
	}
	return errs
}

func validateMetricSpec(m *api.MetricSpec, p string) []FieldError {
	var errs []FieldError
	if m.Type == "" {
		errs = append(errs, Required(p+".type", "must specify a metric source type"))
	}
	if !slices.Contains(metricSourceTypes, m.Type) {
		errs = append(errs, NotSupported(p+".type", m.Type, metricSourceTypes))
	}
	present := map[string]bool{}
	first := func(name string) bool {
		present[name] = true
		return len(present) == 1
	}
	if m.Object != nil && first("object") {
		src := m.Object
		errs = append(errs, validateCrossVersionObjectReference(src.DescribedObject, p+".object.describedObject")...)
		errs = append(errs, validateMetricIdentifier(src.Metric, p+".object.metric")...)
		errs = append(errs, validateMetricTarget(src.Target, p+".object.target")...)
		if src.Target.Value == nil && src.Target.AverageValue == nil {
			errs = append(errs, Required(p+".object.target.averageValue", "must set either a target value or averageValue"))
		}
	}
	if m.External != nil && first("external") {
		src := m.External
		errs = append(errs, validateMetricIdentifier(src.Metric, p+".external.metric")...)
		errs = append(errs, validateMetricTarget(src.Target, p+".external.target")...)
		if src.Target.Value == nil && src.Target.AverageValue == nil {
			errs = append(errs, Required(p+".external.target.averageValue", "must set either a target value for metric or a per-pod target"))
		}
		if src.Target.Value != nil && src.Target.AverageValue != nil {
			errs = append(errs, Forbidden(p+".external.target.value", "may not set both a target value for metric and a per-pod target"))
		}
	}
	if m.Pods != nil && first("pods") {
		src := m.Pods
		errs = append(errs, validateMetricIdentifier(src.Metric, p+".pods.metric")...)
		errs = append(errs, validateMetricTarget(src.Target, p+".pods.target")...)
		if src.Target.AverageValue == nil {
			errs = append(errs, Required(p+".pods.target.averageValue", "must specify a positive target averageValue"))
		}
	}
	if m.Resource != nil && first("resource") {
		src := m.Resource
		if src.Name == "" {
			errs = append(errs, Required(p+".resource.name", "must specify a resource name"))
		}
		errs = append(errs, validateResourceTarget(src.Target, p+".resource.target")...)
	}
	if m.ContainerResource != nil && first("containerResource") {
		src := m.ContainerResource
		if src.Name == "" {
			errs = append(errs, Required(p+".containerResource.name", "must specify a resource name"))
		} else {
			errs = append(errs, containerResourceNameErrors(p+".containerResource.name", src.Name)...)
		}
		if src.Container == "" {
			errs = append(errs, Required(p+".containerResource.container", "must specify a container"))
		} else {
			errs = append(errs, dnsLabel(p+".containerResource.container", src.Container)...)
		}
		errs = append(errs, validateResourceTarget(src.Target, p+".containerResource.target")...)
	}
	expected := ""
	switch m.Type {
	case "Object", "Pods", "Resource", "External", "ContainerResource":
		expected = map[string]string{"Object": "object", "Pods": "pods", "Resource": "resource", "External": "external", "ContainerResource": "containerResource"}[m.Type]
		if !present[expected] {
			errs = append(errs, Required(p+"."+expected, "must populate information for the given metric source"))
		}
	default:
		errs = append(errs, NotSupported(p+".type", m.Type, metricSourceTypes))
	}
	if len(present) != 1 {
		for _, f := range metricSourceFields {
			if present[f] && f != expected {
				errs = append(errs, Forbidden(p+"."+f, "must populate the given metric source only"))
			}
		}
	}
	return errs
}

func validateResourceTarget(t api.MetricTarget, p string) []FieldError {
	errs := validateMetricTarget(t, p)
	if t.AverageUtilization == nil && t.AverageValue == nil {
		errs = append(errs, Required(p+".averageUtilization", "must set either a target raw value or a target utilization"))
	}
	if t.AverageUtilization != nil && t.AverageValue != nil {
		errs = append(errs, Forbidden(p+".averageValue", "may not set both a target raw value and a target utilization"))
	}
	return errs
}

func validateMetricTarget(t api.MetricTarget, p string) []FieldError {
	var errs []FieldError
	if t.Type == "" {
		errs = append(errs, Required(p+".type", "must specify a metric target type"))
	}
	if !slices.Contains(metricTargetTypes, t.Type) {
		errs = append(errs, Invalid(p+".type", t.Type, "must be either Utilization, Value, or AverageValue"))
	}
	if v := t.Value; v != nil && v.Sign() != 1 {
		errs = append(errs, Invalid(p+".value", *v, "must be positive"))
	}
	if v := t.AverageValue; v != nil && v.Sign() != 1 {
		errs = append(errs, Invalid(p+".averageValue", *v, "must be positive"))
	}
	if u := t.AverageUtilization; u != nil && *u < 1 {
		errs = append(errs, Invalid(p+".averageUtilization", *u, "must be greater than 0"))
	}
	return errs
}

func validateMetricIdentifier(id api.MetricIdentifier, p string) []FieldError {
	return pathSegment(p+".name", id.Name, "must specify a metric name")
}
