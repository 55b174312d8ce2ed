// Package metricsserver is the cluster's resource metrics pipeline, as
// kubernetes-sigs/metrics-server runs it: every 15 s (its default
// --metric-resolution) it scrapes each node's kubelet for the CPU time
// and memory working set of the node and of its running containers,
// keeps the last two scrapes, and serves metrics.k8s.io/v1beta1
// PodMetrics and NodeMetrics through the API server's aggregation layer:
// CPU as the rate between the two scrapes (the window), memory as the
// last working set. A pod's metrics exist once each of its containers has
// been seen by two scrapes; the API is available once any has.
package metricsserver

import (
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Resolution is metrics-server's scrape interval (--metric-resolution).
const Resolution = 15 * time.Second

// Component names the metrics server's client.
const Component = "metrics-server"

// point is one sample of cumulative CPU time and memory.
type point struct {
	start time.Time // the container's start: a new one restarts the count
	at    time.Time
	cpu   uint64 // nanoseconds
	mem   uint64 // bytes
}

// series is the last two samples of one container or node.
type series struct{ prev, last *point }

// Server is the metrics server.
type Server struct {
	c          *client.Client
	nodes      map[string]*series            // by node name
	containers map[string]map[string]*series // by pod key, then container
	stop       func()
}

// New returns a metrics server acting through c.
func New(c *client.Client) *Server {
	return &Server{c: c, nodes: map[string]*series{}, containers: map[string]map[string]*series{}}
}

// Start registers the metrics.k8s.io APIService and scrapes now and
// every Resolution after.
func (s *Server) Start() error {
	s.c.RegisterAPIService(api.MetricsGroup, s)
	s.c.Loop().Post(s.scrape)
	s.stop = s.c.Loop().Every(Resolution, s.scrape)
	return nil
}

// Available is metrics-server's readiness (its storage is ready once a
// rate can be computed for something), which the APIService reflects.
func (s *Server) Available() bool {
	for _, ser := range s.nodes {
		if ser.prev != nil {
			return true
		}
	}
	for _, pod := range s.containers {
		for _, ser := range pod {
			if ser.prev != nil {
				return true
			}
		}
	}
	return false
}

// scrape reads every node's stats and stores them; a node whose kubelet
// does not answer keeps no points, as metrics-server drops what it failed
// to scrape.
func (s *Server) scrape() {
	nodes, err := client.List[*api.Node](s.c, "", apiserver.ListOptions{})
	if err != nil {
		return
	}
	seenNodes := map[string]*series{}
	seenPods := map[string]map[string]*series{}
	for _, n := range nodes {
		sum, err := s.c.NodeStatsSummary(n.Name)
		if err != nil {
			continue
		}
		seenNodes[n.Name] = advance(s.nodes[n.Name], point{at: sum.Node.Usage.Time, cpu: sum.Node.Usage.UsageCoreNanoSeconds, mem: sum.Node.Usage.WorkingSetBytes})
		for _, p := range sum.Pods {
			key := client.Key(p.Namespace, p.Name)
			pod := map[string]*series{}
			for _, c := range p.Containers {
				u := c.Usage
				pod[c.Name] = advance(s.containers[key][c.Name], point{start: c.StartTime, at: u.Time, cpu: u.UsageCoreNanoSeconds, mem: u.WorkingSetBytes})
			}
			seenPods[key] = pod
		}
	}
	s.nodes, s.containers = seenNodes, seenPods
}

// advance stores a new sample: the last one becomes the previous, unless
// the container restarted (its count started again) or the sample is no
// newer.
func advance(old *series, p point) *series {
	out := &series{last: &p}
	if old == nil || old.last == nil {
		return out
	}
	switch {
	case !old.last.start.Equal(p.start) || p.cpu < old.last.cpu:
	case old.last.at.Before(p.at):
		out.prev = old.last
	default:
		out.prev = old.prev
	}
	return out
}

// usage is the CPU rate between two samples and the last memory, as
// metrics-server serves them: nanocores and bytes.
func usage(ser *series) (api.ResourceList, time.Time, time.Duration, bool) {
	if ser == nil || ser.prev == nil || ser.last == nil {
		return nil, time.Time{}, 0, false
	}
	window := ser.last.at.Sub(ser.prev.at)
	if window <= 0 {
		return nil, time.Time{}, 0, false
	}
	rate := float64(ser.last.cpu-ser.prev.cpu) / window.Seconds()
	return api.ResourceList{
		"cpu":    nanoQuantity(uint64(rate)),
		"memory": api.NewQuantity(int64(ser.last.mem), api.BinarySI),
	}, ser.last.at, window, true
}

// nanoQuantity is resource.NewScaledQuantity(n, -9) in its canonical form.
func nanoQuantity(n uint64) api.Quantity {
	q, err := api.ParseQuantity(strconv.FormatUint(n, 10) + "n")
	if err != nil {
		return api.Quantity{}
	}
	return q
}
