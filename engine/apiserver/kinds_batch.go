package apiserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/cron"
)

// Registry strategies of batch/v1 Jobs and CronJobs (pkg/apis/batch/v1/
// defaults.go, pkg/registry/batch/*/strategy.go, pkg/apis/batch/validation).

// The labels a Job's generated selector and its pods carry.
const (
	JobNameLabel             = "batch.kubernetes.io/job-name"
	ControllerUIDLabel       = "batch.kubernetes.io/controller-uid"
	LegacyJobNameLabel       = "job-name"
	LegacyControllerUIDLabel = "controller-uid"
)

func init() {
	strategies["Job.batch"] = &strategy{
		prepareCreate:  prepareJobCreate,
		prepareUpdate:  func(s *Server, obj, _ api.Object) { defaultJob(obj.(*api.Job)) },
		validate:       validateJobCreate,
		validateUpdate: validateJobUpdate,
	}
	strategies["CronJob.batch"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) {
			cj := obj.(*api.CronJob)
			cj.Status = api.CronJobStatus{}
			defaultCronJob(cj)
		},
		prepareUpdate:  func(s *Server, obj, _ api.Object) { defaultCronJob(obj.(*api.CronJob)) },
		validate:       validateCronJobCreate,
		validateUpdate: validateCronJobUpdate,
	}
}

// --- Job ---

// prepareJobCreate defaults the Job and, unless its selector is manual,
// generates the selector and the labels that tie its pods to it: the
// job-name and controller-uid labels, each with and without the
// batch.kubernetes.io/ prefix, and a selector on the prefixed uid.
func prepareJobCreate(s *Server, obj api.Object) {
	j := obj.(*api.Job)
	j.Status = api.JobStatus{}
	defaultJobSpec(&j.Spec, true)
	if !*j.Spec.ManualSelector {
		if j.UID == "" {
			j.UID = s.newUID()
		}
		generateJobSelector(j)
	}
	defaultJobLabels(j)
}

func generateJobSelector(j *api.Job) {
	t := &j.Spec.Template
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	for k, v := range map[string]string{
		LegacyJobNameLabel: j.Name, JobNameLabel: j.Name,
		LegacyControllerUIDLabel: j.UID, ControllerUIDLabel: j.UID,
	} {
		if _, ok := t.Labels[k]; !ok {
			t.Labels[k] = v
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &api.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := j.Spec.Selector.MatchLabels[ControllerUIDLabel]; !ok {
		j.Spec.Selector.MatchLabels[ControllerUIDLabel] = j.UID
	}
}

func defaultJob(j *api.Job) {
	defaultJobSpec(&j.Spec, true)
	defaultJobLabels(j)
}

// defaultJobLabels gives a Job without labels its pods' labels. kube-
// apiserver shares the template's map, so a Job shows the generated
// labels too.
func defaultJobLabels(j *api.Job) {
	if labels := j.Spec.Template.Labels; labels != nil && len(j.Labels) == 0 {
		j.Labels = maps.Clone(labels)
	}
}

// defaultJobSpec is SetDefaults_Job, with the gates of v1.37 (pod
// replacement policy GA). A CronJob's job template gets only the defaults
// of its pod template and pod failure policy (whole is false).
func defaultJobSpec(spec *api.JobSpec, whole bool) {
	if pfp := spec.PodFailurePolicy; pfp != nil {
		for i := range pfp.Rules {
			for k := range pfp.Rules[i].OnPodConditions {
				if c := &pfp.Rules[i].OnPodConditions[k]; c.Status == "" {
					c.Status = api.ConditionTrue
				}
			}
		}
	}
	defaultTemplate(&spec.Template)
	if !whole {
		return
	}
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = api.Ptr(int32(1))
	}
	if spec.Parallelism == nil {
		spec.Parallelism = api.Ptr(int32(1))
	}
	if spec.BackoffLimit == nil {
		if spec.BackoffLimitPerIndex != nil {
			spec.BackoffLimit = api.Ptr(int32(math.MaxInt32))
		} else {
			spec.BackoffLimit = api.Ptr(int32(6))
		}
	}
	if spec.CompletionMode == nil {
		spec.CompletionMode = api.Ptr("NonIndexed")
	}
	if spec.Suspend == nil {
		spec.Suspend = api.Ptr(false)
	}
	if spec.PodReplacementPolicy == nil {
		if spec.PodFailurePolicy != nil {
			spec.PodReplacementPolicy = api.Ptr("Failed")
		} else {
			spec.PodReplacementPolicy = api.Ptr("TerminatingOrFailed")
		}
	}
	if spec.ManualSelector == nil {
		spec.ManualSelector = api.Ptr(false)
	}
}

const (
	maxParallelismForIndexedJob = 100000
	maxFailedIndexesForIndexed  = 100000
	completionsSoftLimit        = 100000
	parallelismLimitForHigh     = 10000
	maxFailedIndexesForHigh     = 10000
	maxPodFailurePolicyRules    = 20
	maxOnExitCodesValues        = 255
	maxOnPodConditionsPatterns  = 20
	maxManagedByLength          = 63
	maxSucceededIndexesLength   = 64 * 1024
	maxSuccessPolicyRules       = 20
)

var (
	podFailurePolicyActions  = []string{"Count", "FailIndex", "FailJob", "Ignore"}
	onExitCodesOperators     = []string{"In", "NotIn"}
	conditionStatuses        = []string{"False", "True", "Unknown"}
	podReplacementPolicies   = []string{"Failed", "TerminatingOrFailed"}
	concurrencyPolicies      = []string{"Allow", "Forbid", "Replace"}
	validTimeZoneComponentRe = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)
)

func validateJobCreate(s *Server, obj api.Object) []FieldError {
	if !creating(obj) {
		return nil
	}
	j := obj.(*api.Job)
	errs := validateJob(j, true)
	if len(errs) == 0 {
		if msgs := dnsLabelErrors(j.Name); len(msgs) > 0 {
			s.warnings = append(s.warnings, fmt.Sprintf("metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: %v", msgs))
		}
	}
	return errs
}

// validateJob is ValidateJob: the generated selector and labels (the
// prefixed ones are required of Jobs created since they exist), the spec,
// and room in the name for an indexed pod's hostname.
func validateJob(j *api.Job, prefixedLabels bool) []FieldError {
	errs := validateGeneratedSelector(j, prefixedLabels)
	errs = append(errs, validateJobSpec(&j.Spec, "spec")...)
	if j.Spec.Selector == nil {
		errs = append(errs, Required("spec.selector", ""))
	} else {
		errs = append(errs, validateLabelSelector(j.Spec.Selector, "spec.selector")...)
	}
	if sel, err := api.SelectorFromLabelSelector(j.Spec.Selector); err == nil && !sel.Matches(j.Spec.Template.Labels) {
		errs = append(errs, Invalid("spec.template.metadata.labels", j.Spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	if api.Deref(j.Spec.CompletionMode, "") == "Indexed" && api.Deref(j.Spec.Completions, 0) > 0 {
		host := fmt.Sprintf("%s-%d", j.Name, *j.Spec.Completions-1)
		if len(dnsLabelErrors(host)) > 0 {
			errs = append(errs, Invalid("metadata.name", j.Name, "will not able to create pod with invalid DNS label: "+host))
		}
	}
	return errs
}

func validateGeneratedSelector(j *api.Job, prefixedLabels bool) []FieldError {
	if api.Deref(j.Spec.ManualSelector, false) || j.Spec.Selector == nil {
		return nil
	}
	var errs []FieldError
	if j.UID == "" {
		errs = append(errs, Required("metadata.uid", ""))
	}
	hasLabel := func(key, want string) {
		f := "spec.template.metadata.labels[" + key + "]"
		got, ok := j.Spec.Template.Labels[key]
		switch {
		case !ok:
			errs = append(errs, Required(f, fmt.Sprintf("must be '%s'", want)))
		case got != want:
			errs = append(errs, Invalid(f, j.Spec.Template.Labels, fmt.Sprintf("must be '%s'", want)))
		}
	}
	hasLabel(LegacyControllerUIDLabel, j.UID)
	hasLabel(LegacyJobNameLabel, j.Name)
	expected := map[string]string{LegacyControllerUIDLabel: j.UID, LegacyJobNameLabel: j.Name}
	if prefixedLabels {
		hasLabel(ControllerUIDLabel, j.UID)
		hasLabel(JobNameLabel, j.Name)
		expected[ControllerUIDLabel], expected[JobNameLabel] = j.UID, j.Name
	}
	if sel, err := api.SelectorFromLabelSelector(j.Spec.Selector); err == nil && !sel.Matches(expected) {
		errs = append(errs, Invalid("spec.selector", j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

// validateJobSpec is validateJobSpec, for Jobs (at spec) and CronJobs'
// job templates (at spec.jobTemplate.spec).
func validateJobSpec(spec *api.JobSpec, p string) []FieldError {
	var errs []FieldError
	optional := func(field string, v *int32) {
		if v != nil {
			errs = append(errs, nonNegative(p+"."+field, int64(*v))...)
		}
	}
	optional("parallelism", spec.Parallelism)
	optional("completions", spec.Completions)
	if spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, nonNegative(p+".activeDeadlineSeconds", *spec.ActiveDeadlineSeconds)...)
	}
	optional("backoffLimit", spec.BackoffLimit)
	optional("ttlSecondsAfterFinished", spec.TTLSecondsAfterFinished)
	optional("backoffLimitPerIndex", spec.BackoffLimitPerIndex)
	if spec.MaxFailedIndexes != nil {
		errs = append(errs, nonNegative(p+".maxFailedIndexes", int64(*spec.MaxFailedIndexes))...)
		if spec.BackoffLimitPerIndex == nil {
			errs = append(errs, Required(p+".backoffLimitPerIndex", "when maxFailedIndexes is specified"))
		}
	}
	if mb := spec.ManagedBy; mb != nil {
		errs = append(errs, domainPrefixedPath(p+".managedBy", *mb)...)
		if len(*mb) > maxManagedByLength {
			errs = append(errs, TooLong(p+".managedBy", maxManagedByLength))
		}
	}
	indexed := api.Deref(spec.CompletionMode, "NonIndexed") == "Indexed"
	if mode := spec.CompletionMode; mode != nil {
		if *mode != "NonIndexed" && *mode != "Indexed" {
			errs = append(errs, NotSupported(p+".completionMode", *mode, []string{"NonIndexed", "Indexed"}))
		}
		if *mode == "Indexed" {
			errs = append(errs, validateIndexedJobSpec(spec, p)...)
		}
	}
	if !indexed {
		if spec.BackoffLimitPerIndex != nil {
			errs = append(errs, Invalid(p+".backoffLimitPerIndex", *spec.BackoffLimitPerIndex, "requires indexed completion mode"))
		}
		if spec.MaxFailedIndexes != nil {
			errs = append(errs, Invalid(p+".maxFailedIndexes", *spec.MaxFailedIndexes, "requires indexed completion mode"))
		}
	}
	if spec.PodFailurePolicy != nil {
		errs = append(errs, validatePodFailurePolicy(spec, p+".podFailurePolicy")...)
	}
	if spec.SuccessPolicy != nil {
		if !indexed {
			errs = append(errs, Invalid(p+".successPolicy", internal("batch", spec.SuccessPolicy), "requires indexed completion mode"))
		} else {
			errs = append(errs, validateSuccessPolicy(spec, p+".successPolicy")...)
		}
	}
	if rp := spec.PodReplacementPolicy; rp != nil {
		if spec.PodFailurePolicy != nil {
			if *rp != "Failed" {
				errs = append(errs, NotSupported(p+".podReplacementPolicy", *rp, []string{"Failed"}))
			}
		} else if !slices.Contains(podReplacementPolicies, *rp) {
			errs = append(errs, NotSupported(p+".podReplacementPolicy", *rp, podReplacementPolicies))
		}
	}
	errs = append(errs, validatePodTemplateSpec(&spec.Template, p+".template")...)
	rp, field := spec.Template.Spec.RestartPolicy, p+".template.spec.restartPolicy"
	switch {
	case rp == api.RestartAlways || rp == "":
		errs = append(errs, Required(field, fmt.Sprintf("valid values: %q, %q", api.RestartOnFailure, api.RestartNever)))
	case rp != api.RestartOnFailure && rp != api.RestartNever:
		errs = append(errs, NotSupported(field, rp, []string{api.RestartOnFailure, api.RestartNever}))
	case spec.PodFailurePolicy != nil && rp != api.RestartNever:
		errs = append(errs, Invalid(field, rp, fmt.Sprintf("only %q is supported when podFailurePolicy is specified", api.RestartNever)))
	}
	return errs
}

func validateIndexedJobSpec(spec *api.JobSpec, p string) []FieldError {
	var errs []FieldError
	if spec.Completions == nil {
		errs = append(errs, Required(p+".completions", "when completion mode is Indexed"))
	}
	if par := spec.Parallelism; par != nil && *par > maxParallelismForIndexedJob {
		errs = append(errs, Invalid(p+".parallelism", *par, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxParallelismForIndexedJob)))
	}
	mfi := spec.MaxFailedIndexes
	if spec.Completions != nil && mfi != nil && *mfi > *spec.Completions {
		errs = append(errs, Invalid(p+".maxFailedIndexes", *mfi, "must be less than or equal to completions"))
	}
	if mfi != nil && *mfi > maxFailedIndexesForIndexed {
		errs = append(errs, Invalid(p+".maxFailedIndexes", *mfi, fmt.Sprintf("must be less than or equal to %d", maxFailedIndexesForIndexed)))
	}
	if spec.Completions != nil && *spec.Completions > completionsSoftLimit && spec.BackoffLimitPerIndex != nil {
		if mfi == nil {
			errs = append(errs, Required(p+".maxFailedIndexes", fmt.Sprintf("must be specified when completions is above %d", completionsSoftLimit)))
		}
		if par := spec.Parallelism; par != nil && *par > parallelismLimitForHigh {
			errs = append(errs, Invalid(p+".parallelism", *par, fmt.Sprintf("must be less than or equal to %d when completions are above %d and used with backoff limit per index", parallelismLimitForHigh, completionsSoftLimit)))
		}
		if mfi != nil && *mfi > maxFailedIndexesForHigh {
			errs = append(errs, Invalid(p+".maxFailedIndexes", *mfi, fmt.Sprintf("must be less than or equal to %d when completions are above %d and used with backoff limit per index", maxFailedIndexesForHigh, completionsSoftLimit)))
		}
	}
	return errs
}

func validatePodFailurePolicy(spec *api.JobSpec, p string) []FieldError {
	var errs []FieldError
	rules := spec.PodFailurePolicy.Rules
	if len(rules) > maxPodFailurePolicyRules {
		errs = append(errs, TooMany(p+".rules", len(rules), maxPodFailurePolicyRules))
	}
	containers := map[string]bool{}
	for _, list := range [][]api.Container{spec.Template.Spec.Containers, spec.Template.Spec.InitContainers} {
		for _, c := range list {
			containers[c.Name] = true
		}
	}
	for i, rule := range rules {
		rp := fmt.Sprintf("%s.rules[%d]", p, i)
		switch {
		case rule.Action == "":
			errs = append(errs, Required(rp+".action", fmt.Sprintf("valid values: %q", podFailurePolicyActions)))
		case rule.Action == "FailIndex":
			if spec.BackoffLimitPerIndex == nil {
				errs = append(errs, Invalid(rp+".action", rule.Action, "requires the backoffLimitPerIndex to be set"))
			}
		case !slices.Contains(podFailurePolicyActions, rule.Action):
			errs = append(errs, NotSupported(rp+".action", rule.Action, podFailurePolicyActions))
		}
		if oec := rule.OnExitCodes; oec != nil {
			errs = append(errs, validateOnExitCodes(oec, rp+".onExitCodes", containers)...)
		}
		if len(rule.OnPodConditions) > 0 {
			cp := rp + ".onPodConditions"
			if len(rule.OnPodConditions) > maxOnPodConditionsPatterns {
				errs = append(errs, TooMany(cp, len(rule.OnPodConditions), maxOnPodConditionsPatterns))
			}
			for j, pattern := range rule.OnPodConditions {
				pp := fmt.Sprintf("%s[%d]", cp, j)
				errs = append(errs, qualifiedName(pp+".type", pattern.Type)...)
				switch {
				case pattern.Status == "":
					errs = append(errs, Required(pp+".status", fmt.Sprintf("valid values: %q", conditionStatuses)))
				case !slices.Contains(conditionStatuses, pattern.Status):
					errs = append(errs, NotSupported(pp+".status", pattern.Status, conditionStatuses))
				}
			}
		}
		if rule.OnExitCodes != nil && len(rule.OnPodConditions) > 0 {
			errs = append(errs, invalidNoValue(rp, "specifying both OnExitCodes and OnPodConditions is not supported"))
		}
		if rule.OnExitCodes == nil && len(rule.OnPodConditions) == 0 {
			errs = append(errs, invalidNoValue(rp, "specifying one of OnExitCodes and OnPodConditions is required"))
		}
	}
	return errs
}

func validateOnExitCodes(oec *api.PodFailurePolicyOnExitCodesRequirement, p string, containers map[string]bool) []FieldError {
	var errs []FieldError
	switch {
	case oec.Operator == "":
		errs = append(errs, Required(p+".operator", fmt.Sprintf("valid values: %q", onExitCodesOperators)))
	case !slices.Contains(onExitCodesOperators, oec.Operator):
		errs = append(errs, NotSupported(p+".operator", oec.Operator, onExitCodesOperators))
	}
	if c := oec.ContainerName; c != nil && !containers[*c] {
		errs = append(errs, Invalid(p+".containerName", *c, "must be one of the container or initContainer names in the pod template"))
	}
	vp := p + ".values"
	switch {
	case len(oec.Values) == 0:
		errs = append(errs, Invalid(vp, oec.Values, "at least one value is required"))
	case len(oec.Values) > maxOnExitCodesValues:
		errs = append(errs, TooMany(vp, len(oec.Values), maxOnExitCodesValues))
	}
	seen, ordered := map[int32]bool{}, true
	for j, v := range oec.Values {
		f := fmt.Sprintf("%s[%d]", vp, j)
		if oec.Operator == "In" && v == 0 {
			errs = append(errs, Invalid(f, v, "must not be 0 for the In operator"))
		}
		if seen[v] {
			errs = append(errs, Duplicate(f, v))
		}
		seen[v] = true
		if j > 0 && oec.Values[j-1] > v {
			ordered = false
		}
	}
	if !ordered {
		errs = append(errs, Invalid(vp, oec.Values, "must be ordered"))
	}
	return errs
}

func validateSuccessPolicy(spec *api.JobSpec, p string) []FieldError {
	var errs []FieldError
	rules := spec.SuccessPolicy.Rules
	if len(rules) == 0 {
		errs = append(errs, Required(p+".rules", "at least one rules must be specified when the successPolicy is specified"))
	}
	if len(rules) > maxSuccessPolicyRules {
		errs = append(errs, TooMany(p+".rules", len(rules), maxSuccessPolicyRules))
	}
	completions := api.Deref(spec.Completions, 0)
	for i, rule := range rules {
		rp := fmt.Sprintf("%s.rules[%d]", p, i)
		if rule.SucceededCount == nil && rule.SucceededIndexes == nil {
			errs = append(errs, Required(rp, "at least one of succeededCount or succeededIndexes must be specified"))
		}
		var total int32
		if si := rule.SucceededIndexes; si != nil {
			if len(*si) > maxSucceededIndexesLength {
				errs = append(errs, TooLong(rp+".succeededIndexes", maxSucceededIndexesLength))
			}
			var err error
			if total, err = indexesFormat(*si, completions); err != nil {
				errs = append(errs, Invalid(rp+".succeededIndexes", *si, "error parsing succeededIndexes: "+err.Error()))
			}
		}
		if sc := rule.SucceededCount; sc != nil {
			cp := rp + ".succeededCount"
			errs = append(errs, nonNegative(cp, int64(*sc))...)
			if *sc > completions {
				errs = append(errs, Invalid(cp, *sc, fmt.Sprintf("must be less than or equal to %d (the number of specified completions)", completions)))
			}
			if rule.SucceededIndexes != nil && *sc > total {
				errs = append(errs, Invalid(cp, *sc, fmt.Sprintf("must be less than or equal to %d (the number of indexes in the specified succeededIndexes field)", total)))
			}
		}
	}
	return errs
}

// indexesFormat reads a list of indexes such as "1,3-5,7" below
// completions, in increasing order, and counts them.
func indexesFormat(text string, completions int32) (int32, error) {
	if text == "" {
		return 0, nil
	}
	var total int32
	last := int32(-1)
	for _, interval := range strings.Split(text, ",") {
		limits := strings.Split(interval, "-")
		if len(limits) > 2 {
			return 0, fmt.Errorf("the fragment %q violates the requirement that an index interval can have at most two parts separated by '-'", interval)
		}
		var first int32
		for k, l := range limits {
			x, err := strconv.Atoi(l)
			if err != nil {
				return 0, fmt.Errorf("cannot convert string to integer for index: %q", l)
			}
			if x >= int(completions) {
				return 0, fmt.Errorf("too large index: %q", l)
			}
			if last >= int32(x) {
				return 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", last, x)
			}
			if k == 0 {
				first = int32(x)
				total++
			} else {
				total += int32(x) - first
			}
			last = int32(x)
		}
	}
	return total, nil
}

var httpPathRe = regexp.MustCompile(`^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$`)

// domainPrefixedPath is IsDomainPrefixedPath ("acme.io/foo").
func domainPrefixedPath(field, v string) []FieldError {
	if v == "" {
		return []FieldError{Required(field, "")}
	}
	host, p, ok := strings.Cut(v, "/")
	if !ok || host == "" || p == "" {
		return []FieldError{Invalid(field, v, `must be a domain-prefixed path (such as "acme.io/foo")`)}
	}
	errs := dnsSubdomain(field, host)
	if !httpPathRe.MatchString(p) {
		errs = append(errs, Invalid(field, p, regexError("Invalid path", `[A-Za-z0-9/\-._~%!$&'()*+,;=:]+`)))
	}
	return errs
}

// validateJobUpdate is the update half of the Job strategy: ValidateJob
// (requiring the prefixed labels only of Jobs that had them) and
// ValidateJobSpecUpdate's immutable fields. A suspended Job that never
// started may change its pods' scheduling directives.
func validateJobUpdate(obj, old api.Object) []FieldError {
	j, o := obj.(*api.Job), old.(*api.Job)
	_, hadName := o.Spec.Template.Labels[JobNameLabel]
	_, hadUID := o.Spec.Template.Labels[ControllerUIDLabel]
	errs := validateJob(j, hadName && hadUID)
	spec, prev := &j.Spec, &o.Spec
	if api.Deref(spec.CompletionMode, "") != "Indexed" {
		errs = append(errs, immutable("spec.completions", spec.Completions, prev.Completions)...)
	} else if !equalPtr(spec.Completions, prev.Completions) && spec.Completions != nil && *spec.Completions != api.Deref(spec.Parallelism, 0) {
		errs = append(errs, Invalid("spec.completions", *spec.Completions, "can only be modified in tandem with spec.parallelism"))
	}
	errs = append(errs, immutable("spec.selector", spec.Selector, prev.Selector)...)
	tmpl, oldTmpl := spec.Template, api.Clone(prev.Template)
	if api.Deref(prev.Suspend, false) && o.Status.StartTime == nil {
		oldTmpl.Labels, oldTmpl.Annotations = tmpl.Labels, tmpl.Annotations
		oldTmpl.Spec.NodeSelector, oldTmpl.Spec.Tolerations, oldTmpl.Spec.SchedulingGates = tmpl.Spec.NodeSelector, tmpl.Spec.Tolerations, tmpl.Spec.SchedulingGates
		switch a, oa := tmpl.Spec.Affinity, oldTmpl.Spec.Affinity; {
		case a == nil && oa != nil:
			oa.NodeAffinity = nil
			if *oa == (api.Affinity{}) {
				oldTmpl.Spec.Affinity = nil
			}
		case a != nil && oa == nil:
			oldTmpl.Spec.Affinity = &api.Affinity{NodeAffinity: a.NodeAffinity}
		case a != nil:
			oa.NodeAffinity = a.NodeAffinity
		}
	}
	if !equalJSON(tmpl, oldTmpl) {
		errs = append(errs, Invalid("spec.template", coreTemplate(tmpl), "field is immutable"))
	}
	errs = append(errs, immutable("spec.completionMode", spec.CompletionMode, prev.CompletionMode)...)
	errs = append(errs, immutable("spec.podFailurePolicy", spec.PodFailurePolicy, prev.PodFailurePolicy)...)
	errs = append(errs, immutable("spec.backoffLimitPerIndex", spec.BackoffLimitPerIndex, prev.BackoffLimitPerIndex)...)
	errs = append(errs, immutable("spec.managedBy", spec.ManagedBy, prev.ManagedBy)...)
	return append(errs, immutable("spec.successPolicy", spec.SuccessPolicy, prev.SuccessPolicy)...)
}

// coreTemplate prints a pod template as the API server prints its internal
// core.PodTemplateSpec, whose metadata is a metav1.ObjectMeta.
func coreTemplate(t api.PodTemplateSpec) goSyntax {
	s := string(internal("core", t))
	for _, meta := range []string{"ObjectMeta", "Time", "OwnerReference", "LabelSelector"} {
		s = strings.ReplaceAll(s, "core."+meta+"{", "v1."+meta+"{")
	}
	return goSyntax(s)
}

func equalPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// equalJSON compares as apiequality.Semantic does for templates: by value,
// with empty and nil maps and slices alike.
func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// --- CronJob ---

func defaultCronJob(cj *api.CronJob) {
	spec := &cj.Spec
	if spec.ConcurrencyPolicy == "" {
		spec.ConcurrencyPolicy = "Allow"
	}
	if spec.Suspend == nil {
		spec.Suspend = api.Ptr(false)
	}
	if spec.SuccessfulJobsHistoryLimit == nil {
		spec.SuccessfulJobsHistoryLimit = api.Ptr(int32(3))
	}
	if spec.FailedJobsHistoryLimit == nil {
		spec.FailedJobsHistoryLimit = api.Ptr(int32(1))
	}
	defaultJobSpec(&spec.JobTemplate.Spec, false)
}

func validateCronJobCreate(s *Server, obj api.Object) []FieldError {
	if !creating(obj) {
		return nil
	}
	cj := obj.(*api.CronJob)
	errs := validateCronJobSpec(&cj.Spec, nil)
	// The controller names Jobs <cronjob>-<minutes since the epoch>: eleven
	// characters more, within the 63 of a label.
	if len(cj.Name) > 63-11 {
		errs = append(errs, Invalid("metadata.name", cj.Name, "must be no more than 52 characters"))
	}
	if len(errs) == 0 {
		if msgs := dnsLabelErrors(cj.Name); len(msgs) > 0 {
			s.warnings = append(s.warnings, fmt.Sprintf("metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: %v", msgs))
		}
	}
	return errs
}

func validateCronJobUpdate(obj, old api.Object) []FieldError {
	return validateCronJobSpec(&obj.(*api.CronJob).Spec, &old.(*api.CronJob).Spec)
}

func validateCronJobSpec(spec, old *api.CronJobSpec) []FieldError {
	var errs []FieldError
	if spec.Schedule == "" {
		errs = append(errs, Required("spec.schedule", ""))
	} else {
		// A CronJob stored with TZ= in its schedule (before timeZone
		// existed) may keep it.
		allowTZ := old != nil && strings.Contains(old.Schedule, "TZ")
		errs = append(errs, validateSchedule(spec.Schedule, allowTZ, spec.TimeZone)...)
	}
	if sds := spec.StartingDeadlineSeconds; sds != nil {
		errs = append(errs, nonNegative("spec.startingDeadlineSeconds", *sds)...)
	}
	if old == nil || !equalPtr(old.TimeZone, spec.TimeZone) {
		errs = append(errs, validateTimeZone(spec.TimeZone)...)
	}
	switch spec.ConcurrencyPolicy {
	case "Allow", "Forbid", "Replace":
	case "":
		errs = append(errs, Required("spec.concurrencyPolicy", ""))
	default:
		errs = append(errs, NotSupported("spec.concurrencyPolicy", spec.ConcurrencyPolicy, concurrencyPolicies))
	}
	const jt = "spec.jobTemplate.spec"
	errs = append(errs, validateJobSpec(&spec.JobTemplate.Spec, jt)...)
	if sel := spec.JobTemplate.Spec.Selector; sel != nil {
		errs = append(errs, Invalid(jt+".selector", sel, "`selector` will be auto-generated"))
	}
	if api.Deref(spec.JobTemplate.Spec.ManualSelector, false) {
		errs = append(errs, NotSupported(jt+".manualSelector", true, []string{"nil", "false"}))
	}
	if l := spec.SuccessfulJobsHistoryLimit; l != nil {
		errs = append(errs, nonNegative("spec.successfulJobsHistoryLimit", int64(*l))...)
	}
	if l := spec.FailedJobsHistoryLimit; l != nil {
		errs = append(errs, nonNegative("spec.failedJobsHistoryLimit", int64(*l))...)
	}
	return errs
}

func validateSchedule(schedule string, allowTZ bool, timeZone *string) []FieldError {
	var errs []FieldError
	if _, err := cron.Parse(schedule); err != nil {
		errs = append(errs, Invalid("spec.schedule", schedule, err.Error()))
	}
	switch {
	case allowTZ && strings.Contains(schedule, "TZ") && timeZone != nil:
		errs = append(errs, Invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
	case !allowTZ && strings.Contains(schedule, "TZ"):
		errs = append(errs, Invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
	}
	return errs
}

// validateTimeZone accepts the IANA names of the time zone database the
// cron package embeds.
func validateTimeZone(tz *string) []FieldError {
	const f = "spec.timeZone"
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return []FieldError{Invalid(f, *tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !validTimeZoneComponentRe.MatchString(part) {
			return []FieldError{Invalid(f, *tz, "unknown time zone "+*tz)}
		}
	}
	var errs []FieldError
	if strings.EqualFold(*tz, "Local") {
		errs = append(errs, Invalid(f, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		errs = append(errs, Invalid(f, *tz, err.Error()))
	}
	return errs
}
