package kubectl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// drain is `kubectl drain NODE`: cordon the node, then evict (or delete)
// its pods and wait until they are gone, as kubectl's drain helper does
// (staging/src/k8s.io/kubectl/pkg/drain). The waits run on the cluster's
// virtual clock through the host, so natively they take no time.
func (k *Kubectl) drain(ctx context.Context, io IO, args []string) error {
	d := &drainer{k: k, io: io, ctx: ctx}
	fs := newFlagSet("drain")
	k.commonFlags(fs)
	force := fs.Bool("force", "", false)
	ignoreDS := fs.Bool("ignore-daemonsets", "", false)
	deleteLocal := fs.Bool("delete-local-data", "", false)
	deleteEmptyDir := fs.Bool("delete-emptydir-data", "", false)
	grace := fs.Int("grace-period", "", -1)
	timeout := fs.Duration("timeout", 0)
	podSelector := fs.String("pod-selector", "", "")
	disableEviction := fs.Bool("disable-eviction", "", false)
	skipWait := fs.Int("skip-wait-for-delete-timeout", "", 0)
	fs.Int("chunk-size", "", 500)
	selector := fs.String("selector", "l", "")
	dryRun := dryRunFlag(fs)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if fs.Changed("delete-local-data") {
		fmt.Fprintln(io.Err, "Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.")
	}
	d.opts = drainOptions{
		force: *force, ignoreDaemonSets: *ignoreDS, deleteEmptyDir: *deleteEmptyDir || *deleteLocal,
		gracePeriod: *grace, timeout: *timeout, podSelector: *podSelector,
		disableEviction: *disableEviction, skipWaitSeconds: *skipWait,
	}
	nodes, err := d.prepare(pos, *selector, fs.Changed("selector"), *dryRun)
	if err != nil {
		return err
	}
	k.setUnschedulable(io, nodes, true, d.strategy)
	return d.drainNodes(nodes)
}

// drainOptions are drain's flags, as drain.Helper's fields.
type drainOptions struct {
	force, ignoreDaemonSets, deleteEmptyDir, disableEviction bool
	gracePeriod                                              int64
	timeout                                                  time.Duration
	podSelector                                              string
	skipWaitSeconds                                          int64
}

type drainer struct {
	k        *Kubectl
	io       IO
	ctx      context.Context
	opts     drainOptions
	strategy dryRun
}

// prepare checks the command line in kubectl's order and finds the nodes.
func (d *drainer) prepare(names []string, selector string, selectorSet bool, dryRunValue string) ([]*api.Node, error) {
	if len(names) == 0 && !selectorSet {
		return nil, helpError("drain", "USAGE: drain NODE [flags]")
	}
	if len(names) > 0 && selector != "" {
		return nil, helpError("drain", "error: cannot specify both a node name and a --selector option")
	}
	var err error
	if d.strategy, err = dryRunStrategy(dryRunValue); err != nil {
		return nil, err
	}
	if d.opts.podSelector != "" {
		if _, err := api.ParseSelector(d.opts.podSelector); err != nil {
			return nil, errors.New("--pod-selector=<pod_selector> must be a valid label selector")
		}
	}
	return d.k.selectNodes("drain", names, selector, selectorSet)
}

// drainNodes drains each node in turn; a node that fails is reported and
// the others go on, as RunDrain does.
func (d *drainer) drainNodes(nodes []*api.Node) error {
	var fatal aggregate
	var remaining []string
	for _, n := range nodes {
		err := d.drainNode(n.Name)
		if errors.Is(err, context.Canceled) {
			return err
		}
		if err == nil {
			fmt.Fprintf(d.io.Out, "node/%s drained%s\n", n.Name, d.strategy.suffix())
			continue
		}
		fmt.Fprintf(d.io.Err, "error: unable to drain node %q due to error: %s, continuing command...\n", n.Name, err)
		fatal = append(fatal, err)
		remaining = append(remaining, n.Name)
	}
	if len(remaining) > 0 {
		fmt.Fprintf(d.io.Err, "There are pending nodes to be drained:\n")
		for _, name := range remaining {
			fmt.Fprintf(d.io.Err, " %s\n", name)
		}
	}
	if len(fatal) == 0 {
		return nil
	}
	return checkErr(d.io, fatal)
}

// drainNode evicts or deletes the pods of one node, as
// deleteOrEvictPodsSimple does.
func (d *drainer) drainNode(node string) error {
	list, errs := d.podsForDeletion(node)
	if errs != nil {
		return errs
	}
	if w := list.warnings(); w != "" {
		fmt.Fprintf(d.io.Err, "Warning: %s\n", w)
	}
	if d.strategy == dryRunClient {
		for _, p := range list.pods() {
			fmt.Fprintf(d.io.Out, "evicting pod %s/%s (dry run)\n", p.Namespace, p.Name)
		}
		return nil
	}
	err := d.deleteOrEvict(list.pods())
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	pending, newErrs := d.podsForDeletion(node)
	if pending != nil && len(pending.pods()) > 0 {
		fmt.Fprintf(d.io.Err, "There are pending pods in node %q when an error occurred: %v\n", node, err)
		for _, p := range pending.pods() {
			fmt.Fprintf(d.io.Err, "pod/%s\n", p.Name)
		}
	}
	if newErrs != nil {
		// Upstream ends this without a newline.
		fmt.Fprintf(d.io.Err, "Following errors occurred while getting the list of pods to delete:\n%s", newErrs)
	}
	return err
}

// podDelete is a pod and what the filters decided about it.
type podDelete struct {
	pod    *api.Pod
	status deleteStatus
}

type deleteStatus struct {
	delete  bool
	kind    statusKind
	message string
}

type statusKind int

const (
	statusOkay statusKind = iota
	statusSkip
	statusWarning
	statusError
)

func okay() deleteStatus { return deleteStatus{delete: true} }
func skip() deleteStatus { return deleteStatus{kind: statusSkip} }
func warning(del bool, msg string) deleteStatus {
	return deleteStatus{delete: del, kind: statusWarning, message: msg}
}
func refuse(msg string) deleteStatus { return deleteStatus{kind: statusError, message: msg} }

// The filters' words, as upstream.
const (
	daemonSetFatal      = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
	daemonSetWarning    = "ignoring DaemonSet-managed Pods"
	localStorageFatal   = "Pods with local storage (use --delete-emptydir-data to override)"
	localStorageWarning = "deleting Pods with local storage"
	unmanagedFatal      = "cannot delete Pods that declare no controller (use --force to override)"
	unmanagedWarning    = "deleting Pods that declare no controller"
)

// podList is the pods of a node with the filters' decisions.
type podList []podDelete

// pods returns the pods to delete.
func (l podList) pods() []*api.Pod {
	var out []*api.Pod
	for _, p := range l {
		if p.status.delete {
			out = append(out, p.pod)
		}
	}
	return out
}

// podGrouping is the pods one message is about. Upstream groups them in a
// map and prints the groups in its random order; here they come in the
// order of their first pod.
type podGrouping struct {
	message string
	pods    []string
}

// groups returns the pods given one kind of decision, by message.
func (l podList) groups(kind statusKind) []podGrouping {
	var out []podGrouping
	for _, it := range l {
		if it.status.kind != kind {
			continue
		}
		name := it.pod.Namespace + "/" + it.pod.Name
		i := slices.IndexFunc(out, func(g podGrouping) bool { return g.message == it.status.message })
		if i < 0 {
			out = append(out, podGrouping{message: it.status.message})
			i = len(out) - 1
		}
		out[i].pods = append(out[i].pods, name)
	}
	return out
}

// warnings joins the warnings, one per message.
func (l podList) warnings() string {
	var msgs []string
	for _, g := range l.groups(statusWarning) {
		msgs = append(msgs, g.message+": "+strings.Join(g.pods, ", "))
	}
	return strings.Join(msgs, "; ")
}

// errors returns one error per message, each saying "cannot delete".
func (l podList) errors() aggregate {
	var out aggregate
	for _, g := range l.groups(statusError) {
		msg := g.message
		if msg == "" {
			msg = "unexpected error"
		}
		if !strings.HasPrefix(strings.ToLower(msg), "cannot delete") {
			msg = "cannot delete " + msg
		}
		out = append(out, fmt.Errorf("%s: %s", msg, strings.Join(g.pods, ", ")))
	}
	return out
}

// podsForDeletion lists the node's pods and runs the filters over them,
// as GetPodsForDeletion; the list comes back with the errors too.
func (d *drainer) podsForDeletion(node string) (podList, aggregate) {
	pods, err := client.List[*api.Pod](d.k.c, "", apiserver.ListOptions{LabelSelector: d.opts.podSelector, FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		return nil, aggregate{err}
	}
	var list podList
	for _, p := range pods {
		list = append(list, podDelete{pod: p, status: d.filter(p)})
	}
	if errs := list.errors(); len(errs) > 0 {
		return list, errs
	}
	return list, nil
}

// filter runs the filters in upstream's order; the first that keeps the
// pod decides, else the last one's word stands.
func (d *drainer) filter(p *api.Pod) deleteStatus {
	var st deleteStatus
	for _, f := range []func(*api.Pod) deleteStatus{d.skipDeleted, d.daemonSetFilter, mirrorPodFilter, d.localStorageFilter, d.unreplicatedFilter} {
		if st = f(p); !st.delete {
			break
		}
	}
	return st
}

func (d *drainer) skipDeleted(p *api.Pod) deleteStatus {
	if d.skipWaitFor(p) {
		return skip()
	}
	return okay()
}

// skipWaitFor reports whether a pod has been going for longer than
// --skip-wait-for-delete-timeout.
func (d *drainer) skipWaitFor(p *api.Pod) bool {
	n := d.opts.skipWaitSeconds
	return n > 0 && p.DeletionTimestamp != nil && int64(d.k.c.Now().Sub(p.DeletionTimestamp.Time).Seconds()) > n
}

func finished(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

func (d *drainer) daemonSetFilter(p *api.Pod) deleteStatus {
	ref := controller.ControllerRef(p)
	if ref == nil || ref.Kind != "DaemonSet" || finished(p) {
		return okay()
	}
	if _, err := client.Get[*api.DaemonSet](d.k.c, p.Namespace, ref.Name); err != nil {
		if apiserver.IsNotFound(err) && d.opts.force {
			return warning(true, err.Error())
		}
		return refuse(err.Error())
	}
	if !d.opts.ignoreDaemonSets {
		return refuse(daemonSetFatal)
	}
	return warning(false, daemonSetWarning)
}

func mirrorPodFilter(p *api.Pod) deleteStatus {
	if _, ok := p.Annotations[apiserver.MirrorPodAnnotation]; ok {
		return skip()
	}
	return okay()
}

func (d *drainer) localStorageFilter(p *api.Pod) deleteStatus {
	if !slices.ContainsFunc(p.Spec.Volumes, func(v api.Volume) bool { return v.EmptyDir != nil }) || finished(p) {
		return okay()
	}
	if !d.opts.deleteEmptyDir {
		return refuse(localStorageFatal)
	}
	return warning(true, localStorageWarning)
}

func (d *drainer) unreplicatedFilter(p *api.Pod) deleteStatus {
	if finished(p) || controller.ControllerRef(p) != nil {
		return okay()
	}
	if d.opts.force {
		return warning(true, unmanagedWarning)
	}
	return refuse(unmanagedFatal)
}

// aggregate is several errors as one, as apimachinery's utilerrors.Aggregate.
type aggregate []error

// Error lists the distinct messages, in brackets when there are several.
func (a aggregate) Error() string {
	var msgs []string
	for _, err := range a {
		if m := err.Error(); !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 1 {
		return msgs[0]
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}

// checkErr reports an error as kubectl's CheckErr does: an aggregate of
// one is that error, printed as any other (by Run); an aggregate of
// several prints each on a line of its own, without the "error: " prefix.
func checkErr(io IO, err error) error {
	if a, ok := err.(aggregate); ok && len(a) == 1 {
		err = a[0]
	}
	a, ok := err.(aggregate)
	if !ok {
		return err
	}
	for _, e := range a {
		if se, ok := e.(*apiserver.StatusError); ok {
			fmt.Fprint(io.Err, statusMessage(se))
			continue
		}
		fmt.Fprintln(io.Err, e.Error())
	}
	return exitError{1}
}

// reduce is what a visitor that goes on after errors returns: nothing, the
// one error, or all of them.
func (a aggregate) reduce() error {
	switch len(a) {
	case 0:
		return nil
	case 1:
		return a[0]
	}
	return a
}
