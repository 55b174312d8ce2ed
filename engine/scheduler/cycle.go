package scheduler

import (
	"errors"
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The scheduling cycle, as schedule_one.go.

// The sizes behind percentageOfNodesToScore: at least this many feasible
// nodes are looked for, and at least this share of the cluster.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

var errNoNodesAvailable = errors.New("no nodes available to schedule pods")

// scheduleResult is the node chosen and how many nodes it took.
type scheduleResult struct {
	node      string
	evaluated int
	feasible  int
	diag      *diagnosis
}

// scheduleOne pops the next pod and runs its scheduling cycle.
func (s *Scheduler) scheduleOne() {
	s.posted = false
	if s.stopped {
		return
	}
	defer s.kick()
	qp, ok := s.queue.pop()
	if !ok {
		return
	}
	p := qp.info.pod
	if p.DeletionTimestamp != nil {
		s.rec.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "skip schedule deleting pod: %s/%s", p.Namespace, p.Name)
		s.queue.done(qp.key())
		return
	}
	if s.cache.isAssumed(qp.key()) {
		s.queue.done(qp.key())
		return
	}
	s.schedulingCycle(qp)
}

// schedulingCycle finds a node for the pod, or runs preemption and records
// why there is none; a found node is assumed and the binding begins.
func (s *Scheduler) schedulingCycle(qp *queuedPod) {
	state := newCycleState(qp.info)
	p := qp.info.pod
	res, err := s.schedulePod(state, p)
	if err == nil {
		s.assumeAndBind(qp, state, res)
		return
	}
	var fe *fitError
	if !errors.As(err, &fe) {
		st := newStatus(UnschedulableAndUnresolvable, err.Error())
		if !errors.Is(err, errNoNodesAvailable) {
			st.Code = Error
		}
		s.record(qp, res, st, "")
		s.handleFailure(qp, st, nil, clearNomination)
		return
	}
	nominating, msg := s.postFilter(state, p, fe.diag)
	fe.diag.postFilterMsg = msg
	st := newStatus(Unschedulable, fe.Error())
	s.record(qp, res, st, nominating.node)
	s.handleFailure(qp, st, fe, nominating)
}

// schedulePod is SchedulePod: filter, then score when more than one node
// fits, then pick.
func (s *Scheduler) schedulePod(state *cycleState, p *api.Pod) (scheduleResult, error) {
	all := s.cache.nodeList()
	if len(all) == 0 {
		return scheduleResult{}, errNoNodesAvailable
	}
	feasible, diag, err := s.findNodesThatFit(state, p, all)
	res := scheduleResult{diag: diag, feasible: len(feasible), evaluated: len(feasible) + len(diag.statuses)}
	if err != nil {
		return res, err
	}
	if len(feasible) == 0 {
		return res, &fitError{numAllNodes: len(all), diag: diag}
	}
	if len(feasible) == 1 {
		res.node = feasible[0].name()
		return res, nil
	}
	_, totals := s.fw.runScore(state, p, feasible, false)
	res.node = s.selectHost(feasible, totals)
	return res, nil
}

// findNodesThatFit runs PreFilter, tries the nominated node first, then
// filters the nodes from where the last cycle stopped.
func (s *Scheduler) findNodesThatFit(state *cycleState, p *api.Pod, all []*nodeInfo) ([]*nodeInfo, *diagnosis, error) {
	diag := newDiagnosis()
	res, st := s.fw.runPreFilter(state, p)
	if !st.IsSuccess() {
		if !st.IsRejected() {
			return nil, diag, errors.New(st.Message())
		}
		diag.absent, diag.preFilterMsg = st, st.Message()
		diag.addPlugin(st.Plugin)
		return nil, diag, nil
	}
	if nnn := p.Status.NominatedNodeName; nnn != "" {
		if n, ok := s.cache.node(nnn); ok {
			if feasible, err := s.filterNodes(state, p, diag, []*nodeInfo{n}, 0); err == nil && len(feasible) > 0 {
				return feasible, diag, nil
			}
		}
	}
	nodes := all
	if res != nil {
		nodes = restrict(all, res.nodes)
		diag.absent = newStatus(UnschedulableAndUnresolvable, fmt.Sprintf("node(s) didn't satisfy plugin(s) %v", res.plugins))
		for _, name := range res.plugins {
			diag.addPlugin(name)
		}
	}
	feasible, err := s.filterNodes(state, p, diag, nodes, s.nextStart)
	s.nextStart = (s.nextStart + len(feasible) + len(diag.statuses)) % len(all)
	return feasible, diag, err
}

func restrict(all []*nodeInfo, names map[string]bool) []*nodeInfo {
	out := make([]*nodeInfo, 0, len(names))
	for _, n := range all {
		if names[n.name()] {
			out = append(out, n)
		}
	}
	return out
}

// filterNodes is findNodesThatPassFilters: nodes are checked from start,
// wrapping around, until enough feasible ones are found.
func (s *Scheduler) filterNodes(state *cycleState, p *api.Pod, diag *diagnosis, nodes []*nodeInfo, start int) ([]*nodeInfo, error) {
	want := numFeasibleNodesToFind(len(nodes))
	feasible := s.feasible[:0]
	// With no pod nominated anywhere (most cycles), every node runs the
	// filters once, without looking its nominations up.
	nominated := !s.fw.h.nominator.empty()
	for i := 0; i < len(nodes) && len(feasible) < want; i++ {
		n := nodes[(start+i)%len(nodes)]
		var st *Status
		if nominated {
			st = s.fw.runFiltersWithNominated(state, p, n)
		} else {
			st = s.fw.runFilters(state, p, n)
		}
		switch {
		case st.IsSuccess():
			feasible = append(feasible, n)
		case st.IsRejected():
			diag.add(n.name(), st)
		default:
			return nil, fmt.Errorf("running %q filter plugin: %s", st.Plugin, st.Message())
		}
	}
	s.feasible = feasible
	return feasible, nil
}

// numFeasibleNodesToFind is the adaptive percentageOfNodesToScore: every
// node of a cluster under 100; else 50% less 1% per 125 nodes, at least
// 5%, and at least 100 nodes.
func numFeasibleNodesToFind(all int) int {
	if all < minFeasibleNodesToFind {
		return all
	}
	pct := max(50-all/125, minFeasibleNodesPercentageToFind)
	return max(all*pct/100, minFeasibleNodesToFind)
}

// selectHost picks the highest total, breaking ties at random among the
// nodes that share it with reservoir sampling, on the scheduler's seeded
// source.
func (s *Scheduler) selectHost(nodes []*nodeInfo, totals []int64) string {
	best, count := 0, 1
	for i := 1; i < len(nodes); i++ {
		switch {
		case totals[i] > totals[best]:
			best, count = i, 1
		case totals[i] == totals[best]:
			count++
			if s.rand.IntN(count) == 0 {
				best = i
			}
		}
	}
	return nodes[best].name()
}
