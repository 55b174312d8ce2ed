package kubectl

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

const logsUsage = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command"

// logsOptions are what kubectl logs was asked for.
type logsOptions struct {
	container                     string
	follow, allContainers, prefix bool
	maxRequests                   int
	opts                          apiserver.LogOptions
}

// logs is `kubectl logs [-f] [-p] (POD | TYPE/NAME | -l SELECTOR) [-c CONTAINER]`.
func (k *Kubectl) logs(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("logs")
	nsFlag := k.commonFlags(fs)
	container := fs.String("container", "c", "")
	follow := fs.Bool("follow", "f", false)
	previous := fs.Bool("previous", "p", false)
	tail := fs.Int("tail", "", -1)
	timestamps := fs.Bool("timestamps", "", false)
	since := fs.Duration("since", 0)
	limitBytes := fs.Int("limit-bytes", "", 0)
	allContainers := fs.Bool("all-containers", "", false)
	allPods := fs.Bool("all-pods", "", false)
	prefix := fs.Bool("prefix", "", false)
	selector := fs.String("selector", "l", "")
	maxRequests := fs.Int("max-log-requests", "", 5)
	fs.Bool("ignore-errors", "", false)
	fs.String("pod-running-timeout", "", "20s")
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0 && *selector == "", len(pos) > 2:
		return &usageError{cmd: "logs", msg: logsUsage}
	case len(pos) == 1 && *selector != "":
		return &usageError{cmd: "logs", msg: "only a selector (-l) or a POD name is allowed"}
	case len(pos) == 2:
		if fs.Changed("container") {
			return errors.New("only one of -c or an inline [CONTAINER] arg is allowed")
		}
		*container = pos[1]
	}
	lo := logsOptions{container: *container, follow: *follow, allContainers: *allContainers, prefix: *prefix || *allPods, maxRequests: int(*maxRequests),
		opts: apiserver.LogOptions{Previous: *previous, Timestamps: *timestamps}}
	if err := lo.complete(*tail, fs.Changed("tail"), *since, *limitBytes, *selector != ""); err != nil {
		return err
	}
	ns := k.ns(nsFlag)
	reqs, err := k.logRequests(ctx, io, ns, pos, *selector, lo)
	if err != nil {
		return err
	}
	if lo.follow && len(reqs) > 1 {
		if len(reqs) > lo.maxRequests {
			return fmt.Errorf("you are attempting to follow %d log streams, but maximum allowed concurrency is %d, use --max-log-requests to increase the limit", len(reqs), lo.maxRequests)
		}
		return k.followAll(ctx, io, reqs, lo.opts)
	}
	for _, r := range reqs {
		if err := k.streamLogs(ctx, io, r, lo.opts, lo.follow); err != nil {
			return err
		}
	}
	return nil
}

// complete checks and sets the options of the log request, as kubectl's
// Validate and ToLogOptions: a selector shows the last 10 lines unless
// --tail says otherwise.
func (lo *logsOptions) complete(tail int64, tailSet bool, since time.Duration, limitBytes int64, bySelector bool) error {
	switch {
	case lo.allContainers && lo.container != "":
		return fmt.Errorf("--all-containers=true should not be specified with container name %s", lo.container)
	case limitBytes < 0:
		return errors.New("--limit-bytes must be greater than 0")
	case since < 0:
		return errors.New("--since must be greater than 0")
	case tail < -1:
		return errors.New("--tail must be greater than or equal to -1")
	}
	if bySelector && tail == -1 && !tailSet {
		lo.opts.TailLines = api.Ptr(int64(10))
	} else if tail != -1 {
		lo.opts.TailLines = api.Ptr(tail)
	}
	if since != 0 {
		lo.opts.SinceSeconds = api.Ptr(int64(since.Round(time.Second).Seconds()))
	}
	if limitBytes != 0 {
		lo.opts.LimitBytes = api.Ptr(limitBytes)
	}
	return nil
}

// logRequest is one container whose log to print, and the prefix of its
// lines.
type logRequest struct {
	pod       *api.Pod
	container string
	prefix    string
}

// logRequests finds the containers whose logs to print: a pod's, the
// first pod of a workload, or every pod a selector matches.
func (k *Kubectl) logRequests(ctx context.Context, io IO, ns string, pos []string, selector string, lo logsOptions) ([]logRequest, error) {
	if selector != "" {
		pods, err := client.List[*api.Pod](k.c, ns, apiserver.ListOptions{LabelSelector: selector})
		if err != nil {
			return nil, err
		}
		if len(pods) == 0 {
			fmt.Fprintf(io.Err, "No resources found in %s namespace.\n", ns)
		}
		var out []logRequest
		for _, p := range pods {
			reqs, err := podLogRequests(io, p, lo)
			if err != nil {
				return nil, err
			}
			out = append(out, reqs...)
		}
		return out, nil
	}
	pod, err := k.podFor(ctx, io, ns, pos[0])
	if err != nil {
		return nil, err
	}
	return podLogRequests(io, pod, lo)
}

// podLogRequests lists the containers of a pod to print: the one asked
// for, the default one, or all of them.
func podLogRequests(io IO, p *api.Pod, lo logsOptions) ([]logRequest, error) {
	var names []string
	switch {
	case lo.allContainers:
		names = containerNames(p, true)
	case lo.container != "":
		names = []string{lo.container}
	default:
		names = []string{defaultContainer(io, p)}
	}
	out := make([]logRequest, 0, len(names))
	for _, name := range names {
		if !hasContainer(p, name) {
			return nil, fmt.Errorf("container %s is not valid for pod %s out of: %s", name, p.Name, allContainerNames(p))
		}
		r := logRequest{pod: p, container: name}
		if lo.prefix {
			r.prefix = fmt.Sprintf("[pod/%s/%s] ", p.Name, name)
		}
		out = append(out, r)
	}
	return out, nil
}

func hasContainer(p *api.Pod, name string) bool {
	for _, c := range containerNames(p, true) {
		if c == name {
			return true
		}
	}
	return false
}

// podFor resolves NAME or TYPE/NAME to a pod: for a workload, the pod
// kubectl's logs-for-object picks, saying how many there were to pick from.
func (k *Kubectl) podFor(ctx context.Context, io IO, ns, arg string) (*api.Pod, error) {
	obj, err := k.getPodOrTyped(ns, arg)
	if apiserver.IsNotFound(err) {
		// kubectl wraps the error, so that it is no longer printed as a status.
		return nil, fmt.Errorf("error from server (NotFound): %v in namespace %q", err, ns)
	}
	if err != nil {
		return nil, err
	}
	if p, ok := obj.(*api.Pod); ok {
		return p, nil
	}
	sel, err := workloadSelector(obj)
	if err != nil {
		return nil, fmt.Errorf("cannot get the logs from %s: %v", goTypeOf(obj), err)
	}
	pods, err := k.firstPods(ctx, ns, sel, 20*time.Second)
	if err != nil {
		return nil, err
	}
	sort.Sort(byLogging(pods))
	if len(pods) > 1 {
		fmt.Fprintf(io.Err, "Found %v pods, using pod/%v\n", len(pods), pods[0].Name)
	}
	return pods[0], nil
}

// getPodOrTyped gets NAME (a pod) or TYPE/NAME.
func (k *Kubectl) getPodOrTyped(ns, arg string) (api.Object, error) {
	r, _ := api.LookupResource("pods")
	name := arg
	if typ, n, ok := strings.Cut(arg, "/"); ok {
		rs, err := lookupType(typ)
		if err != nil {
			return nil, err
		}
		r, name = rs[0], n
	}
	return k.c.Get(r, ns, name)
}

// firstPods lists a selector's pods, waiting up to the pod running
// timeout for one to appear.
func (k *Kubectl) firstPods(ctx context.Context, ns string, sel api.Selector, timeout time.Duration) ([]*api.Pod, error) {
	var pods []*api.Pod
	list := func() bool {
		pods, _ = client.List[*api.Pod](k.c, ns, apiserver.ListOptions{LabelSelector: sel.String()})
		return len(pods) > 0
	}
	if list() {
		return pods, nil
	}
	err := k.host.Wait(ctx, timeout, list)
	if errors.Is(err, ErrTimeout) {
		return nil, errors.New("timed out waiting for the condition")
	}
	return pods, err
}

// goTypeOf names an object's Go type as kubectl's %T does: *v1.Deployment.
func goTypeOf(obj api.Object) string {
	r := api.ResourceFor(obj)
	return "*" + r.Version + "." + r.Kind
}

// workloadSelector is polymorphichelpers.SelectorsForObject.
func workloadSelector(obj api.Object) (api.Selector, error) {
	var ls *api.LabelSelector
	switch o := obj.(type) {
	case *api.Deployment:
		ls = o.Spec.Selector
	case *api.ReplicaSet:
		ls = o.Spec.Selector
	case *api.DaemonSet:
		ls = o.Spec.Selector
	case *api.StatefulSet:
		ls = o.Spec.Selector
	case *api.Job:
		ls = o.Spec.Selector
	case *api.ReplicationController:
		return api.SelectorFromSet(o.Spec.Selector), nil
	case *api.Service:
		if o.Spec.Selector == nil {
			return api.Selector{}, fmt.Errorf("invalid service '%s': Service is defined without a selector", o.Name)
		}
		return api.SelectorFromSet(o.Spec.Selector), nil
	default:
		return api.Selector{}, fmt.Errorf("selector for %s not implemented", goTypeOf(obj))
	}
	sel, err := api.SelectorFromLabelSelector(ls)
	if err != nil {
		return api.Selector{}, fmt.Errorf("invalid label selector: %v", err)
	}
	return sel, nil
}

// byLogging orders pods as kubectl's podutils.ByLogging, the best pod to
// show logs of first: assigned, running, ready (for longest), most
// restarted, oldest.
type byLogging []*api.Pod

func (s byLogging) Len() int      { return len(s) }
func (s byLogging) Swap(i, j int) { s[i], s[j] = s[j], s[i] }

func (s byLogging) Less(i, j int) bool {
	a, b := s[i], s[j]
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName != ""
	}
	phase := map[string]int{api.PodRunning: 0, "Unknown": 1, api.PodPending: 2}
	if phase[a.Status.Phase] != phase[b.Status.Phase] {
		return phase[a.Status.Phase] < phase[b.Status.Phase]
	}
	ra, rb := controller.IsPodReady(a), controller.IsPodReady(b)
	if ra != rb {
		return ra
	}
	if ra && rb && !readyTime(a).Equal(readyTime(b)) {
		return afterOrZero(readyTime(b), readyTime(a))
	}
	if ma, mb := maxRestarts(a), maxRestarts(b); ma != mb {
		return ma > mb
	}
	if !a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
		return afterOrZero(b.CreationTimestamp.Time, a.CreationTimestamp.Time)
	}
	return false
}

// afterOrZero reports whether t1 is after t2 or is unset.
func afterOrZero(t1, t2 time.Time) bool {
	if t1.IsZero() || t2.IsZero() {
		return t1.IsZero()
	}
	return t1.After(t2)
}

func readyTime(p *api.Pod) time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == "Ready" && c.Status == "True" {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

func maxRestarts(p *api.Pod) int32 {
	var m int32
	for _, s := range p.Status.ContainerStatuses {
		m = max(m, s.RestartCount)
	}
	return m
}

func containerNames(p *api.Pod, withInit bool) []string {
	var out []string
	if withInit {
		for _, c := range p.Spec.InitContainers {
			out = append(out, c.Name)
		}
	}
	for _, c := range p.Spec.Containers {
		out = append(out, c.Name)
	}
	for _, c := range p.Spec.EphemeralContainers {
		out = append(out, c.Name)
	}
	return out
}

// defaultContainer picks the container kubectl logs shows by default: the
// one named by the kubectl.kubernetes.io/default-container annotation, or
// the first, saying so when there is a choice.
func defaultContainer(io IO, p *api.Pod) string {
	name := p.Spec.Containers[0].Name
	if a := p.Annotations["kubectl.kubernetes.io/default-container"]; a != "" {
		if hasContainer(p, a) {
			return a
		}
		fmt.Fprintf(io.Err, "Default container name %q not found in pod %s\n", a, p.Name)
	}
	if len(p.Spec.Containers)+len(p.Spec.InitContainers)+len(p.Spec.EphemeralContainers) > 1 {
		fmt.Fprintf(io.Err, "Defaulted container %q out of: %s\n", name, allContainerNames(p))
	}
	return name
}

// logStream is a container's log being followed: how much of it was
// printed, and whether the container has stopped.
type logStream struct {
	req  logRequest
	seen int
	done bool
}

// followOptions are the options of the reads that follow a log: the whole
// log, of which the part not printed yet is new.
func followOptions(opts apiserver.LogOptions) apiserver.LogOptions {
	opts.TailLines, opts.SinceSeconds, opts.LimitBytes = nil, nil, nil
	return opts
}

func (k *Kubectl) podLog(r logRequest, opts apiserver.LogOptions) ([]byte, error) {
	return k.c.PodLogs(r.pod.Namespace, r.pod.Name, r.container, opts)
}

// streamLogs prints a container's log; with follow it keeps printing new
// lines until the container stops or the command is interrupted.
func (k *Kubectl) streamLogs(ctx context.Context, io IO, r logRequest, opts apiserver.LogOptions, follow bool) error {
	data, err := k.podLog(r, opts)
	if err != nil {
		return err
	}
	writeLog(io, data, r.prefix)
	if !follow {
		return nil
	}
	return k.follow(ctx, io, []logRequest{r}, opts, false)
}

// followAll prints the logs of several containers, then follows them.
func (k *Kubectl) followAll(ctx context.Context, io IO, reqs []logRequest, opts apiserver.LogOptions) error {
	return k.follow(ctx, io, reqs, opts, true)
}

// follow prints the lines of containers' logs as they come, on the
// virtual clock, until all of the containers stop or the command is
// interrupted; with first it prints what the logs hold already too.
func (k *Kubectl) follow(ctx context.Context, io IO, reqs []logRequest, opts apiserver.LogOptions, first bool) error {
	full := followOptions(opts)
	var streams []*logStream
	for _, r := range reqs {
		if first {
			data, err := k.podLog(r, opts)
			if err != nil {
				return err
			}
			writeLog(io, data, r.prefix)
		}
		data, err := k.podLog(r, full)
		if err != nil {
			return err
		}
		streams = append(streams, &logStream{req: r, seen: len(data)})
	}
	for {
		err := k.host.Wait(ctx, 24*time.Hour, func() bool { return k.pollStreams(streams, full) })
		for _, s := range streams {
			if data, rerr := k.podLog(s.req, full); rerr == nil && len(data) > s.seen {
				writeLog(io, data[s.seen:], s.req.prefix)
				s.seen = len(data)
			}
		}
		switch {
		case errors.Is(err, context.Canceled):
			return nil
		case err != nil && !errors.Is(err, ErrTimeout):
			return err
		case allDone(streams) || err != nil:
			return nil
		}
	}
}

// pollStreams reports whether a stream has new lines or all have stopped.
func (k *Kubectl) pollStreams(streams []*logStream, full apiserver.LogOptions) bool {
	for _, s := range streams {
		if s.done {
			continue
		}
		data, err := k.podLog(s.req, full)
		if err != nil {
			s.done = true
			continue
		}
		if len(data) > s.seen {
			return true
		}
		p := s.req.pod
		s.done = !k.containerRunning(p.Namespace, p.Name, p.UID, s.req.container)
	}
	return allDone(streams)
}

func allDone(streams []*logStream) bool {
	for _, s := range streams {
		if !s.done {
			return false
		}
	}
	return true
}

func writeLog(io IO, data []byte, prefix string) {
	if prefix == "" {
		io.Out.Write(data)
		return
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if line != "" {
			fmt.Fprint(io.Out, prefix+line)
		}
	}
}

func (k *Kubectl) containerRunning(ns, name, uid, container string) bool {
	p, err := client.Get[*api.Pod](k.c, ns, name)
	if err != nil || p.UID != uid {
		return false
	}
	for _, s := range append(append([]api.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if s.Name == container {
			return s.State.Terminated == nil
		}
	}
	return true
}
