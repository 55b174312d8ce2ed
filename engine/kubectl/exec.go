package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// execDeprecated is what kubectl says of a command given without "--".
const execDeprecated = "kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.\n"

// streamOptions are the streams of exec and attach (kubectl's
// StreamOptions).
type streamOptions struct {
	stdin, tty, quiet bool
}

// exec is `kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]`.
func (k *Kubectl) exec(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("exec")
	nsFlag := k.commonFlags(fs)
	container := fs.String("container", "c", "")
	stdin := fs.Bool("stdin", "i", false)
	tty := fs.Bool("tty", "t", false)
	quiet := fs.Bool("quiet", "q", false)
	timeout := fs.Duration("pod-running-timeout", time.Minute)
	pos, rest, err := fs.Parse(args)
	if err != nil {
		return err
	}
	so := streamOptions{stdin: *stdin, tty: *tty, quiet: *quiet}
	name, command := "", rest
	switch {
	case rest != nil && len(pos) > 0:
		name = pos[0]
	case rest == nil && len(pos) > 1:
		if !so.quiet {
			fmt.Fprint(io.Err, execDeprecated)
		}
		name, command = pos[0], pos[1:]
	case rest == nil && len(pos) == 1:
		name = pos[0]
	}
	if name == "" {
		return errors.New("pod, type/name or --filename must be specified")
	}
	if len(command) == 0 {
		return errors.New("you must specify at least one command for the container")
	}
	pod, err := k.attachablePod(ctx, k.ns(nsFlag), name, *timeout)
	if err != nil {
		return err
	}
	if pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
		return fmt.Errorf("cannot exec into a container in a completed pod; current phase is %s", pod.Status.Phase)
	}
	if *container == "" {
		*container = defaultContainer(quietIO(io, so.quiet), pod)
	} else if !podcmdHasContainer(pod, *container) {
		return fmt.Errorf("container %s is not valid for pod %s out of: %s", *container, pod.Name, allContainerNames(pod))
	}
	return k.stream(ctx, io, so, func(opts apiserver.ExecOptions) error {
		opts.Container, opts.Command = *container, command
		return k.c.PodExec(ctx, pod.Namespace, pod.Name, opts)
	})
}

// podcmdHasContainer reports whether a pod has a container of that name,
// ephemeral ones included (kubectl's podcmd.FindContainerByName).
func podcmdHasContainer(p *api.Pod, name string) bool {
	for _, c := range p.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return hasContainer(p, name)
}

// allContainerNames lists a pod's containers as kubectl's
// podcmd.AllContainerNames does: the containers, the ephemeral ones, then
// the init containers.
func allContainerNames(p *api.Pod) string {
	var names []string
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range p.Spec.EphemeralContainers {
		names = append(names, c.Name+" (ephem)")
	}
	for _, c := range p.Spec.InitContainers {
		names = append(names, c.Name+" (init)")
	}
	return strings.Join(names, ", ")
}

// attachablePod resolves POD or TYPE/NAME to a pod to exec in or attach
// to, as polymorphichelpers.AttachablePodForObjectFn: a workload's most
// active pod, waiting up to timeout for one.
func (k *Kubectl) attachablePod(ctx context.Context, ns, arg string, timeout time.Duration) (*api.Pod, error) {
	obj, err := k.getPodOrTyped(ns, arg)
	if err != nil {
		return nil, err
	}
	if p, ok := obj.(*api.Pod); ok {
		return p, nil
	}
	sel, err := attachSelector(obj)
	if err != nil {
		return nil, err
	}
	pods, err := k.firstPods(ctx, ns, sel, timeout)
	if err != nil {
		return nil, err
	}
	sort.Sort(byLogging(pods))
	return pods[0], nil
}

func attachSelector(obj api.Object) (api.Selector, error) {
	if svc, ok := obj.(*api.Service); ok {
		if len(svc.Spec.Selector) == 0 {
			return api.Selector{}, errors.New("invalid service '" + svc.Name + "': Service is defined without a selector")
		}
		return api.SelectorFromSet(svc.Spec.Selector), nil
	}
	sel, err := workloadSelector(obj)
	if err != nil {
		return api.Selector{}, fmt.Errorf("cannot attach to %s: %v", goTypeOf(obj), err)
	}
	return sel, nil
}

// stream runs a command or attaches, with kubectl's streams: stdin when
// asked for (typed input streams to the container when it is a terminal),
// one output for both streams with a terminal, and the exit code as
// kubectl reports it.
func (k *Kubectl) stream(ctx context.Context, io IO, so streamOptions, start func(apiserver.ExecOptions) error) error {
	opts := apiserver.ExecOptions{Stdout: io.Out, Stderr: io.Err}
	var term *runtime.Stdin
	switch {
	case !so.stdin:
	case io.Terminal:
		term = runtime.NewStdin()
		opts.Stdin = term
		opts.TTY = so.tty
	default:
		if so.tty && !so.quiet {
			fmt.Fprintln(io.Err, "Unable to use a TTY - input is not a terminal or the right kind of file")
		}
		opts.Stdin = io.In
		if io.In == nil {
			opts.Stdin = strings.NewReader("")
		}
	}
	if opts.TTY {
		opts.Stderr = io.Out
	}
	done, code := false, int32(0)
	opts.Done = func(c int32, _ error) { done, code = true, c }
	if err := start(opts); err != nil {
		return err
	}
	var in apiserver.AttachedInput
	if term != nil {
		in = term
	}
	if err := k.pump(ctx, io, in, func() bool { return done }); err != nil {
		return err
	}
	if code != 0 {
		return commandExitError{int(code)}
	}
	return nil
}

// pump waits for the command to end, feeding it what is typed whenever it
// waits for input (term nil: it has none).
func (k *Kubectl) pump(ctx context.Context, io IO, term apiserver.AttachedInput, done func() bool) error {
	eof := false
	buf := make([]byte, 4096)
	for !done() {
		err := k.host.Wait(ctx, forever, func() bool { return done() || term != nil && !eof && term.Starved() })
		if err != nil {
			if term != nil {
				term.Close() // a process waiting for input wakes to its end
			}
			return err
		}
		if done() {
			return nil
		}
		var n int
		k.unlocked(func() { n, err = io.In.Read(buf) })
		if n > 0 {
			term.Write(buf[:n])
		}
		if err != nil || io.In == nil {
			eof = true
			term.Close()
		}
	}
	return nil
}

// unlocked runs f without holding the cluster, when the host can let go
// of it: reading what the user types must not stop the cluster.
func (k *Kubectl) unlocked(f func()) {
	if u, ok := k.host.(interface{ Unlocked(func()) }); ok {
		u.Unlocked(f)
		return
	}
	f()
}

// quietIO is s without its error stream when quiet.
func quietIO(s IO, quiet bool) IO {
	if quiet {
		s.Err = io.Discard
	}
	return s
}

// commandExitError is a command that ended with a non-zero exit code in a
// container: kubectl says so and exits with it.
type commandExitError struct{ code int }

func (e commandExitError) Error() string {
	return fmt.Sprintf("command terminated with exit code %d", e.code)
}
