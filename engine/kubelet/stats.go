package kubelet

import (
	"sort"

	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// StatsSummary serves the node's resource usage, as the kubelet's
// Summary API does: each running container's cumulative CPU time and
// memory working set, read from the runtime now, and the node's, which
// is their sum (a playground node runs nothing but its containers).
func (k *Kubelet) StatsSummary() apiserver.Summary {
	now := k.c.Now()
	sum := apiserver.Summary{Node: apiserver.NodeStats{NodeName: k.cfg.NodeName, Usage: apiserver.Usage{Time: now}}}
	keys := make([]string, 0, len(k.states))
	for key := range k.states {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		ps, ok := k.podStats(key, k.states[key])
		if !ok {
			continue
		}
		for _, c := range ps.Containers {
			sum.Node.Usage.UsageCoreNanoSeconds += c.Usage.UsageCoreNanoSeconds
			sum.Node.Usage.WorkingSetBytes += c.Usage.WorkingSetBytes
		}
		sum.Pods = append(sum.Pods, ps)
	}
	return sum
}

// podStats reports a pod's running containers, in name order.
func (k *Kubelet) podStats(key string, st *podState) (apiserver.PodStats, bool) {
	ns, name := client.SplitKey(key)
	ps := apiserver.PodStats{Namespace: ns, Name: name, UID: st.uid, StartTime: st.started}
	names := make([]string, 0, len(st.containers))
	for n := range st.containers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cs := st.containers[n]
		if cs.id == "" {
			continue
		}
		status, ok := k.rt.ContainerStatus(cs.id)
		if !ok || status.State != runtime.Running {
			continue
		}
		stats, ok := k.rt.ContainerStats(cs.id)
		if !ok {
			continue
		}
		ps.Containers = append(ps.Containers, apiserver.ContainerStats{Name: n, StartTime: status.StartedAt, Usage: apiserver.Usage{
			Time: stats.Timestamp, UsageCoreNanoSeconds: stats.UsageCoreNanoSeconds, WorkingSetBytes: stats.WorkingSetBytes,
		}})
	}
	return ps, len(ps.Containers) > 0
}
