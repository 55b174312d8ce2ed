package scheduler

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/clock"
)

// bindTimeout is VolumeBindingArgs.BindTimeoutSeconds' default: how long
// PreBind waits for the volume controller to bind the pod's claims.
const bindTimeout = 600 * time.Second

// binding is a pod between its scheduling cycle and its binding: assumed
// on its node, perhaps waiting for its volumes.
type binding struct {
	qp    *queuedPod
	pod   *api.Pod // as assumed: bound to node
	state *cycleState
	node  string
	timer *clock.Timer
}

// assumeAndBind counts the pod on its node before the API hears of it, so
// the next cycle sees it there, reserves its volumes, and binds.
func (s *Scheduler) assumeAndBind(qp *queuedPod, state *cycleState, res scheduleResult) {
	// A shallow copy: objects from the informers are never changed in
	// place, and only the node name differs.
	cp := *qp.info.pod
	cp.Spec.NodeName = res.node
	assumed := &cp
	s.cache.addPod(qp.info.withPod(assumed), res.node, true)
	s.queue.nominator.delete(qp.key())
	b := &binding{qp: qp, pod: assumed, state: state, node: res.node}
	s.record(qp, res, nil, "")
	if st := s.profile.volumes.reserve(state, res.node); !st.IsSuccess() {
		s.bindingFailed(b, st)
		return
	}
	s.preBind(b)
}

// preBind writes the volume bindings and waits for them, as
// VolumeBinding's PreBind; the wait ends on a claim or volume event, or
// after bindTimeout. When there is such work, the pod is first nominated
// to its node, to say where it is going (NominatedNodeNameForExpectation).
func (s *Scheduler) preBind(b *binding) {
	if s.profile.volumes.hasWork(b.state) {
		s.updatePod(b.qp.info.pod, nil, nominating{override: true, node: b.node})
	}
	done, st := s.profile.volumes.preBind(b.state, b.pod, b.node)
	if !st.IsSuccess() {
		s.bindingFailed(b, st)
		return
	}
	if done {
		s.bind(b)
		return
	}
	s.waiting[b.qp.key()] = b
	b.timer = s.loop.After(bindTimeout, func() {
		if !s.stopped && s.waiting[b.qp.key()] == b {
			delete(s.waiting, b.qp.key())
			s.bindingFailed(b, prebindError(fmt.Errorf("binding volumes: context deadline exceeded")))
		}
	})
}

func prebindError(err error) *Status {
	return asStatus(fmt.Errorf("running PreBind plugin %q: %w", "VolumeBinding", err)).withPlugin("VolumeBinding")
}

// recheckWaiting looks again at the bindings waiting for volumes, after a
// claim or volume changed.
func (s *Scheduler) recheckWaiting() {
	for _, key := range api.SortedKeys(s.waiting) {
		b := s.waiting[key]
		done, err := s.profile.volumes.checkBindings(b.state, b.pod, b.node)
		if err == nil && !done {
			continue
		}
		delete(s.waiting, key)
		b.timer.Stop()
		if err != nil {
			s.bindingFailed(b, prebindError(fmt.Errorf("binding volumes: %w", err)))
			continue
		}
		s.bind(b)
	}
}

// abandonWaiting drops a waiting binding whose pod is gone.
func (s *Scheduler) abandonWaiting(key string) {
	if b, ok := s.waiting[key]; ok {
		delete(s.waiting, key)
		b.timer.Stop()
		s.profile.volumes.unreserve(b.state)
		s.cache.removePod(key)
	}
}

// bind is the DefaultBinder: the pods/binding subresource.
func (s *Scheduler) bind(b *binding) {
	p := b.qp.info.pod
	err := s.c.Bind(p.Namespace, &api.Binding{
		ObjectMeta: api.ObjectMeta{Name: p.Name, Namespace: p.Namespace, UID: p.UID},
		Target:     api.ObjectReference{Kind: "Node", Name: b.node},
	})
	if err != nil {
		s.bindingFailed(b, asStatus(fmt.Errorf("running Bind plugin %q: %w", "DefaultBinder", err)).withPlugin("DefaultBinder"))
		return
	}
	s.queue.done(b.qp.key())
	s.rec.Eventf(p, nil, api.EventNormal, "Scheduled", "Binding", "Successfully assigned %s/%s to %s", p.Namespace, p.Name, b.node)
}

// bindingFailed is handleBindingCycleError: the assumed pod is forgotten,
// which may let other pods fit, and the pod goes back to the queue.
func (s *Scheduler) bindingFailed(b *binding, st *Status) {
	key := b.qp.key()
	s.profile.volumes.unreserve(b.state)
	if s.cache.removePod(key) {
		s.queue.moveAll(clusterEvent{resource: resAssignedPod, action: actDelete}, b.pod, nil, func(qp *queuedPod) bool {
			return qp.key() != key
		})
	}
	s.recordFailure(b.qp, st.Message())
	s.handleFailure(b.qp, st, nil, clearNomination)
}
