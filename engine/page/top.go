package page

import (
	"encoding/json"
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// TopResult is the resource use the cluster view shows in its node and
// pod boxes: what `kubectl top node` and `kubectl top pod -A` read from
// the metrics API (metrics.k8s.io), with each node's allocatable for the
// percentages. Available is false while the API is not served; nodes and
// pods the metrics server has not scraped yet are absent, as in top.
type TopResult struct {
	Available bool        `json:"available"`
	Nodes     []NodeUsage `json:"nodes"`
	Pods      []PodUsage  `json:"pods"`
}

// NodeUsage is one node's use: CPU in millicores, memory in bytes.
type NodeUsage struct {
	Name              string `json:"name"`
	CPU               int64  `json:"cpu"`
	Memory            int64  `json:"memory"`
	CPUAllocatable    int64  `json:"cpuAllocatable"`
	MemoryAllocatable int64  `json:"memoryAllocatable"`
}

// PodUsage is one pod's use, its containers summed.
type PodUsage struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	CPU       int64  `json:"cpu"`
	Memory    int64  `json:"memory"`
}

// opTop reads the metrics API with the page's client, as kubectl top
// does; it takes no arguments.
func (p *Page) opTop(_ int, raw json.RawMessage) (any, error) {
	var a struct{}
	if err := args(raw, &a); err != nil {
		return nil, err
	}
	s := p.cfg.Session
	s.Lock()
	defer s.Unlock()
	res := TopResult{Nodes: []NodeUsage{}, Pods: []PodUsage{}}
	nodeMetrics, _ := api.LookupKind(api.MetricsGroup+"/v1beta1", "NodeMetrics")
	podMetrics, _ := api.LookupKind(api.MetricsGroup+"/v1beta1", "PodMetrics")
	if nodeMetrics == nil || podMetrics == nil || !p.client.Discoverable(podMetrics) {
		return res, nil
	}
	res.Available = true
	nodes, err := client.List[*api.Node](p.client, "", apiserver.ListOptions{})
	if err != nil {
		return nil, err
	}
	allocatable := map[string]api.ResourceList{}
	for _, n := range nodes {
		allocatable[n.Name] = n.Status.Allocatable
	}
	nl, err := p.client.List(nodeMetrics, "", apiserver.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, o := range nl.Items {
		m := o.(*api.NodeMetrics)
		a := allocatable[m.Name]
		res.Nodes = append(res.Nodes, NodeUsage{Name: m.Name, CPU: milli(m.Usage, "cpu"), Memory: value(m.Usage, "memory"),
			CPUAllocatable: milli(a, "cpu"), MemoryAllocatable: value(a, "memory")})
	}
	pl, err := p.client.List(podMetrics, "", apiserver.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, o := range pl.Items {
		m := o.(*api.PodMetrics)
		u := PodUsage{Namespace: m.Namespace, Name: m.Name}
		for _, c := range m.Containers {
			u.CPU += milli(c.Usage, "cpu")
			u.Memory += value(c.Usage, "memory")
		}
		res.Pods = append(res.Pods, u)
	}
	sort.Slice(res.Nodes, func(i, j int) bool { return res.Nodes[i].Name < res.Nodes[j].Name })
	sort.Slice(res.Pods, func(i, j int) bool {
		a, b := res.Pods[i], res.Pods[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	return res, nil
}

func milli(l api.ResourceList, name string) int64 { q := l[name]; return q.MilliValue() }
func value(l api.ResourceList, name string) int64 { q := l[name]; return q.Value() }
