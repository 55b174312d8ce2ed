package scheduler

import (
	"maps"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// matchCounter keeps, for one namespace and one label selector, how many
// of the pods counted on each node are in the namespace, not terminating,
// and picked by the selector: countMatching's figure for every node, kept
// current as pods come and go, so that PodTopologySpread reads a count
// rather than walking every pod of every node for each pod it schedules
// (which made a Deployment's scheduling cost grow with the square of its
// replicas). domains sums the counts by a topology key's value over the
// nodes that exist ("" for a node without the key); a key's sums are
// built on first use and every key's are dropped when a node comes, goes
// or changes its labels.
type matchCounter struct {
	ns      string
	sel     api.Selector
	nodes   []int64                // matching pods by the slot of the cache's nodeInfo
	domains map[string]*domainSums // by topology key and node labels
	used    uint64                 // the cache's use count when last read
}

// maxCounters bounds the counters kept; the least recently read one goes
// first. Each counted pod's arrival and departure is matched against
// every counter.
const maxCounters = 64

func (m *matchCounter) counts(pi *podInfo) bool {
	p := pi.pod
	return p.DeletionTimestamp == nil && p.Namespace == m.ns && m.sel.Matches(p.Labels)
}

// counterKey names a selector and namespace; two selectors with the same
// key match the same label sets. It is appended to b.
func counterKey(b []byte, sel api.Selector, ns string) []byte {
	b = append(b, ns...)
	for _, r := range sel.Requirements() {
		b = append(b, 0)
		b = append(b, r.Key...)
		b = append(b, 1)
		b = append(b, r.Operator...)
		for _, v := range r.Values {
			b = append(b, 1)
			b = append(b, v...)
		}
	}
	return b
}

// counterFor returns the counter of a selector and namespace, made on
// first use; nil when the cache counts pod by pod or the selector has no
// requirement (it selects everything, which countMatching counts as
// nothing, or nothing).
func (c *cache) counterFor(sel api.Selector, ns string) *matchCounter {
	if c.exact || len(sel.Requirements()) == 0 {
		return nil
	}
	return c.counter(sel, ns)
}

// on is countMatching(n.pods, sel, ns), read from the counter for a node
// of the cache; a copy of a node (a dry run's) is counted pod by pod.
func (m *matchCounter) on(n *nodeInfo, sel api.Selector, ns string) int64 {
	if m == nil || !n.live {
		return countMatching(n.pods, sel, ns)
	}
	if int(n.slot) < len(m.nodes) {
		return m.nodes[n.slot]
	}
	return 0
}

// domainSums is a counter's sums by the value of a topology key over the
// existing nodes that have every label of nodeLabels ("" for a node
// without the key).
type domainSums struct {
	key        string
	nodeLabels map[string]string
	sums       map[string]int64
}

func (d *domainSums) includes(n *api.Node) bool {
	for k, v := range d.nodeLabels {
		if got, ok := n.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// domainCounts returns, per value of key, the pods that the counter's
// selector picks on the existing nodes with that value that have every
// label of nodeLabels (a node selector): the sum of countMatching over
// those nodes of nodeList. The map is the counter's own: read it, do not
// change it.
func (c *cache) domainCounts(m *matchCounter, key string, nodeLabels map[string]string) map[string]int64 {
	if m == nil {
		return nil
	}
	id := key
	for _, k := range slices.Sorted(maps.Keys(nodeLabels)) {
		id += "\x00" + k + "\x01" + nodeLabels[k]
	}
	d, ok := m.domains[id]
	if !ok {
		d = &domainSums{key: key, nodeLabels: nodeLabels, sums: map[string]int64{}}
		for slot, k := range m.nodes { // sums: the order does not matter
			if n := c.slots[slot]; k != 0 && n != nil && n.node != nil && d.includes(n.node) {
				d.sums[n.node.Labels[key]] += k
			}
		}
		if m.domains == nil {
			m.domains = map[string]*domainSums{}
		}
		m.domains[id] = d
	}
	return d.sums
}

func (c *cache) counter(sel api.Selector, ns string) *matchCounter {
	// The key is written to a buffer of the cache's: a lookup by it
	// makes no string, a new counter's does.
	c.keyBuf = counterKey(c.keyBuf[:0], sel, ns)
	c.uses++
	if m, ok := c.counters[string(c.keyBuf)]; ok {
		m.used = c.uses
		return m
	}
	key := string(c.keyBuf)
	if len(c.counters) >= maxCounters {
		c.evictCounter()
	}
	m := &matchCounter{ns: ns, sel: sel, nodes: make([]int64, len(c.slots)), used: c.uses}
	for _, st := range c.pods { // sums: the order does not matter
		if m.counts(st.info) {
			m.nodes[c.nodes[st.node].slot]++
		}
	}
	c.counters[key] = m
	return m
}

// evictCounter drops the least recently read counter (use counts are
// unique, so the choice does not depend on the map's order).
func (c *cache) evictCounter() {
	var oldest string
	var at uint64
	for k, m := range c.counters {
		if oldest == "" || m.used < at {
			oldest, at = k, m.used
		}
	}
	delete(c.counters, oldest)
}

// countPod adds (sign 1) or takes away (-1) a pod counted on a node in
// every counter that picks it.
func (c *cache) countPod(pi *podInfo, n *nodeInfo, sign int64) {
	if len(c.counters) == 0 {
		return
	}
	labeled := n.node
	for _, m := range c.counters { // each counter on its own: the order does not matter
		if !m.counts(pi) {
			continue
		}
		if int(n.slot) >= len(m.nodes) {
			m.nodes = append(m.nodes, make([]int64, len(c.slots)-len(m.nodes))...)
		}
		m.nodes[n.slot] += sign
		if labeled == nil {
			continue // a node that does not exist is in no domain
		}
		for _, d := range m.domains {
			if !d.includes(labeled) {
				continue
			}
			v := labeled.Labels[d.key]
			d.sums[v] += sign
			if d.sums[v] == 0 {
				delete(d.sums, v)
			}
		}
	}
}

// nodesChanged drops every counter's domain sums after a node came, went
// or changed its labels.
func (c *cache) nodesChanged() {
	for _, m := range c.counters {
		m.domains = nil
	}
}

// maxSelectorMemos bounds the node selectors whose verdicts the nodes
// remember; when a new one would pass it, every memo starts again.
const maxSelectorMemos = 32

// selectorMemo returns the slot, plus 1, in which the nodes remember
// whether they have the labels: the exact labels, in any order, get the
// same slot.
func (c *cache) selectorMemo(labels map[string]string) int {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(labels[k])
		b.WriteByte(0)
	}
	key := b.String()
	if slot, ok := c.selectorMemos[key]; ok {
		return slot + 1
	}
	if c.selectorMemos == nil || len(c.selectorMemos) >= maxSelectorMemos {
		c.selectorMemos = map[string]int{}
		for _, n := range c.nodes { // each node on its own: the order does not matter
			n.selMatch = nil
		}
	}
	slot := len(c.selectorMemos)
	c.selectorMemos[key] = slot
	return slot + 1
}
