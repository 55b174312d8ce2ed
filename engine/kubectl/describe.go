package kubectl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// describe is `kubectl describe`: each object's details, as the describers
// of k8s.io/kubectl/pkg/describe print them, with the events about it.
func (k *Kubectl) describe(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("describe")
	nsFlag := k.commonFlags(fs)
	selector := fs.String("selector", "l", "")
	allNS := fs.Bool("all-namespaces", "A", false)
	showEvents := fs.Bool("show-events", "", true)
	files := fs.Slice("filename", "f")
	fs.Bool("recursive", "R", false)
	fs.Int("chunk-size", "", 500)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 && len(*files) == 0 {
		return errors.New(`You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.`)
	}
	ns := k.ns(nsFlag)
	found, errs, err := k.describeTargets(io, pos, *files, *nsFlag, *selector, *allNS)
	if err != nil {
		return err
	}
	d := &describer{k: k, now: k.c.Now(), showEvents: *showEvents}
	if (len(errs) > 0 || len(found) > 1) && !fs.Changed("show-events") {
		d.showEvents = false
	}
	// "kubectl describe TYPE PREFIX" describes every object whose name
	// starts with PREFIX when there is none of that exact name.
	if len(errs) == 1 && apiserver.IsNotFound(errs[0]) && len(pos) == 2 {
		return d.describeMatching(io, errs[0], pos[0], pos[1], ns)
	}
	seen := map[string]bool{}
	first := true
	for _, f := range found {
		s, err := d.describeObject(f.r, f.obj)
		if err != nil {
			if !seen[err.Error()] {
				seen[err.Error()] = true
				errs = append(errs, err)
			}
			continue
		}
		if !first {
			fmt.Fprint(io.Out, "\n\n")
		}
		first = false
		fmt.Fprint(io.Out, s)
	}
	if len(found) == 0 && len(errs) == 0 {
		if *allNS {
			fmt.Fprintln(io.Err, "No resources found")
		} else {
			fmt.Fprintf(io.Err, "No resources found in %s namespace.\n", ns)
		}
	}
	for _, err := range errs {
		fmt.Fprint(io.Err, errorMessage(err))
	}
	if len(errs) > 0 {
		return exitError{1}
	}
	return nil
}

// describedObject is one object to describe and its resource.
type describedObject struct {
	r   *api.ResourceInfo
	obj api.Object
}

// describeTargets fetches what the arguments name, as kubectl's resource
// builder does with ContinueOnError: objects that exist, and the errors of
// those that do not. A non-nil err stops the command before any output.
func (k *Kubectl) describeTargets(io IO, pos, files []string, nsFlag, selector string, allNS bool) (found []describedObject, errs []error, err error) {
	if len(files) > 0 {
		if len(pos) > 0 {
			return nil, nil, errors.New("when paths, URLs, or stdin is provided as input, you may not specify a resource by arguments as well")
		}
		ms, err := k.readManifests(io, files, nsFlag)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range ms {
			obj, err := k.c.Get(m.r, m.ns, m.name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			found = append(found, describedObject{m.r, obj})
		}
		return found, errs, nil
	}
	targets, err := parseTargets(pos)
	if err != nil {
		return nil, nil, err
	}
	ns := k.ns(&nsFlag)
	for _, t := range targets {
		if len(t.names) > 0 && selector != "" {
			return nil, nil, errors.New("name cannot be provided when a selector is specified")
		}
		if len(t.names) > 0 && allNS && t.r.Namespaced {
			return nil, nil, errors.New("a resource cannot be retrieved by name across all namespaces")
		}
	}
	for _, t := range targets {
		tns := ns
		if !t.r.Namespaced || (allNS && len(t.names) == 0) {
			tns = ""
		}
		if len(t.names) == 0 {
			l, err := k.c.List(t.r, tns, apiserver.ListOptions{LabelSelector: selector})
			if err != nil {
				return nil, nil, err
			}
			for _, obj := range l.Items {
				found = append(found, describedObject{t.r, obj})
			}
			continue
		}
		for _, name := range t.names {
			obj, err := k.c.Get(t.r, tns, name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			found = append(found, describedObject{t.r, obj})
		}
	}
	return found, errs, nil
}

// describeMatching describes the objects of a type whose names start with
// prefix, each followed by a blank line, or returns notFound if none does.
func (d *describer) describeMatching(io IO, notFound error, typ, prefix, ns string) error {
	if strings.Contains(typ, "/") {
		return notFound
	}
	rs, err := lookupType(typ)
	if err != nil {
		return err
	}
	if len(rs) != 1 {
		return notFound
	}
	r := rs[0]
	if !r.Namespaced {
		ns = ""
	}
	l, err := d.k.c.List(r, ns, apiserver.ListOptions{})
	if err != nil {
		return err
	}
	matched := false
	for _, obj := range l.Items {
		if !strings.HasPrefix(obj.GetObjectMeta().Name, prefix) {
			continue
		}
		matched = true
		s, err := d.describeObject(r, obj)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.Out, "%s\n", s)
	}
	if !matched {
		return notFound
	}
	return nil
}

// describer describes objects at one moment of the cluster's virtual time.
type describer struct {
	k          *Kubectl
	now        time.Time
	showEvents bool
}

// describeObject describes obj with its kind's describer, or generically.
func (d *describer) describeObject(r *api.ResourceInfo, obj api.Object) (string, error) {
	switch o := obj.(type) {
	case *api.Pod:
		return d.pod(o), nil
	case *api.Node:
		return d.node(o), nil
	case *api.Deployment:
		return d.deployment(o)
	case *api.ReplicaSet:
		return d.replicaSet(o), nil
	case *api.DaemonSet:
		return d.daemonSet(o)
	case *api.Service:
		return d.service(o), nil
	case *api.Namespace:
		return d.namespace(o), nil
	case *api.ConfigMap:
		return d.configMap(o), nil
	case *api.ServiceAccount:
		return d.serviceAccount(o), nil
	}
	return d.describeMore(r, obj)
}

// describeMore describes the kinds of the describe_*.go files added after
// the first ones, or generically.
func (d *describer) describeMore(r *api.ResourceInfo, obj api.Object) (string, error) {
	switch o := obj.(type) {
	case *api.Job:
		return d.job(o), nil
	case *api.CronJob:
		return d.cronJob(o), nil
	case *api.PersistentVolume:
		return d.persistentVolume(o), nil
	case *api.PersistentVolumeClaim:
		return d.persistentVolumeClaim(o), nil
	case *api.StorageClass:
		return d.storageClass(o), nil
	case *api.Secret:
		return d.secret(o), nil
	case *api.LimitRange:
		return d.limitRange(o), nil
	case *api.ResourceQuota:
		return d.resourceQuota(o), nil
	}
	return d.describeNetworkAndPolicy(r, obj)
}

// describeNetworkAndPolicy describes the kinds of describe_workloads.go
// and describe_network.go, or generically.
func (d *describer) describeNetworkAndPolicy(r *api.ResourceInfo, obj api.Object) (string, error) {
	switch o := obj.(type) {
	case *api.StatefulSet:
		return d.statefulSet(o)
	case *api.ReplicationController:
		return d.replicationController(o)
	case *api.HorizontalPodAutoscaler:
		return d.horizontalPodAutoscaler(o), nil
	case *api.AutoscalingV1HorizontalPodAutoscaler:
		// kubectl describes an HPA as autoscaling/v2 whatever it was read as.
		v2, err := d.k.c.Get(api.ResourceFor(&api.HorizontalPodAutoscaler{}), o.Namespace, o.Name)
		if err != nil {
			return "", err
		}
		return d.horizontalPodAutoscaler(v2.(*api.HorizontalPodAutoscaler)), nil
	case *api.PodDisruptionBudget:
		return d.podDisruptionBudget(o), nil
	case *api.PriorityClass:
		return d.priorityClass(o), nil
	case *api.Endpoints:
		return d.endpoints(o), nil
	case *api.EndpointSlice:
		return d.endpointSlice(o), nil
	case *api.Ingress:
		return d.ingress(o), nil
	case *api.IngressClass:
		return d.ingressClass(o), nil
	case *api.NetworkPolicy:
		return networkPolicy(o), nil
	}
	return d.generic(r, obj)
}

// prefixWriter writes describe output as kubectl's PrefixWriter: each level
// indents two spaces, and tabs align the columns through the tabwriter the
// writer feeds. A nested writer adds levels to everything it writes.
type prefixWriter struct {
	out    io.Writer
	indent int
}

// terminalEscaper defuses terminal control characters, as kubectl does.
var terminalEscaper = strings.NewReplacer("\x1b", "^[", "\r", "\\r")

// write writes format at a level of indentation.
func (w *prefixWriter) write(level int, format string, args ...any) {
	s := fmt.Sprintf(strings.Repeat("  ", level+w.indent)+format, args...)
	_, _ = terminalEscaper.WriteString(w.out, s)
}

// line ends the current line with s.
func (w *prefixWriter) line(s string) { w.write(0, "%s\n", s) }

// nested returns a writer that writes levels deeper than w.
func (w *prefixWriter) nested(levels int) *prefixWriter {
	return &prefixWriter{out: w.out, indent: w.indent + levels}
}

// tabbed runs f on a prefix writer and returns what it wrote, aligned with
// the tabwriter settings of kubectl's describers.
func tabbed(f func(w *prefixWriter)) string {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	f(&prefixWriter{out: tw})
	tw.Flush()
	return buf.String()
}

// rfc1123 formats a timestamp as describe does.
func rfc1123(t time.Time) string { return t.Format(time.RFC1123Z) }

// since is the age of t as describe prints it: "5s", "3m20s", "<unknown>".
func (d *describer) since(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return humanDuration(d.now.Sub(t))
}

// maxAnnotationLen is where describe cuts long annotation lines.
const maxAnnotationLen = 140

// labels writes "Title:" and the map's key=value pairs, one a line, sorted,
// or <none>.
func (w *prefixWriter) labels(title string, m map[string]string) {
	w.write(0, "%s:\t", title)
	if len(m) == 0 {
		w.line("<none>")
		return
	}
	for i, k := range api.SortedKeys(m) {
		if i != 0 {
			// The initial and inner indents, written apart as kubectl
			// does: a nested writer indents each.
			w.write(0, "%s", "")
			w.write(0, "%s", "\t")
		}
		w.write(0, "%s=%s\n", k, m[k])
	}
}

// annotations writes "Title:" and the annotations, long or multi-line
// values folded below their key, the last-applied configuration left out.
func (w *prefixWriter) annotations(title string, m map[string]string) {
	w.write(0, "%s:\t", title)
	var keys []string
	for _, k := range api.SortedKeys(m) {
		if k != LastAppliedAnnotation {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		w.line("<none>")
		return
	}
	for i, k := range keys {
		if i != 0 {
			w.write(0, "\t")
		}
		v := strings.TrimSuffix(m[k], "\n")
		if len(v)+len(k)+2 > maxAnnotationLen || strings.Contains(v, "\n") {
			w.write(0, "%s:\n", k)
			for _, s := range strings.Split(v, "\n") {
				if len(s) > maxAnnotationLen-2 {
					s = s[:maxAnnotationLen-2] + "..."
				}
				w.write(0, "%s  %s\n", "\t", s)
			}
			continue
		}
		w.write(0, "%s: %s\n", k, v)
	}
}

// tolerations writes a pod's tolerations as "key=value:Effect op=Exists
// for 300s", sorted by key.
func (w *prefixWriter) tolerations(title string, ts []api.Toleration) {
	w.write(0, "%s:\t", title)
	if len(ts) == 0 {
		w.line("<none>")
		return
	}
	ts = append([]api.Toleration(nil), ts...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Key < ts[j].Key })
	for i, t := range ts {
		if i != 0 {
			w.write(0, "%s", "")
			w.write(0, "%s", "\t")
		}
		w.write(0, "%s", t.Key)
		if t.Value != "" {
			w.write(0, "=%s", t.Value)
		}
		if t.Effect != "" {
			w.write(0, ":%s", t.Effect)
		}
		if t.Operator == "Exists" && t.Value == "" {
			if t.Key != "" || t.Effect != "" {
				w.write(0, " op=Exists")
			} else {
				w.write(0, "op=Exists")
			}
		}
		if t.TolerationSeconds != nil {
			w.write(0, " for %ds", *t.TolerationSeconds)
		}
		w.write(0, "\n")
	}
}

// formatLabels is labels.FormatLabels: "a=1,b=2", or <none>.
func formatLabels(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	return labelsString(m)
}

// labelSelector is metav1.LabelSelectorAsSelector(sel).String(): "" for
// none or everything.
func labelSelector(sel *api.LabelSelector) string {
	if sel == nil {
		return ""
	}
	s, err := api.SelectorFromLabelSelector(sel)
	if err != nil {
		return ""
	}
	return s.String()
}

// formatLabelSelector is metav1.FormatLabelSelector: the selector, or <none>.
func formatLabelSelector(sel *api.LabelSelector) string {
	if sel != nil {
		if _, err := api.SelectorFromLabelSelector(sel); err != nil {
			return "<error>"
		}
	}
	if s := labelSelector(sel); s != "" {
		return s
	}
	return "<none>"
}

// controlledBy is "Kind/name" of obj's controller, or "".
func controlledBy(obj api.Object) string {
	for _, r := range obj.GetObjectMeta().OwnerReferences {
		if api.Deref(r.Controller, false) {
			return r.Kind + "/" + r.Name
		}
	}
	return ""
}

func printBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
