package job

import (
	"fmt"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Pod failure and success policies (upstream's pod_failure_policy.go and
// success_policy.go).

// matchPodFailurePolicy matches a failed pod against the rules in order:
// it returns the Job's failure message for a FailJob rule, whether the
// failure counts towards the backoff limits (not for Ignore), and the
// action of the rule that matched, if any.
func matchPodFailurePolicy(policy *api.PodFailurePolicy, p *api.Pod) (msg string, count bool, action string) {
	if policy == nil {
		return "", true, ""
	}
	for i, rule := range policy.Rules {
		var what string
		switch {
		case rule.OnExitCodes != nil:
			cs := matchOnExitCodes(&p.Status, rule.OnExitCodes)
			if cs == nil {
				continue
			}
			what = fmt.Sprintf("Container %s for pod %s/%s failed with exit code %d", cs.Name, p.Namespace, p.Name, cs.State.Terminated.ExitCode)
		case rule.OnPodConditions != nil:
			c := matchOnPodConditions(&p.Status, rule.OnPodConditions)
			if c == nil {
				continue
			}
			what = fmt.Sprintf("Pod %s/%s has condition %s", p.Namespace, p.Name, c.Type)
		default:
			continue
		}
		switch rule.Action {
		case "Ignore":
			return "", false, rule.Action
		case "FailIndex", "Count":
			return "", true, rule.Action
		case "FailJob":
			return fmt.Sprintf("%s matching %s rule at index %d", what, rule.Action, i), true, rule.Action
		}
	}
	return "", true, ""
}

// matchOnExitCodes returns the first terminated container (regular, then
// init) whose non-zero exit code the requirement matches.
func matchOnExitCodes(st *api.PodStatus, req *api.PodFailurePolicyOnExitCodesRequirement) *api.ContainerStatus {
	for _, list := range [][]api.ContainerStatus{st.ContainerStatuses, st.InitContainerStatuses} {
		for i := range list {
			cs := &list[i]
			t := cs.State.Terminated
			if t == nil || t.ExitCode == 0 || req.ContainerName != nil && *req.ContainerName != cs.Name {
				continue
			}
			in := slices.Contains(req.Values, t.ExitCode)
			if req.Operator == "In" && in || req.Operator == "NotIn" && !in {
				return cs
			}
		}
	}
	return nil
}

func matchOnPodConditions(st *api.PodStatus, patterns []api.PodFailurePolicyOnPodConditionsPattern) *api.PodCondition {
	for i := range st.Conditions {
		c := &st.Conditions[i]
		for _, pat := range patterns {
			if c.Type == pat.Type && c.Status == pat.Status {
				return c
			}
		}
	}
	return nil
}

// failJobMessage returns the message of the first failed pod a FailJob
// rule matches.
func failJobMessage(job *api.Job, pods []*api.Pod) (string, bool) {
	if job.Spec.PodFailurePolicy == nil {
		return "", false
	}
	for _, p := range pods {
		if !isPodFailed(p, job) {
			continue
		}
		if msg, _, action := matchPodFailurePolicy(job.Spec.PodFailurePolicy, p); action == "FailJob" {
			return msg, true
		}
	}
	return "", false
}

// nonIgnoredFailures counts the failed pods no Ignore rule forgives.
func nonIgnoredFailures(job *api.Job, failed []*api.Pod) int {
	n := len(failed)
	if job.Spec.PodFailurePolicy == nil {
		return n
	}
	for _, p := range failed {
		if _, count, _ := matchPodFailurePolicy(job.Spec.PodFailurePolicy, p); !count {
			n--
		}
	}
	return n
}

// matchSuccessPolicy returns the message of the first rule the succeeded
// indexes satisfy.
func matchSuccessPolicy(policy *api.SuccessPolicy, completions int32, succeeded intervals) (string, bool) {
	if policy == nil || len(succeeded) == 0 {
		return "", false
	}
	for i, rule := range policy.Rules {
		if rule.SucceededIndexes != nil {
			required := parseIndexes(*rule.SucceededIndexes, int(completions))
			if len(required) > 0 && matchSucceededIndexes(required, succeeded, rule.SucceededCount) {
				return fmt.Sprintf("Matched rules at index %d", i), true
			}
			continue
		}
		if rule.SucceededCount != nil && succeeded.total() >= int(*rule.SucceededCount) {
			return fmt.Sprintf("Matched rules at index %d", i), true
		}
	}
	return "", false
}

// matchSucceededIndexes reports whether all the rule's indexes succeeded,
// or at least succeededCount of them.
func matchSucceededIndexes(rule, succeeded intervals, count *int32) bool {
	contains := 0
	for _, r := range rule {
		for _, s := range succeeded {
			if overlap := min(r.last, s.last) - max(r.first, s.first) + 1; overlap > 0 {
				contains += overlap
			}
		}
	}
	return contains == rule.total() || count != nil && contains >= int(*count)
}
