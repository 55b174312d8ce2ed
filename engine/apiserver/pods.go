package apiserver

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Bind assigns a pod to a node: the pods/binding subresource the scheduler
// uses. It fails if the pod is already bound or still gated; it clears the
// pod's nominatedNodeName (ClearingNominatedNodeNameAfterBinding).
func (s *Server) Bind(ns string, b *api.Binding) error {
	r := resourceOf("pods")
	key := Key(r, ns, b.Name)
	cur, ok := s.store.Get(key)
	if !ok {
		return NewNotFound(r, b.Name)
	}
	p := bound(cur.Value.(*api.Pod))
	if b.UID != "" && b.UID != p.UID {
		return NewConflict(r, b.Name, fmt.Errorf("Precondition failed: UID in precondition: %s, UID in object meta: %s", b.UID, p.UID))
	}
	if p.DeletionTimestamp != nil {
		return NewConflict(r, b.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", b.Name))
	}
	if p.Spec.NodeName != "" {
		return NewConflict(r, b.Name, fmt.Errorf("pod %s is already assigned to node %q", b.Name, p.Spec.NodeName))
	}
	if len(p.Spec.SchedulingGates) != 0 {
		return NewConflict(r, b.Name, fmt.Errorf("pod %s has non-empty .spec.schedulingGates", b.Name))
	}
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		return NewBadRequest("Binding target kind must be Node")
	}
	p.Spec.NodeName = b.Target.Name
	p.Status.NominatedNodeName = ""
	// The binding's annotations join the pod's, as setPodNodeAndMetadata.
	if len(b.Annotations) > 0 {
		p.Annotations = maps.Clone(p.Annotations)
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		maps.Copy(p.Annotations, b.Annotations)
	}
	setPodCondition(&p.Status, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue,
		LastTransitionTime: api.NewTime(s.Now()), ObservedGeneration: p.Generation})
	_, err := s.commitUpdate(r, key, p, cur.ModRevision)
	return err
}

// bound is the copy of a stored pod that its binding changes: the new
// revision shares all but its conditions with old (stored objects are
// never changed in place), where a deep copy gave every pod's history a
// second copy of its spec and metadata. Bind changes only the top level
// of the spec and status, the conditions (a slice of their own here) and
// the annotations (cloned where it adds some).
func bound(old *api.Pod) *api.Pod {
	p := *old
	p.Status.Conditions = slices.Clone(old.Status.Conditions)
	return &p
}

func setPodCondition(st *api.PodStatus, c api.PodCondition) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			if st.Conditions[i].Status != c.Status {
				st.Conditions[i] = c
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, c)
}

// KubeletConn is the API server's connection to a node's kubelet, for what
// the kubelet serves itself: container logs, and later exec and port-forward.
type KubeletConn interface {
	ContainerLogs(ns, pod, container string, opts LogOptions) ([]byte, error)
}

// LogOptions are the options of pods/log.
type LogOptions struct {
	Previous     bool
	Timestamps   bool
	TailLines    *int64
	LimitBytes   *int64
	SinceSeconds *int64
}

// RegisterKubelet connects a node's kubelet; nil disconnects it.
func (s *Server) RegisterKubelet(node string, conn KubeletConn) {
	if conn == nil {
		delete(s.kubelets, node)
		return
	}
	s.kubelets[node] = conn
}

// PodLogs returns a container's log (the pods/log subresource), fetched from
// the kubelet of the pod's node.
func (s *Server) PodLogs(ns, name, container string, opts LogOptions) ([]byte, error) {
	r := resourceOf("pods")
	obj, err := s.Get(r, ns, name)
	if err != nil {
		return nil, err
	}
	p := obj.(*api.Pod)
	if container == "" {
		if len(p.Spec.Containers) != 1 {
			names := make([]string, len(p.Spec.Containers))
			for i, c := range p.Spec.Containers {
				names[i] = c.Name
			}
			return nil, NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", name, names))
		}
		container = p.Spec.Containers[0].Name
	}
	if err := checkLogContainer(p, container, opts.Previous); err != nil {
		return nil, err
	}
	conn, ok := s.kubelets[p.Spec.NodeName]
	if !ok {
		return nil, NewInternal(fmt.Errorf("the kubelet of node %q cannot be reached", p.Spec.NodeName))
	}
	return conn.ContainerLogs(ns, name, container, opts)
}

// checkLogContainer says, in the API server's words, why a container has no
// logs to show yet.
func checkLogContainer(p *api.Pod, container string, previous bool) error {
	var st *api.ContainerStatus
	if !podHasContainer(p, container) {
		return NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, p.Name))
	}
	for _, list := range [][]api.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == container {
				st = &list[i]
			}
		}
	}
	if p.Spec.NodeName == "" {
		return NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, p.Name))
	}
	if previous {
		if st == nil || st.LastTerminationState.Terminated == nil {
			return NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", container, p.Name))
		}
		return nil
	}
	if st == nil || st.State.Waiting != nil && st.ContainerID == "" {
		reason := "ContainerCreating"
		if st != nil && st.State.Waiting != nil && st.State.Waiting.Reason != "" {
			reason = st.State.Waiting.Reason
		}
		if reason == "PodInitializing" || reason == "ContainerCreating" {
			return NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: %s", container, p.Name, reason))
		}
		return NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: trying and failing to pull image", container, p.Name))
	}
	return nil
}
