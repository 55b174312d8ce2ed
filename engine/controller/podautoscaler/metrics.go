package podautoscaler

import (
	"errors"
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// computeReplicasForMetrics proposes the largest count any valid metric
// asks for; when every metric fails it reports the first failure.
func (ctl *Controller) computeReplicasForMetrics(h *api.HorizontalPodAutoscaler, scale *api.Scale) (int32, string, []api.MetricStatus, error) {
	if scale.Status.Selector == "" {
		ctl.rec.Event(h, api.EventWarning, "SelectorRequired", errNoSelector.Error())
		setCondition(h, ctl.c, "ScalingActive", api.ConditionFalse, "InvalidSelector", "the HPA target's scale is missing a selector")
		return 0, "", nil, errNoSelector
	}
	sel, err := api.ParseSelector(scale.Status.Selector)
	if err != nil {
		msg := fmt.Sprintf("couldn't convert selector into a corresponding internal selector object: %v", err)
		ctl.rec.Event(h, api.EventWarning, "InvalidSelector", msg)
		setCondition(h, ctl.c, "ScalingActive", api.ConditionFalse, "InvalidSelector", "%s", msg)
		return 0, "", nil, errors.New(msg)
	}
	statuses := make([]api.MetricStatus, len(h.Spec.Metrics))
	var replicas int32
	var metric string
	invalid := 0
	var firstErr error
	var firstCond api.HorizontalPodAutoscalerCondition
	for i, spec := range h.Spec.Metrics {
		proposal, name, cond, err := ctl.computeReplicasForMetric(h, spec, scale.Spec.Replicas, sel, &statuses[i])
		if err != nil {
			if invalid == 0 {
				firstErr, firstCond = err, cond
			}
			invalid++
			continue
		}
		if replicas == 0 || proposal > replicas {
			replicas, metric = proposal, name
		}
	}
	if invalid >= len(h.Spec.Metrics) || invalid > 0 && replicas < scale.Spec.Replicas {
		setCondition(h, ctl.c, firstCond.Type, firstCond.Status, firstCond.Reason, "%s", firstCond.Message)
		return -1, "", statuses, fmt.Errorf("invalid metrics (%v invalid out of %v), first error is: %v", invalid, len(h.Spec.Metrics), firstErr)
	}
	setCondition(h, ctl.c, "ScalingActive", api.ConditionTrue, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from %s", metric)
	return replicas, metric, statuses, nil
}

// computeReplicasForMetric handles one metric. Resource and container
// resource metrics come from the resource metrics API; the playground
// has no custom or external metrics API, and says so as upstream does
// when none is registered.
func (ctl *Controller) computeReplicasForMetric(h *api.HorizontalPodAutoscaler, spec api.MetricSpec, current int32, sel api.Selector, status *api.MetricStatus) (int32, string, api.HorizontalPodAutoscalerCondition, error) {
	switch {
	case spec.Type == "Resource" && spec.Resource != nil:
		src := spec.Resource
		n, v, name, err := ctl.resourceMetric(h, current, src.Target, src.Name, "", sel)
		if err != nil {
			return 0, "", ctl.unableCondition(h, "FailedGetResourceMetric", err), err
		}
		*status = api.MetricStatus{Type: "Resource", Resource: &api.ResourceMetricStatus{Name: src.Name, Current: v}}
		return n, name, api.HorizontalPodAutoscalerCondition{}, nil
	case spec.Type == "ContainerResource" && spec.ContainerResource != nil:
		src := spec.ContainerResource
		n, v, name, err := ctl.resourceMetric(h, current, src.Target, src.Name, src.Container, sel)
		if err != nil {
			return 0, "", ctl.unableCondition(h, "FailedGetContainerResourceMetric", err), err
		}
		*status = api.MetricStatus{Type: "ContainerResource", ContainerResource: &api.ContainerResourceMetricStatus{Name: src.Name, Container: src.Container, Current: v}}
		return n, name, api.HorizontalPodAutoscalerCondition{}, nil
	case spec.Type == "Pods" && spec.Pods != nil:
		err := fmt.Errorf("failed to get pods metric value: unable to get metric %s: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered", spec.Pods.Metric.Name)
		return 0, "", ctl.unableCondition(h, "FailedGetPodsMetric", err), err
	case spec.Type == "Object" && spec.Object != nil:
		err := fmt.Errorf("failed to get object metric value: unable to get metric %s: %s on %s %s/unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered",
			spec.Object.Metric.Name, spec.Object.DescribedObject.Kind, h.Namespace, spec.Object.DescribedObject.Name)
		return 0, "", ctl.unableCondition(h, "FailedGetObjectMetric", err), err
	case spec.Type == "External" && spec.External != nil:
		err := fmt.Errorf("failed to get external metric %s: unable to get external metric %s/%s: unable to fetch metrics from external metrics API: no external metrics API (external.metrics.k8s.io) registered",
			spec.External.Metric.Name, h.Namespace, spec.External.Metric.Name)
		return 0, "", ctl.unableCondition(h, "FailedGetExternalMetric", err), err
	}
	err := fmt.Errorf("unknown metric source type %q", spec.Type)
	return 0, "", ctl.unableCondition(h, "InvalidMetricSourceType", err), err
}

// unableCondition is getUnableComputeReplicaCountCondition, which also
// records the event.
func (ctl *Controller) unableCondition(h *api.HorizontalPodAutoscaler, reason string, err error) api.HorizontalPodAutoscalerCondition {
	ctl.rec.Event(h, api.EventWarning, reason, err.Error())
	return api.HorizontalPodAutoscalerCondition{Type: "ScalingActive", Status: api.ConditionFalse, Reason: reason,
		Message: fmt.Sprintf("the HPA was unable to compute the replica count: %v", err)}
}

// resourceMetric is computeStatusForResourceMetricGeneric.
func (ctl *Controller) resourceMetric(h *api.HorizontalPodAutoscaler, current int32, target api.MetricTarget, resource, container string, sel api.Selector) (int32, api.MetricValueStatus, string, error) {
	calc := &calculator{now: ctl.c.Now(), pods: ctl.pods.Select(h.Namespace, sel), tol: ctl.tolerances(h)}
	if target.AverageValue != nil {
		metrics, err := ctl.resourceMetrics(h.Namespace, sel, resource, container)
		if err == nil {
			var n int32
			var avg int64
			n, avg, err = calc.rawResourceReplicas(current, target.AverageValue.MilliValue(), resource, metrics)
			if err == nil {
				return n, api.MetricValueStatus{AverageValue: api.Ptr(api.NewMilliQuantity(avg, api.DecimalSI))}, resource + " resource", nil
			}
		}
		return 0, api.MetricValueStatus{}, "", fmt.Errorf("failed to get %s usage: %w", resource, err)
	}
	if target.AverageUtilization == nil {
		return 0, api.MetricValueStatus{}, "", errors.New("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set")
	}
	metrics, err := ctl.resourceMetrics(h.Namespace, sel, resource, container)
	if err != nil {
		return 0, api.MetricValueStatus{}, "", fmt.Errorf("failed to get %s utilization: %w", resource, err)
	}
	n, util, raw, err := calc.resourceReplicas(current, *target.AverageUtilization, resource, container, metrics)
	if err != nil {
		return 0, api.MetricValueStatus{}, "", fmt.Errorf("failed to get %s utilization: %w", resource, err)
	}
	name := resource + " resource utilization (percentage of request)"
	if container != "" {
		name = resource + " container resource utilization (percentage of request)"
	}
	return n, api.MetricValueStatus{AverageUtilization: api.Ptr(util), AverageValue: api.Ptr(api.NewMilliQuantity(raw, api.DecimalSI))}, name, nil
}

// tolerances are 10% each way, or a behavior's own (HPAConfigurableTolerance).
func (ctl *Controller) tolerances(h *api.HorizontalPodAutoscaler) tolerances {
	t := tolerances{down: tolerance, up: tolerance}
	if b := h.Spec.Behavior; b != nil {
		if b.ScaleDown != nil && b.ScaleDown.Tolerance != nil {
			t.down = float64(b.ScaleDown.Tolerance.MilliValue()) / 1000
		}
		if b.ScaleUp != nil && b.ScaleUp.Tolerance != nil {
			t.up = float64(b.ScaleUp.Tolerance.MilliValue()) / 1000
		}
	}
	return t
}

// resourceMetrics is the resource metrics client's GetResourceMetric:
// the PodMetrics of the selected pods, summed over their containers (or
// one container's).
func (ctl *Controller) resourceMetrics(ns string, sel api.Selector, resource, container string) (podMetrics, error) {
	r, _ := api.LookupKind(api.MetricsGroup+"/v1beta1", "PodMetrics")
	wrap := func(err error) error { return fmt.Errorf("unable to get metrics for resource %s: %w", resource, err) }
	l, err := ctl.c.List(r, ns, apiserver.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, wrap(fmt.Errorf("unable to fetch metrics from resource metrics API: %v", err))
	}
	if len(l.Items) == 0 {
		return nil, wrap(errors.New("no metrics returned from resource metrics API"))
	}
	out := podMetrics{}
	for _, o := range l.Items {
		m := o.(*api.PodMetrics)
		v, ok, err := sumUsage(m, resource, container)
		if err != nil {
			return nil, wrap(err)
		}
		if ok {
			out[m.Name] = podMetric{at: m.Timestamp.Time, window: m.Window.Duration, value: v}
		}
	}
	return out, nil
}

func sumUsage(m *api.PodMetrics, resource, container string) (int64, bool, error) {
	var sum int64
	found := false
	for _, c := range m.Containers {
		if container != "" && c.Name != container {
			continue
		}
		q, ok := c.Usage[resource]
		if !ok {
			return 0, false, nil
		}
		sum += q.MilliValue()
		found = true
	}
	if container != "" && !found {
		return 0, false, fmt.Errorf("failed to get container metrics: container %s not present in metrics for pod %s/%s", container, m.Namespace, m.Name)
	}
	return sum, len(m.Containers) > 0, nil
}
