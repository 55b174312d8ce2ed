package scheduler

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Explanation is what every plugin says of a pod on every node right now,
// as kube-scheduler-simulator shows it: each filter plugin's verdict, each
// score plugin's raw and normalized score and its weighted share, and the
// node the scheduler would pick. Nodes are in name order, plugins in the
// profile's order. Unlike a real cycle it looks at every node (not only
// percentageOfNodesToScore of them), runs every filter plugin on every
// node (a real cycle stops at the first rejection, shown as Status), and
// changes nothing: preemption is a dry run and ties are left to name.
type Explanation struct {
	Pod           string                 `json:"pod"`
	Time          time.Time              `json:"time"`
	PreFilter     []PluginResult         `json:"preFilter"`
	ScorePlugins  []ScorePlugin          `json:"scorePlugins"`
	Nodes         []NodeExplanation      `json:"nodes"`
	FeasibleNodes int                    `json:"feasibleNodes"`
	SelectedNode  string                 `json:"selectedNode,omitempty"`
	TiedNodes     []string               `json:"tiedNodes,omitempty"`
	Message       string                 `json:"message,omitempty"`
	Preemption    *PreemptionExplanation `json:"preemption,omitempty"`
}

// PluginResult is one plugin's verdict.
type PluginResult struct {
	Plugin  string   `json:"plugin"`
	Code    Code     `json:"code"`
	Reasons []string `json:"reasons,omitempty"`
}

// ScorePlugin is a score plugin of the profile, with its weight.
type ScorePlugin struct {
	Plugin  string `json:"plugin"`
	Weight  int64  `json:"weight"`
	Skipped bool   `json:"skipped,omitempty"`
}

// NodeExplanation is one node's filter verdicts and, when it is feasible,
// its scores.
type NodeExplanation struct {
	Node     string         `json:"node"`
	Feasible bool           `json:"feasible"`
	Status   *Status        `json:"status,omitempty"`
	Filters  []PluginResult `json:"filters"`
	Scores   []NodeScore    `json:"scores,omitempty"`
	Total    int64          `json:"total,omitempty"`
}

// NodeScore is one score plugin's score of a node.
type NodeScore struct {
	Plugin     string `json:"plugin"`
	Raw        int64  `json:"raw"`
	Normalized int64  `json:"normalized"`
	Weighted   int64  `json:"weighted"`
}

// PreemptionExplanation is the node preemption would pick and its victims.
type PreemptionExplanation struct {
	Node    string   `json:"node"`
	Victims []string `json:"victims"`
}

// Explain runs the filter and score plugins for a pod against every node
// now, without binding or changing anything. A bound pod is explained as
// if it were not there yet.
func (s *Scheduler) Explain(namespace, name string) (*Explanation, error) {
	p, ok := s.pods.Get(namespace, name)
	if !ok {
		r, _ := api.LookupResource("pods")
		return nil, apiserver.NewNotFound(r, name)
	}
	p = api.Clone(p)
	p.Spec.NodeName = ""
	e := &Explanation{Pod: client.KeyOf(p), Time: s.c.Now()}
	state := newCycleState(newPodInfo(p))
	rejected, restrict := s.explainPreFilter(e, state, p)
	diag := newDiagnosis()
	var feasible []*nodeInfo
	for _, n := range s.nodesWithout(client.KeyOf(p)) {
		ne := s.explainNode(state, p, n, rejected, restrict)
		if ne.Feasible {
			feasible = append(feasible, n)
		} else {
			diag.add(n.name(), ne.Status)
		}
		e.Nodes = append(e.Nodes, ne)
	}
	slices.SortFunc(e.Nodes, func(a, b NodeExplanation) int { return strings.Compare(a.Node, b.Node) })
	e.FeasibleNodes = len(feasible)
	if len(feasible) == 0 {
		s.explainFailure(e, state, p, diag, rejected, len(e.Nodes))
		return e, nil
	}
	s.explainScores(e, state, p, feasible)
	return e, nil
}

// explainPreFilter runs every PreFilter plugin and returns the first
// rejection and the nodes a PreFilterResult allows.
func (s *Scheduler) explainPreFilter(e *Explanation, state *cycleState, p *api.Pod) (*Status, *preFilterResult) {
	var rejected *Status
	var restrict *preFilterResult
	for _, pl := range s.profile.preFilter {
		r, st := pl.PreFilter(state, p)
		e.PreFilter = append(e.PreFilter, PluginResult{Plugin: pl.Name(), Code: st.code(), Reasons: reasonsOf(st)})
		switch {
		case st.IsSkip():
			state.skipFilter.add(pl.Name())
		case !st.IsSuccess():
			state.skipFilter.add(pl.Name())
			if rejected == nil {
				rejected = st.withPlugin(pl.Name())
			}
		case r != nil:
			restrict = mergeResults(restrict, r)
			restrict.plugins = append(restrict.plugins, pl.Name())
		}
	}
	state.filters = s.fw.activeFilters(state)
	return rejected, restrict
}

func reasonsOf(st *Status) []string {
	if st == nil {
		return nil
	}
	return st.Reasons
}

// nodesWithout lists the nodes, taking the pod itself off its own node.
func (s *Scheduler) nodesWithout(key string) []*nodeInfo {
	nodes := s.cache.nodeList()
	node, ok := s.cache.podNode(key)
	if !ok {
		return nodes
	}
	out := slices.Clone(nodes)
	for i, n := range out {
		if n.name() == node {
			out[i] = n.clone()
			out[i].removePod(key)
		}
	}
	return out
}

// explainNode runs each filter plugin on the node; the node's status is
// the PreFilter's rejection, or the first filter's, as a cycle would
// record it (nominated pods counted).
func (s *Scheduler) explainNode(state *cycleState, p *api.Pod, n *nodeInfo, rejected *Status, restrict *preFilterResult) NodeExplanation {
	ne := NodeExplanation{Node: n.name()}
	for _, pl := range s.profile.filter {
		if state.skipFilter.has(pl.Name()) {
			ne.Filters = append(ne.Filters, PluginResult{Plugin: pl.Name(), Code: Skip})
			continue
		}
		st := pl.Filter(state, p, n)
		ne.Filters = append(ne.Filters, PluginResult{Plugin: pl.Name(), Code: st.code(), Reasons: reasonsOf(st)})
	}
	switch {
	case rejected != nil:
		ne.Status = rejected
	case restrict != nil && !restrict.nodes[n.name()]:
		ne.Status = newStatus(UnschedulableAndUnresolvable, "node(s) didn't satisfy plugin(s) "+formatList(restrict.plugins))
	default:
		ne.Status = s.fw.runFiltersWithNominated(state, p, n)
	}
	ne.Feasible = ne.Status.IsSuccess()
	if ne.Feasible {
		ne.Status = nil
	}
	return ne
}

func formatList(items []string) string { return fmt.Sprintf("%v", items) }

// explainFailure writes the FitError a cycle would write, with what
// preemption would do, without doing it.
func (s *Scheduler) explainFailure(e *Explanation, state *cycleState, p *api.Pod, diag *diagnosis, rejected *Status, numNodes int) {
	if rejected != nil {
		diag.absent, diag.preFilterMsg = rejected, rejected.Message()
		diag.statuses = nil
	}
	pre := s.fw.preempt(state, p, diag, func(int) int { return 0 })
	if pre.best != nil {
		pe := &PreemptionExplanation{Node: pre.best.node}
		for _, v := range pre.best.victims {
			pe.Victims = append(pe.Victims, v.key)
		}
		e.Preemption = pe
	} else {
		diag.postFilterMsg = "preemption: " + pre.status.Message()
	}
	e.Message = (&fitError{numAllNodes: numNodes, diag: diag}).Error()
}

// explainScores scores every feasible node and picks the best, leaving a
// tie to the first name (a cycle breaks it at random).
func (s *Scheduler) explainScores(e *Explanation, state *cycleState, p *api.Pod, feasible []*nodeInfo) {
	plugins, totals := s.fw.runScore(state, p, feasible, true)
	for _, ps := range plugins {
		e.ScorePlugins = append(e.ScorePlugins, ScorePlugin{Plugin: ps.name, Weight: ps.weight, Skipped: ps.skipped})
	}
	index := map[string]int{}
	for i, n := range feasible {
		index[n.name()] = i
	}
	best := int64(-1)
	for k := range e.Nodes {
		ne := &e.Nodes[k]
		i, ok := index[ne.Node]
		if !ok {
			continue
		}
		ne.Total = totals[i]
		for _, ps := range plugins {
			if !ps.skipped {
				ne.Scores = append(ne.Scores, NodeScore{Plugin: ps.name, Raw: ps.raw[i], Normalized: ps.final[i], Weighted: ps.final[i] * ps.weight})
			}
		}
		switch {
		case ne.Total > best:
			best, e.SelectedNode, e.TiedNodes = ne.Total, ne.Node, nil
		case ne.Total == best:
			e.TiedNodes = append(e.TiedNodes, ne.Node)
		}
	}
}
