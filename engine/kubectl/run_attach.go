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
// wait for it to run, show its container's output until it ends, delete
// it with --rm, and end as the container did.
//
// The container's own standard input cannot be fed yet (the runtime
// streams input to execs, not to a container's main process), so with
// -i kubectl says so; `kubectl exec -it` gives an interactive shell.
func (k *Kubectl) runAttach(ctx context.Context, io IO, pod *api.Pod, stdin, tty, rm bool, timeout time.Duration) error {
	c := &pod.Spec.Containers[0]
	c.Stdin, c.StdinOnce, c.TTY = stdin, stdin, tty
	created, err := client.Create(k.c, pod)
	if err != nil {
		return err
	}
	if stdin && io.Terminal {
		fmt.Fprintln(io.Err, "Warning: the playground cannot pass input to a container's main process yet: its output is shown; use kubectl exec -it for an interactive shell.")
	}
	runErr := k.attachOutput(ctx, io, created, timeout)
	if rm {
		if _, err := k.c.Delete(api.ResourceFor(created), created.Namespace, created.Name, apiserver.DeleteOptions{}); err == nil {
			fmt.Fprintf(io.Out, "pod %q deleted\n", created.Name)
		} else if runErr == nil {
			runErr = err
		}
	}
	return runErr
}

// attachOutput waits for the pod's container to start, prints its log as
// it comes until it stops, and returns how it ended as kubectl run does.
func (k *Kubectl) attachOutput(ctx context.Context, io IO, pod *api.Pod, timeout time.Duration) error {
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
	if err := k.streamLogs(ctx, io, r, apiserver.LogOptions{}, true); err != nil {
		return err
	}
	return k.runExit(ctx, pod, timeout)
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
