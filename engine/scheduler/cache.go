package scheduler

import (
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// cache is the scheduler's view of where pods run: each node with the pods
// counted on it, kept current from the informers and from the scheduler's
// own assumptions (a pod it has just bound, before the watch confirms it).
type cache struct {
	nodes   map[string]*NodeInfo
	podNode map[string]string // pod key -> node it is counted on
	podReq  map[string][2]Resource
}

func newCache() *cache {
	return &cache{nodes: map[string]*NodeInfo{}, podNode: map[string]string{}, podReq: map[string][2]Resource{}}
}

func (c *cache) setNode(n *api.Node) {
	info, ok := c.nodes[n.Name]
	if !ok {
		info = &NodeInfo{}
		c.nodes[n.Name] = info
	}
	info.Node = n
	info.Images = map[string]int64{}
	for _, img := range n.Status.Images {
		for _, name := range img.Names {
			info.Images[name] = img.SizeBytes
		}
	}
}

func (c *cache) removeNode(name string) {
	info, ok := c.nodes[name]
	if !ok {
		return
	}
	if len(info.Pods) == 0 {
		delete(c.nodes, name)
		return
	}
	info.Node = nil // pods still counted until they go
}

// counts reports whether a pod occupies resources on its node.
func counts(p *api.Pod) bool {
	return p.Spec.NodeName != "" && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed
}

// setPod counts p on node, replacing any earlier accounting of it.
func (c *cache) setPod(p *api.Pod, node string) {
	key := client.KeyOf(p)
	c.removePod(key)
	info, ok := c.nodes[node]
	if !ok {
		info = &NodeInfo{Images: map[string]int64{}}
		c.nodes[node] = info
	}
	req := [2]Resource{podRequests(p, false), podRequests(p, true)}
	info.Pods = append(info.Pods, p)
	info.Requested.add(req[0])
	info.NonZero.add(req[1])
	c.podNode[key] = node
	c.podReq[key] = req
}

func (c *cache) removePod(key string) {
	node, ok := c.podNode[key]
	if !ok {
		return
	}
	info := c.nodes[node]
	req := c.podReq[key]
	for i, p := range info.Pods {
		if client.KeyOf(p) == key {
			info.Pods = append(info.Pods[:i], info.Pods[i+1:]...)
			break
		}
	}
	info.Requested.sub(req[0])
	info.NonZero.sub(req[1])
	delete(c.podNode, key)
	delete(c.podReq, key)
	if info.Node == nil && len(info.Pods) == 0 {
		delete(c.nodes, node)
	}
}

// nodeList returns the nodes that exist, sorted by name.
func (c *cache) nodeList() []*NodeInfo {
	names := make([]string, 0, len(c.nodes))
	for name, info := range c.nodes {
		if info.Node != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]*NodeInfo, len(names))
	for i, n := range names {
		out[i] = c.nodes[n]
	}
	return out
}

func (r *Resource) sub(o Resource) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.EphemeralStorage -= o.EphemeralStorage
	r.Pods -= o.Pods
	for k, v := range o.Scalar {
		r.Scalar[k] -= v
	}
}
