package kubectl

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// column is one of the columns kube-apiserver defines for a kind's table:
// its header as kubectl prints it, and whether it is a priority column,
// which kubectl prints only with -o wide.
type column struct {
	header string
	wide   bool
}

// columns describes the table kubectl prints for a kind: the server-side
// printer of k8s.io/kubernetes/pkg/printers/internalversion. As there, row
// returns a cell for every column, the wide ones too, and kubectl drops the
// priority columns unless asked for -o wide.
type columns struct {
	cols []column
	row  func(obj api.Object, now time.Time) []string
	// narrow, when set, is row without the priority columns (which then
	// come last), for a table without -o wide: it spares computing cells
	// that are not printed.
	narrow func(obj api.Object, now time.Time) []string
}

// table is the columns of a kind whose priority columns come last, as
// most kinds' do.
func table(headers, wide []string, row func(api.Object, time.Time) []string) columns {
	cols := make([]column, 0, len(headers)+len(wide))
	for _, h := range headers {
		cols = append(cols, column{header: h})
	}
	for _, h := range wide {
		cols = append(cols, column{header: h, wide: true})
	}
	return columns{cols: cols, row: row}
}

// split is table for a row function that returns the default and the wide
// cells apart.
func split(headers, wide []string, row func(api.Object, time.Time) ([]string, []string)) columns {
	return table(headers, wide, func(obj api.Object, now time.Time) []string {
		cells, w := row(obj, now)
		return append(cells, w...)
	})
}

// withNarrow is t with a row function for its default columns alone.
func withNarrow(t columns, narrow func(api.Object, time.Time) []string) columns {
	t.narrow = narrow
	return t
}

// tables holds the columns of each kind by group and kind ("Deployment.apps");
// the print_*.go files add theirs from init functions.
var tables = map[string]columns{
	"Pod":                       withNarrow(split([]string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}, []string{"IP", "NODE", "NOMINATED NODE", "READINESS GATES"}, podRow), podCells),
	"Node":                      split([]string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"}, []string{"INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"}, nodeRow),
	"Namespace":                 split([]string{"NAME", "STATUS", "AGE"}, nil, namespaceRow),
	"Service":                   split([]string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"}, []string{"SELECTOR"}, serviceRow),
	"Deployment.apps":           split([]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, []string{"CONTAINERS", "IMAGES", "SELECTOR"}, deploymentRow),
	"ReplicaSet.apps":           split([]string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"}, []string{"CONTAINERS", "IMAGES", "SELECTOR"}, replicaSetRow),
	"DaemonSet.apps":            split([]string{"NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"}, []string{"CONTAINERS", "IMAGES", "SELECTOR"}, daemonSetRow),
	"ConfigMap":                 split([]string{"NAME", "DATA", "AGE"}, nil, configMapRow),
	"ServiceAccount":            split([]string{"NAME", "SECRETS", "AGE"}, nil, serviceAccountRow),
	"Lease.coordination.k8s.io": split([]string{"NAME", "HOLDER", "AGE"}, nil, leaseRow),
}

// defaultTable is what kube-apiserver's default table convertor prints for
// a kind without a printer of its own: the name and the creation time, in
// RFC 3339 rather than as an age.
var defaultTable = table([]string{"NAME", "CREATED AT"}, nil, func(obj api.Object, _ time.Time) []string {
	m := obj.GetObjectMeta()
	return []string{m.Name, m.CreationTimestamp.UTC().Format(time.RFC3339)}
})

func tableFor(groupKind string) columns {
	if t, ok := tables[groupKind]; ok {
		return t
	}
	return defaultTable
}

// visible returns the cells of the columns kubectl prints.
func (t columns) visible(cells []string, wide bool) []string {
	out := make([]string, 0, len(cells))
	for i, c := range t.cols {
		if i < len(cells) && (wide || !c.wide) {
			out = append(out, cellText(cells[i]))
		}
	}
	return out
}

func (t columns) headers() []string {
	h := make([]string, len(t.cols))
	for i, c := range t.cols {
		h[i] = c.header
	}
	return h
}

// nameColumn is the index of the column --show-kind prefixes with the kind,
// the first NAME column (the last, wide, one for events), or -1.
func (t columns) nameColumn() int {
	for i, c := range t.cols {
		if c.header == "NAME" {
			return i
		}
	}
	return -1
}

// cellText is a cell as kubectl prints it: cut at the first line break,
// with "..." to say so, and with terminal escapes made harmless.
func cellText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\f' || c == '\n' || c == '\r' || c == '\x1b' {
			clean = false
			break
		}
	}
	if clean {
		return s // most cells: no copy
	}
	if i := strings.IndexAny(s, "\f\n\r"); i >= 0 {
		s = s[:i] + "..."
	}
	return strings.ReplaceAll(s, "\x1b", "^[")
}

// printOptions shape a table.
type printOptions struct {
	wide, noHeaders, showLabels, withNamespace, withKind bool
	labelColumns                                         []string // -L: a column for each of these labels
}

// printTable writes objects of one kind as kubectl's table, aligned with
// the tabwriter settings kubectl uses. The objects are as stored: a second
// view of stored objects (events.k8s.io Events) prints as the stored kind.
func printTable(w io.Writer, r *api.ResourceInfo, objs []api.Object, now time.Time, o printOptions) {
	_ = writeAligned(w, tableRows(r, objs, now, o))
}

// tableRows returns the cells of a table: the headers unless o.noHeaders,
// then a row for each object.
func tableRows(r *api.ResourceInfo, objs []api.Object, now time.Time, o printOptions) [][]string {
	t := tableFor(r.Stored().GroupKind())
	var rows [][]string
	if !o.noHeaders {
		h := t.visible(t.headers(), o.wide)
		if o.withNamespace {
			h = append([]string{"NAMESPACE"}, h...)
		}
		h = append(h, labelColumnHeaders(o.labelColumns)...)
		if o.showLabels {
			h = append(h, "LABELS")
		}
		rows = append(rows, h)
	}
	name := t.nameColumn()
	for _, obj := range objs {
		var cells []string
		if t.narrow != nil && !o.wide {
			cells = t.narrow(obj, now) // the default columns come first
		} else {
			cells = t.row(obj, now)
		}
		if o.withKind && name >= 0 {
			cells[name] = kindName(r, cells[name])
		}
		if t.narrow != nil && !o.wide {
			for i, c := range cells {
				cells[i] = cellText(c)
			}
		} else {
			cells = t.visible(cells, o.wide)
		}
		labels := obj.GetObjectMeta().Labels
		if o.withNamespace {
			cells = append([]string{obj.GetObjectMeta().Namespace}, cells...)
		}
		for _, l := range o.labelColumns {
			cells = append(cells, labels[l])
		}
		if o.showLabels {
			cells = append(cells, labelsString(labels))
		}
		rows = append(rows, cells)
	}
	return rows
}

// labelColumnHeaders are the headers of -L columns: each label's name
// without its prefix, in upper case.
func labelColumnHeaders(labels []string) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = strings.ToUpper(l[strings.LastIndex(l, "/")+1:])
	}
	return out
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
	info := n.Status.NodeInfo
	wide := []string{address(n, "InternalIP"), address(n, "ExternalIP"), orUnknown(info.OSImage), orUnknown(info.KernelVersion), orUnknown(info.ContainerRuntimeVersion)}
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

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

func namespaceRow(obj api.Object, now time.Time) ([]string, []string) {
	ns := obj.(*api.Namespace)
	return []string{ns.Name, ns.Status.Phase, age(ns.CreationTimestamp.Time, now)}, nil
}

func serviceRow(obj api.Object, now time.Time) ([]string, []string) {
	s := obj.(*api.Service)
	ip := "<none>"
	if len(s.Spec.ClusterIPs) > 0 {
		ip = s.Spec.ClusterIPs[0]
	}
	cells := []string{s.Name, s.Spec.Type, ip, externalIP(s), servicePorts(s), age(s.CreationTimestamp.Time, now)}
	sel := "<none>"
	if len(s.Spec.Selector) > 0 {
		sel = labelsString(s.Spec.Selector)
	}
	return cells, []string{sel}
}

// externalIP is getServiceExternalIP: a load balancer's addresses, then
// the service's external IPs.
func externalIP(s *api.Service) string {
	switch s.Spec.Type {
	case "ClusterIP", "NodePort":
		if len(s.Spec.ExternalIPs) > 0 {
			return strings.Join(s.Spec.ExternalIPs, ",")
		}
		return "<none>"
	case "LoadBalancer":
		ips := loadBalancerAddresses(len(s.Status.LoadBalancer.Ingress), func(i int) (string, string) {
			in := s.Status.LoadBalancer.Ingress[i]
			return in.IP, in.Hostname
		})
		ips = append(ips, s.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	case "ExternalName":
		return s.Spec.ExternalName
	}
	return "<unknown>"
}

// loadBalancerAddresses lists the IP, or else the hostname, of each of n
// load balancer ingress points, sorted and without repeats, as kubectl's
// loadBalancerStatusStringer does (the server prints wide: no clipping).
func loadBalancerAddresses(n int, point func(i int) (ip, hostname string)) []string {
	var out []string
	for i := range n {
		ip, host := point(i)
		if ip == "" {
			ip = host
		}
		if ip != "" {
			out = append(out, ip)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
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

func deploymentRow(obj api.Object, now time.Time) ([]string, []string) {
	d := obj.(*api.Deployment)
	cells := []string{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, api.Deref(d.Spec.Replicas, 1)),
		fmt.Sprint(d.Status.UpdatedReplicas), fmt.Sprint(d.Status.AvailableReplicas), age(d.CreationTimestamp.Time, now)}
	names, images := containersAndImages(&d.Spec.Template.Spec)
	return cells, []string{names, images, deploymentSelector(d.Spec.Selector)}
}

// deploymentSelector is the selector as printDeployment shows it: with no
// <none> for an empty one, unlike the other workloads.
func deploymentSelector(sel *api.LabelSelector) string {
	if _, err := api.SelectorFromLabelSelector(sel); err != nil {
		return "<invalid>"
	}
	return labelSelector(sel)
}

func replicaSetRow(obj api.Object, now time.Time) ([]string, []string) {
	rs := obj.(*api.ReplicaSet)
	cells := []string{rs.Name, fmt.Sprint(api.Deref(rs.Spec.Replicas, 1)), fmt.Sprint(rs.Status.Replicas), fmt.Sprint(rs.Status.ReadyReplicas), age(rs.CreationTimestamp.Time, now)}
	names, images := containersAndImages(&rs.Spec.Template.Spec)
	return cells, []string{names, images, formatLabelSelector(rs.Spec.Selector)}
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
	return cells, []string{names, images, formatLabelSelector(ds.Spec.Selector)}
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
