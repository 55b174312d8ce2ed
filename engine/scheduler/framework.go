package scheduler

import (
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Code is a plugin's verdict, as the scheduling framework's Code.
type Code int

// The framework's codes, in its order.
const (
	Success Code = iota
	Error
	// Unschedulable may be resolved by preempting pods.
	Unschedulable
	// UnschedulableAndUnresolvable cannot be resolved by preemption.
	UnschedulableAndUnresolvable
	Wait
	Skip
	Pending
)

var codeNames = [...]string{"Success", "Error", "Unschedulable", "UnschedulableAndUnresolvable", "Wait", "Skip", "Pending"}

func (c Code) String() string { return codeNames[c] }

// MarshalText writes the code by name, for the explanation's JSON.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Status is a plugin's verdict with its reasons, as framework.Status. A nil
// Status is a success.
type Status struct {
	Code    Code     `json:"code"`
	Reasons []string `json:"reasons,omitempty"`
	Plugin  string   `json:"plugin,omitempty"`
}

// skipped is the Skip status every plugin that asks to be skipped
// returns: one shared value, as nothing changes or keeps a skip.
var skipped = &Status{Code: Skip}

func newStatus(code Code, reasons ...string) *Status {
	return &Status{Code: code, Reasons: reasons}
}

func (s *Status) code() Code {
	if s == nil {
		return Success
	}
	return s.Code
}

// IsSuccess reports whether s is nil or a success.
func (s *Status) IsSuccess() bool { return s.code() == Success }

// IsSkip reports whether a plugin asked to be skipped.
func (s *Status) IsSkip() bool { return s.code() == Skip }

// IsRejected reports whether the pod was rejected rather than failed.
func (s *Status) IsRejected() bool {
	c := s.code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable || c == Pending
}

// Message joins the reasons, as framework.Status.Message.
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return strings.Join(s.Reasons, ", ")
}

func (s *Status) withPlugin(name string) *Status {
	if s != nil && s != skipped {
		s.Plugin = name
	}
	return s
}

// asStatus wraps an error as an Error status.
func asStatus(err error) *Status { return newStatus(Error, err.Error()) }

// The plugins' extension points, as in the scheduling framework. Each
// plugin implements the ones it takes part in.
type (
	plugin interface{ Name() string }

	preEnqueuePlugin interface {
		plugin
		PreEnqueue(p *api.Pod) *Status
	}
	preFilterPlugin interface {
		plugin
		PreFilter(s *cycleState, p *api.Pod) (*preFilterResult, *Status)
	}
	filterPlugin interface {
		plugin
		Filter(s *cycleState, p *api.Pod, n *nodeInfo) *Status
	}
	// podChangePlugin is PreFilterExtensions: it updates its prefilter
	// state when a pod is added to or removed from a node, for nominated
	// pods and preemption's dry runs.
	podChangePlugin interface {
		plugin
		AddPod(s *cycleState, p *api.Pod, added *podInfo, n *nodeInfo)
		RemovePod(s *cycleState, p *api.Pod, removed *podInfo, n *nodeInfo)
	}
	preScorePlugin interface {
		plugin
		PreScore(s *cycleState, p *api.Pod, nodes []*nodeInfo) *Status
	}
	scorePlugin interface {
		plugin
		Score(s *cycleState, p *api.Pod, n *nodeInfo) int64
	}
	// normalizePlugin is ScoreExtensions.NormalizeScore.
	normalizePlugin interface {
		Normalize(s *cycleState, p *api.Pod, nodes []*nodeInfo, scores []int64)
	}
	// enqueuePlugin is EnqueueExtensions: the cluster events that may make
	// a pod it rejected schedulable, with their queueing hints.
	enqueuePlugin interface {
		plugin
		Events() []eventHint
	}
)

// preFilterResult narrows the nodes worth filtering; nil means all.
type preFilterResult struct {
	nodes   map[string]bool
	plugins []string // the plugins that narrowed them
}

// MaxNodeScore is the highest score a plugin gives a node.
const MaxNodeScore = 100

// weightedScore is a score plugin with its weight in the profile.
type weightedScore struct {
	plugin scorePlugin
	weight int64
}

// profile is the default-scheduler profile: kube-scheduler's default
// plugins in their MultiPoint order, with their default score weights.
type profile struct {
	preEnqueue []preEnqueuePlugin
	preFilter  []preFilterPlugin
	filter     []filterPlugin
	podChange  []podChangePlugin
	preScore   []preScorePlugin
	score      []weightedScore
	enqueue    []enqueuePlugin
	hints      map[string][]eventHint
	preempt    *defaultPreemption
	volumes    *volumeBinding
}

// newProfile builds the plugins over h, in kube-scheduler's default order:
// SchedulingGates, PrioritySort, NodeUnschedulable, NodeName,
// TaintToleration (3), NodeAffinity (2), NodePorts, NodeResourcesFit (1),
// VolumeRestrictions, VolumeBinding, PodTopologySpread (2),
// InterPodAffinity (2), DefaultPreemption,
// NodeResourcesBalancedAllocation (1), ImageLocality (1), DefaultBinder.
func newProfile(h *handle) *profile {
	vb := &volumeBinding{h: h}
	all := []plugin{
		schedulingGates{}, nodeUnschedulable{}, nodeName{}, taintToleration{}, nodeAffinity{h: h},
		nodePorts{}, &nodeResourcesFit{h: h}, volumeRestrictions{h: h}, vb,
		&podTopologySpread{h: h}, &interPodAffinity{h: h},
		balancedAllocation{}, &imageLocality{h: h},
	}
	weights := map[string]int64{
		"TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "PodTopologySpread": 2,
		"InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
	}
	pr := &profile{volumes: vb, preempt: &defaultPreemption{h: h}, hints: map[string][]eventHint{}}
	for _, pl := range all {
		pr.register(pl, weights[pl.Name()])
	}
	return pr
}

// register adds pl to every extension point it implements; a score plugin
// only when it has a weight.
func (pr *profile) register(pl plugin, weight int64) {
	if p, ok := pl.(preEnqueuePlugin); ok {
		pr.preEnqueue = append(pr.preEnqueue, p)
	}
	if p, ok := pl.(preFilterPlugin); ok {
		pr.preFilter = append(pr.preFilter, p)
	}
	if p, ok := pl.(filterPlugin); ok {
		pr.filter = append(pr.filter, p)
	}
	if p, ok := pl.(podChangePlugin); ok {
		pr.podChange = append(pr.podChange, p)
	}
	if p, ok := pl.(preScorePlugin); ok && weight > 0 {
		pr.preScore = append(pr.preScore, p)
	}
	if p, ok := pl.(scorePlugin); ok && weight > 0 {
		pr.score = append(pr.score, weightedScore{plugin: p, weight: weight})
	}
	if p, ok := pl.(enqueuePlugin); ok {
		pr.enqueue = append(pr.enqueue, p)
		pr.hints[p.Name()] = p.Events()
	}
}
