package kubectl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// logs is `kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]`.
func (k *Kubectl) logs(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("logs")
	nsFlag := k.commonFlags(fs)
	container := fs.String("container", "c", "")
	follow := fs.Bool("follow", "f", false)
	previous := fs.Bool("previous", "p", false)
	tail := fs.Int("tail", "", -1)
	timestamps := fs.Bool("timestamps", "", false)
	since := fs.Duration("since", 0)
	allContainers := fs.Bool("all-containers", "", false)
	prefix := fs.Bool("prefix", "", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || len(pos) > 2 {
		return &usageError{cmd: "logs", msg: "expected POD_NAME or TYPE/NAME"}
	}
	if len(pos) == 2 {
		*container = pos[1]
	}
	ns := k.ns(nsFlag)
	pod, err := k.podFor(ns, pos[0])
	if err != nil {
		return err
	}
	opts := apiserver.LogOptions{Previous: *previous, Timestamps: *timestamps}
	if *tail >= 0 {
		opts.TailLines = api.Ptr(*tail)
	}
	if *since > 0 {
		opts.SinceSeconds = api.Ptr(int64(since.Seconds()))
	}
	names := []string{*container}
	switch {
	case *allContainers:
		names = containerNames(pod, true)
	case *container == "":
		names = []string{defaultContainer(io, pod)}
	}
	for _, name := range names {
		pre := ""
		if *prefix || *allContainers && len(names) > 1 {
			pre = fmt.Sprintf("[pod/%s/%s] ", pod.Name, name)
		}
		if err := k.streamLogs(ctx, io, pod, name, opts, pre, *follow); err != nil {
			return err
		}
	}
	return nil
}

// podFor resolves NAME or TYPE/NAME to a pod: a workload's first pod.
func (k *Kubectl) podFor(ns, arg string) (*api.Pod, error) {
	typ, name, ok := strings.Cut(arg, "/")
	if !ok {
		return client.Get[*api.Pod](k.c, ns, arg)
	}
	rs, err := lookupType(typ)
	if err != nil {
		return nil, err
	}
	r := rs[0]
	if r.Kind == "Pod" {
		return client.Get[*api.Pod](k.c, ns, name)
	}
	obj, err := k.c.Get(r, ns, name)
	if err != nil {
		return nil, err
	}
	sel, err := workloadSelector(obj)
	if err != nil {
		return nil, err
	}
	pods, err := client.List[*api.Pod](k.c, ns, apiserver.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	for _, p := range pods {
		if controller.IsPodActive(p) {
			return p, nil
		}
	}
	return nil, fmt.Errorf("timed out waiting for the condition")
}

func workloadSelector(obj api.Object) (api.Selector, error) {
	var ls *api.LabelSelector
	switch o := obj.(type) {
	case *api.Deployment:
		ls = o.Spec.Selector
	case *api.ReplicaSet:
		ls = o.Spec.Selector
	case *api.DaemonSet:
		ls = o.Spec.Selector
	case *api.Service:
		if len(o.Spec.Selector) == 0 {
			return api.Selector{}, fmt.Errorf("selector for service %s is empty", o.Name)
		}
		return api.SelectorFromSet(o.Spec.Selector), nil
	default:
		return api.Selector{}, fmt.Errorf("cannot get the logs from %s", api.ResourceFor(obj).GroupResource())
	}
	return api.SelectorFromLabelSelector(ls)
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
	return out
}

// defaultContainer picks the container kubectl logs shows by default: the
// one named by the kubectl.kubernetes.io/default-container annotation, or
// the first, saying so when there is a choice.
func defaultContainer(io IO, p *api.Pod) string {
	name := p.Spec.Containers[0].Name
	if a := p.Annotations["kubectl.kubernetes.io/default-container"]; a != "" {
		return a
	}
	if len(p.Spec.Containers)+len(p.Spec.InitContainers) > 1 {
		var all []string
		for _, c := range p.Spec.Containers {
			all = append(all, c.Name)
		}
		for _, c := range p.Spec.InitContainers {
			all = append(all, c.Name+" (init)")
		}
		fmt.Fprintf(io.Err, "Defaulted container %q out of: %s\n", name, strings.Join(all, ", "))
	}
	return name
}

// streamLogs prints a container's log; with follow it keeps printing new
// lines until the container stops or the command is interrupted.
func (k *Kubectl) streamLogs(ctx context.Context, io IO, p *api.Pod, container string, opts apiserver.LogOptions, prefix string, follow bool) error {
	data, err := k.c.PodLogs(p.Namespace, p.Name, container, opts)
	if err != nil {
		return err
	}
	writeLog(io, data, prefix)
	if !follow {
		return nil
	}
	seen := len(data)
	opts.TailLines = nil
	for {
		var more []byte
		done := false
		err := k.host.Wait(ctx, 24*time.Hour, func() bool {
			all, err := k.c.PodLogs(p.Namespace, p.Name, container, opts)
			if err != nil {
				done = true
				return true
			}
			if len(all) > seen {
				more, seen = all[seen:], len(all)
				return true
			}
			done = !k.containerRunning(p.Namespace, p.Name, p.UID, container)
			return done
		})
		if errors.Is(err, context.Canceled) {
			return nil
		}
		if err != nil && !errors.Is(err, ErrTimeout) {
			return err
		}
		writeLog(io, more, prefix)
		if done || err != nil {
			return nil
		}
	}
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
