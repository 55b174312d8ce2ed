package kubectl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// attach is `kubectl attach (POD | TYPE/NAME) -c CONTAINER [-i] [-t]`
// (pkg/cmd/attach): it joins the running process of a container from now
// on, its output and with -i its input, until the process ends. Unlike
// kubectl run -i it shows nothing the container wrote before.
func (k *Kubectl) attach(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("attach")
	nsFlag := k.commonFlags(fs)
	container := fs.String("container", "c", "")
	stdin := fs.Bool("stdin", "i", false)
	tty := fs.Bool("tty", "t", false)
	quiet := fs.Bool("quiet", "q", false)
	fs.String("detach-keys", "", "ctrl-p,ctrl-q")
	timeout := fs.Duration("pod-running-timeout", time.Minute)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return errors.New("at least 1 argument is required for attach")
	case len(pos) > 2:
		return fmt.Errorf("expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw %d: %v", len(pos), pos)
	case *timeout <= 0:
		return errors.New("--pod-running-timeout must be higher than zero")
	}
	target := pos[0]
	if len(pos) == 2 {
		target = pos[0] + "/" + pos[1]
	}
	pod, err := k.attachablePod(ctx, k.ns(nsFlag), target, *timeout)
	if err != nil {
		return err
	}
	if pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
		return fmt.Errorf("cannot attach a container in a completed pod; current phase is %s", pod.Status.Phase)
	}
	c, err := attachContainer(quietIO(io, *quiet), pod, *container)
	if err != nil {
		return fmt.Errorf("cannot attach to the container: %v", err)
	}
	o := attachOptions{pod: pod, container: c, stdin: *stdin, tty: *tty, quiet: *quiet}
	return k.attachTo(ctx, io, o)
}

// attachOptions are attach's resolved target and streams.
type attachOptions struct {
	pod               *api.Pod
	container         *api.Container
	stdin, tty, quiet bool
}

// attachContainer is podcmd.FindOrDefaultContainerByName: the named
// container (init and ephemeral ones included), else the default one.
func attachContainer(io IO, pod *api.Pod, name string) (*api.Container, error) {
	if name == "" {
		if len(pod.Spec.Containers) == 0 {
			return nil, fmt.Errorf("pod %s/%s does not have any containers", pod.Namespace, pod.Name)
		}
		name = defaultContainer(io, pod)
	}
	for _, list := range [][]api.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i], nil
			}
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		if c := &pod.Spec.EphemeralContainers[i]; c.Name == name {
			return &api.Container{Name: c.Name, Stdin: c.Stdin, TTY: c.TTY}, nil
		}
	}
	return nil, fmt.Errorf("container %s not found in pod %s", name, pod.Name)
}

// attachTo attaches as AttachOptions.Run: the terminal follows the
// container's (a container without one gets none; one with one always
// does), input only with -i, and a raw terminal only when the input is one.
func (k *Kubectl) attachTo(ctx context.Context, io IO, o attachOptions) error {
	if o.tty && !o.container.TTY {
		o.tty = false
		if !o.quiet {
			fmt.Fprintf(io.Err, "error: Unable to use a TTY - container %s did not allocate one\n", o.container.Name)
		}
	} else if !o.tty && o.container.TTY {
		o.tty = true
	}
	raw := false
	if o.stdin && o.tty {
		raw = io.Terminal
		if !raw && !o.quiet {
			fmt.Fprintln(io.Err, "Unable to use a TTY - input is not a terminal or the right kind of file")
		}
	}
	if !o.quiet {
		fmt.Fprintln(io.Err, "All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.")
		fmt.Fprintln(io.Err, "If you don't see a command prompt, try pressing enter.")
	}
	stderr := io.Err
	if raw {
		stderr = io.Out
	}
	ended := false
	a, err := k.c.PodAttach(ctx, o.pod.Namespace, o.pod.Name, apiserver.AttachOptions{
		Container: o.container.Name, Stdout: io.Out, Stderr: stderr, Done: func() { ended = true },
	})
	if err != nil {
		return err
	}
	if o.stdin && a.Stdin != nil {
		err = k.feed(ctx, io, a.Stdin, func() bool { return ended })
	} else {
		err = k.pump(ctx, io, nil, func() bool { return ended })
	}
	a.Detach()
	if err != nil {
		return err
	}
	if o.stdin && raw && !o.quiet {
		fmt.Fprintln(io.Out, reattachMessage(o.pod, o.container.Name))
	}
	return nil
}

// reattachMessage is what kubectl says when an interactive session ends.
func reattachMessage(pod *api.Pod, container string) string {
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == container {
			return fmt.Sprintf("Session ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach %s -c %s -n %s -i -t' if it is still running", pod.Name, container, pod.Namespace)
		}
	}
	return fmt.Sprintf("Session ended, resume using 'kubectl attach %s -c %s -n %s -i -t' command", pod.Name, container, pod.Namespace)
}
