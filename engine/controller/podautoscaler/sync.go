package podautoscaler

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// reconcile is reconcileAutoscaler.
func (ctl *Controller) reconcile(key string, shared *api.HorizontalPodAutoscaler) {
	h := api.Clone(shared)
	orig := api.Clone(&shared.Status)
	ref := h.Spec.ScaleTargetRef
	r, scale, err := ctl.getScale(h.Namespace, ref)
	if err != nil {
		ctl.rec.Event(h, api.EventWarning, "FailedGetScale", err.Error())
		setCondition(h, ctl.c, "AbleToScale", api.ConditionFalse, "FailedGetScale", "the HPA controller was unable to get the target's current scale: %v", err)
		ctl.updateStatus(orig, h)
		return
	}
	setCondition(h, ctl.c, "AbleToScale", api.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
	current := scale.Spec.Replicas
	hist := ctl.history[key]
	if hist == nil {
		hist = &history{recommendations: []recommendation{{current, ctl.c.Now()}}}
		ctl.history[key] = hist
	}
	minReplicas := api.Deref(h.Spec.MinReplicas, 1)
	var desired int32
	var reason string
	var statuses []api.MetricStatus
	rescale := true
	switch {
	case current == 0 && minReplicas != 0:
		rescale = false
		setCondition(h, ctl.c, "ScalingActive", api.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
	case current > h.Spec.MaxReplicas:
		desired, reason = h.Spec.MaxReplicas, "Current number of replicas above Spec.MaxReplicas"
	case current < minReplicas:
		desired, reason = minReplicas, "Current number of replicas below Spec.MinReplicas"
	default:
		proposed, metric, st, err := ctl.computeReplicasForMetrics(h, scale)
		statuses = st
		if err != nil {
			setStatus(h, current, h.Status.DesiredReplicas, statuses, false, ctl.c)
			ctl.updateStatus(orig, h)
			ctl.rec.Event(h, api.EventWarning, "FailedComputeMetricsReplicas", err.Error())
			return
		}
		desired = max(proposed, 0)
		if desired > current {
			reason = metric + " above target"
		}
		if desired < current {
			reason = "All metrics below target"
		}
		if h.Spec.Behavior == nil {
			desired = ctl.normalize(h, hist, current, desired, minReplicas)
		} else {
			desired = ctl.normalizeWithBehavior(h, hist, current, desired, minReplicas)
		}
		rescale = desired != current
	}
	if rescale {
		scale.Spec.Replicas = desired
		if _, err := ctl.c.UpdateScale(r, h.Namespace, ref.Name, scale); err != nil {
			ctl.rec.Eventf(h, api.EventWarning, "FailedRescale", "New size: %d; reason: %s; error: %v", desired, reason, err)
			setCondition(h, ctl.c, "AbleToScale", api.ConditionFalse, "FailedUpdateScale", "the HPA controller was unable to update the target scale: %v", err)
			setStatus(h, current, h.Status.DesiredReplicas, h.Status.CurrentMetrics, false, ctl.c)
			ctl.updateStatus(orig, h)
			return
		}
		setCondition(h, ctl.c, "AbleToScale", api.ConditionTrue, "SucceededRescale", "the HPA controller was able to update the target scale to %d", desired)
		ctl.rec.Eventf(h, api.EventNormal, "SuccessfulRescale", "New size: %d; reason: %s", desired, reason)
		hist.storeScaleEvent(ctl.c.Now(), h.Spec.Behavior, current, desired)
	} else {
		desired = current
	}
	setStatus(h, current, desired, statuses, rescale, ctl.c)
	ctl.updateStatus(orig, h)
}

// getScale reads the target's scale subresource, finding its resource
// as the REST mapper does from the reference's group and kind.
func (ctl *Controller) getScale(ns string, ref api.CrossVersionObjectReference) (*api.ResourceInfo, *api.Scale, error) {
	group, _, found := strings.Cut(ref.APIVersion, "/")
	if !found {
		group = ""
	}
	if strings.Count(ref.APIVersion, "/") > 1 {
		return nil, nil, fmt.Errorf("unexpected GroupVersion string: %s", ref.APIVersion)
	}
	var r *api.ResourceInfo
	for _, cand := range api.Resources {
		if cand.Group == group && cand.Kind == ref.Kind && !cand.Alternate() {
			r = cand
			break
		}
	}
	if r == nil {
		return nil, nil, fmt.Errorf("no matches for kind %q in group %q", ref.Kind, group)
	}
	sc, err := ctl.c.GetScale(r, ns, ref.Name)
	return r, sc, err
}

func (ctl *Controller) normalize(h *api.HorizontalPodAutoscaler, hist *history, current, desired, minReplicas int32) int32 {
	stabilized := hist.stabilize(ctl.c.Now(), desired)
	if stabilized != desired {
		setCondition(h, ctl.c, "AbleToScale", api.ConditionTrue, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
	} else {
		setCondition(h, ctl.c, "AbleToScale", api.ConditionTrue, "ReadyForNewScale", "recommended size matches current size")
	}
	l := withRules(current, stabilized, minReplicas, h.Spec.MaxReplicas)
	ctl.setLimited(h, l, stabilized)
	return l.replicas
}

func (ctl *Controller) normalizeWithBehavior(h *api.HorizontalPodAutoscaler, hist *history, current, desired, minReplicas int32) int32 {
	b := h.Spec.Behavior
	if b.ScaleUp == nil || b.ScaleDown == nil {
		return ctl.normalize(h, hist, current, desired, minReplicas)
	}
	if b.ScaleDown.StabilizationWindowSeconds == nil {
		b.ScaleDown.StabilizationWindowSeconds = api.Ptr(int32(downscaleStabilizationWindow.Seconds()))
	}
	now := ctl.c.Now()
	stabilized, reason, message := hist.stabilizeWithBehavior(now, b, current, desired)
	if stabilized != desired {
		setCondition(h, ctl.c, "AbleToScale", api.ConditionTrue, reason, "%s", message)
	} else {
		setCondition(h, ctl.c, "AbleToScale", api.ConditionTrue, "ReadyForNewScale", "recommended size matches current size")
	}
	l := hist.withBehaviorRate(now, b, current, stabilized, minReplicas, h.Spec.MaxReplicas)
	ctl.setLimited(h, l, stabilized)
	return l.replicas
}

func (ctl *Controller) setLimited(h *api.HorizontalPodAutoscaler, l limit, stabilized int32) {
	status := api.ConditionTrue
	if l.replicas == stabilized {
		status = api.ConditionFalse
	}
	setCondition(h, ctl.c, "ScalingLimited", status, l.reason, "%s", l.message)
}

type clock interface{ Now() time.Time }

// setStatus is upstream's setStatus: the counts, the metrics, the time of
// a rescale, and the generation of the spec they answer (observedGeneration,
// which upstream's controller writes since the API server counts an HPA's
// generations).
func setStatus(h *api.HorizontalPodAutoscaler, current, desired int32, metrics []api.MetricStatus, rescale bool, c clock) {
	h.Status = api.HorizontalPodAutoscalerStatus{
		ObservedGeneration: api.Ptr(h.Generation),
		CurrentReplicas:    current, DesiredReplicas: desired, LastScaleTime: h.Status.LastScaleTime,
		CurrentMetrics: metrics, Conditions: h.Status.Conditions,
	}
	if rescale {
		h.Status.LastScaleTime = api.Ptr(api.NewTime(c.Now()))
	}
}

// updateStatus writes the status when it changed, with a
// FailedUpdateStatus event if it cannot.
func (ctl *Controller) updateStatus(orig *api.HorizontalPodAutoscalerStatus, h *api.HorizontalPodAutoscaler) {
	if reflect.DeepEqual(orig, &h.Status) {
		return
	}
	if _, err := ctl.c.UpdateStatus(resource(), h); err != nil && !apiserver.IsNotFound(err) {
		ctl.rec.Event(h, api.EventWarning, "FailedUpdateStatus", err.Error())
	}
}

func resource() *api.ResourceInfo {
	r, _ := api.LookupKind("autoscaling/v2", "HorizontalPodAutoscaler")
	return r
}

// setCondition is setConditionInList: a changed status gets a new
// transition time.
func setCondition(h *api.HorizontalPodAutoscaler, c clock, typ, status, reason, format string, args ...any) {
	conds := h.Status.Conditions
	i := 0
	for ; i < len(conds); i++ {
		if conds[i].Type == typ {
			break
		}
	}
	if i == len(conds) {
		conds = append(conds, api.HorizontalPodAutoscalerCondition{Type: typ})
	}
	if conds[i].Status != status {
		conds[i].LastTransitionTime = api.NewTime(c.Now())
	}
	conds[i].Status, conds[i].Reason, conds[i].Message = status, reason, fmt.Sprintf(format, args...)
	h.Status.Conditions = conds
}

var errNoSelector = errors.New("selector is required")
