package apiserver

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// matcher applies the label and field selectors of a list or watch.
type matcher struct {
	labels api.Selector
	fields []fieldRequirement
	r      *api.ResourceInfo
}

type fieldRequirement struct {
	field, value string
	negate       bool
}

func newMatcher(r *api.ResourceInfo, opts ListOptions) (*matcher, error) {
	m := &matcher{r: r}
	var err error
	if m.labels, err = api.ParseSelector(opts.LabelSelector); err != nil {
		return nil, NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
	}
	if m.fields, err = parseFieldSelector(opts.FieldSelector); err != nil {
		return nil, NewBadRequest(err.Error())
	}
	for _, f := range m.fields {
		if _, ok := fieldValue(r, nil, f.field); !ok {
			return nil, NewBadRequest(fmt.Sprintf("field label not supported: %s", f.field))
		}
	}
	return m, nil
}

func parseFieldSelector(s string) ([]fieldRequirement, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []fieldRequirement
	for _, part := range strings.Split(s, ",") {
		var req fieldRequirement
		var ok bool
		switch {
		case strings.Contains(part, "!="):
			req.field, req.value, ok = strings.Cut(part, "!=")
			req.negate = true
		case strings.Contains(part, "=="):
			req.field, req.value, ok = strings.Cut(part, "==")
		default:
			req.field, req.value, ok = strings.Cut(part, "=")
		}
		if !ok {
			return nil, fmt.Errorf("invalid selector: '%s'; can't understand '%s'", s, part)
		}
		req.field = strings.TrimSpace(req.field)
		req.value = strings.TrimSpace(req.value)
		out = append(out, req)
	}
	return out, nil
}

func (m *matcher) matches(obj api.Object) bool {
	if !m.labels.Matches(obj.GetObjectMeta().Labels) {
		return false
	}
	for _, f := range m.fields {
		v, _ := fieldValue(m.r, obj, f.field)
		if (v == f.value) == f.negate {
			return false
		}
	}
	return true
}

// fieldValue returns the value of a selectable field; obj may be nil to ask
// only whether the field is selectable for the resource.
func fieldValue(r *api.ResourceInfo, obj api.Object, field string) (string, bool) {
	switch field {
	case "metadata.name":
		return metaField(obj, func(m *api.ObjectMeta) string { return m.Name }), true
	case "metadata.namespace":
		if r.Namespaced {
			return metaField(obj, func(m *api.ObjectMeta) string { return m.Namespace }), true
		}
	}
	if f, ok := selectableFields[r.GroupKind()][field]; ok {
		if obj == nil {
			return "", true
		}
		return f(obj), true
	}
	return "", false
}

func metaField(obj api.Object, f func(*api.ObjectMeta) string) string {
	if obj == nil {
		return ""
	}
	return f(obj.GetObjectMeta())
}

// selectableFields are the field selectors each kind supports beyond name
// and namespace, as in the API server's per-kind field label conversions.
var selectableFields = map[string]map[string]func(api.Object) string{
	"Pod": {
		"spec.nodeName":            func(o api.Object) string { return o.(*api.Pod).Spec.NodeName },
		"spec.restartPolicy":       func(o api.Object) string { return o.(*api.Pod).Spec.RestartPolicy },
		"spec.schedulerName":       func(o api.Object) string { return o.(*api.Pod).Spec.SchedulerName },
		"spec.serviceAccountName":  func(o api.Object) string { return o.(*api.Pod).Spec.ServiceAccountName },
		"spec.hostNetwork":         func(o api.Object) string { return strconv.FormatBool(o.(*api.Pod).Spec.HostNetwork) },
		"status.phase":             func(o api.Object) string { return o.(*api.Pod).Status.Phase },
		"status.podIP":             func(o api.Object) string { return o.(*api.Pod).Status.PodIP },
		"status.nominatedNodeName": func(o api.Object) string { return o.(*api.Pod).Status.NominatedNodeName },
	},
	"Node": {
		"spec.unschedulable": func(o api.Object) string { return strconv.FormatBool(o.(*api.Node).Spec.Unschedulable) },
	},
	"Namespace": {
		"status.phase": func(o api.Object) string { return o.(*api.Namespace).Status.Phase },
	},
	"Secret": {
		"type": func(o api.Object) string { return o.(*api.Secret).Type },
	},
	"Service": {
		"spec.clusterIP": func(o api.Object) string { return o.(*api.Service).Spec.ClusterIP },
		"spec.type":      func(o api.Object) string { return o.(*api.Service).Spec.Type },
	},
	"ReplicationController": {
		"status.replicas": func(o api.Object) string { return strconv.Itoa(int(o.(*api.ReplicationController).Status.Replicas)) },
	},
	"ReplicaSet.apps": {
		"status.replicas": func(o api.Object) string { return strconv.Itoa(int(o.(*api.ReplicaSet).Status.Replicas)) },
	},
	"Job.batch": {
		"status.successful": func(o api.Object) string { return strconv.Itoa(int(o.(*api.Job).Status.Succeeded)) },
	},
	"Event": {
		"involvedObject.kind":            func(o api.Object) string { return o.(*api.Event).InvolvedObject.Kind },
		"involvedObject.namespace":       func(o api.Object) string { return o.(*api.Event).InvolvedObject.Namespace },
		"involvedObject.name":            func(o api.Object) string { return o.(*api.Event).InvolvedObject.Name },
		"involvedObject.uid":             func(o api.Object) string { return o.(*api.Event).InvolvedObject.UID },
		"involvedObject.apiVersion":      func(o api.Object) string { return o.(*api.Event).InvolvedObject.APIVersion },
		"involvedObject.resourceVersion": func(o api.Object) string { return o.(*api.Event).InvolvedObject.ResourceVersion },
		"involvedObject.fieldPath":       func(o api.Object) string { return o.(*api.Event).InvolvedObject.FieldPath },
		"reason":                         func(o api.Object) string { return o.(*api.Event).Reason },
		"reportingComponent":             func(o api.Object) string { return o.(*api.Event).ReportingController },
		"source":                         func(o api.Object) string { return o.(*api.Event).Source.Component },
		"type":                           func(o api.Object) string { return o.(*api.Event).Type },
	},
}

// eventsFieldNames maps the field selectors of events.k8s.io Events to
// the core Event fields they are stored as, as the API server does.
var eventsFieldNames = map[string]string{
	"regarding.kind":            "involvedObject.kind",
	"regarding.namespace":       "involvedObject.namespace",
	"regarding.name":            "involvedObject.name",
	"regarding.uid":             "involvedObject.uid",
	"regarding.apiVersion":      "involvedObject.apiVersion",
	"regarding.resourceVersion": "involvedObject.resourceVersion",
	"regarding.fieldPath":       "involvedObject.fieldPath",
	"reportingController":       "reportingComponent",
	"deprecatedSource":          "source",
}

// storedFieldSelector rewrites a field selector for the stored version.
func storedFieldSelector(r *api.ResourceInfo, sel string) string {
	if r.Group != "events.k8s.io" || sel == "" {
		return sel
	}
	reqs := strings.Split(sel, ",")
	for i, req := range reqs {
		for from, to := range eventsFieldNames {
			if strings.HasPrefix(req, from+"=") || strings.HasPrefix(req, from+"!=") || strings.HasPrefix(req, from+"==") {
				reqs[i] = to + strings.TrimPrefix(req, from)
			}
		}
	}
	return strings.Join(reqs, ",")
}
