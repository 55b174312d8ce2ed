package replicaset

import (
	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// The same controller runs ReplicaSets and ReplicationControllers, as
// upstream's replication manager wraps the ReplicaSet controller: a
// ReplicationController is handled in its ReplicaSet form (its selector
// map as matchLabels) and its status written back in its own.

// set is one ReplicaSet or ReplicationController: the stored object, the
// owner of its pods and subject of its events, and its ReplicaSet form.
type set struct {
	obj api.Object
	rs  *api.ReplicaSet
}

// source is where the controller's objects come from.
type source interface {
	kind() string
	start(h func(old, cur *set), del func(*set)) error
	get(ns, name string) (*set, bool)
	list() []*set
	writeStatus(c *client.Client, s *set, st api.ReplicaSetStatus) error
	// terminatingReplicas says whether the status counts terminating
	// pods (DeploymentReplicaSetTerminatingReplicas, beta and on in
	// v1.37; ReplicationControllers have no such field).
	terminatingReplicas() bool
}

type rsSource struct {
	inf *client.Informer[*api.ReplicaSet]
}

func (rsSource) kind() string { return "ReplicaSet" }

func (s rsSource) start(h func(old, cur *set), del func(*set)) error {
	s.inf.AddHandler(client.Handler[*api.ReplicaSet]{
		Add:    func(rs *api.ReplicaSet) { h(nil, rsSet(rs)) },
		Update: func(old, rs *api.ReplicaSet) { h(rsSet(old), rsSet(rs)) },
		Delete: func(rs *api.ReplicaSet) { del(rsSet(rs)) },
	})
	return s.inf.Start()
}

func rsSet(rs *api.ReplicaSet) *set { return &set{obj: rs, rs: rs} }

func (s rsSource) get(ns, name string) (*set, bool) {
	rs, ok := s.inf.Get(ns, name)
	if !ok {
		return nil, false
	}
	return rsSet(rs), true
}

func (s rsSource) list() []*set {
	var out []*set
	for _, rs := range s.inf.List() {
		out = append(out, rsSet(rs))
	}
	return out
}

func (rsSource) writeStatus(c *client.Client, s *set, st api.ReplicaSetStatus) error {
	upd := api.Clone(s.rs)
	upd.Status = st
	_, err := client.UpdateStatus(c, upd)
	return err
}

func (rsSource) terminatingReplicas() bool { return true }

type rcSource struct {
	inf *client.Informer[*api.ReplicationController]
}

func (rcSource) kind() string { return "ReplicationController" }

func (s rcSource) start(h func(old, cur *set), del func(*set)) error {
	s.inf.AddHandler(client.Handler[*api.ReplicationController]{
		Add:    func(rc *api.ReplicationController) { h(nil, rcSet(rc)) },
		Update: func(old, rc *api.ReplicationController) { h(rcSet(old), rcSet(rc)) },
		Delete: func(rc *api.ReplicationController) { del(rcSet(rc)) },
	})
	return s.inf.Start()
}

// rcSet converts a ReplicationController to its ReplicaSet form, as
// upstream's conversion.go.
func rcSet(rc *api.ReplicationController) *set {
	rs := &api.ReplicaSet{ObjectMeta: rc.ObjectMeta}
	rs.Spec.Replicas = rc.Spec.Replicas
	rs.Spec.MinReadySeconds = rc.Spec.MinReadySeconds
	if rc.Spec.Selector != nil {
		rs.Spec.Selector = &api.LabelSelector{MatchLabels: rc.Spec.Selector}
	}
	if rc.Spec.Template != nil {
		rs.Spec.Template = *rc.Spec.Template
	}
	st := rc.Status
	rs.Status = api.ReplicaSetStatus{
		Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas, ReadyReplicas: st.ReadyReplicas,
		AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration,
	}
	for _, c := range st.Conditions {
		rs.Status.Conditions = append(rs.Status.Conditions, api.ReplicaSetCondition(c))
	}
	return &set{obj: rc, rs: rs}
}

func (s rcSource) get(ns, name string) (*set, bool) {
	rc, ok := s.inf.Get(ns, name)
	if !ok {
		return nil, false
	}
	return rcSet(rc), true
}

func (s rcSource) list() []*set {
	var out []*set
	for _, rc := range s.inf.List() {
		out = append(out, rcSet(rc))
	}
	return out
}

func (rcSource) writeStatus(c *client.Client, s *set, st api.ReplicaSetStatus) error {
	upd := api.Clone(s.obj.(*api.ReplicationController))
	upd.Status = api.ReplicationControllerStatus{
		Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas, ReadyReplicas: st.ReadyReplicas,
		AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration,
	}
	for _, c := range st.Conditions {
		upd.Status.Conditions = append(upd.Status.Conditions, api.ReplicationControllerCondition(c))
	}
	_, err := client.UpdateStatus(c, upd)
	return err
}

func (rcSource) terminatingReplicas() bool { return false }

func newRSSource(c *client.Client) rsSource {
	return rsSource{client.NewInformer[*api.ReplicaSet](c, "", apiserver.ListOptions{})}
}

func newRCSource(c *client.Client) rcSource {
	return rcSource{client.NewInformer[*api.ReplicationController](c, "", apiserver.ListOptions{})}
}
