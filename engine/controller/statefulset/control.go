package statefulset

import (
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// maxBatchSize caps a Parallel set's burst of creations or deletions.
const maxBatchSize = 500

// syncer is one pass of upstream's updateStatefulSet over one set: the
// pods are split into replicas (ordinals the set wants, with a new pod
// object where one is missing) and condemned (the rest), then the replicas
// are created and repaired, the condemned deleted, and finally out-of-date
// pods deleted for a rolling update. In OrderedReady mode ("monotonic")
// every step stops at the first pod that is not yet Running, Ready and
// available; in Parallel mode it goes on.
type syncer struct {
	ctl                   *Controller
	set                   *api.StatefulSet
	currentSet, updateSet *api.StatefulSet
	current, update       *api.ControllerRevision
	monotonic             bool
	now                   time.Time
	replicas, condemned   []*api.Pod
	status                api.StatefulSetStatus
}

// syncPods moves a set's pods one step toward its spec and returns the
// status to record.
func (ctl *Controller) syncPods(set *api.StatefulSet, current, update *api.ControllerRevision, collisionCount int32, pods []*api.Pod) (*api.StatefulSetStatus, error) {
	currentSet, err := applyRevision(set, current)
	if err != nil {
		return nil, err
	}
	updateSet, err := applyRevision(set, update)
	if err != nil {
		return nil, err
	}
	s := &syncer{
		ctl: ctl, set: set, currentSet: currentSet, updateSet: updateSet,
		current: current, update: update, monotonic: !allowsBurst(set), now: ctl.c.Now(),
		status: api.StatefulSetStatus{
			ObservedGeneration: set.Generation,
			CurrentRevision:    current.Name,
			UpdateRevision:     update.Name,
			CollisionCount:     api.Ptr(collisionCount),
		},
	}
	s.count(pods)
	s.split(pods)
	if set.DeletionTimestamp != nil {
		return &s.status, nil
	}
	return &s.status, s.run()
}

func (s *syncer) run() error {
	firstUnavailable := s.firstUnavailable()
	steps := []struct {
		pods []*api.Pod
		fn   func(i int) (bool, error)
	}{
		{s.replicas, s.processReplica},
		{s.condemned, s.fixCondemnedClaims},
		{s.condemned, func(i int) (bool, error) { return s.processCondemned(firstUnavailable, i) }},
	}
	for _, st := range steps {
		if exit, err := runForAll(len(st.pods), st.fn, s.monotonic); exit || err != nil {
			s.count(s.replicas, s.condemned)
			return err
		}
	}
	s.count(s.replicas, s.condemned)
	if s.set.Spec.UpdateStrategy.Type == "OnDelete" {
		return nil
	}
	return s.rollingUpdate()
}

// split sorts pods into the replicas the set wants, indexed from the
// start ordinal, and the condemned, highest ordinal first. Ordinals with no
// pod get one at the revision they should have, not yet created.
func (s *syncer) split(pods []*api.Pod) {
	start := startOrdinal(s.set)
	s.replicas = make([]*api.Pod, replicasOf(s.set))
	for _, p := range pods {
		switch ord := ordinalOf(p); {
		case inOrdinalRange(p, s.set):
			s.replicas[ord-start] = p
		case ord >= 0:
			s.condemned = append(s.condemned, p)
		}
	}
	for i := range s.replicas {
		if s.replicas[i] == nil {
			s.replicas[i] = s.newPod(start + i)
		}
	}
	sortByOrdinal(s.condemned, true)
}

func (s *syncer) newPod(ordinal int) *api.Pod {
	return newVersionedPod(s.currentSet, s.updateSet, s.current.Name, s.update.Name, ordinal)
}

// firstUnavailable is the unavailable pod with the lowest ordinal.
func (s *syncer) firstUnavailable() *api.Pod {
	for _, p := range s.replicas {
		if s.unavailable(p) {
			return p
		}
	}
	for i := len(s.condemned) - 1; i >= 0; i-- {
		if s.unavailable(s.condemned[i]) {
			return s.condemned[i]
		}
	}
	return nil
}

func (s *syncer) available(p *api.Pod) bool {
	return controller.IsPodAvailable(p, s.set.Spec.MinReadySeconds, s.now)
}

func (s *syncer) unavailable(p *api.Pod) bool { return !s.available(p) || isTerminating(p) }

// count sets the status's pod counts from the given pods.
func (s *syncer) count(lists ...[]*api.Pod) {
	st := &s.status
	st.Replicas, st.ReadyReplicas, st.AvailableReplicas, st.CurrentReplicas, st.UpdatedReplicas = 0, 0, 0, 0, 0
	for _, list := range lists {
		for _, p := range list {
			if isCreated(p) {
				st.Replicas++
			}
			if isRunningAndReady(p) {
				st.ReadyReplicas++
				if s.available(p) {
					st.AvailableReplicas++
				}
			}
			if isCreated(p) && !isTerminating(p) {
				switch revisionOf(p) {
				case s.current.Name:
					st.CurrentReplicas++
					if s.current.Name == s.update.Name {
						st.UpdatedReplicas++
					}
				case s.update.Name:
					st.UpdatedReplicas++
				}
			}
		}
	}
}

// processReplica brings the replica at index i one step on; it reports
// whether the sync must stop there.
func (s *syncer) processReplica(i int) (bool, error) {
	p := s.replicas[i]
	// A pod that finished (Failed, or Succeeded after an eviction or a node
	// restart) is deleted; its successor is made once it is gone.
	if isFailed(p) || isSucceeded(p) {
		if p.DeletionTimestamp == nil {
			if err := s.ctl.deletePod(s.set, p); err != nil {
				return true, err
			}
		}
		return true, nil
	}
	if !isCreated(p) {
		if s.ctl.claimIsStale(s.set, p) {
			return true, nil
		}
		if err := s.ctl.createPod(s.set, p); err != nil {
			return true, err
		}
		if s.monotonic {
			return true, nil
		}
	}
	if isPending(p) {
		if err := s.ctl.createMissingClaims(s.set, p); err != nil {
			return true, err
		}
	}
	if s.monotonic && (isTerminating(p) || !isRunningAndReady(p) || !s.available(p)) {
		return true, nil
	}
	match, err := s.ctl.claimsMatchRetention(s.updateSet, p)
	if err != nil {
		match = true
	}
	if identityMatches(s.set, p) && storageMatches(s.set, p) && match {
		return false, nil
	}
	if err := s.ctl.updatePod(s.updateSet, api.Clone(p)); err != nil {
		return true, err
	}
	return false, nil
}

// fixCondemnedClaims gives a condemned pod's claims the owners of a
// scaled-down pod, so that the policy's deletions happen.
func (s *syncer) fixCondemnedClaims(i int) (bool, error) {
	p := s.condemned[i]
	match, err := s.ctl.claimsMatchRetention(s.updateSet, p)
	if err != nil {
		return true, err
	}
	if !match {
		if err := s.ctl.updateClaimsForRetention(s.updateSet, p); err != nil {
			return true, err
		}
	}
	return false, nil
}

// processCondemned deletes condemned pod i. In OrderedReady mode it waits
// for a terminating pod to go, and for every pod to be healthy, unless the
// condemned pod is the first unhealthy one.
func (s *syncer) processCondemned(firstUnavailable *api.Pod, i int) (bool, error) {
	p := s.condemned[i]
	if isTerminating(p) {
		return s.monotonic, nil
	}
	if s.monotonic && p != firstUnavailable && (!isRunningAndReady(p) || !s.available(p)) {
		return true, nil
	}
	return true, s.ctl.deletePod(s.set, p)
}

// runForAll runs fn over n pods: one by one, stopping where fn says, in
// OrderedReady mode; in Parallel mode in slow-start batches, stopping
// after a batch with an error.
func runForAll(n int, fn func(i int) (bool, error), monotonic bool) (bool, error) {
	if monotonic {
		for i := range n {
			if exit, err := fn(i); exit || err != nil {
				return true, err
			}
		}
		return false, nil
	}
	if err := slowStartBatch(1, n, fn); err != nil {
		return true, err
	}
	return false, nil
}

// slowStartBatch runs fn in batches of 1, 2, 4, ... (at most
// maxBatchSize), so that a failure costs little; it stops after the first
// batch with an error.
func slowStartBatch(initial, remaining int, fn func(i int) (bool, error)) error {
	j := 0
	for batch := min(remaining, initial); batch > 0; batch = min(2*batch, remaining, maxBatchSize) {
		var errs []error
		for range batch {
			if _, err := fn(j); err != nil {
				errs = append(errs, err)
			}
			j++
		}
		if len(errs) > 0 {
			return aggregate(errs)
		}
		remaining -= batch
	}
	return nil
}

// rollingUpdate deletes out-of-date replicas, highest ordinal first and
// not below the partition, as long as no more than maxUnavailable are
// unavailable (MaxUnavailableStatefulSet is on in v1.37).
func (s *syncer) rollingUpdate() error {
	updateMin, maxUnavailable := 0, 1
	if ru := s.set.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		updateMin = int(api.Deref(ru.Partition, 0))
		maxUnavailable = maxUnavailableOf(ru.MaxUnavailable, replicasOf(s.set))
	}
	parallel := allowsBurst(s.set)
	unavailable, brokenOld := 0, 0
	for _, p := range s.replicas {
		if s.unavailable(p) {
			unavailable++
			if parallel && s.outdated(p) {
				brokenOld++
			}
		}
	}
	if unavailable >= maxUnavailable && brokenOld == 0 {
		return nil
	}
	if parallel {
		return s.parallelUpdate(updateMin, maxUnavailable-unavailable)
	}
	budget := maxUnavailable - unavailable
	for target := len(s.replicas) - 1; target >= updateMin && budget > 0; target-- {
		if s.outdated(s.replicas[target]) {
			if err := s.deleteForUpdate(s.replicas[target]); err != nil {
				return err
			}
			budget--
		}
	}
	return nil
}

// parallelUpdate first deletes the out-of-date pods that are unavailable
// anyway, then as many available ones as the budget allows (upstream's fix
// for kubernetes#137409).
func (s *syncer) parallelUpdate(updateMin, budget int) error {
	for target := len(s.replicas) - 1; target >= updateMin; target-- {
		if p := s.replicas[target]; s.outdated(p) && !s.available(p) {
			if err := s.deleteForUpdate(p); err != nil {
				return err
			}
		}
	}
	for target := len(s.replicas) - 1; target >= updateMin && budget > 0; target-- {
		if p := s.replicas[target]; s.outdated(p) && s.available(p) {
			if err := s.deleteForUpdate(p); err != nil {
				return err
			}
			budget--
		}
	}
	return nil
}

// outdated reports whether a live pod is not at the update revision.
func (s *syncer) outdated(p *api.Pod) bool {
	return revisionOf(p) != s.update.Name && !isTerminating(p)
}

func (s *syncer) deleteForUpdate(p *api.Pod) error {
	if err := s.ctl.deletePod(s.set, p); err != nil && !apiserver.IsNotFound(err) {
		return err
	}
	s.status.CurrentReplicas--
	return nil
}

// maxUnavailableOf resolves maxUnavailable against the replica count,
// rounding down but never below one.
func maxUnavailableOf(v *api.IntOrString, replicas int) int {
	n, err := api.Deref(v, api.FromInt(1)).ScaledValue(replicas, false)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// completeRollingUpdate makes the update revision current once every
// replica runs it and is ready.
func completeRollingUpdate(set *api.StatefulSet, st *api.StatefulSetStatus) {
	n := int32(replicasOf(set))
	if set.Spec.UpdateStrategy.Type == "RollingUpdate" && st.UpdatedReplicas == n && st.ReadyReplicas == n && st.Replicas == n {
		st.CurrentReplicas = st.UpdatedReplicas
		st.CurrentRevision = st.UpdateRevision
	}
}

// inconsistentStatus reports whether the status to record differs from
// the set's in a field the controller keeps.
func inconsistentStatus(set *api.StatefulSet, st *api.StatefulSetStatus) bool {
	cur := &set.Status
	return st.ObservedGeneration > cur.ObservedGeneration ||
		st.Replicas != cur.Replicas ||
		st.CurrentReplicas != cur.CurrentReplicas ||
		st.ReadyReplicas != cur.ReadyReplicas ||
		st.UpdatedReplicas != cur.UpdatedReplicas ||
		st.CurrentRevision != cur.CurrentRevision ||
		st.AvailableReplicas != cur.AvailableReplicas ||
		st.UpdateRevision != cur.UpdateRevision
}
