package kubelet

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

// Exec runs a command in a running container of one of the node's pods,
// as the kubelet's /exec endpoint does for the API server.
func (k *Kubelet) Exec(ctx context.Context, ns, pod string, opts apiserver.ExecOptions) error {
	if k.cfg.Fake {
		return fmt.Errorf("kubeplay: %s is a fake node: its containers run no program, so there is nothing to exec into", k.cfg.NodeName)
	}
	notFound := fmt.Errorf("unable to upgrade connection: container not found (%q)", opts.Container)
	st, ok := k.states[client.Key(ns, pod)]
	if !ok {
		return notFound
	}
	cs, ok := st.containers[opts.Container]
	if !ok || cs.id == "" {
		return notFound
	}
	req := runtime.ExecRequest{Cmd: opts.Command, Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr, Timeout: opts.Timeout, TTY: opts.TTY}
	if opts.Done != nil {
		req.Done = func(r runtime.ExecResult) { opts.Done(r.ExitCode, r.Err) }
	}
	err := k.rt.ExecSync(ctx, cs.id, req)
	if errors.Is(err, runtime.ErrNotRunning) || errors.Is(err, runtime.ErrNotFound) {
		return notFound
	}
	var missing runtime.ErrExecNotFound
	if errors.As(err, &missing) {
		// containerd names the exec process it failed to start; the
		// error reaches kubectl on the stream's error channel, as text.
		return fmt.Errorf("Internal error occurred: error executing command in container: failed to exec in container: failed to start exec %q: %w", k.hex(32), err)
	}
	return err
}

// attacher is a runtime that attaches to containers' main processes (the
// CRI's Attach, which not every runtime implements).
type attacher interface {
	Attach(id string, req runtime.AttachRequest) (*runtime.Stdin, func(), error)
}

// Attach connects to the main process of a running container of one of
// the node's pods, as the kubelet's /attach endpoint does.
func (k *Kubelet) Attach(ctx context.Context, ns, pod string, opts apiserver.AttachOptions) (apiserver.Attachment, error) {
	notFound := fmt.Errorf("unable to upgrade connection: container not found (%q)", opts.Container)
	st, ok := k.states[client.Key(ns, pod)]
	if !ok {
		return apiserver.Attachment{}, notFound
	}
	cs, ok := st.containers[opts.Container]
	if !ok || cs.id == "" {
		return apiserver.Attachment{}, notFound
	}
	rt, ok := k.rt.(attacher)
	if !ok {
		return apiserver.Attachment{}, errors.New("the container runtime cannot attach to containers")
	}
	stdin, detach, err := rt.Attach(cs.id, runtime.AttachRequest{Stdout: opts.Stdout, Stderr: opts.Stderr, Done: opts.Done})
	if errors.Is(err, runtime.ErrNotRunning) || errors.Is(err, runtime.ErrNotFound) {
		return apiserver.Attachment{}, notFound
	}
	if err != nil {
		return apiserver.Attachment{}, err
	}
	a := apiserver.Attachment{Detach: detach}
	if stdin != nil {
		a.Stdin = stdin
	}
	return a, nil
}
