package api

// Some resources are served in two versions or groups that share one
// storage, as in Kubernetes: events.k8s.io/v1 Events are core/v1 Events
// seen differently, and autoscaling/v1 HorizontalPodAutoscalers are
// autoscaling/v2 ones. The API server stores the storage version and
// converts on the way in and out.

// Stored returns the resource whose objects are stored for r: r itself,
// or the version r is converted to.
func (r *ResourceInfo) Stored() *ResourceInfo {
	if r.storage != nil {
		return r.storage
	}
	return r
}

// ToStorage converts an object of r to its stored form.
func (r *ResourceInfo) ToStorage(obj Object) Object {
	if r.toStorage == nil || obj == nil {
		return obj
	}
	return SetTypeMeta(r.toStorage(obj))
}

// ToStorageCopy is ToStorage, and reports whether the object it returns
// shares nothing with obj (a conversion that copies all of it).
func (r *ResourceInfo) ToStorageCopy(obj Object) (Object, bool) {
	return r.ToStorage(obj), r.toStorage != nil && r.storageCopies && obj != nil
}

// FromStorage converts a stored object to the form r serves.
func (r *ResourceInfo) FromStorage(obj Object) Object {
	if r.fromStorage == nil || obj == nil {
		return obj
	}
	return SetTypeMeta(r.fromStorage(obj))
}

func init() {
	core, _ := LookupKind("v1", "Event")
	events, _ := LookupKind("events.k8s.io/v1", "Event")
	events.storage, events.toStorage, events.fromStorage = core, eventToCore, eventFromCore
	events.storageCopies = true
	v2, _ := LookupKind("autoscaling/v2", "HorizontalPodAutoscaler")
	v1, _ := LookupKind("autoscaling/v1", "HorizontalPodAutoscaler")
	v1.storage, v1.toStorage, v1.fromStorage = v2, hpaToV2, hpaFromV2
}

func eventToCore(obj Object) Object {
	e := obj.(*EventsV1Event)
	out := &Event{
		ObjectMeta: *e.ObjectMeta.DeepCopy(), InvolvedObject: e.Regarding, Reason: e.Reason, Message: e.Note,
		Source: e.DeprecatedSource, FirstTimestamp: e.DeprecatedFirstTimestamp, LastTimestamp: e.DeprecatedLastTimestamp,
		Count: e.DeprecatedCount, Type: e.Type, EventTime: e.EventTime, Action: e.Action,
		ReportingController: e.ReportingController, ReportingInstance: e.ReportingInstance,
	}
	if e.Related != nil {
		out.Related = e.Related.DeepCopy()
	}
	if e.Series != nil {
		out.Series = &EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return out
}

func eventFromCore(obj Object) Object {
	e := obj.(*Event)
	out := &EventsV1Event{
		ObjectMeta: *e.ObjectMeta.DeepCopy(), Regarding: e.InvolvedObject, Reason: e.Reason, Note: e.Message,
		DeprecatedSource: e.Source, DeprecatedFirstTimestamp: e.FirstTimestamp, DeprecatedLastTimestamp: e.LastTimestamp,
		DeprecatedCount: e.Count, Type: e.Type, EventTime: e.EventTime, Action: e.Action,
		ReportingController: e.ReportingController, ReportingInstance: e.ReportingInstance,
	}
	if e.Related != nil {
		out.Related = e.Related.DeepCopy()
	}
	if e.Series != nil {
		out.Series = &EventsV1EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return out
}

// hpaToV2 turns a v1 autoscaler's CPU target into a v2 resource metric.
func hpaToV2(obj Object) Object {
	h := obj.(*AutoscalingV1HorizontalPodAutoscaler)
	out := &HorizontalPodAutoscaler{
		ObjectMeta: *h.ObjectMeta.DeepCopy(),
		Spec: HorizontalPodAutoscalerSpec{
			ScaleTargetRef: h.Spec.ScaleTargetRef, MinReplicas: copyInt32(h.Spec.MinReplicas), MaxReplicas: h.Spec.MaxReplicas,
		},
		Status: HorizontalPodAutoscalerStatus{
			ObservedGeneration: h.Status.ObservedGeneration, LastScaleTime: h.Status.LastScaleTime,
			CurrentReplicas: h.Status.CurrentReplicas, DesiredReplicas: h.Status.DesiredReplicas,
		},
	}
	if t := h.Spec.TargetCPUUtilizationPercentage; t != nil {
		out.Spec.Metrics = []MetricSpec{cpuMetric(*t)}
	}
	if c := h.Status.CurrentCPUUtilizationPercentage; c != nil {
		out.Status.CurrentMetrics = []MetricStatus{{Type: "Resource", Resource: &ResourceMetricStatus{Name: "cpu", Current: MetricValueStatus{AverageUtilization: copyInt32(c)}}}}
	}
	return out
}

// hpaFromV2 keeps what v1 can say: the CPU utilization target.
func hpaFromV2(obj Object) Object {
	h := obj.(*HorizontalPodAutoscaler)
	out := &AutoscalingV1HorizontalPodAutoscaler{
		ObjectMeta: *h.ObjectMeta.DeepCopy(),
		Spec: AutoscalingV1HorizontalPodAutoscalerSpec{
			ScaleTargetRef: h.Spec.ScaleTargetRef, MinReplicas: copyInt32(h.Spec.MinReplicas), MaxReplicas: h.Spec.MaxReplicas,
		},
		Status: AutoscalingV1HorizontalPodAutoscalerStatus{
			ObservedGeneration: h.Status.ObservedGeneration, LastScaleTime: h.Status.LastScaleTime,
			CurrentReplicas: h.Status.CurrentReplicas, DesiredReplicas: h.Status.DesiredReplicas,
		},
	}
	for _, m := range h.Spec.Metrics {
		if m.Type == "Resource" && m.Resource != nil && m.Resource.Name == "cpu" && m.Resource.Target.AverageUtilization != nil {
			out.Spec.TargetCPUUtilizationPercentage = copyInt32(m.Resource.Target.AverageUtilization)
		}
	}
	for _, m := range h.Status.CurrentMetrics {
		if m.Type == "Resource" && m.Resource != nil && m.Resource.Name == "cpu" {
			out.Status.CurrentCPUUtilizationPercentage = copyInt32(m.Resource.Current.AverageUtilization)
		}
	}
	return out
}

func cpuMetric(utilization int32) MetricSpec {
	return MetricSpec{Type: "Resource", Resource: &ResourceMetricSource{Name: "cpu", Target: MetricTarget{Type: "Utilization", AverageUtilization: Ptr(utilization)}}}
}

func copyInt32(p *int32) *int32 {
	if p == nil {
		return nil
	}
	return Ptr(*p)
}
