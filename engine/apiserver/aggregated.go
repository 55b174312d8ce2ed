package apiserver

import (
	"fmt"
	"net/http"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The aggregation layer: a group served by another API server
// (metrics-server's metrics.k8s.io) is registered as an APIService and
// proxied to it. Its resources are not stored; they are read-only, and
// the group is in discovery only while its server is available, as
// kube-aggregator leaves an unavailable APIService out of aggregated
// discovery.

// APIService is an aggregated API server.
type APIService interface {
	// Available reports whether the server answers (its APIService's
	// Available condition).
	Available() bool
	Get(r *api.ResourceInfo, ns, name string) (api.Object, error)
	List(r *api.ResourceInfo, ns string, opts ListOptions) (*List, error)
}

// RegisterAPIService makes svc serve a group.
func (s *Server) RegisterAPIService(group string, svc APIService) {
	if s.apiServices == nil {
		s.apiServices = map[string]APIService{}
	}
	s.apiServices[group] = svc
}

// Discoverable reports whether discovery lists r: every stored resource,
// and an aggregated one while its server is available.
func (s *Server) Discoverable(r *api.ResourceInfo) bool {
	if !r.Aggregated {
		return true
	}
	svc, ok := s.apiServices[r.Group]
	return ok && svc.Available()
}

// apiService returns the server of an aggregated resource, or the error
// the aggregator answers with when it cannot reach one.
func (s *Server) apiService(r *api.ResourceInfo, verb string) (APIService, error) {
	svc, ok := s.apiServices[r.Group]
	if !ok {
		return nil, NewNotFound(r, "")
	}
	if !svc.Available() {
		return nil, NewServiceUnavailable(r, verb)
	}
	return svc, nil
}

// readOnly is the answer to a write of an aggregated resource, which
// metrics-server does not serve: `the server does not allow this method
// on the requested resource (delete pods.metrics.k8s.io)`.
func readOnly(r *api.ResourceInfo, verb string) error {
	return newStatus(http.StatusMethodNotAllowed, "MethodNotAllowed",
		fmt.Sprintf("the server does not allow this method on the requested resource (%s %s)", verb, r.GroupResource()),
		&api.StatusDetails{Group: r.Group, Kind: r.Resource})
}

// NewServiceUnavailable is the aggregator's 503 for an APIService that
// does not answer, as kubectl words it: `the server is currently unable
// to handle the request (get pods.metrics.k8s.io)`.
func NewServiceUnavailable(r *api.ResourceInfo, verb string) *StatusError {
	return newStatus(http.StatusServiceUnavailable, "ServiceUnavailable",
		fmt.Sprintf("the server is currently unable to handle the request (%s %s)", verb, r.GroupResource()),
		&api.StatusDetails{Group: r.Group, Kind: r.Resource})
}

// The kubelet's resource usage, as its Summary API (/stats/summary)
// reports it: cumulative CPU time and the memory working set of the node
// and of each running container, each with the instant it was read.

// Summary is a node's stats.
type Summary struct {
	Node NodeStats
	Pods []PodStats
}

// NodeStats is the node's usage.
type NodeStats struct {
	NodeName string
	Usage    Usage
}

// PodStats is one pod's usage, container by container.
type PodStats struct {
	Namespace, Name, UID string
	StartTime            time.Time
	Containers           []ContainerStats
}

// ContainerStats is a running container's usage.
type ContainerStats struct {
	Name      string
	StartTime time.Time
	Usage     Usage
}

// Usage is a sample: CPU time used so far and memory in use, at Time.
type Usage struct {
	Time                 time.Time
	UsageCoreNanoSeconds uint64
	WorkingSetBytes      uint64
}

// StatsProvider is what a kubelet serves of its stats.
type StatsProvider interface {
	StatsSummary() Summary
}

// NodeStatsSummary reads a node's stats from its kubelet, as a client
// does through the node proxy (/api/v1/nodes/NAME/proxy/stats/summary).
func (s *Server) NodeStatsSummary(node string) (Summary, error) {
	conn, ok := s.kubelets[node]
	sp, ok2 := conn.(StatsProvider)
	if !ok || !ok2 {
		return Summary{}, NewServiceUnavailable(resourceOf("nodes"), "get")
	}
	return sp.StatsSummary(), nil
}
