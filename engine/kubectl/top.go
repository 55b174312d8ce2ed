package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// metricsCreationDelay is how young a pod without metrics may be before
// kubectl top says its metrics are missing rather than not there yet.
const metricsCreationDelay = 2 * time.Minute

const topHelp = `Display resource (CPU/memory) usage.

 The top command allows you to see the resource consumption for nodes or pods.

 This command requires Metrics Server to be correctly configured and working on the server.

Available Commands:
  node          Display resource (CPU/memory) usage of nodes
  pod           Display resource (CPU/memory) usage of pods

Usage:
  kubectl top [flags] [options]
`

// top is `kubectl top pod|node`.
func (k *Kubectl) top(ctx context.Context, io IO, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(io.Out, topHelp)
		return nil
	}
	switch args[0] {
	case "pod", "pods", "po":
		return k.topPod(io, args[1:])
	case "node", "nodes", "no":
		return k.topNode(io, args[1:])
	}
	fmt.Fprint(io.Out, topHelp)
	return nil
}

func metricsResource(kind string) *api.ResourceInfo {
	r, _ := api.LookupKind(api.MetricsGroup+"/v1beta1", kind)
	return r
}

// metricsAvailable is SupportedMetricsAPIVersionAvailable over discovery.
func (k *Kubectl) metricsAvailable() error {
	if !k.c.Discoverable(metricsResource("PodMetrics")) {
		return errors.New("Metrics API not available")
	}
	return nil
}

func validateTopSort(by string) error {
	if by != "" && by != "cpu" && by != "memory" {
		return errors.New("--sort-by accepts only cpu or memory")
	}
	return nil
}

// topPod is `kubectl top pod [NAME | -l label] [-A] [--containers]
// [--sort-by=cpu|memory] [--sum] [--no-headers]`.
func (k *Kubectl) topPod(io IO, args []string) error {
	fs := newFlagSet("top pod")
	nsFlag := k.commonFlags(fs)
	all := fs.Bool("all-namespaces", "A", false)
	selector := fs.String("selector", "l", "")
	fieldSelector := fs.String("field-selector", "", "")
	containers := fs.Bool("containers", "", false)
	sortBy := fs.String("sort-by", "", "")
	noHeaders := fs.Bool("no-headers", "", false)
	sum := fs.Bool("sum", "", false)
	fs.Bool("use-protocol-buffers", "", true)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return &usageError{cmd: "top pod", msg: "pod [NAME | -l label]"}
	}
	if err := validateTopSort(*sortBy); err != nil {
		return err
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	if name != "" && (*selector != "" || *fieldSelector != "") {
		return errors.New("only one of NAME or selector can be provided")
	}
	if err := k.metricsAvailable(); err != nil {
		return err
	}
	ns := k.ns(nsFlag)
	listNS := ns
	if *all {
		listNS = ""
	}
	opts := apiserver.ListOptions{LabelSelector: *selector, FieldSelector: *fieldSelector}
	metrics, err := k.podMetrics(listNS, name, opts)
	if err != nil {
		return err
	}
	if len(metrics) == 0 {
		if err := k.verifyEmptyMetrics(ns, name, opts); err != nil {
			return err
		}
		if *all {
			fmt.Fprintln(io.Err, "No resources found")
		} else {
			fmt.Fprintf(io.Err, "No resources found in %s namespace.\n", ns)
		}
		return nil
	}
	printPodMetrics(io.Out, metrics, *containers, *all, *noHeaders, *sortBy, *sum)
	return nil
}

func (k *Kubectl) podMetrics(ns, name string, opts apiserver.ListOptions) ([]*api.PodMetrics, error) {
	r := metricsResource("PodMetrics")
	if name != "" {
		obj, err := k.c.Get(r, ns, name)
		if err != nil {
			return nil, err
		}
		return []*api.PodMetrics{obj.(*api.PodMetrics)}, nil
	}
	l, err := k.c.List(r, ns, opts)
	if err != nil {
		return nil, err
	}
	out := make([]*api.PodMetrics, len(l.Items))
	for i, o := range l.Items {
		out[i] = o.(*api.PodMetrics)
	}
	return out, nil
}

// verifyEmptyMetrics says why no pod has metrics: a pod older than
// metricsCreationDelay should have some; younger ones are not there yet.
// As upstream, it looks in the current namespace even with -A.
func (k *Kubectl) verifyEmptyMetrics(ns, name string, opts apiserver.ListOptions) error {
	var pods []*api.Pod
	if name != "" {
		p, err := client.Get[*api.Pod](k.c, ns, name)
		if err != nil {
			return err
		}
		pods = append(pods, p)
	} else {
		list, err := client.List[*api.Pod](k.c, ns, opts)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		pods = list
	}
	now := k.c.Now()
	for _, p := range pods {
		if age := now.Sub(p.CreationTimestamp.Time); age > metricsCreationDelay {
			return fmt.Errorf("Metrics not available for pod %s/%s, age: %s", p.Namespace, p.Name, age)
		}
	}
	return errors.New("metrics not available yet")
}

// topNode is `kubectl top node [NAME | -l label] [--sort-by=cpu|memory]
// [--show-capacity] [--no-headers]`.
func (k *Kubectl) topNode(io IO, args []string) error {
	fs := newFlagSet("top node")
	k.commonFlags(fs)
	selector := fs.String("selector", "l", "")
	sortBy := fs.String("sort-by", "", "")
	noHeaders := fs.Bool("no-headers", "", false)
	capacity := fs.Bool("show-capacity", "", false)
	fs.Bool("use-protocol-buffers", "", true)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return &usageError{cmd: "top node", msg: "node [NAME | -l label]"}
	}
	if err := validateTopSort(*sortBy); err != nil {
		return err
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	if name != "" && *selector != "" {
		return errors.New("only one of NAME or --selector can be provided")
	}
	if err := k.metricsAvailable(); err != nil {
		return err
	}
	metrics, err := k.nodeMetrics(name, *selector)
	if err != nil {
		return err
	}
	if len(metrics) == 0 {
		return errors.New("metrics not available yet")
	}
	var nodes []*api.Node
	if name != "" {
		n, err := client.Get[*api.Node](k.c, "", name)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
	} else if nodes, err = client.List[*api.Node](k.c, "", apiserver.ListOptions{LabelSelector: *selector}); err != nil {
		return err
	}
	available := map[string]api.ResourceList{}
	for _, n := range nodes {
		available[n.Name] = n.Status.Allocatable
		if *capacity {
			available[n.Name] = n.Status.Capacity
		}
	}
	printNodeMetrics(io.Out, metrics, available, *noHeaders, *sortBy)
	return nil
}

func (k *Kubectl) nodeMetrics(name, selector string) ([]*api.NodeMetrics, error) {
	r := metricsResource("NodeMetrics")
	if name != "" {
		obj, err := k.c.Get(r, "", name)
		if err != nil {
			return nil, err
		}
		return []*api.NodeMetrics{obj.(*api.NodeMetrics)}, nil
	}
	l, err := k.c.List(r, "", apiserver.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	out := make([]*api.NodeMetrics, len(l.Items))
	for i, o := range l.Items {
		out[i] = o.(*api.NodeMetrics)
	}
	return out, nil
}

// The printers are metricsutil's TopCmdPrinter: each cell ends with a
// tab, CPU prints in millicores, memory in mebibytes, both rounded as
// Quantity's MilliValue and Value round.

func topWriter(out io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(out, 6, 4, 3, ' ', 0) }

func cell(w io.Writer, v string) { fmt.Fprintf(w, "%s\t", v) }

func cpuCell(q api.Quantity) string    { return fmt.Sprintf("%vm", q.MilliValue()) }
func memoryCell(q api.Quantity) string { return fmt.Sprintf("%vMi", q.Value()/(1024*1024)) }

// usageCells prints a usage's CPU and memory, each followed by its share
// of what is available when that is known.
func usageCells(w io.Writer, use, available api.ResourceList) {
	for _, res := range []string{"cpu", "memory"} {
		q := use[res]
		if res == "cpu" {
			cell(w, cpuCell(q))
		} else {
			cell(w, memoryCell(q))
		}
		if avail, ok := available[res]; ok {
			fraction := 0.0
			if !avail.IsZero() {
				fraction = float64(q.MilliValue()) / float64(avail.MilliValue()) * 100
			}
			cell(w, fmt.Sprintf("%d%%", int64(fraction)))
		}
	}
}

func printNodeMetrics(out io.Writer, metrics []*api.NodeMetrics, available map[string]api.ResourceList, noHeaders bool, sortBy string) {
	w := topWriter(out)
	defer w.Flush()
	sort.SliceStable(metrics, func(i, j int) bool {
		a, b := metrics[i], metrics[j]
		switch sortBy {
		case "cpu":
			return cpuOf(a.Usage) > cpuOf(b.Usage)
		case "memory":
			return memOf(a.Usage) > memOf(b.Usage)
		}
		return a.Name < b.Name
	})
	if !noHeaders {
		for _, h := range []string{"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"} {
			cell(w, h)
		}
		fmt.Fprintln(w)
	}
	for _, m := range metrics {
		cell(w, m.Name)
		usageCells(w, m.Usage, available[m.Name])
		fmt.Fprintln(w)
		delete(available, m.Name)
	}
	// Nodes without metrics, which upstream prints in map order.
	missing := make([]string, 0, len(available))
	for n := range available {
		missing = append(missing, n)
	}
	sort.Strings(missing)
	for _, n := range missing {
		cell(w, n)
		for range 4 {
			cell(w, "<unknown>")
		}
		fmt.Fprintln(w)
	}
}

func cpuOf(l api.ResourceList) int64 { q := l["cpu"]; return q.MilliValue() }
func memOf(l api.ResourceList) int64 { q := l["memory"]; return q.Value() }

// podUsage is the sum of a pod's containers.
func podUsage(m *api.PodMetrics) api.ResourceList {
	out := api.ResourceList{"cpu": api.MustParse("0"), "memory": api.MustParse("0")}
	for _, c := range m.Containers {
		for _, res := range []string{"cpu", "memory"} {
			out[res] = out[res].Add(c.Usage[res])
		}
	}
	return out
}

func printPodMetrics(out io.Writer, metrics []*api.PodMetrics, containers, withNamespace, noHeaders bool, sortBy string, sum bool) {
	w := topWriter(out)
	defer w.Flush()
	width := 3
	if !noHeaders {
		if withNamespace {
			cell(w, "NAMESPACE")
			width++
		}
		if containers {
			cell(w, "POD")
			width++
		}
		for _, h := range []string{"NAME", "CPU(cores)", "MEMORY(bytes)"} {
			cell(w, h)
		}
		fmt.Fprintln(w)
	}
	sortPodMetrics(metrics, withNamespace, sortBy)
	total := api.ResourceList{"cpu": api.MustParse("0"), "memory": api.MustParse("0")}
	for _, m := range metrics {
		use := podUsage(m)
		total["cpu"], total["memory"] = total["cpu"].Add(use["cpu"]), total["memory"].Add(use["memory"])
		if !containers {
			if withNamespace {
				cell(w, m.Namespace)
			}
			cell(w, m.Name)
			usageCells(w, use, nil)
			fmt.Fprintln(w)
			continue
		}
		cs := append([]api.ContainerMetrics(nil), m.Containers...)
		sort.SliceStable(cs, func(i, j int) bool {
			switch sortBy {
			case "cpu":
				return cpuOf(cs[i].Usage) > cpuOf(cs[j].Usage)
			case "memory":
				return memOf(cs[i].Usage) > memOf(cs[j].Usage)
			}
			return cs[i].Name < cs[j].Name
		})
		for _, c := range cs {
			if withNamespace {
				cell(w, m.Namespace)
			}
			cell(w, m.Name)
			cell(w, c.Name)
			usageCells(w, c.Usage, nil)
			fmt.Fprintln(w)
		}
	}
	if sum {
		for range width - 2 {
			cell(w, "")
		}
		cell(w, "________")
		cell(w, "________")
		fmt.Fprintln(w)
		for range width - 3 {
			cell(w, "")
		}
		cell(w, "")
		usageCells(w, total, nil)
		fmt.Fprintln(w)
	}
}

func sortPodMetrics(metrics []*api.PodMetrics, withNamespace bool, sortBy string) {
	sort.SliceStable(metrics, func(i, j int) bool {
		a, b := metrics[i], metrics[j]
		switch sortBy {
		case "cpu":
			return cpuOf(podUsage(a)) > cpuOf(podUsage(b))
		case "memory":
			return memOf(podUsage(a)) > memOf(podUsage(b))
		}
		if withNamespace && a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}

// The metrics resources print as metrics-server's table converter makes
// them: the usage summed over the containers, each resource as its
// quantity, and the window.
func init() {
	tables["PodMetrics."+api.MetricsGroup] = table([]string{"NAME", "CPU", "MEMORY", "WINDOW"}, nil, func(obj api.Object, _ time.Time) []string {
		m := obj.(*api.PodMetrics)
		use := podUsage(m)
		return []string{m.Name, use["cpu"].String(), use["memory"].String(), m.Window.Duration.String()}
	})
	tables["NodeMetrics."+api.MetricsGroup] = table([]string{"NAME", "CPU", "MEMORY", "WINDOW"}, nil, func(obj api.Object, _ time.Time) []string {
		m := obj.(*api.NodeMetrics)
		return []string{m.Name, quantityOf(m.Usage, "cpu"), quantityOf(m.Usage, "memory"), m.Window.Duration.String()}
	})
}

func quantityOf(l api.ResourceList, name string) string {
	q := l[name]
	return q.String()
}
