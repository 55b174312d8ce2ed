package kubectl

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// columns describes the table kubectl prints for a kind: the server-side
// printer columns of k8s.io/kubernetes/pkg/printers/internalversion.
type columns struct {
	headers []string
	wide    []string
	row     func(obj api.Object, now time.Time) (cells, wide []string)
}

var tables = map[string]columns{
	"Pod":                       {[]string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}, []string{"IP", "NODE", "NOMINATED NODE", "READINESS GATES"}, podRow},
	"Node":                      {[]string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"}, []string{"INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"}, nodeRow},
	"Namespace":                 {[]string{"NAME", "STATUS", "AGE"}, nil, namespaceRow},
	"Service":                   {[]string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"}, []string{"SELECTOR"}, serviceRow},
	"Deployment.apps":           {[]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, []string{"CONTAINERS", "IMAGES", "SELECTOR"}, deploymentRow},
	"ReplicaSet.apps":           {[]string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"}, []string{"CONTAINERS", "IMAGES", "SELECTOR"}, replicaSetRow},
	"DaemonSet.apps":            {[]string{"NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"}, []string{"CONTAINERS", "IMAGES", "SELECTOR"}, daemonSetRow},
	"ConfigMap":                 {[]string{"NAME", "DATA", "AGE"}, nil, configMapRow},
	"ServiceAccount":            {[]string{"NAME", "SECRETS", "AGE"}, nil, serviceAccountRow},
	"Event":                     {[]string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}, []string{"SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"}, eventRow},
	"Lease.coordination.k8s.io": {[]string{"NAME", "HOLDER", "AGE"}, nil, leaseRow},
}

func defaultRow(obj api.Object, now time.Time) ([]string, []string) {
	m := obj.GetObjectMeta()
	return []string{m.Name, age(m.CreationTimestamp.Time, now)}, nil
}

func tableFor(groupKind string) columns {
	if t, ok := tables[groupKind]; ok {
		return t
	}
	return columns{headers: []string{"NAME", "AGE"}, row: defaultRow}
}

// printOptions shape a table.
type printOptions struct {
	wide, noHeaders, showLabels, withNamespace, withKind bool
}

// printTable writes objects of one kind as kubectl's table, aligned with
// the tabwriter settings kubectl uses.
func printTable(w io.Writer, r *api.ResourceInfo, objs []api.Object, now time.Time, o printOptions) {
	if r.Alternate() {
		// A second view of stored objects prints as the stored kind does.
		conv := make([]api.Object, len(objs))
		for i, obj := range objs {
			conv[i] = r.ToStorage(obj)
		}
		objs = conv
	}
	t := tableFor(r.Stored().GroupKind())
	tw := tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
	if !o.noHeaders {
		h := t.headers
		if o.wide {
			h = append(append([]string(nil), h...), t.wide...)
		}
		if o.withNamespace {
			h = append([]string{"NAMESPACE"}, h...)
		}
		if o.showLabels {
			h = append(h, "LABELS")
		}
		fmt.Fprintln(tw, strings.Join(h, "\t"))
	}
	for _, obj := range objs {
		cells, wide := t.row(obj, now)
		if o.withKind && r.Kind != "Event" {
			cells[0] = kindName(r, cells[0])
		}
		if o.wide {
			cells = append(cells, wide...)
		}
		if o.withNamespace {
			cells = append([]string{obj.GetObjectMeta().Namespace}, cells...)
		}
		if o.showLabels {
			cells = append(cells, labelsString(obj.GetObjectMeta().Labels))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

func labelsString(l map[string]string) string {
	if len(l) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}

func nodeRow(obj api.Object, now time.Time) ([]string, []string) {
	n := obj.(*api.Node)
	var status []string
	for _, c := range n.Status.Conditions {
		if c.Type == "Ready" {
			if c.Status == "True" {
				status = append(status, "Ready")
			} else {
				status = append(status, "NotReady")
			}
		}
	}
	if len(status) == 0 {
		status = append(status, "Unknown")
	}
	if n.Spec.Unschedulable {
		status = append(status, "SchedulingDisabled")
	}
	roles := strings.Join(nodeRoles(n), ",")
	if roles == "" {
		roles = "<none>"
	}
	cells := []string{n.Name, strings.Join(status, ","), roles, age(n.CreationTimestamp.Time, now), n.Status.NodeInfo.KubeletVersion}
	wide := []string{address(n, "InternalIP"), address(n, "ExternalIP"), orNone(n.Status.NodeInfo.OSImage), orNone(n.Status.NodeInfo.KernelVersion), orNone(n.Status.NodeInfo.ContainerRuntimeVersion)}
	return cells, wide
}

// nodeRoles lists the roles in a node's labels, as kubectl's findNodeRoles.
func nodeRoles(n *api.Node) []string {
	set := map[string]bool{}
	for k, v := range n.Labels {
		switch {
		case strings.HasPrefix(k, "node-role.kubernetes.io/"):
			if role := strings.TrimPrefix(k, "node-role.kubernetes.io/"); role != "" {
				set[role] = true
			}
		case k == "kubernetes.io/role" && v != "":
			set[v] = true
		}
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func address(n *api.Node, typ string) string {
	for _, a := range n.Status.Addresses {
		if a.Type == typ {
			return a.Address
		}
	}
	return "<none>"
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func namespaceRow(obj api.Object, now time.Time) ([]string, []string) {
	ns := obj.(*api.Namespace)
	return []string{ns.Name, ns.Status.Phase, age(ns.CreationTimestamp.Time, now)}, nil
}

func serviceRow(obj api.Object, now time.Time) ([]string, []string) {
	s := obj.(*api.Service)
	ip := s.Spec.ClusterIP
	if ip == "" {
		ip = "<none>"
	}
	cells := []string{s.Name, s.Spec.Type, ip, externalIP(s), servicePorts(s), age(s.CreationTimestamp.Time, now)}
	sel := "<none>"
	if len(s.Spec.Selector) > 0 {
		sel = labelsString(s.Spec.Selector)
	}
	return cells, []string{sel}
}

func externalIP(s *api.Service) string {
	var ips []string
	for _, in := range s.Status.LoadBalancer.Ingress {
		if in.IP != "" {
			ips = append(ips, in.IP)
		} else if in.Hostname != "" {
			ips = append(ips, in.Hostname)
		}
	}
	switch s.Spec.Type {
	case "ExternalName":
		return s.Spec.ExternalName
	case "LoadBalancer":
		ips = append(ips, s.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	}
	if len(s.Spec.ExternalIPs) > 0 {
		return strings.Join(s.Spec.ExternalIPs, ",")
	}
	return "<none>"
}

func servicePorts(s *api.Service) string {
	if len(s.Spec.Ports) == 0 {
		return "<none>"
	}
	parts := make([]string, len(s.Spec.Ports))
	for i, p := range s.Spec.Ports {
		if p.NodePort != 0 {
			parts[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		} else {
			parts[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		}
	}
	return strings.Join(parts, ",")
}

func containersAndImages(spec *api.PodSpec) (string, string) {
	var names, images []string
	for _, c := range spec.Containers {
		names = append(names, c.Name)
		images = append(images, c.Image)
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}

func selectorString(sel *api.LabelSelector) string {
	s, err := api.SelectorFromLabelSelector(sel)
	if err != nil || sel == nil {
		return "<none>"
	}
	if s.Empty() {
		return "<none>"
	}
	return s.String()
}

func deploymentRow(obj api.Object, now time.Time) ([]string, []string) {
	d := obj.(*api.Deployment)
	cells := []string{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, api.Deref(d.Spec.Replicas, 1)),
		fmt.Sprint(d.Status.UpdatedReplicas), fmt.Sprint(d.Status.AvailableReplicas), age(d.CreationTimestamp.Time, now)}
	names, images := containersAndImages(&d.Spec.Template.Spec)
	return cells, []string{names, images, selectorString(d.Spec.Selector)}
}

func replicaSetRow(obj api.Object, now time.Time) ([]string, []string) {
	rs := obj.(*api.ReplicaSet)
	cells := []string{rs.Name, fmt.Sprint(api.Deref(rs.Spec.Replicas, 1)), fmt.Sprint(rs.Status.Replicas), fmt.Sprint(rs.Status.ReadyReplicas), age(rs.CreationTimestamp.Time, now)}
	names, images := containersAndImages(&rs.Spec.Template.Spec)
	return cells, []string{names, images, selectorString(rs.Spec.Selector)}
}

func daemonSetRow(obj api.Object, now time.Time) ([]string, []string) {
	ds := obj.(*api.DaemonSet)
	sel := "<none>"
	if len(ds.Spec.Template.Spec.NodeSelector) > 0 {
		sel = labelsString(ds.Spec.Template.Spec.NodeSelector)
	}
	st := ds.Status
	cells := []string{ds.Name, fmt.Sprint(st.DesiredNumberScheduled), fmt.Sprint(st.CurrentNumberScheduled), fmt.Sprint(st.NumberReady),
		fmt.Sprint(st.UpdatedNumberScheduled), fmt.Sprint(st.NumberAvailable), sel, age(ds.CreationTimestamp.Time, now)}
	names, images := containersAndImages(&ds.Spec.Template.Spec)
	return cells, []string{names, images, selectorString(ds.Spec.Selector)}
}

func configMapRow(obj api.Object, now time.Time) ([]string, []string) {
	cm := obj.(*api.ConfigMap)
	return []string{cm.Name, fmt.Sprint(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp.Time, now)}, nil
}

func serviceAccountRow(obj api.Object, now time.Time) ([]string, []string) {
	sa := obj.(*api.ServiceAccount)
	return []string{sa.Name, fmt.Sprint(len(sa.Secrets)), age(sa.CreationTimestamp.Time, now)}, nil
}

func leaseRow(obj api.Object, now time.Time) ([]string, []string) {
	l := obj.(*api.Lease)
	return []string{l.Name, api.Deref(l.Spec.HolderIdentity, ""), age(l.CreationTimestamp.Time, now)}, nil
}

func eventRow(obj api.Object, now time.Time) ([]string, []string) {
	e := obj.(*api.Event)
	last := e.LastTimestamp.Time
	if last.IsZero() {
		last = e.EventTime.Time
	}
	first := e.FirstTimestamp.Time
	if first.IsZero() {
		first = e.EventTime.Time
	}
	lastSeen := age(last, now)
	if e.Count > 1 {
		lastSeen = fmt.Sprintf("%s (x%d over %s)", age(last, now), e.Count, age(first, now))
	}
	obj2 := strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name
	source := e.Source.Component
	if e.Source.Host != "" {
		source += ", " + e.Source.Host
	}
	cells := []string{lastSeen, e.Type, e.Reason, obj2, strings.TrimSpace(e.Message)}
	return cells, []string{e.InvolvedObject.FieldPath, source, age(first, now), fmt.Sprint(e.Count), e.Name}
}
