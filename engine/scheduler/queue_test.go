package scheduler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/loop"
)

func newTestQueue() (*queue, *loop.Loop) {
	l := loop.New(epoch)
	return newQueue(l, newProfile(newHandle(nil, newCache()))), l
}

func prioritized(name string, prio int32, opts ...podOpt) *api.Pod {
	p := pod(name, opts...)
	p.Spec.Priority = &prio
	p.UID = name
	return p
}

func popNames(q *queue) []string {
	var out []string
	for {
		qp, ok := q.pop()
		if !ok {
			return out
		}
		out = append(out, qp.info.pod.Name)
	}
}

func TestQueueOrdersByPriorityThenTimestamp(t *testing.T) {
	q, l := newTestQueue()
	q.add(prioritized("low-1", 0))
	l.Clock().Set(epoch.Add(time.Second))
	q.add(prioritized("high", 100))
	q.add(prioritized("low-2", 0))
	q.add(prioritized("mid", 50))
	assert.Equal(t, []string{"high", "mid", "low-1", "low-2"}, popNames(q))
}

func TestQueueKeepsGatedPodsOut(t *testing.T) {
	q, _ := newTestQueue()
	gated := prioritized("gated", 0, func(p *api.Pod) { p.Spec.SchedulingGates = []api.PodSchedulingGate{{Name: "example.com/wait"}} })
	q.add(gated)
	assert.False(t, q.hasWork())
	require.Contains(t, q.unsched, "default/gated")
	assert.Equal(t, "waiting for scheduling gates: [example.com/wait]", q.unsched["default/gated"].gate.Message())

	// Other events never release it; removing its gates does.
	q.moveAll(clusterEvent{resource: resNode, action: actAdd}, nil, node("n", "1", "1Gi"), nil)
	assert.False(t, q.hasWork())
	ungated := prioritized("gated", 0)
	q.update(gated, ungated)
	assert.Equal(t, []string{"gated"}, popNames(q))
}

// A rejected pod waits in the unschedulable pool until an event that one
// of the plugins that rejected it cares about, then backs off: 1 s, 2 s,
// 4 s... up to 10 s per attempt.
func TestQueueBackoffAndHints(t *testing.T) {
	q, l := newTestQueue()
	q.add(prioritized("p", 0, requests("2", "")))
	for attempt, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		qp, ok := q.pop()
		require.True(t, ok)
		q.failed(qp, map[string]bool{"NodeResourcesFit": true})
		require.Contains(t, q.unsched, "default/p", "attempt %d", attempt)

		// A node too small for the pod does not wake it.
		q.moveAll(clusterEvent{resource: resNode, action: actAdd}, nil, node("small", "1", "1Gi"), nil)
		require.Contains(t, q.unsched, "default/p")

		// A big one does: into the backoff queue until the backoff expires.
		q.moveAll(clusterEvent{resource: resNode, action: actAdd}, nil, node("big", "4", "8Gi"), nil)
		require.Equal(t, inBackoff, qp.where)
		assert.Equal(t, l.Now().Add(want), qp.backoffExpiry, "attempt %d", attempt)
		l.AdvanceBy(want + backoffWindow)
		require.Equal(t, inActive, qp.where, "attempt %d", attempt)
	}
}

func TestQueuePopsFromBackoffWhenActiveIsEmpty(t *testing.T) {
	q, _ := newTestQueue()
	q.add(prioritized("p", 0))
	qp, _ := q.pop()
	q.failed(qp, map[string]bool{"NodeResourcesFit": true})
	q.moveAll(clusterEvent{resource: resAssignedPod, action: actDelete}, prioritized("gone", 0, onNode("n")), nil, nil)
	require.Equal(t, inBackoff, qp.where)
	assert.True(t, q.hasWork())
	assert.Equal(t, []string{"p"}, popNames(q))
}

func TestQueueRetriesErrorsAfterBackoff(t *testing.T) {
	q, l := newTestQueue()
	q.add(prioritized("p", 0))
	qp, _ := q.pop()
	q.failed(qp, nil)
	require.Equal(t, inErrorBackoff, qp.where)
	assert.False(t, q.hasWork(), "errors are not popped early")
	l.AdvanceBy(2 * time.Second)
	assert.Equal(t, []string{"p"}, popNames(q))
}

func TestQueueFlushesUnschedulablePodsAfterFiveMinutes(t *testing.T) {
	q, l := newTestQueue()
	q.add(prioritized("p", 0))
	qp, _ := q.pop()
	q.failed(qp, map[string]bool{"NodeResourcesFit": true})
	l.AdvanceBy(maxUnschedulable)
	require.Equal(t, inUnschedulable, qp.where)
	l.AdvanceBy(leftoverInterval)
	assert.NotEqual(t, inUnschedulable, qp.where)
	assert.Equal(t, []string{"p"}, popNames(q))
}

func TestNominator(t *testing.T) {
	n := newNominator()
	a, b := newPodInfo(prioritized("a", 0)), newPodInfo(prioritized("b", 0))
	n.add(a, "node1")
	n.add(b, "node1")
	n.add(a, "node2")
	assert.Equal(t, []*podInfo{b}, n.forNode("node1"))
	assert.Equal(t, []*podInfo{a}, n.forNode("node2"))
	// An update without a nominatedNodeName keeps the in-memory nomination.
	n.update("", a)
	assert.Equal(t, []*podInfo{a}, n.forNode("node2"))
	n.delete(a.key)
	assert.Empty(t, n.forNode("node2"))
}
