package scheduler

import (
	"maps"
	"slices"
	"time"

	"github.com/kubeplay/kubeplay/engine/client"
)

// CycleRecord is what the last real scheduling cycle of a pod found: kept
// per pending or recently scheduled pod, cheaply (the failed nodes' first
// rejecting plugin, not the scores), for the page to show beside Explain.
type CycleRecord struct {
	Time           time.Time         `json:"time"`
	Attempt        int               `json:"attempt"`
	Result         string            `json:"result"` // Scheduled, Unschedulable or Error
	Node           string            `json:"node,omitempty"`
	NominatedNode  string            `json:"nominatedNode,omitempty"`
	Message        string            `json:"message,omitempty"`
	EvaluatedNodes int               `json:"evaluatedNodes"`
	FeasibleNodes  int               `json:"feasibleNodes"`
	Rejected       []NodeFilterState `json:"rejected,omitempty"`
}

// NodeFilterState is why one node was filtered out: the first plugin that
// rejected it.
type NodeFilterState struct {
	Node   string   `json:"node"`
	Plugin string   `json:"plugin"`
	Code   Code     `json:"code"`
	Reason []string `json:"reasons,omitempty"`
}

// record keeps what a cycle found: the node, or the status that says why
// there is none.
func (s *Scheduler) record(qp *queuedPod, res scheduleResult, st *Status, nominated string) {
	r := &CycleRecord{
		Time: s.c.Now(), Attempt: qp.attempts, Node: res.node, NominatedNode: nominated, Message: st.Message(),
		EvaluatedNodes: res.evaluated, FeasibleNodes: res.feasible, Result: "Scheduled",
	}
	switch {
	case st.IsRejected():
		r.Result = "Unschedulable"
	case !st.IsSuccess():
		r.Result = "Error"
	}
	if res.diag != nil && len(res.diag.statuses) > 0 {
		r.Rejected = rejectedNodes(res.diag.statuses)
	}
	s.cycles[qp.key()] = r
}

// recordFailure notes that the binding of a scheduled pod failed.
func (s *Scheduler) recordFailure(qp *queuedPod, msg string) {
	if r, ok := s.cycles[qp.key()]; ok {
		r.Result, r.Message = "Error", msg
	}
}

func rejectedNodes(statuses map[string]*Status) []NodeFilterState {
	out := make([]NodeFilterState, 0, len(statuses))
	for _, node := range slices.Sorted(maps.Keys(statuses)) {
		st := statuses[node]
		out = append(out, NodeFilterState{Node: node, Plugin: st.Plugin, Code: st.Code, Reason: st.Reasons})
	}
	return out
}

// LastCycle returns what the last scheduling cycle of the pod found.
func (s *Scheduler) LastCycle(namespace, name string) (*CycleRecord, bool) {
	r, ok := s.cycles[client.Key(namespace, name)]
	return r, ok
}
