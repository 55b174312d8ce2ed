package kubectl

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// HorizontalPodAutoscalers print alike in autoscaling/v2 and v1: a v1
// autoscaler prints as the v2 one it is stored as.
func init() {
	tables["HorizontalPodAutoscaler.autoscaling"] = table([]string{"NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"}, nil, hpaRow)
}

func hpaRow(obj api.Object, now time.Time) []string {
	h := obj.(*api.HorizontalPodAutoscaler)
	minPods := "<unset>"
	if h.Spec.MinReplicas != nil {
		minPods = fmt.Sprint(*h.Spec.MinReplicas)
	}
	return []string{h.Name, h.Spec.ScaleTargetRef.Kind + "/" + h.Spec.ScaleTargetRef.Name, hpaTargets(h.Spec.Metrics, h.Status.CurrentMetrics),
		minPods, fmt.Sprint(h.Spec.MaxReplicas), fmt.Sprint(h.Status.CurrentReplicas), age(h.CreationTimestamp.Time, now)}
}

// hpaMax is how many metrics TARGETS shows before "+ N more...".
const hpaMax = 2

// hpaTargets is kubectl's formatHPAMetrics: "current/target" for each
// metric, "cpu: 45%/80%" for resources, <unknown> for a current value not
// yet measured.
func hpaTargets(specs []api.MetricSpec, statuses []api.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	list := make([]string, len(specs))
	for i, spec := range specs {
		var status *api.MetricStatus
		if i < len(statuses) {
			status = &statuses[i]
		}
		list[i] = hpaTarget(spec, status)
	}
	if len(list) > hpaMax {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:hpaMax], ", "), len(list)-hpaMax)
	}
	return strings.Join(list, ", ")
}

// hpaTarget formats one metric. A metric whose source is missing, which
// kube-apiserver's validation would refuse, prints as of an unknown type.
func hpaTarget(spec api.MetricSpec, status *api.MetricStatus) string {
	cur := currentValue(spec.Type, status)
	switch {
	case spec.Type == "External" && spec.External != nil:
		return valueTarget(spec.External.Target, cur)
	case spec.Type == "Pods" && spec.Pods != nil:
		current := "<unknown>"
		if cur != nil {
			current = quantityPtr(cur.AverageValue)
		}
		return current + "/" + quantityPtr(spec.Pods.Target.AverageValue)
	case spec.Type == "Object" && spec.Object != nil:
		return valueTarget(spec.Object.Target, cur)
	case spec.Type == "Resource" && spec.Resource != nil:
		return spec.Resource.Name + ": " + resourceTarget(spec.Resource.Target, cur)
	case spec.Type == "ContainerResource" && spec.ContainerResource != nil:
		return spec.ContainerResource.Name + ": " + resourceTarget(spec.ContainerResource.Target, cur)
	}
	return "<unknown type>"
}

// currentValue is the measured value of a metric of type typ, or nil.
func currentValue(typ string, status *api.MetricStatus) *api.MetricValueStatus {
	if status == nil {
		return nil
	}
	switch {
	case typ == "External" && status.External != nil:
		return &status.External.Current
	case typ == "Pods" && status.Pods != nil:
		return &status.Pods.Current
	case typ == "Object" && status.Object != nil:
		return &status.Object.Current
	case typ == "Resource" && status.Resource != nil:
		return &status.Resource.Current
	case typ == "ContainerResource" && status.ContainerResource != nil:
		return &status.ContainerResource.Current
	}
	return nil
}

// valueTarget is an object or external metric's "current/target", with
// " (avg)" when the target is an average value.
func valueTarget(target api.MetricTarget, cur *api.MetricValueStatus) string {
	current := "<unknown>"
	if target.AverageValue != nil {
		if cur != nil && cur.AverageValue != nil {
			current = cur.AverageValue.String()
		}
		return current + "/" + target.AverageValue.String() + " (avg)"
	}
	if cur != nil {
		current = quantityPtr(cur.Value)
	}
	return current + "/" + quantityPtr(target.Value)
}

// resourceTarget is a resource metric's "current/target": average values,
// or utilizations in percent (<auto> for no target utilization).
func resourceTarget(target api.MetricTarget, cur *api.MetricValueStatus) string {
	current := "<unknown>"
	if target.AverageValue != nil {
		if cur != nil {
			current = quantityPtr(cur.AverageValue)
		}
		return current + "/" + target.AverageValue.String()
	}
	if cur != nil && cur.AverageUtilization != nil {
		current = fmt.Sprintf("%d%%", *cur.AverageUtilization)
	}
	want := "<auto>"
	if target.AverageUtilization != nil {
		want = fmt.Sprintf("%d%%", *target.AverageUtilization)
	}
	return current + "/" + want
}

// quantityPtr prints a *Quantity as resource.Quantity's String does: <nil>
// when unset.
func quantityPtr(q *api.Quantity) string {
	if q == nil {
		return "<nil>"
	}
	return q.String()
}
