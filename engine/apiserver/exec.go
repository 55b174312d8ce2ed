package apiserver

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// ExecOptions are the options of pods/exec, with the streams the
// connection carries.
type ExecOptions struct {
	Container string
	Command   []string
	TTY       bool
	Stdin     io.Reader // nil: no stdin
	Stdout    io.Writer
	Stderr    io.Writer
	// Timeout is in virtual time; 0 is none.
	Timeout time.Duration
	// Done gets the command's exit code, or why it did not run to its
	// end, as a loop task.
	Done func(code int32, err error)
}

// KubeletExec is the part of a kubelet's connection that runs commands in
// containers (the kubelet's /exec endpoint).
type KubeletExec interface {
	Exec(ctx context.Context, ns, pod string, opts ExecOptions) error
}

// PodExec runs a command in a pod's container (the pods/exec subresource)
// through the kubelet of the pod's node.
func (s *Server) PodExec(ctx context.Context, ns, name string, opts ExecOptions) error {
	r := resourceOf("pods")
	obj, err := s.Get(r, ns, name)
	if err != nil {
		return err
	}
	p := obj.(*api.Pod)
	if !podHasContainer(p, opts.Container) {
		return NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", opts.Container, name))
	}
	conn, ok := s.kubelets[p.Spec.NodeName].(KubeletExec)
	if !ok || p.Spec.NodeName == "" {
		return NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	return conn.Exec(ctx, ns, name, opts)
}

// AttachOptions are the options of pods/attach, with the output streams
// the connection carries.
type AttachOptions struct {
	Container      string
	Stdout, Stderr io.Writer
	// Done is called when the container's process ends, which ends the
	// attachment.
	Done func()
}

// AttachedInput is the input of an attached container: what is written
// reaches its main process; Starved says that it waits for input.
type AttachedInput interface {
	io.WriteCloser
	Starved() bool
}

// Attachment is a client attached to a container's main process.
type Attachment struct {
	Stdin  AttachedInput // nil: the container has no stdin
	Detach func()
}

// KubeletAttach is the part of a kubelet's connection that attaches to
// containers (the kubelet's /attach endpoint).
type KubeletAttach interface {
	Attach(ctx context.Context, ns, pod string, opts AttachOptions) (Attachment, error)
}

// PodAttach attaches to a pod's container (the pods/attach subresource)
// through the kubelet of the pod's node.
func (s *Server) PodAttach(ctx context.Context, ns, name string, opts AttachOptions) (Attachment, error) {
	obj, err := s.Get(resourceOf("pods"), ns, name)
	if err != nil {
		return Attachment{}, err
	}
	p := obj.(*api.Pod)
	if !podHasContainer(p, opts.Container) {
		return Attachment{}, NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", opts.Container, name))
	}
	conn, ok := s.kubelets[p.Spec.NodeName].(KubeletAttach)
	if !ok || p.Spec.NodeName == "" {
		return Attachment{}, NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	return conn.Attach(ctx, ns, name, opts)
}

func podHasContainer(p *api.Pod, name string) bool {
	for _, list := range [][]api.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range list {
			if c.Name == name {
				return true
			}
		}
	}
	for _, c := range p.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}
