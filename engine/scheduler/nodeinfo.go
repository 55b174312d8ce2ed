package scheduler

import (
	"github.com/kubeplay/kubeplay/engine/api"
)

// nodeInfo is a node with the pods the scheduler counts on it and their
// sums, as framework.NodeInfo.
type nodeInfo struct {
	node     *api.Node
	pods     []*podInfo
	affinity []*podInfo // pods with inter-pod affinity or anti-affinity
	anti     []*podInfo // pods with required anti-affinity

	requested   Resource // sum of the pods' requests
	nonZero     Resource // cpu and memory with the default requests, for scoring
	allocatable Resource
	usedPorts   hostPortInfo
	claimRefs   map[string]int // PersistentVolumeClaim key -> pods using it
	images      map[string]*imageSummary
	// imageList holds the same as images, for ImageLocality's Score: a
	// node has a few images, and scanning them is cheaper than a lookup
	// in a map of its own for each of the hundreds of nodes scored.
	imageList []nodeImage

	live bool  // the cache's own, not a copy: its counters count its pods
	slot int32 // the cache's own: the index of its counts in the counters

	// The node's hostname and zone labels, read for every node of a
	// cycle: kept here, next to the rest, rather than looked up in the
	// node's labels each time.
	hostname, zone       string
	hasHostname, hasZone bool

	// The node's name, unschedulable flag and taints, read by the
	// filters and scores of every node of a cycle: kept here, so that a
	// node's filters read its nodeInfo only, rather than its object too.
	nodeName      string
	unschedulable bool
	taints        []api.Taint

	// selMatch remembers whether the node has the labels of the cache's
	// memoized node selectors: 1 yes, 2 no, 0 not asked yet.
	selMatch []uint8
}

// nodeImage is one of a node's images by one of its names.
type nodeImage struct {
	name    string
	summary *imageSummary
}

// imageSummary is an image's size and on how many nodes it is, shared by
// every node that has it, as framework.ImageStateSummary.
type imageSummary struct {
	size  int64
	nodes map[string]bool
}

func newNodeInfo() *nodeInfo { return &nodeInfo{} }

func (n *nodeInfo) name() string { return n.nodeName }

// label is the node's label: n.node.Labels[key].
func (n *nodeInfo) label(key string) (string, bool) {
	switch key {
	case labelHostname:
		return n.hostname, n.hasHostname
	case labelZone:
		return n.zone, n.hasZone
	}
	v, ok := n.node.Labels[key]
	return v, ok
}

func (n *nodeInfo) setNode(node *api.Node) {
	n.node = node
	n.nodeName, n.unschedulable, n.taints = node.Name, node.Spec.Unschedulable, node.Spec.Taints
	n.selMatch = nil
	n.hostname, n.hasHostname = node.Labels[labelHostname]
	n.zone, n.hasZone = node.Labels[labelZone]
	n.allocatable = fromList(node.Status.Allocatable)
}

func (n *nodeInfo) addPod(pi *podInfo) {
	n.pods = append(n.pods, pi)
	if pi.hasAffinity() {
		n.affinity = append(n.affinity, pi)
	}
	if pi.hasRequiredAntiAffinity() {
		n.anti = append(n.anti, pi)
	}
	n.account(pi, 1)
}

// removePod forgets the pod with pi's key; it reports whether it was there.
func (n *nodeInfo) removePod(key string) (*podInfo, bool) {
	i := n.index(key)
	if i < 0 {
		return nil, false
	}
	pi := n.pods[i]
	n.pods = removeAt(n.pods, i)
	n.affinity = removeKey(n.affinity, key)
	n.anti = removeKey(n.anti, key)
	n.account(pi, -1)
	return pi, true
}

func (n *nodeInfo) index(key string) int {
	for i, pi := range n.pods {
		if pi.key == key {
			return i
		}
	}
	return -1
}

func removeAt(s []*podInfo, i int) []*podInfo {
	out := make([]*podInfo, 0, len(s)-1)
	out = append(out, s[:i]...)
	return append(out, s[i+1:]...)
}

func removeKey(s []*podInfo, key string) []*podInfo {
	for i, pi := range s {
		if pi.key == key {
			return removeAt(s, i)
		}
	}
	return s
}

func (n *nodeInfo) account(pi *podInfo, sign int64) {
	n.requested.addSigned(pi.req, sign)
	n.nonZero.MilliCPU += sign * pi.nonZero.MilliCPU
	n.nonZero.Memory += sign * pi.nonZero.Memory
	for _, p := range pi.ports {
		n.usedPorts.update(p, int(sign))
	}
	for _, c := range pi.claims {
		if n.claimRefs == nil {
			n.claimRefs = map[string]int{}
		}
		n.claimRefs[c] += int(sign)
		if n.claimRefs[c] == 0 {
			delete(n.claimRefs, c)
		}
	}
}

// clone copies what adding and removing pods changes, for dry runs.
func (n *nodeInfo) clone() *nodeInfo {
	c := *n
	c.live = false
	c.pods = append([]*podInfo(nil), n.pods...)
	c.affinity = append([]*podInfo(nil), n.affinity...)
	c.anti = append([]*podInfo(nil), n.anti...)
	c.requested = n.requested.clone()
	c.nonZero = n.nonZero.clone()
	c.usedPorts = n.usedPorts.clone()
	c.claimRefs = make(map[string]int, len(n.claimRefs))
	for k, v := range n.claimRefs {
		c.claimRefs[k] = v
	}
	return &c
}

// hostPortInfo is the host ports in use on a node: host IP -> protocol and
// port -> pods using it, as framework.HostPortInfo.
type hostPortInfo map[string]map[protocolPort]int

type protocolPort struct {
	protocol string
	port     int32
}

const bindAllHostIP = "0.0.0.0"

func sanitizePort(p api.ContainerPort) (string, protocolPort) {
	ip, proto := p.HostIP, p.Protocol
	if ip == "" {
		ip = bindAllHostIP
	}
	if proto == "" {
		proto = "TCP"
	}
	return ip, protocolPort{protocol: proto, port: p.HostPort}
}

func (h *hostPortInfo) update(p api.ContainerPort, delta int) {
	ip, pp := sanitizePort(p)
	if *h == nil {
		*h = hostPortInfo{}
	}
	m := (*h)[ip]
	if m == nil {
		m = map[protocolPort]int{}
		(*h)[ip] = m
	}
	m[pp] += delta
	if m[pp] <= 0 {
		delete(m, pp)
	}
	if len(m) == 0 {
		delete(*h, ip)
	}
}

// conflicts is HostPortInfo.CheckConflict: the wildcard address conflicts
// with every address, any address with the wildcard.
func (h hostPortInfo) conflicts(p api.ContainerPort) bool {
	if p.HostPort <= 0 {
		return false
	}
	ip, pp := sanitizePort(p)
	if ip == bindAllHostIP {
		for _, m := range h {
			if m[pp] > 0 {
				return true
			}
		}
		return false
	}
	return h[bindAllHostIP][pp] > 0 || h[ip][pp] > 0
}

func (h hostPortInfo) clone() hostPortInfo {
	if h == nil {
		return nil
	}
	out := make(hostPortInfo, len(h))
	for ip, m := range h {
		c := make(map[protocolPort]int, len(m))
		for k, v := range m {
			c[k] = v
		}
		out[ip] = c
	}
	return out
}
