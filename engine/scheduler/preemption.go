package scheduler

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// defaultPreemption is the DefaultPreemption PostFilter plugin: when no
// node fits, find the node where evicting lower-priority pods would make
// room, respecting PodDisruptionBudgets where it can.
type defaultPreemption struct{ h *handle }

func (*defaultPreemption) Name() string { return "DefaultPreemption" }

// DefaultPreemptionArgs' defaults: dry-run at least 10% of the potential
// nodes, and at least 100.
const (
	minCandidateNodesPercentage = 10
	minCandidateNodesAbsolute   = 100
)

const (
	errNoVictims       = "No preemption victims found for incoming pod"
	errNotHelpful      = "Preemption is not helpful for scheduling"
	reasonPreemptionBy = "PreemptionByScheduler"
	conditionDisrupted = "DisruptionTarget"
)

// candidate is a node where the pod would fit once its victims are gone.
type candidate struct {
	node          string
	victims       []*podInfo // most important first
	pdbViolations int
}

// preemption is the outcome of a preemption attempt.
type preemption struct {
	best   *candidate
	status *Status    // why there is none; its message follows "preemption: "
	nom    nominating // what to do with the pod's nominated node
}

// preempt is Evaluator.Preempt, without side effects: offset picks where
// among the potential nodes the dry runs begin.
func (f *framework) preempt(state *cycleState, p *api.Pod, diag *diagnosis, offset func(n int) int) preemption {
	if ok, msg := f.eligible(p, diag.statusOf(p.Status.NominatedNodeName)); !ok {
		return preemption{status: newStatus(Unschedulable, msg)}
	}
	all := f.h.cache.nodeList()
	var potential []*nodeInfo
	for _, n := range all {
		if diag.statusOf(n.name()).code() == Unschedulable {
			potential = append(potential, n)
		}
	}
	statuses := map[string]*Status{}
	var cands []*candidate
	if len(potential) > 0 {
		cands, statuses = f.dryRun(state, p, potential, offset(len(potential)), numCandidates(len(potential)))
	}
	if len(cands) == 0 {
		fe := &fitError{numAllNodes: len(all), diag: &diagnosis{statuses: statuses, absent: newStatus(UnschedulableAndUnresolvable, errNotHelpful)}}
		return preemption{status: newStatus(Unschedulable, fe.Error()), nom: clearNomination}
	}
	best := pickOneNodeForPreemption(cands, f.h.now())
	return preemption{best: best, nom: nominating{override: true, node: best.node}}
}

// eligible is PodEligibleToPreemptOthers: not with preemptionPolicy
// Never, and not while pods it already preempted on its nominated node
// are still terminating.
func (f *framework) eligible(p *api.Pod, nominatedStatus *Status) (bool, string) {
	if api.Deref(p.Spec.PreemptionPolicy, "") == "Never" {
		return false, "not eligible due to preemptionPolicy=Never."
	}
	nnn := p.Status.NominatedNodeName
	if nnn == "" || nominatedStatus.code() == UnschedulableAndUnresolvable {
		return true, ""
	}
	if n, ok := f.h.cache.node(nnn); ok {
		for _, pi := range n.pods {
			if pi.priority < podPriority(p) && terminatingByPreemption(pi.pod) {
				return false, "not eligible due to a terminating pod on the nominated node."
			}
		}
	}
	return true, ""
}

func terminatingByPreemption(p *api.Pod) bool {
	if p.DeletionTimestamp == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == conditionDisrupted {
			return c.Status == api.ConditionTrue && c.Reason == reasonPreemptionBy
		}
	}
	return false
}

// numCandidates is calculateNumCandidates.
func numCandidates(nodes int) int {
	n := nodes * minCandidateNodesPercentage / 100
	return min(max(n, minCandidateNodesAbsolute), nodes)
}

// dryRun is DryRunPreemption: try the nodes from offset on, until enough
// candidates are found with at least one that violates no budget.
func (f *framework) dryRun(state *cycleState, p *api.Pod, nodes []*nodeInfo, offset, want int) ([]*candidate, map[string]*Status) {
	var ok, violating []*candidate
	statuses := map[string]*Status{}
	budgets := f.h.budgets.List()
	for i := range nodes {
		n := nodes[(offset+i)%len(nodes)]
		victims, violations, st := f.selectVictims(state.clone(), p, n.clone(), budgets)
		if st.IsSuccess() {
			c := &candidate{node: n.name(), victims: victims, pdbViolations: violations}
			if violations == 0 && len(ok) < want {
				ok = append(ok, c)
			} else if violations > 0 && len(violating) < want {
				violating = append(violating, c)
			}
			if len(ok) > 0 && len(ok)+len(violating) >= want {
				break
			}
			continue
		}
		statuses[n.name()] = st
	}
	return append(ok, violating...), statuses
}

// selectVictims is SelectVictimsOnNode: remove every lower-priority pod;
// if the pod then fits, put back as many as still let it fit, the most
// important first and those whose eviction would violate a budget before
// the others.
func (f *framework) selectVictims(s *cycleState, p *api.Pod, n *nodeInfo, budgets []*api.PodDisruptionBudget) ([]*podInfo, int, *Status) {
	var potential []*podInfo
	for _, pi := range slices.Clone(n.pods) {
		if pi.priority < podPriority(p) {
			potential = append(potential, pi)
			n.removePod(pi.key)
			f.removePod(s, p, pi, n)
		}
	}
	if len(potential) == 0 {
		return nil, 0, newStatus(UnschedulableAndUnresolvable, errNoVictims)
	}
	if st := f.runFiltersWithNominated(s, p, n); !st.IsSuccess() {
		return nil, 0, st
	}
	now := f.h.now()
	slices.SortStableFunc(potential, func(a, b *podInfo) int { return importance(a, b, now) })
	violating, fine := splitByBudget(potential, budgets)
	var victims []*podInfo
	reprieve := func(pi *podInfo) bool {
		n.addPod(pi)
		f.addPod(s, p, pi, n)
		if f.runFiltersWithNominated(s, p, n).IsSuccess() {
			return true
		}
		n.removePod(pi.key)
		f.removePod(s, p, pi, n)
		victims = append(victims, pi)
		return false
	}
	violations := 0
	for _, pi := range violating {
		if !reprieve(pi) {
			violations++
		}
	}
	for _, pi := range fine {
		reprieve(pi)
	}
	if len(violating) > 0 && len(fine) > 0 {
		slices.SortStableFunc(victims, func(a, b *podInfo) int { return importance(a, b, now) })
	}
	return victims, violations, nil
}

// importance orders pods as util.MoreImportantPod: higher priority first,
// then the one that started earlier.
func importance(a, b *podInfo, now time.Time) int {
	if a.priority != b.priority {
		if a.priority > b.priority {
			return -1
		}
		return 1
	}
	return startTime(a.pod, now).Compare(startTime(b.pod, now))
}

func startTime(p *api.Pod, now time.Time) time.Time {
	if p.Status.StartTime != nil {
		return p.Status.StartTime.Time
	}
	return now
}

// splitByBudget is filterPodsWithPDBViolation: walking the pods in order,
// a pod whose eviction would take a matching budget below zero allowed
// disruptions violates it.
func splitByBudget(pods []*podInfo, budgets []*api.PodDisruptionBudget) (violating, fine []*podInfo) {
	allowed := make([]int32, len(budgets))
	for i, b := range budgets {
		allowed[i] = b.Status.DisruptionsAllowed
	}
	for _, pi := range pods {
		if violatesBudget(pi.pod, budgets, allowed) {
			violating = append(violating, pi)
		} else {
			fine = append(fine, pi)
		}
	}
	return violating, fine
}

func violatesBudget(p *api.Pod, budgets []*api.PodDisruptionBudget, allowed []int32) bool {
	if len(p.Labels) == 0 {
		return false
	}
	violated := false
	for i, b := range budgets {
		if b.Namespace != p.Namespace {
			continue
		}
		sel, err := api.SelectorFromLabelSelector(b.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(p.Labels) {
			continue
		}
		if _, done := b.Status.DisruptedPods[p.Name]; done {
			continue
		}
		allowed[i]--
		if allowed[i] < 0 {
			violated = true
		}
	}
	return violated
}

// pickOneNodeForPreemption prefers, in turn: the fewest budget
// violations, the lowest highest-priority victim, the lowest sum of
// priorities, the fewest victims, the latest start among the
// highest-priority victims; then the first candidate.
func pickOneNodeForPreemption(cands []*candidate, now time.Time) *candidate {
	scores := []func(c *candidate) int64{
		func(c *candidate) int64 { return -int64(c.pdbViolations) },
		func(c *candidate) int64 { return -int64(c.victims[0].priority) },
		func(c *candidate) int64 {
			var sum int64
			for _, v := range c.victims {
				sum += int64(v.priority) + int64(math.MaxInt32+1)
			}
			return -sum
		},
		func(c *candidate) int64 { return -int64(len(c.victims)) },
		func(c *candidate) int64 { return earliestStart(c.victims, now).UnixNano() },
	}
	for _, score := range scores {
		var best []*candidate
		top := int64(math.MinInt64)
		for _, c := range cands {
			v := score(c)
			if v > top {
				top, best = v, nil
			}
			if v == top {
				best = append(best, c)
			}
		}
		if len(best) == 1 {
			return best[0]
		}
		cands = best
	}
	return cands[0]
}

// earliestStart is GetEarliestPodStartTime: the earliest start among the
// victims of the highest priority.
func earliestStart(victims []*podInfo, now time.Time) time.Time {
	earliest, top := startTime(victims[0].pod, now), victims[0].priority
	for _, v := range victims {
		switch t := startTime(v.pod, now); {
		case v.priority == top && t.Before(earliest):
			earliest = t
		case v.priority > top:
			top, earliest = v.priority, t
		}
	}
	return earliest
}

// postFilter runs preemption for a pod that fit nowhere and carries it
// out: the victims are marked and deleted, lower-priority pods nominated
// to the node lose their nomination. It returns the nomination and the
// message the FitError ends with.
func (s *Scheduler) postFilter(state *cycleState, p *api.Pod, diag *diagnosis) (nominating, string) {
	if cur, ok := s.pods.Get(p.Namespace, p.Name); ok {
		p = cur
	}
	pre := s.fw.preempt(state, p, diag, func(n int) int { return s.rand.IntN(n) })
	if pre.best == nil {
		return pre.nom, "preemption: " + pre.status.Message()
	}
	for _, v := range pre.best.victims {
		s.preemptVictim(p, v.pod, pre.best.node)
	}
	s.clearLowerNominated(p, pre.best.node)
	return pre.nom, ""
}

// preemptVictim marks the victim as the target of a disruption, deletes
// it gracefully and says so, as the preemption executor's PreemptPod.
func (s *Scheduler) preemptVictim(preemptor, victim *api.Pod, node string) {
	if victim.DeletionTimestamp != nil {
		return
	}
	if s.onPreempt != nil {
		s.onPreempt(preemptor, victim)
	}
	cond := api.PodCondition{Type: conditionDisrupted, Status: api.ConditionTrue, Reason: reasonPreemptionBy,
		Message: fmt.Sprintf("%s: preempting to accommodate a higher priority pod", preemptor.Spec.SchedulerName)}
	s.patchStatus(victim, func(st *api.PodStatus, gen int64) bool {
		c := cond
		c.ObservedGeneration = gen
		return updatePodCondition(st, c, s.c.Now())
	})
	if err := s.deletePod(victim); err != nil {
		return
	}
	s.rec.Eventf(victim, preemptor, api.EventNormal, "Preempted", "Preempting", "Preempted by pod %s on node %s", preemptor.UID, node)
}

// clearLowerNominated takes the nomination away from lower-priority pods
// nominated to the node, which may no longer fit there.
func (s *Scheduler) clearLowerNominated(p *api.Pod, node string) {
	for _, pi := range slices.Clone(s.queue.nominator.forNode(node)) {
		if pi.priority < podPriority(p) && pi.pod.Status.NominatedNodeName != "" {
			s.updatePod(pi.pod, nil, clearNomination)
		}
	}
}
