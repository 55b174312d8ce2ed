package scheduler

import (
	"maps"

	"github.com/kubeplay/kubeplay/engine/api"
)

// cache is the scheduler's view of where pods run: each node with the pods
// counted on it, kept current from the informers and from the scheduler's
// own assumptions (a pod it has bound, before the watch confirms it), as
// kube-scheduler's cache. Cycles run one at a time on the loop, so the
// cache itself is the snapshot a cycle reads.
type cache struct {
	nodes  map[string]*nodeInfo
	tree   nodeTree
	list   []*nodeInfo // the nodes in the tree's order
	stale  bool        // list needs rebuilding
	pods   map[string]*podState
	images map[string]*imageSummary

	affinityPods int // pods with inter-pod affinity, anywhere
	antiPods     int // pods with required anti-affinity, anywhere

	counters map[string]*matchCounter // by counterKey
	// slots holds the cache's nodeInfos by their slot, the index of
	// their counts in every counter; free lists the slots given up.
	slots  []*nodeInfo
	free   []int32
	keyBuf []byte // counter's key, written anew for each lookup
	uses   uint64 // counter reads so far
	exact  bool   // count pod by pod, without counters (tests compare)

	selectorMemos map[string]int // a nodeSelector's labels -> its slot in the nodes' memos
}

type podState struct {
	info    *podInfo
	node    string
	assumed bool // bound by us, not yet seen bound through the watch
}

func newCache() *cache {
	return &cache{
		nodes: map[string]*nodeInfo{}, pods: map[string]*podState{}, images: map[string]*imageSummary{}, tree: newNodeTree(),
		counters: map[string]*matchCounter{},
	}
}

// nodeInfoOf returns the node's info, creating a placeholder for a node not
// seen yet (its pods are counted until it arrives).
func (c *cache) nodeInfoOf(name string) *nodeInfo {
	n, ok := c.nodes[name]
	if !ok {
		n = newNodeInfo()
		n.live = true
		c.nodes[name] = n
		c.takeSlot(n)
	}
	return n
}

// takeSlot gives a new nodeInfo of the cache the first free slot. The
// counters' counts at a free slot are all 0: a nodeInfo is dropped only
// when no pod is counted on it.
func (c *cache) takeSlot(n *nodeInfo) {
	if k := len(c.free); k > 0 {
		n.slot, c.free = c.free[k-1], c.free[:k-1]
	} else {
		n.slot = int32(len(c.slots))
		c.slots = append(c.slots, nil)
	}
	c.slots[n.slot] = n
}

// dropNode forgets a nodeInfo with no pod counted on it, and frees its
// slot.
func (c *cache) dropNode(name string, n *nodeInfo) {
	delete(c.nodes, name)
	c.slots[n.slot] = nil
	c.free = append(c.free, n.slot)
}

func (c *cache) addNode(node *api.Node) {
	n := c.nodeInfoOf(node.Name)
	switch {
	case n.node == nil:
		c.tree.add(node)
		c.stale = true
	case zoneKey(n.node) != zoneKey(node):
		c.tree.update(n.node, node)
		c.stale = true
	}
	if n.node == nil || !maps.Equal(n.node.Labels, node.Labels) {
		c.nodesChanged()
	}
	if n.node != nil {
		c.removeImages(n)
	}
	n.setNode(node)
	c.addImages(n)
}

func (c *cache) removeNode(name string) {
	n, ok := c.nodes[name]
	if !ok || n.node == nil {
		return
	}
	c.tree.remove(n.node)
	c.removeImages(n)
	c.stale = true
	c.nodesChanged()
	if len(n.pods) == 0 {
		c.dropNode(name, n)
		return
	}
	n.node = nil // its pods count until they go
}

// addImages records the node's images by every name it reports, as the
// cache's imageStates.
func (c *cache) addImages(n *nodeInfo) {
	n.images, n.imageList = map[string]*imageSummary{}, nil
	for _, img := range n.node.Status.Images {
		for _, name := range img.Names {
			s, ok := c.images[name]
			if !ok {
				s = &imageSummary{size: img.SizeBytes, nodes: map[string]bool{}}
				c.images[name] = s
			}
			s.nodes[n.node.Name] = true
			if _, dup := n.images[name]; !dup {
				n.imageList = append(n.imageList, nodeImage{name, s})
			}
			n.images[name] = s
		}
	}
}

func (c *cache) removeImages(n *nodeInfo) {
	for name, s := range n.images {
		delete(s.nodes, n.node.Name)
		if len(s.nodes) == 0 {
			delete(c.images, name)
		}
	}
	n.images, n.imageList = nil, nil
}

// nodeList returns the nodes that exist, in the node tree's order: zones
// taken in turn, as the snapshot lists them.
func (c *cache) nodeList() []*nodeInfo {
	if c.stale {
		names := c.tree.list()
		c.list = make([]*nodeInfo, len(names))
		for i, name := range names {
			c.list[i] = c.nodes[name]
		}
		c.stale = false
	}
	return c.list
}

// node returns an existing node's info.
func (c *cache) node(name string) (*nodeInfo, bool) {
	n, ok := c.nodes[name]
	if !ok || n.node == nil {
		return nil, false
	}
	return n, true
}

// addPod counts pi on node, replacing any earlier accounting of the pod.
func (c *cache) addPod(pi *podInfo, node string, assumed bool) {
	c.removePod(pi.key)
	n := c.nodeInfoOf(node)
	n.addPod(pi)
	c.pods[pi.key] = &podState{info: pi, node: node, assumed: assumed}
	c.countAffinity(pi, 1)
	c.countPod(pi, n, 1)
}

// removePod forgets a pod; it reports whether it was counted.
func (c *cache) removePod(key string) bool {
	st, ok := c.pods[key]
	if !ok {
		return false
	}
	delete(c.pods, key)
	n := c.nodes[st.node]
	n.removePod(key)
	c.countAffinity(st.info, -1)
	c.countPod(st.info, n, -1)
	if n.node == nil && len(n.pods) == 0 {
		c.dropNode(st.node, n)
	}
	return true
}

func (c *cache) countAffinity(pi *podInfo, sign int) {
	if pi.hasAffinity() {
		c.affinityPods += sign
	}
	if pi.hasRequiredAntiAffinity() {
		c.antiPods += sign
	}
}

func (c *cache) isAssumed(key string) bool {
	st, ok := c.pods[key]
	return ok && st.assumed
}

// podNode returns the node a pod is counted on.
func (c *cache) podNode(key string) (string, bool) {
	st, ok := c.pods[key]
	if !ok {
		return "", false
	}
	return st.node, true
}

// claimInUse reports whether any counted pod uses the claim, as the
// snapshot's StorageInfos().IsPVCUsedByPods.
func (c *cache) claimInUse(claim string) bool {
	for _, n := range c.nodes {
		if n.claimRefs[claim] > 0 {
			return true
		}
	}
	return false
}

// nodeTree lists nodes zone by zone in turn, so that the first nodes a
// cycle looks at are spread across zones, as kube-scheduler's nodeTree.
type nodeTree struct {
	zones []string
	tree  map[string][]string
	count int
}

func newNodeTree() nodeTree { return nodeTree{tree: map[string][]string{}} }

// zoneKey is utilnode.GetZoneKey: region and zone, from the stable labels
// or else the beta ones.
func zoneKey(n *api.Node) string {
	zone, ok := n.Labels["topology.kubernetes.io/zone"]
	if !ok {
		zone = n.Labels["failure-domain.beta.kubernetes.io/zone"]
	}
	region, ok := n.Labels["topology.kubernetes.io/region"]
	if !ok {
		region = n.Labels["failure-domain.beta.kubernetes.io/region"]
	}
	if region == "" && zone == "" {
		return ""
	}
	return region + ":\x00:" + zone
}

func (t *nodeTree) add(n *api.Node) {
	zone := zoneKey(n)
	names, ok := t.tree[zone]
	if !ok {
		t.zones = append(t.zones, zone)
	}
	t.tree[zone] = append(names, n.Name)
	t.count++
}

func (t *nodeTree) remove(n *api.Node) {
	zone := zoneKey(n)
	names := t.tree[zone]
	for i, name := range names {
		if name != n.Name {
			continue
		}
		t.tree[zone] = append(names[:i:i], names[i+1:]...)
		t.count--
		if len(t.tree[zone]) == 0 {
			t.removeZone(zone)
		}
		return
	}
}

func (t *nodeTree) removeZone(zone string) {
	delete(t.tree, zone)
	for i, z := range t.zones {
		if z == zone {
			t.zones = append(t.zones[:i:i], t.zones[i+1:]...)
			return
		}
	}
}

// update moves a node whose zone changed to the end of its new zone.
func (t *nodeTree) update(old, n *api.Node) {
	t.remove(old)
	t.add(n)
}

// list takes one node of each zone in turn until all are listed.
func (t *nodeTree) list() []string {
	out := make([]string, 0, t.count)
	for i := 0; len(out) < t.count; i++ {
		for _, zone := range t.zones {
			if names := t.tree[zone]; i < len(names) {
				out = append(out, names[i])
			}
		}
	}
	return out
}
