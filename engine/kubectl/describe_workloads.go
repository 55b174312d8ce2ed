package kubectl

import (
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
)

// This file describes StatefulSets, ReplicationControllers,
// HorizontalPodAutoscalers, PodDisruptionBudgets and PriorityClasses as
// kubectl's describers do.

func (d *describer) statefulSet(ss *api.StatefulSet) (string, error) {
	sel, err := api.SelectorFromLabelSelector(ss.Spec.Selector)
	if err != nil {
		return "", err
	}
	counts, err := d.podPhases(ss.Namespace, ss.Spec.Selector, ss.UID)
	if err != nil {
		return "", err
	}
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", ss.Name)
		w.write(0, "Namespace:\t%s\n", ss.Namespace)
		w.write(0, "CreationTimestamp:\t%s\n", rfc1123(ss.CreationTimestamp.Time))
		w.write(0, "Selector:\t%s\n", sel.String())
		w.labels("Labels", ss.Labels)
		w.annotations("Annotations", ss.Annotations)
		if ss.Spec.ServiceName != "" {
			w.write(0, "Service Name:\t%s\n", ss.Spec.ServiceName)
		}
		if ss.Spec.PodManagementPolicy != "" {
			w.write(0, "Pod Management Policy:\t%s\n", ss.Spec.PodManagementPolicy)
		}
		w.write(0, "Replicas:\t%d desired | %d total\n", api.Deref(ss.Spec.Replicas, 1), ss.Status.Replicas)
		w.write(0, "Update Strategy:\t%s\n", ss.Spec.UpdateStrategy.Type)
		// As upstream, maxUnavailable shows only beside a partition.
		if ru := ss.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
			w.write(1, "Partition:\t%d\n", *ru.Partition)
			if ru.MaxUnavailable != nil {
				w.write(1, "MaxUnavailable:\t%s\n", ru.MaxUnavailable.String())
			}
		}
		if p := ss.Spec.PersistentVolumeClaimRetentionPolicy; p != nil {
			w.write(0, "Persistent Volume Claim Retention Policy:\n")
			w.write(1, "WhenDeleted:\t%s\n", p.WhenDeleted)
			w.write(1, "WhenScaled:\t%s\n", p.WhenScaled)
		}
		w.write(0, "Pods Status:\t%s\n", counts)
		describePodTemplate(w, &ss.Spec.Template)
		describeVolumeClaimTemplates(w, ss.Spec.VolumeClaimTemplates)
		d.eventsSection(w, ss)
	}), nil
}

// describeVolumeClaimTemplates writes a StatefulSet's claim templates;
// their labels and annotations print as key=value, as upstream's do.
func describeVolumeClaimTemplates(w *prefixWriter, templates []api.PersistentVolumeClaim) {
	if len(templates) == 0 {
		w.write(0, "Volume Claims:\t<none>\n")
		return
	}
	w.write(0, "Volume Claims:\n")
	for _, pvc := range templates {
		w.write(1, "Name:\t%s\n", pvc.Name)
		class, ok := pvc.Annotations[betaStorageClass]
		if !ok {
			class = api.Deref(pvc.Spec.StorageClassName, "")
		}
		w.write(1, "StorageClass:\t%s\n", class)
		w.labelsIndent("  ", "Labels", pvc.Labels)
		w.labelsIndent("  ", "Annotations", pvc.Annotations)
		capacity := "<default>"
		if q, ok := pvc.Spec.Resources.Requests["storage"]; ok {
			capacity = q.String()
		}
		w.write(1, "Capacity:\t%s\n", capacity)
		w.write(1, "Access Modes:\t%s\n", fmt.Sprint(pvc.Spec.AccessModes))
	}
}

// labelsIndent is kubectl's printLabelsMultilineWithIndent: like labels,
// with indent before the title and before each further line.
func (w *prefixWriter) labelsIndent(indent, title string, m map[string]string) {
	w.write(0, "%s%s:\t", indent, title)
	if len(m) == 0 {
		w.line("<none>")
		return
	}
	for i, k := range api.SortedKeys(m) {
		if i != 0 {
			w.write(0, "%s", indent)
			w.write(0, "%s", "\t")
		}
		w.write(0, "%s=%s\n", k, m[k])
	}
}

func (d *describer) replicationController(rc *api.ReplicationController) (string, error) {
	counts, err := d.podPhases(rc.Namespace, &api.LabelSelector{MatchLabels: rc.Spec.Selector}, rc.UID)
	if err != nil {
		return "", err
	}
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", rc.Name)
		w.write(0, "Namespace:\t%s\n", rc.Namespace)
		w.write(0, "Selector:\t%s\n", formatLabels(rc.Spec.Selector))
		w.labels("Labels", rc.Labels)
		w.annotations("Annotations", rc.Annotations)
		w.write(0, "Replicas:\t%d current / %d desired\n", rc.Status.Replicas, api.Deref(rc.Spec.Replicas, 1))
		w.write(0, "Pods Status:\t%s\n", counts)
		if rc.Spec.Template == nil {
			w.write(0, "Pod Template:\n")
			w.write(1, "<unset>")
		} else {
			describePodTemplate(w, rc.Spec.Template)
		}
		if len(rc.Status.Conditions) > 0 {
			w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
			w.write(1, "----\t------\t------\n")
			for _, c := range rc.Status.Conditions {
				w.write(1, "%v \t%v\t%v\n", c.Type, c.Status, c.Reason)
			}
		}
		d.eventsSection(w, rc)
	}), nil
}

func (d *describer) horizontalPodAutoscaler(hpa *api.HorizontalPodAutoscaler) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", hpa.Name)
		w.write(0, "Namespace:\t%s\n", hpa.Namespace)
		w.labels("Labels", hpa.Labels)
		w.annotations("Annotations", hpa.Annotations)
		w.write(0, "CreationTimestamp:\t%s\n", rfc1123(hpa.CreationTimestamp.Time))
		ref := hpa.Spec.ScaleTargetRef
		w.write(0, "Reference:\t%s/%s\n", ref.Kind, ref.Name)
		w.write(0, "Metrics:\t( current / target )\n")
		for i, m := range hpa.Spec.Metrics {
			var cur *api.MetricStatus
			if i < len(hpa.Status.CurrentMetrics) {
				cur = &hpa.Status.CurrentMetrics[i]
			}
			describeMetric(w, m, cur)
		}
		minReplicas := "<unset>"
		if hpa.Spec.MinReplicas != nil {
			minReplicas = fmt.Sprint(*hpa.Spec.MinReplicas)
		}
		w.write(0, "Min replicas:\t%s\n", minReplicas)
		w.write(0, "Max replicas:\t%d\n", hpa.Spec.MaxReplicas)
		if b := hpa.Spec.Behavior; b != nil {
			w.write(0, "Behavior:\n")
			describeScalingRules(w, "Scale Up", b.ScaleUp)
			describeScalingRules(w, "Scale Down", b.ScaleDown)
		}
		w.write(0, "%s pods:\t", ref.Kind)
		w.write(0, "%d current / %d desired\n", hpa.Status.CurrentReplicas, hpa.Status.DesiredReplicas)
		if len(hpa.Status.Conditions) > 0 {
			w.write(0, "Conditions:\n")
			w.write(1, "Type\tStatus\tReason\tMessage\n")
			w.write(1, "----\t------\t------\t-------\n")
			for _, c := range hpa.Status.Conditions {
				w.write(1, "%v\t%v\t%v\t%v\n", c.Type, c.Status, c.Reason, c.Message)
			}
		}
		d.eventsSection(w, hpa)
	})
}

// describeMetric writes one metric of an HPA's spec beside its current
// value, cur, if the status has one at the same index, in upstream's words.
func describeMetric(w *prefixWriter, m api.MetricSpec, cur *api.MetricStatus) {
	unknown := "<unknown>"
	switch {
	case m.Type == "External" && m.External != nil:
		t := m.External.Target
		current := unknown
		if t.AverageValue != nil {
			if cur != nil && cur.External != nil && cur.External.Current.AverageValue != nil {
				current = cur.External.Current.AverageValue.String()
			}
			w.write(1, "%q (target average value):\t%s / %s\n", m.External.Metric.Name, current, t.AverageValue.String())
			return
		}
		if cur != nil && cur.External != nil {
			current = quantityPtr(cur.External.Current.Value)
		}
		w.write(1, "%q (target value):\t%s / %s\n", m.External.Metric.Name, current, quantityPtr(t.Value))
	case m.Type == "Pods" && m.Pods != nil:
		current := unknown
		if cur != nil && cur.Pods != nil {
			current = quantityPtr(cur.Pods.Current.AverageValue)
		}
		w.write(1, "%q on pods:\t%s / %s\n", m.Pods.Metric.Name, current, quantityPtr(m.Pods.Target.AverageValue))
	case m.Type == "Object" && m.Object != nil:
		o := m.Object
		w.write(1, "\"%s\" on %s/%s ", o.Metric.Name, o.DescribedObject.Kind, o.DescribedObject.Name)
		current := unknown
		if o.Target.Type == "AverageValue" {
			if cur != nil && cur.Object != nil {
				current = quantityPtr(cur.Object.Current.AverageValue)
			}
			w.write(0, "(target average value):\t%s / %s\n", current, quantityPtr(o.Target.AverageValue))
			return
		}
		if cur != nil && cur.Object != nil {
			current = quantityPtr(cur.Object.Current.Value)
		}
		w.write(0, "(target value):\t%s / %s\n", current, quantityPtr(o.Target.Value))
	case m.Type == "Resource" && m.Resource != nil:
		w.write(1, "resource %s on pods", m.Resource.Name)
		var status *api.MetricValueStatus
		if cur != nil && cur.Resource != nil {
			status = &cur.Resource.Current
		}
		describeResourceTarget(w, m.Resource.Target, status)
	case m.Type == "ContainerResource" && m.ContainerResource != nil:
		w.write(1, "resource %s of container \"%s\" on pods", m.ContainerResource.Name, m.ContainerResource.Container)
		var status *api.MetricValueStatus
		if cur != nil && cur.ContainerResource != nil {
			status = &cur.ContainerResource.Current
		}
		describeResourceTarget(w, m.ContainerResource.Target, status)
	default:
		w.write(1, "<unknown metric type %q>\n", m.Type)
	}
}

// describeResourceTarget ends a resource metric's line: an average value,
// or a utilization "(as a percentage of request)", which upstream writes
// one level in from where the line began.
func describeResourceTarget(w *prefixWriter, t api.MetricTarget, cur *api.MetricValueStatus) {
	current := "<unknown>"
	if t.AverageValue != nil {
		if cur != nil {
			current = quantityPtr(cur.AverageValue)
		}
		w.write(0, ":\t%s / %s\n", current, t.AverageValue.String())
		return
	}
	if cur != nil && cur.AverageUtilization != nil {
		current = fmt.Sprintf("%d%% (%s)", *cur.AverageUtilization, quantityPtr(cur.AverageValue))
	}
	target := "<auto>"
	if t.AverageUtilization != nil {
		target = fmt.Sprintf("%d%%", *t.AverageUtilization)
	}
	w.write(1, "(as a percentage of request):\t%s / %s\n", current, target)
}

func describeScalingRules(w *prefixWriter, direction string, r *api.HPAScalingRules) {
	if r == nil {
		return
	}
	w.write(1, "%s:\n", direction)
	if r.StabilizationWindowSeconds != nil {
		w.write(2, "Stabilization Window: %d seconds\n", *r.StabilizationWindowSeconds)
	}
	if len(r.Policies) == 0 {
		return
	}
	w.write(2, "Select Policy: %s\n", api.Deref(r.SelectPolicy, "Max"))
	w.write(2, "Policies:\n")
	for _, p := range r.Policies {
		w.write(3, "- Type: %s\tValue: %d\tPeriod: %d seconds\n", p.Type, p.Value, p.PeriodSeconds)
	}
}

func (d *describer) podDisruptionBudget(pdb *api.PodDisruptionBudget) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", pdb.Name)
		w.write(0, "Namespace:\t%s\n", pdb.Namespace)
		if pdb.Spec.MinAvailable != nil {
			w.write(0, "Min available:\t%s\n", pdb.Spec.MinAvailable.String())
		} else if pdb.Spec.MaxUnavailable != nil {
			w.write(0, "Max unavailable:\t%s\n", pdb.Spec.MaxUnavailable.String())
		}
		if pdb.Spec.Selector != nil {
			w.write(0, "Selector:\t%s\n", formatLabelSelector(pdb.Spec.Selector))
		} else {
			w.write(0, "Selector:\t<unset>\n")
		}
		st := pdb.Status
		w.write(0, "Status:\n")
		w.write(2, "Allowed disruptions:\t%d\n", st.DisruptionsAllowed)
		w.write(2, "Current:\t%d\n", st.CurrentHealthy)
		w.write(2, "Desired:\t%d\n", st.DesiredHealthy)
		w.write(2, "Total:\t%d\n", st.ExpectedPods)
		d.eventsSection(w, pdb)
	})
}

func (d *describer) priorityClass(pc *api.PriorityClass) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", pc.Name)
		w.write(0, "Value:\t%v\n", pc.Value)
		w.write(0, "GlobalDefault:\t%v\n", pc.GlobalDefault)
		w.write(0, "PreemptionPolicy:\t%s\n", api.Deref(pc.PreemptionPolicy, ""))
		w.write(0, "Description:\t%s\n", pc.Description)
		w.write(0, "Annotations:\t%s\n", formatLabels(pc.Annotations))
		d.eventsSection(w, pc)
	})
}
