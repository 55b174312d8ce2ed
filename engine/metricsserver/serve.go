package metricsserver

import (
	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Get serves one PodMetrics or NodeMetrics: a missing pod or node is not
// found as itself, and one without metrics is named by its namespace and
// name, as metrics-server words it: `podmetrics.metrics.k8s.io
// "default/web" not found`.
func (s *Server) Get(r *api.ResourceInfo, ns, name string) (api.Object, error) {
	if r.Kind == "NodeMetrics" {
		n, err := client.Get[*api.Node](s.c, "", name)
		if err != nil {
			return nil, err
		}
		if m, ok := s.nodeMetrics(n); ok {
			return m, nil
		}
		return nil, notFound("nodemetrics", name)
	}
	p, err := client.Get[*api.Pod](s.c, ns, name)
	if err != nil {
		return nil, err
	}
	if m, ok := s.podMetrics(p); ok {
		return m, nil
	}
	return nil, notFound("podmetrics", ns+"/"+name)
}

func notFound(resource, name string) error {
	return apiserver.NewNotFound(&api.ResourceInfo{Group: api.MetricsGroup, Resource: resource}, name)
}

// List serves the metrics of the pods (or nodes) that the selectors
// match and that have metrics, in the order the API lists them.
func (s *Server) List(r *api.ResourceInfo, ns string, opts apiserver.ListOptions) (*apiserver.List, error) {
	out := &apiserver.List{}
	if r.Kind == "NodeMetrics" {
		nodes, err := client.List[*api.Node](s.c, "", opts)
		if err != nil {
			return nil, err
		}
		for _, n := range nodes {
			if m, ok := s.nodeMetrics(n); ok {
				out.Items = append(out.Items, m)
			}
		}
		return out, nil
	}
	pods, err := client.List[*api.Pod](s.c, ns, opts)
	if err != nil {
		return nil, err
	}
	for _, p := range pods {
		if m, ok := s.podMetrics(p); ok {
			out.Items = append(out.Items, m)
		}
	}
	return out, nil
}

func (s *Server) nodeMetrics(n *api.Node) (*api.NodeMetrics, bool) {
	use, at, window, ok := usage(s.nodes[n.Name])
	if !ok {
		return nil, false
	}
	m := &api.NodeMetrics{
		ObjectMeta: api.ObjectMeta{Name: n.Name, Labels: n.Labels, CreationTimestamp: api.NewTime(s.c.Now())},
		Timestamp:  api.NewTime(at), Window: api.Duration{Duration: window}, Usage: use,
	}
	return api.SetTypeMeta(m).(*api.NodeMetrics), true
}

// podMetrics is a running pod's metrics if every container the last
// scrape saw has a rate; its timestamp and window are the earliest
// container's.
func (s *Server) podMetrics(p *api.Pod) (*api.PodMetrics, bool) {
	cs := s.containers[client.KeyOf(p)]
	if len(cs) == 0 || p.Status.Phase != api.PodRunning {
		return nil, false
	}
	m := &api.PodMetrics{ObjectMeta: api.ObjectMeta{Name: p.Name, Namespace: p.Namespace, CreationTimestamp: api.NewTime(s.c.Now())}}
	for _, c := range append(api.Clone(p.Spec.InitContainers), p.Spec.Containers...) {
		ser, seen := cs[c.Name]
		if !seen {
			continue
		}
		use, at, window, ok := usage(ser)
		if !ok {
			return nil, false
		}
		m.Containers = append(m.Containers, api.ContainerMetrics{Name: c.Name, Usage: use})
		if m.Timestamp.IsZero() || at.Before(m.Timestamp.Time) {
			m.Timestamp, m.Window = api.NewTime(at), api.Duration{Duration: window}
		}
	}
	if len(m.Containers) == 0 {
		return nil, false
	}
	return api.SetTypeMeta(m).(*api.PodMetrics), true
}
