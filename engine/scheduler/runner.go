package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// framework runs a profile's plugins at each extension point, as the
// framework runtime does; it has no side effects, so the explanation and
// preemption's dry runs use it too.
type framework struct {
	profile *profile
	h       *handle
	scores  []pluginScores // scratch for the real cycle's scores
	totals  []int64
}

// runPreFilter runs the PreFilter plugins: a Skip skips the plugin's
// Filter; a rejection ends it. It returns the merged node restriction.
func (f *framework) runPreFilter(s *cycleState, p *api.Pod) (*preFilterResult, *Status) {
	var result *preFilterResult
	var rejected *Status
	var narrowing []string
	for _, pl := range f.profile.preFilter {
		r, st := pl.PreFilter(s, p)
		switch {
		case st.IsSkip():
			s.skipFilter.add(pl.Name())
			continue
		case st.code() == UnschedulableAndUnresolvable:
			return nil, st.withPlugin(pl.Name())
		case st.code() == Unschedulable:
			// Preemption may still help: prepare the other plugins' state.
			rejected = st.withPlugin(pl.Name())
			continue
		case !st.IsSuccess():
			return nil, asStatus(fmt.Errorf("running PreFilter plugin %q: %s", pl.Name(), st.Message())).withPlugin(pl.Name())
		}
		if r != nil {
			result = mergeResults(result, r)
			narrowing = append(narrowing, pl.Name())
			result.plugins = narrowing
			if len(result.nodes) == 0 {
				return nil, newStatus(UnschedulableAndUnresolvable, fmt.Sprintf("node(s) didn't satisfy plugin(s) %v simultaneously", narrowing))
			}
		}
	}
	s.filters = f.activeFilters(s)
	return result, rejected
}

func mergeResults(a, b *preFilterResult) *preFilterResult {
	if a == nil {
		return b
	}
	out := &preFilterResult{nodes: map[string]bool{}}
	for n := range a.nodes {
		if b.nodes[n] {
			out.nodes[n] = true
		}
	}
	return out
}

func (f *framework) activeFilters(s *cycleState) []filterPlugin {
	out := make([]filterPlugin, 0, len(f.profile.filter))
	for _, pl := range f.profile.filter {
		if !s.skipFilter.has(pl.Name()) {
			out = append(out, pl)
		}
	}
	return out
}

// runFilters is RunFilterPlugins: the first plugin that rejects the node
// decides.
func (f *framework) runFilters(s *cycleState, p *api.Pod, n *nodeInfo) *Status {
	for _, pl := range s.filters {
		if st := pl.Filter(s, p, n); !st.IsSuccess() {
			return st.withPlugin(pl.Name())
		}
	}
	return nil
}

// runFiltersWithNominated is RunFilterPluginsWithNominatedPods: when pods
// of equal or higher priority are nominated to the node, the pod must fit
// both with them counted and without.
func (f *framework) runFiltersWithNominated(s *cycleState, p *api.Pod, n *nodeInfo) *Status {
	nominated := f.h.nominator.forNode(n.name())
	if len(nominated) == 0 {
		return f.runFilters(s, p, n)
	}
	s2, n2, added := f.addNominated(s, p, n, nominated)
	st := f.runFilters(s2, p, n2)
	if !added || !st.IsSuccess() {
		return st
	}
	return f.runFilters(s, p, n)
}

func (f *framework) addNominated(s *cycleState, p *api.Pod, n *nodeInfo, nominated []*podInfo) (*cycleState, *nodeInfo, bool) {
	prio := podPriority(p)
	var s2 *cycleState
	var n2 *nodeInfo
	for _, pi := range nominated {
		if pi.priority < prio || pi.pod.UID == p.UID {
			continue
		}
		if s2 == nil {
			s2, n2 = s.clone(), n.clone()
		}
		n2.addPod(pi)
		f.addPod(s2, p, pi, n2)
	}
	if s2 == nil {
		return s, n, false
	}
	return s2, n2, true
}

// addPod and removePod run the PreFilterExtensions of the plugins that
// were not skipped.
func (f *framework) addPod(s *cycleState, p *api.Pod, pi *podInfo, n *nodeInfo) {
	for _, pl := range f.profile.podChange {
		if !s.skipFilter.has(pl.Name()) {
			pl.AddPod(s, p, pi, n)
		}
	}
}

func (f *framework) removePod(s *cycleState, p *api.Pod, pi *podInfo, n *nodeInfo) {
	for _, pl := range f.profile.podChange {
		if !s.skipFilter.has(pl.Name()) {
			pl.RemovePod(s, p, pi, n)
		}
	}
}

// pluginScores is one score plugin's scores of the nodes: raw, then
// normalized; skipped when its PreScore said so.
type pluginScores struct {
	name       string
	weight     int64
	skipped    bool
	raw, final []int64
}

// runScore runs PreScore, Score and NormalizeScore of every score plugin
// and returns each plugin's scores and the weighted totals per node. With
// keepRaw the scores before normalizing are kept too, and the results are
// the caller's; without, they live in the framework's scratch space until
// the next call.
func (f *framework) runScore(s *cycleState, p *api.Pod, nodes []*nodeInfo, keepRaw bool) ([]pluginScores, []int64) {
	for _, pl := range f.profile.preScore {
		if pl.PreScore(s, p, nodes).IsSkip() {
			s.skipScore.add(pl.Name())
		}
	}
	out, totals := f.scoreBuffers(len(nodes), keepRaw)
	for i, ws := range f.profile.score {
		ps := &out[i]
		ps.name, ps.weight, ps.skipped = ws.plugin.Name(), ws.weight, s.skipScore.has(ws.plugin.Name())
		if ps.skipped {
			continue
		}
		f.scorePlugin(s, p, nodes, ws.plugin, ps, keepRaw)
		for j, v := range ps.final {
			totals[j] += v * ws.weight
		}
	}
	return out, totals
}

// scoreBuffers returns zeroed score slices: fresh ones for the caller to
// keep, or the reused scratch space.
func (f *framework) scoreBuffers(n int, fresh bool) ([]pluginScores, []int64) {
	if fresh {
		out := make([]pluginScores, len(f.profile.score))
		for i := range out {
			out[i].final = make([]int64, n)
		}
		return out, make([]int64, n)
	}
	if len(f.scores) != len(f.profile.score) {
		f.scores = make([]pluginScores, len(f.profile.score))
	}
	for i := range f.scores {
		f.scores[i].final = resize(f.scores[i].final, n)
	}
	f.totals = resize(f.totals, n)
	return f.scores, f.totals
}

func resize(b []int64, n int) []int64 {
	if cap(b) < n {
		return make([]int64, n)
	}
	b = b[:n]
	clear(b)
	return b
}

func (f *framework) scorePlugin(s *cycleState, p *api.Pod, nodes []*nodeInfo, pl scorePlugin, ps *pluginScores, keepRaw bool) {
	for j, n := range nodes {
		ps.final[j] = pl.Score(s, p, n)
	}
	if keepRaw {
		ps.raw = slices.Clone(ps.final)
	}
	if norm, ok := pl.(normalizePlugin); ok {
		norm.Normalize(s, p, nodes, ps.final)
	}
}

// diagnosis is what a failed cycle learned, as framework.Diagnosis.
type diagnosis struct {
	statuses      map[string]*Status // nodes that failed, and why
	absent        *Status            // the status of nodes not listed
	plugins       map[string]bool    // UnschedulablePlugins
	preFilterMsg  string
	postFilterMsg string
}

// defaultAbsent is the status of the nodes a diagnosis does not list.
var defaultAbsent = newStatus(UnschedulableAndUnresolvable)

func newDiagnosis() *diagnosis { return &diagnosis{absent: defaultAbsent} }

func (d *diagnosis) add(node string, st *Status) {
	if d.statuses == nil {
		d.statuses = map[string]*Status{}
	}
	d.statuses[node] = st
	d.addPlugin(st.Plugin)
}

func (d *diagnosis) addPlugin(name string) {
	if name == "" {
		return
	}
	if d.plugins == nil {
		d.plugins = map[string]bool{}
	}
	d.plugins[name] = true
}

// statusOf returns a node's status, or the status of absent nodes.
func (d *diagnosis) statusOf(node string) *Status {
	if st, ok := d.statuses[node]; ok {
		return st
	}
	return d.absent
}

// fitError is framework.FitError: why no node of numAllNodes fit.
type fitError struct {
	numAllNodes int
	diag        *diagnosis
}

// Error is FitError.Error: "0/3 nodes are available: " then the reasons
// counted over the nodes and sorted, or the PreFilter's message, then what
// PostFilter (preemption) had to say.
func (e *fitError) Error() string {
	msg := fmt.Sprintf("0/%d nodes are available:", e.numAllNodes)
	if e.diag.preFilterMsg != "" {
		msg += " " + e.diag.preFilterMsg + "."
	} else if h := e.histogram(); h != "" {
		msg += " " + h + "."
	}
	if e.diag.postFilterMsg != "" {
		msg += " " + e.diag.postFilterMsg
	}
	return msg
}

func (e *fitError) histogram() string {
	counts := map[string]int{}
	for _, st := range e.diag.statuses {
		for _, r := range st.Reasons {
			counts[r]++
		}
	}
	if absent := e.numAllNodes - len(e.diag.statuses); absent > 0 && e.diag.absent != nil {
		for _, r := range e.diag.absent.Reasons {
			counts[r] += absent
		}
	}
	parts := make([]string, 0, len(counts))
	for _, r := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[r], r))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
