package client

import (
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Recorder records events about objects, as client-go's event recorder
// does: an event repeated with the same reason and message is counted on
// the existing Event instead of creating another.
type Recorder struct {
	c         *Client
	component string
	host      string
	seen      map[string]string // correlation key -> event name
}

// NewRecorder returns a recorder for component (e.g. "kubelet") on host
// (a node name, or "" for control-plane components).
func NewRecorder(c *Client, component, host string) *Recorder {
	return &Recorder{c: c, component: component, host: host, seen: map[string]string{}}
}

// Event records an event about obj.
func (r *Recorder) Event(obj api.Object, eventType, reason, message string) {
	r.record(Reference(obj, ""), eventType, reason, message)
}

// Eventf records an event with a formatted message.
func (r *Recorder) Eventf(obj api.Object, eventType, reason, format string, args ...any) {
	r.Event(obj, eventType, reason, fmt.Sprintf(format, args...))
}

// ContainerEventf records an event about one container of a pod; its
// involvedObject.fieldPath names the container, as the kubelet's events do.
func (r *Recorder) ContainerEventf(p *api.Pod, container, eventType, reason, format string, args ...any) {
	r.record(Reference(p, fieldPath(p, container)), eventType, reason, fmt.Sprintf(format, args...))
}

func fieldPath(p *api.Pod, container string) string {
	for _, c := range p.Spec.InitContainers {
		if c.Name == container {
			return "spec.initContainers{" + container + "}"
		}
	}
	return "spec.containers{" + container + "}"
}

// Reference returns an ObjectReference to obj.
func Reference(obj api.Object, fieldPath string) api.ObjectReference {
	m := obj.GetObjectMeta()
	r := api.ResourceFor(obj)
	return api.ObjectReference{
		Kind: r.Kind, APIVersion: r.APIVersion(), Namespace: m.Namespace, Name: m.Name,
		UID: m.UID, ResourceVersion: m.ResourceVersion, FieldPath: fieldPath,
	}
}

func (r *Recorder) record(ref api.ObjectReference, eventType, reason, message string) {
	ns := ref.Namespace
	if ns == "" {
		ns = "default"
	}
	key := fmt.Sprintf("%s/%s/%s/%s/%s/%s/%s/%s/%s", r.component, r.host, ref.Kind, ns, ref.Name, ref.UID, ref.FieldPath, reason, message)
	if name, ok := r.seen[key]; ok && r.bump(ns, name) {
		return
	}
	now := api.NewTime(r.c.Now())
	ev := &api.Event{
		ObjectMeta:          api.ObjectMeta{Name: fmt.Sprintf("%s.%x", ref.Name, r.c.Now().UnixNano()), Namespace: ns},
		InvolvedObject:      ref,
		Reason:              reason,
		Message:             message,
		Source:              api.EventSource{Component: r.component, Host: r.host},
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		Type:                eventType,
		ReportingController: r.component,
		ReportingInstance:   r.host,
	}
	for {
		out, err := Create(r.c, ev)
		if err == nil {
			r.seen[key] = out.Name
			return
		}
		// Two events in the same nanosecond of virtual time: nudge the name.
		ev.Name += "0"
		if len(ev.Name) > 250 {
			return
		}
	}
}

// bump counts one more occurrence of an existing event.
func (r *Recorder) bump(ns, name string) bool {
	ev, err := Get[*api.Event](r.c, ns, name)
	if err != nil {
		return false
	}
	ev = api.Clone(ev)
	ev.Count++
	ev.LastTimestamp = api.NewTime(r.c.Now())
	_, err = Update(r.c, ev)
	return err == nil
}
