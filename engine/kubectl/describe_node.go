package kubectl

import (
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

func (d *describer) node(n *api.Node) string {
	podsR, _ := api.LookupResource("pods")
	var pods []*api.Pod
	if l, err := d.k.c.List(podsR, "", apiserver.ListOptions{FieldSelector: "spec.nodeName=" + n.Name + ",status.phase!=Succeeded,status.phase!=Failed"}); err == nil {
		for _, o := range l.Items {
			pods = append(pods, o.(*api.Pod))
		}
	}
	var evs []*api.Event
	if d.showEvents {
		// Controllers report node events with the node's UID, the kubelet
		// with its name: kubectl asks for both.
		q := queryFor(n)
		evs = d.searchEvents(q)
		q.uid = n.Name
		evs = append(evs, d.searchEvents(q)...)
	}
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", n.Name)
		if roles := nodeRoles(n); len(roles) > 0 {
			w.write(0, "Roles:\t%s\n", strings.Join(roles, ","))
		} else {
			w.write(0, "Roles:\t%s\n", "<none>")
		}
		w.labels("Labels", n.Labels)
		w.annotations("Annotations", n.Annotations)
		w.write(0, "CreationTimestamp:\t%s\n", rfc1123(n.CreationTimestamp.Time))
		describeTaints(w, "Taints", n.Spec.Taints)
		w.write(0, "Unschedulable:\t%v\n", n.Spec.Unschedulable)
		d.nodeLease(w, n.Name)
		if len(n.Status.Conditions) > 0 {
			w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
			w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
			for _, c := range n.Status.Conditions {
				w.write(1, "%v \t%v \t%s \t%s \t%v \t%v\n", c.Type, c.Status, rfc1123(c.LastHeartbeatTime.Time), rfc1123(c.LastTransitionTime.Time), c.Reason, c.Message)
			}
		}
		w.write(0, "Addresses:\n")
		for _, a := range n.Status.Addresses {
			w.write(1, "%s:\t%s\n", a.Type, a.Address)
		}
		for _, part := range []struct {
			title string
			list  api.ResourceList
		}{{"Capacity", n.Status.Capacity}, {"Allocatable", n.Status.Allocatable}} {
			if len(part.list) == 0 {
				continue
			}
			w.write(0, "%s:\n", part.title)
			for _, name := range api.SortedKeys(part.list) {
				w.write(0, "  %s:\t%s\n", name, part.list[name].String())
			}
		}
		info := n.Status.NodeInfo
		w.write(0, "System Info:\n")
		w.write(0, "  Machine ID:\t%s\n", info.MachineID)
		w.write(0, "  System UUID:\t%s\n", info.SystemUUID)
		w.write(0, "  Boot ID:\t%s\n", info.BootID)
		w.write(0, "  Kernel Version:\t%s\n", info.KernelVersion)
		w.write(0, "  OS Image:\t%s\n", info.OSImage)
		w.write(0, "  Operating System:\t%s\n", info.OperatingSystem)
		w.write(0, "  Architecture:\t%s\n", info.Architecture)
		w.write(0, "  Container Runtime Version:\t%s\n", info.ContainerRuntimeVersion)
		w.write(0, "  Kubelet Version:\t%s\n", info.KubeletVersion)
		if n.Spec.PodCIDR != "" {
			w.write(0, "PodCIDR:\t%s\n", n.Spec.PodCIDR)
		}
		if len(n.Spec.PodCIDRs) > 0 {
			w.write(0, "PodCIDRs:\t%s\n", strings.Join(n.Spec.PodCIDRs, ","))
		}
		if n.Spec.ProviderID != "" {
			w.write(0, "ProviderID:\t%s\n", n.Spec.ProviderID)
		}
		d.nodeResources(w, n, pods)
		if d.showEvents {
			d.events(w, evs)
		}
	})
}

// describeTaints writes a node's taints, sorted by effect then key.
func describeTaints(w *prefixWriter, title string, taints []api.Taint) {
	w.write(0, "%s:\t", title)
	if len(taints) == 0 {
		w.line("<none>")
		return
	}
	taints = append([]api.Taint(nil), taints...)
	key := func(t api.Taint) string { return t.Effect + "," + t.Key }
	sort.Slice(taints, func(i, j int) bool { return key(taints[i]) < key(taints[j]) })
	for i, t := range taints {
		if i != 0 {
			w.write(0, "%s", "")
			w.write(0, "%s", "\t")
		}
		if t.Value == "" {
			w.write(0, "%s\n", t.Key+":"+t.Effect)
		} else {
			w.write(0, "%s\n", t.Key+"="+t.Value+":"+t.Effect)
		}
	}
}

// nodeLease writes the node's heartbeat Lease from kube-node-lease.
func (d *describer) nodeLease(w *prefixWriter, name string) {
	r, _ := api.LookupResource("leases")
	obj, err := d.k.c.Get(r, "kube-node-lease", name)
	if err != nil {
		w.write(0, "Lease:\tFailed to get lease: %s\n", err)
		return
	}
	l := obj.(*api.Lease)
	micro := func(t *api.MicroTime) string {
		if t == nil {
			return "<unset>"
		}
		return rfc1123(t.Time)
	}
	w.write(0, "Lease:\n")
	w.write(1, "HolderIdentity:\t%s\n", api.Deref(l.Spec.HolderIdentity, "<unset>"))
	w.write(1, "AcquireTime:\t%s\n", micro(l.Spec.AcquireTime))
	w.write(1, "RenewTime:\t%s\n", micro(l.Spec.RenewTime))
}

// nodeResources writes the Non-terminated Pods table and the Allocated
// resources summary, as percentages of what the node can allocate.
func (d *describer) nodeResources(w *prefixWriter, n *api.Node, pods []*api.Pod) {
	w.write(0, "Non-terminated Pods:\t(%d in total)\n", len(pods))
	w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
	w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
	alloc := n.Status.Capacity
	if len(n.Status.Allocatable) > 0 {
		alloc = n.Status.Allocatable
	}
	allocCPU, allocMem := alloc["cpu"], alloc["memory"]
	pct := func(part, whole int64) int64 { return int64(float64(part) / float64(whole) * 100) }
	for _, p := range pods {
		req, lim := podRequests(p), podLimits(p)
		cpuReq, cpuLim, memReq, memLim := req["cpu"], lim["cpu"], req["memory"], lim["memory"]
		w.write(1, "%s\t%s\t\t%s (%d%%)\t%s (%d%%)\t%s (%d%%)\t%s (%d%%)\t%s\n", p.Namespace, p.Name,
			cpuReq.String(), pct(cpuReq.MilliValue(), allocCPU.MilliValue()), cpuLim.String(), pct(cpuLim.MilliValue(), allocCPU.MilliValue()),
			memReq.String(), pct(memReq.Value(), allocMem.Value()), memLim.String(), pct(memLim.Value(), allocMem.Value()), d.since(p.CreationTimestamp.Time))
	}
	w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
	w.write(1, "Resource\tRequests\tLimits\n")
	w.write(1, "--------\t--------\t------\n")
	reqs, lims := api.ResourceList{}, api.ResourceList{}
	for _, p := range pods {
		for name, q := range podRequests(p) {
			reqs[name] = reqs[name].Add(q)
		}
		for name, q := range podLimits(p) {
			lims[name] = lims[name].Add(q)
		}
	}
	row := func(name string, value func(api.Quantity) int64) {
		r, l, a := reqs[name], lims[name], alloc[name]
		var fr, fl int64
		if value(a) != 0 {
			fr, fl = pct(value(r), value(a)), pct(value(l), value(a))
		}
		w.write(1, "%s\t%s (%d%%)\t%s (%d%%)\n", name, r.String(), fr, l.String(), fl)
	}
	row("cpu", api.Quantity.MilliValue)
	row("memory", api.Quantity.Value)
	row("ephemeral-storage", api.Quantity.Value)
	var hugePages, extended []string
	for name := range alloc {
		switch {
		case strings.HasPrefix(name, "hugepages-"):
			hugePages = append(hugePages, name)
		case !standardResource(name) && name != "pods":
			extended = append(extended, name)
		}
	}
	sort.Strings(hugePages)
	sort.Strings(extended)
	for _, name := range hugePages {
		row(name, api.Quantity.Value)
	}
	for _, name := range extended {
		r, l := reqs[name], lims[name]
		w.write(1, "%s\t%s\t%s\n", name, r.String(), l.String())
	}
}

func standardResource(name string) bool {
	return name == "cpu" || name == "memory" || name == "ephemeral-storage" || strings.HasPrefix(name, "hugepages-")
}

// podRequests is what a pod requests, as the scheduler counts it: its
// containers' requests, or an init container's if larger (sidecars count
// with the containers), plus the pod's overhead.
func podRequests(p *api.Pod) api.ResourceList {
	return podResources(p, func(r api.ResourceRequirements) api.ResourceList { return r.Requests }, true)
}

// podLimits is the pod's limits, counted as podRequests counts requests;
// overhead is added only to resources that have a limit.
func podLimits(p *api.Pod) api.ResourceList {
	return podResources(p, func(r api.ResourceRequirements) api.ResourceList { return r.Limits }, false)
}

func podResources(p *api.Pod, of func(api.ResourceRequirements) api.ResourceList, overheadAlways bool) api.ResourceList {
	total := api.ResourceList{}
	add := func(dst, src api.ResourceList) {
		for name, q := range src {
			dst[name] = dst[name].Add(q)
		}
	}
	for _, c := range p.Spec.Containers {
		add(total, of(c.Resources))
	}
	sidecars, initMax := api.ResourceList{}, api.ResourceList{}
	for _, c := range p.Spec.InitContainers {
		cur := api.ResourceList{}
		if api.Deref(c.RestartPolicy, "") == api.RestartAlways {
			add(total, of(c.Resources))
			add(sidecars, of(c.Resources))
			add(cur, sidecars)
		} else {
			add(cur, of(c.Resources))
			add(cur, sidecars)
		}
		for name, q := range cur {
			if m, ok := initMax[name]; !ok || q.Cmp(m) > 0 {
				initMax[name] = q
			}
		}
	}
	for name, q := range initMax {
		if t, ok := total[name]; !ok || q.Cmp(t) > 0 {
			total[name] = q
		}
	}
	for name, q := range p.Spec.Overhead {
		if _, ok := total[name]; ok || overheadAlways {
			total[name] = total[name].Add(q)
		}
	}
	return total
}
