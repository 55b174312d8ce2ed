package apiserver

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Registry strategies of apps/v1 StatefulSets and ControllerRevisions
// (pkg/apis/apps/v1/defaults.go, pkg/registry/apps/*/strategy.go,
// pkg/apis/apps/validation). Deployments, ReplicaSets and DaemonSets are in
// defaults.go and validation.go.

func init() {
	strategies["StatefulSet.apps"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) {
			ss := obj.(*api.StatefulSet)
			ss.Status = api.StatefulSetStatus{}
			defaultStatefulSet(ss)
		},
		prepareUpdate:  func(s *Server, obj, _ api.Object) { defaultStatefulSet(obj.(*api.StatefulSet)) },
		validate:       validateStatefulSet,
		validateUpdate: validateStatefulSetUpdate,
	}
	strategies["ControllerRevision.apps"] = &strategy{
		validate: func(s *Server, obj api.Object) []FieldError {
			cr := obj.(*api.ControllerRevision)
			var errs []FieldError
			if cr.Data == nil {
				errs = append(errs, Required("data", "data is mandatory"))
			}
			return append(errs, nonNegative("revision", cr.Revision)...)
		},
		validateUpdate: func(obj, old api.Object) []FieldError {
			return immutable("data", obj.(*api.ControllerRevision).Data, old.(*api.ControllerRevision).Data)
		},
	}
}

// defaultStatefulSet is SetDefaults_StatefulSet, with the gates of v1.37:
// MaxUnavailableStatefulSet (beta, on) and StatefulSetAutoDeletePVC (GA).
// The volume claim templates get the defaults of a claim, and the
// apiVersion and kind the v1 conversion writes into them.
func defaultStatefulSet(ss *api.StatefulSet) {
	spec := &ss.Spec
	if spec.PodManagementPolicy == "" {
		spec.PodManagementPolicy = "OrderedReady"
	}
	if spec.UpdateStrategy.Type == "" {
		spec.UpdateStrategy.Type = "RollingUpdate"
		if spec.UpdateStrategy.RollingUpdate == nil {
			spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateStatefulSetStrategy{}
		}
	}
	if ru := spec.UpdateStrategy.RollingUpdate; spec.UpdateStrategy.Type == "RollingUpdate" && ru != nil {
		if ru.Partition == nil {
			ru.Partition = api.Ptr(int32(0))
		}
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = api.Ptr(api.FromInt(1))
		}
	}
	if spec.PersistentVolumeClaimRetentionPolicy == nil {
		spec.PersistentVolumeClaimRetentionPolicy = &api.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if p := spec.PersistentVolumeClaimRetentionPolicy; p.WhenDeleted == "" {
		p.WhenDeleted = "Retain"
	}
	if p := spec.PersistentVolumeClaimRetentionPolicy; p.WhenScaled == "" {
		p.WhenScaled = "Retain"
	}
	if spec.Replicas == nil {
		spec.Replicas = api.Ptr(int32(1))
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = api.Ptr(int32(10))
	}
	defaultTemplate(&spec.Template)
	for i := range spec.VolumeClaimTemplates {
		pvc := &spec.VolumeClaimTemplates[i]
		pvc.APIVersion, pvc.Kind = "v1", "PersistentVolumeClaim"
		if pvc.Status.Phase == "" {
			pvc.Status.Phase = "Pending"
		}
		defaultPersistentVolumeClaimSpec(&pvc.Spec)
	}
}

var retentionPolicies = []string{"Retain", "Delete"}

// validateStatefulSet is ValidateStatefulSetSpec. The pod template is not
// validated beyond its labels and annotations, as in kube-apiserver (a
// TODO there since 2016): a bad container fails at pod creation.
func validateStatefulSet(s *Server, obj api.Object) []FieldError {
	ss := obj.(*api.StatefulSet)
	spec := &ss.Spec
	var errs []FieldError
	switch spec.PodManagementPolicy {
	case "":
		errs = append(errs, Required("spec.podManagementPolicy", ""))
	case "OrderedReady", "Parallel":
	default:
		errs = append(errs, Invalid("spec.podManagementPolicy", spec.PodManagementPolicy, "must be 'OrderedReady' or 'Parallel'"))
	}
	switch spec.UpdateStrategy.Type {
	case "":
		errs = append(errs, Required("spec.updateStrategy", ""))
	case "OnDelete":
		if spec.UpdateStrategy.RollingUpdate != nil {
			errs = append(errs, Invalid("spec.updateStrategy.rollingUpdate", internal("apps", spec.UpdateStrategy.RollingUpdate), "only allowed for updateStrategy 'RollingUpdate'"))
		}
	case "RollingUpdate":
		if ru := spec.UpdateStrategy.RollingUpdate; ru != nil {
			const p = "spec.updateStrategy.rollingUpdate"
			errs = append(errs, nonNegative(p+".partition", int64(api.Deref(ru.Partition, 0)))...)
			if mu := ru.MaxUnavailable; mu != nil {
				errs = append(errs, validateIntOrPercent(*mu, p+".maxUnavailable")...)
				if intOrPercent(*mu) == 0 {
					errs = append(errs, Invalid(p+".maxUnavailable", intstrValue(*mu), "cannot be 0"))
				}
				errs = append(errs, notMoreThan100Percent(*mu, p+".maxUnavailable")...)
			}
		}
	default:
		errs = append(errs, Invalid("spec.updateStrategy", internal("apps", spec.UpdateStrategy), "must be 'RollingUpdate' or 'OnDelete'"))
	}
	if p := spec.PersistentVolumeClaimRetentionPolicy; p != nil {
		if !slices.Contains(retentionPolicies, p.WhenDeleted) {
			errs = append(errs, NotSupported("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", p.WhenDeleted, retentionPolicies))
		}
		if !slices.Contains(retentionPolicies, p.WhenScaled) {
			errs = append(errs, NotSupported("spec.persistentVolumeClaimRetentionPolicy.whenScaled", p.WhenScaled, retentionPolicies))
		}
	}
	errs = append(errs, nonNegative("spec.replicas", int64(api.Deref(spec.Replicas, 1)))...)
	errs = append(errs, nonNegative("spec.minReadySeconds", int64(spec.MinReadySeconds))...)
	if spec.Ordinals != nil {
		errs = append(errs, nonNegative("spec.ordinals.start", int64(spec.Ordinals.Start))...)
	}
	errs = append(errs, validateWorkloadSelector(spec.Selector, "statefulset", true)...)
	if sel, err := api.SelectorFromLabelSelector(spec.Selector); err != nil {
		errs = append(errs, Invalid("spec.selector", spec.Selector, ""))
	} else {
		if !sel.Empty() && !sel.Matches(spec.Template.Labels) {
			errs = append(errs, Invalid("spec.template.metadata.labels", spec.Template.Labels, "`selector` does not match template `labels`"))
		}
		errs = append(errs, validateLabels(spec.Template.Labels, "spec.template.labels")...)
		errs = append(errs, validateAnnotationKeys(spec.Template.Annotations, "spec.template.annotations")...)
	}
	errs = append(errs, alwaysRestart(&spec.Template.Spec, "spec.template.spec", "StatefulSet")...)
	if len(errs) == 0 && spec.RevisionHistoryLimit != nil && *spec.RevisionHistoryLimit < 0 {
		s.warnings = append(s.warnings, "spec.revisionHistoryLimit: a negative value retains all historical revisions; a value >= 0 is recommended")
	}
	return errs
}

// validateWorkloadSelector checks a workload's required selector: set,
// well formed, and not empty ("empty selector is invalid for <kind>").
func validateWorkloadSelector(sel *api.LabelSelector, kind string, required bool) []FieldError {
	if sel == nil {
		if required {
			return []FieldError{Required("spec.selector", "")}
		}
		return nil
	}
	errs := validateLabelSelector(sel, "spec.selector")
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, Invalid("spec.selector", sel, "empty selector is invalid for "+kind))
	}
	return errs
}

// statefulSetMutable lists what a StatefulSet update may change.
const statefulSetMutable = "'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds'"

func validateStatefulSetUpdate(obj, old api.Object) []FieldError {
	ss, o := obj.(*api.StatefulSet), old.(*api.StatefulSet)
	spec := ss.Spec
	spec.Replicas = o.Spec.Replicas
	spec.Ordinals = o.Spec.Ordinals
	spec.Template = o.Spec.Template
	spec.UpdateStrategy = o.Spec.UpdateStrategy
	spec.RevisionHistoryLimit = o.Spec.RevisionHistoryLimit
	spec.PersistentVolumeClaimRetentionPolicy = o.Spec.PersistentVolumeClaimRetentionPolicy
	spec.MinReadySeconds = o.Spec.MinReadySeconds
	if reflect.DeepEqual(spec, o.Spec) {
		return nil
	}
	return []FieldError{Forbidden("spec", fmt.Sprintf("updates to statefulset spec for fields other than %s are forbidden", statefulSetMutable))}
}
