package kubectl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// runAttach is kubectl run with -i, -t, --attach or --rm: create the pod,
// wait for it to run, attach to its container (what it wrote so far, then
// its output as it comes, and with -i what is typed or piped as its
// standard input) until it ends, delete it with --rm, and end as the
// container did.
func (k *Kubectl) runAttach(ctx context.Context, io IO, pod *api.Pod, o runAttachOptions, timeout time.Duration) error {
	c := &pod.Spec.Containers[0]
	c.Stdin, c.StdinOnce, c.TTY = o.stdin, o.stdin, o.tty
	created, err := client.Create(k.c, pod)
	if err != nil {
		return err
	}
	runErr := k.attachRun(ctx, io, created, o, timeout)
	if o.rm {
		if _, err := k.c.Delete(api.ResourceFor(created), created.Namespace, created.Name, apiserver.DeleteOptions{}); err == nil {
			// kubectl delete's printer, as kubectl run --rm uses it.
			fmt.Fprintf(io.Out, "pod %q deleted from %s namespace\n", created.Name, created.Namespace)
		} else if runErr == nil {
			runErr = err
		}
	}
	return runErr
}

// runAttachOptions are kubectl run's -i, -t, --rm and -q.
type runAttachOptions struct {
	stdin, tty, rm, quiet bool
}

// attachRun waits for the pod's container to start and attaches to it.
// A container that has ended by then shows its log, as kubectl falls
// back to the log when it cannot attach.
func (k *Kubectl) attachRun(ctx context.Context, io IO, pod *api.Pod, o runAttachOptions, timeout time.Duration) error {
	stdin, tty := o.stdin, o.tty
	started := func() bool {
		p, err := client.Get[*api.Pod](k.c, pod.Namespace, pod.Name)
		if err != nil {
			return true
		}
		pod = p
		return p.Status.Phase != api.PodPending || len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].State.Waiting == nil
	}
	if !started() {
		if err := k.host.Wait(ctx, timeout, started); err != nil {
			if errors.Is(err, ErrTimeout) {
				return fmt.Errorf("timed out waiting for the condition")
			}
			return err
		}
	}
	r := logRequest{pod: pod, container: pod.Spec.Containers[0].Name}
	if pod.Status.Phase != api.PodRunning {
		// Ended already: what it wrote is in its log.
		if err := k.streamLogs(ctx, io, r, apiserver.LogOptions{}, true); err != nil {
			return err
		}
		return k.runExit(ctx, pod, timeout)
	}
	data, err := k.podLog(r, apiserver.LogOptions{})
	if err != nil {
		return err
	}
	// kubectl attach's words before it attaches, unless --quiet.
	if !o.quiet {
		fmt.Fprintln(io.Err, "All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.")
		fmt.Fprintln(io.Err, "If you don't see a command prompt, try pressing enter.")
	}
	writeLog(io, data, "")
	stdout, stderr := io.Out, io.Err
	if tty {
		stderr = io.Out
	}
	ended := false
	a, err := k.c.PodAttach(ctx, pod.Namespace, pod.Name, apiserver.AttachOptions{
		Container: r.container, Stdout: stdout, Stderr: stderr, Done: func() { ended = true },
	})
	if err != nil {
		// Ended meanwhile: the rest of what it wrote is in its log.
		if rest, lerr := k.podLog(r, apiserver.LogOptions{}); lerr == nil && len(rest) > len(data) {
			writeLog(io, rest[len(data):], "")
		}
		return k.runExit(ctx, pod, timeout)
	}
	err = k.feed(ctx, io, a.Stdin, func() bool { return ended })
	a.Detach()
	if err != nil {
		return err
	}
	if stdin && tty && io.Terminal && pod.Spec.RestartPolicy == api.RestartAlways {
		fmt.Fprintf(io.Out, "Session ended, resume using 'kubectl attach %s -c %s -i -t' command when the pod is running\n", pod.Name, r.container)
	}
	return k.runExit(ctx, pod, timeout)
}

// feed passes what is typed or piped to an attached container's input
// until it ends; without input to give, it closes the container's.
func (k *Kubectl) feed(ctx context.Context, io IO, in apiserver.AttachedInput, ended func() bool) error {
	if in != nil && io.In == nil {
		in.Close()
	}
	if in == nil || io.In == nil {
		return k.pump(ctx, io, nil, ended)
	}
	return k.pump(ctx, io, in, ended)
}

// runExit waits for the pod to complete (for Never; to succeed for
// OnFailure) and returns its container's exit code as kubectl run does.
func (k *Kubectl) runExit(ctx context.Context, pod *api.Pod, timeout time.Duration) error {
	policy := pod.Spec.RestartPolicy
	if policy == api.RestartAlways {
		return nil
	}
	done := func() bool {
		p, err := client.Get[*api.Pod](k.c, pod.Namespace, pod.Name)
		if err != nil {
			return true
		}
		pod = p
		return p.Status.Phase == api.PodSucceeded || policy == api.RestartNever && p.Status.Phase == api.PodFailed
	}
	if !done() {
		if err := k.host.Wait(ctx, timeout, done); err != nil {
			return err
		}
	}
	if pod.Status.Phase != api.PodFailed {
		return nil
	}
	unknown := fmt.Errorf("pod %s/%s failed with unknown exit code", pod.Namespace, pod.Name)
	if len(pod.Status.ContainerStatuses) == 0 || pod.Status.ContainerStatuses[0].State.Terminated == nil {
		return unknown
	}
	t := pod.Status.ContainerStatuses[0].State.Terminated
	if t.ExitCode == 0 {
		return unknown
	}
	return podExitError{msg: fmt.Sprintf("pod %s/%s terminated (%s)\n%s", pod.Namespace, pod.Name, t.Reason, t.Message), code: int(t.ExitCode)}
}

// podExitError is kubectl run's CodeExitError: the message, then the
// container's exit code as kubectl's.
type podExitError struct {
	msg  string
	code int
}

func (e podExitError) Error() string { return e.msg }
