// Package scheduler is the cluster's kube-scheduler: it watches for pods
// without a node, filters and scores the nodes with plugins that carry
// kube-scheduler's names and rules, binds each pod through the API, and
// explains a failure in kube-scheduler's own words.
package scheduler

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Name is the scheduler's name, as pods ask for it in spec.schedulerName.
const Name = "default-scheduler"

// Scheduler assigns pods to nodes.
type Scheduler struct {
	c     *client.Client
	rec   *client.EventRecorder
	rand  *rand.Rand
	loop  *loop.Loop
	nodes *client.Informer[*api.Node]
	pods  *client.Informer[*api.Pod]
	cache *cache
	queue *queue

	scheduled bool // a cycle task is posted
	stopped   bool
}

// New returns a scheduler acting through c from host (the machine it runs
// on, which names its events' reporting instance); rng breaks ties between
// equally good nodes, as kube-scheduler does at random.
func New(c *client.Client, host string, rng *rand.Rand) *Scheduler {
	s := &Scheduler{
		c:     c,
		rec:   client.NewEventRecorder(c, Name, host),
		rand:  rng,
		loop:  c.Loop(),
		nodes: client.NewInformer[*api.Node](c, "", apiserver.ListOptions{}),
		pods:  client.NewInformer[*api.Pod](c, "", apiserver.ListOptions{}),
		cache: newCache(),
	}
	s.queue = newQueue(s.loop)
	s.queue.activeHook = s.kick
	return s
}

// Start begins watching and scheduling.
func (s *Scheduler) Start() error {
	s.nodes.AddHandler(client.Handler[*api.Node]{
		Add:    func(n *api.Node) { s.cache.setNode(n); s.queue.moveAll() },
		Update: func(_, n *api.Node) { s.cache.setNode(n); s.queue.moveAll() },
		Delete: func(n *api.Node) { s.cache.removeNode(n.Name) },
	})
	s.pods.AddHandler(client.Handler[*api.Pod]{
		Add:    s.onPod,
		Update: func(_, p *api.Pod) { s.onPod(p) },
		Delete: s.onPodDelete,
	})
	if err := s.nodes.Start(); err != nil {
		return err
	}
	if err := s.pods.Start(); err != nil {
		return err
	}
	s.flushLoop()
	return nil
}

// Stop stops scheduling, as when the scheduler's machine goes down.
func (s *Scheduler) Stop() {
	s.stopped = true
	s.nodes.Stop()
	s.pods.Stop()
}

func (s *Scheduler) flushLoop() {
	s.loop.After(flushInterval, func() {
		if s.stopped {
			return
		}
		s.queue.flush()
		s.kick()
		s.flushLoop()
	})
}

func (s *Scheduler) onPod(p *api.Pod) {
	key := client.KeyOf(p)
	switch {
	case counts(p):
		s.cache.setPod(p, p.Spec.NodeName)
		s.queue.forget(key)
	case p.Spec.NodeName != "":
		// Finished: it no longer takes room on its node.
		s.cache.removePod(key)
		s.queue.forget(key)
		s.queue.moveAll()
	case s.responsibleFor(p):
		s.queue.add(key, p)
		s.kick()
	}
}

func (s *Scheduler) onPodDelete(p *api.Pod) {
	key := client.KeyOf(p)
	s.queue.forget(key)
	if _, ok := s.cache.podNode[key]; ok {
		s.cache.removePod(key)
		s.queue.moveAll()
	}
}

func (s *Scheduler) responsibleFor(p *api.Pod) bool {
	return p.Spec.SchedulerName == Name && p.DeletionTimestamp == nil &&
		p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed && len(p.Spec.SchedulingGates) == 0
}

// kick posts one scheduling cycle, if none is pending.
func (s *Scheduler) kick() {
	if s.scheduled || s.stopped || len(s.queue.active) == 0 {
		return
	}
	s.scheduled = true
	s.loop.Post(s.scheduleOne)
}

// scheduleOne runs one scheduling cycle for the next pod.
func (s *Scheduler) scheduleOne() {
	s.scheduled = false
	defer s.kick()
	qp, ok := s.queue.pop()
	if !ok {
		return
	}
	ns, name := client.SplitKey(qp.key)
	p, ok := s.pods.Get(ns, name)
	if !ok || !s.responsibleFor(p) || p.Spec.NodeName != "" {
		s.queue.forget(qp.key)
		return
	}
	result := s.schedule(p)
	if result.node == "" {
		s.fail(p, qp, result)
		return
	}
	s.bind(p, qp, result.node)
}

type result struct {
	node     string
	statuses map[string]*Status // node -> why it was filtered out
	total    int
}

// schedule finds the best node for p, or says why there is none.
func (s *Scheduler) schedule(p *api.Pod) result {
	nodes := s.cache.nodeList()
	res := result{statuses: map[string]*Status{}, total: len(nodes)}
	var feasible []*NodeInfo
	for _, n := range nodes {
		if st := runFilters(p, n); st != nil {
			res.statuses[n.Node.Name] = st
			continue
		}
		feasible = append(feasible, n)
	}
	if len(feasible) == 0 {
		return res
	}
	res.node = s.selectHost(feasible, scoreNodes(p, feasible))
	return res
}

func runFilters(p *api.Pod, n *NodeInfo) *Status {
	for _, f := range defaultFilters {
		if st := f.Filter(p, n); st != nil {
			st.Plugin = f.Name()
			return st
		}
	}
	return nil
}

// scoreNodes sums the weighted, normalized plugin scores of each node.
func scoreNodes(p *api.Pod, nodes []*NodeInfo) []int64 {
	total := make([]int64, len(nodes))
	raw := make([]int64, len(nodes))
	for _, pl := range defaultScores {
		for i, n := range nodes {
			raw[i] = pl.Score(p, n)
		}
		switch pl.Name() {
		case "TaintToleration":
			normalize(raw, true)
		case "NodeAffinity":
			normalize(raw, false)
		}
		for i := range nodes {
			total[i] += raw[i] * pl.Weight()
		}
	}
	return total
}

// normalize scales scores to 0..100 by the highest, reversed if asked, as
// the framework's DefaultNormalizeScore.
func normalize(scores []int64, reverse bool) {
	var maxScore int64
	for _, s := range scores {
		maxScore = max(maxScore, s)
	}
	for i := range scores {
		switch {
		case maxScore == 0 && reverse:
			scores[i] = 100
		case maxScore == 0:
			scores[i] = 0
		case reverse:
			scores[i] = 100 - scores[i]*100/maxScore
		default:
			scores[i] = scores[i] * 100 / maxScore
		}
	}
}

// selectHost picks the highest score, breaking ties at random with
// reservoir sampling, as kube-scheduler does.
func (s *Scheduler) selectHost(nodes []*NodeInfo, scores []int64) string {
	best, count := 0, 0
	for i := range nodes {
		switch {
		case scores[i] > scores[best]:
			best, count = i, 1
		case scores[i] == scores[best]:
			count++
			if s.rand.IntN(count) == 0 {
				best = i
			}
		}
	}
	return nodes[best].Node.Name
}

func (s *Scheduler) bind(p *api.Pod, qp *queuedPod, node string) {
	assumed := api.Clone(p)
	assumed.Spec.NodeName = node
	s.cache.setPod(assumed, node)
	err := s.c.Bind(p.Namespace, &api.Binding{
		ObjectMeta: api.ObjectMeta{Name: p.Name, Namespace: p.Namespace, UID: p.UID},
		Target:     api.ObjectReference{Kind: "Node", Name: node},
	})
	if err != nil {
		s.cache.removePod(qp.key)
		if apiserver.IsNotFound(err) {
			s.queue.forget(qp.key)
			return
		}
		s.rec.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "Binding rejected: %v", err)
		s.queue.retry(qp)
		return
	}
	s.queue.forget(qp.key)
	s.rec.Eventf(p, nil, api.EventNormal, "Scheduled", "Binding", "Successfully assigned %s/%s to %s", p.Namespace, p.Name, node)
}

// fail records why a pod did not fit, on the pod's status and as an event,
// and parks it until the cluster changes.
func (s *Scheduler) fail(p *api.Pod, qp *queuedPod, res result) {
	msg := fitError(res)
	s.rec.Eventf(p, nil, api.EventWarning, "FailedScheduling", "Scheduling", "%s", msg)
	s.setUnschedulable(p, msg)
	s.queue.failed(qp)
}

func (s *Scheduler) setUnschedulable(p *api.Pod, msg string) {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodScheduled && c.Status == api.ConditionFalse && c.Message == msg {
			return
		}
	}
	upd := api.Clone(p)
	cond := api.PodCondition{Type: api.PodScheduled, Status: api.ConditionFalse, Reason: "Unschedulable", Message: msg, LastTransitionTime: api.NewTime(s.c.Now())}
	replaced := false
	for i := range upd.Status.Conditions {
		if upd.Status.Conditions[i].Type == api.PodScheduled {
			upd.Status.Conditions[i] = cond
			replaced = true
		}
	}
	if !replaced {
		upd.Status.Conditions = append(upd.Status.Conditions, cond)
	}
	upd.ResourceVersion = ""
	_, _ = client.UpdateStatus(s.c, upd)
}

// fitError is the FitError message, followed by what preemption found:
// "0/3 nodes are available: 1 node(s) had untolerated taint {...}, 2
// Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not
// helpful for scheduling, 2 No preemption victims found for incoming pod."
func fitError(res result) string {
	reasons := map[string]int{}
	preempt := map[string]int{}
	for _, st := range res.statuses {
		for _, r := range st.Reasons {
			reasons[r]++
		}
		if st.Code == UnschedulableAndUnresolvable {
			preempt["Preemption is not helpful for scheduling"]++
		} else {
			preempt["No preemption victims found for incoming pod"]++
		}
	}
	msg := fmt.Sprintf("0/%d nodes are available", res.total)
	if len(reasons) > 0 {
		msg += ": " + histogram(reasons)
	}
	msg += "."
	if len(preempt) > 0 {
		msg += fmt.Sprintf(" preemption: 0/%d nodes are available: %s.", res.total, histogram(preempt))
	}
	return msg
}

func histogram(m map[string]int) string {
	var parts []string
	for r, n := range m {
		parts = append(parts, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
