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
	p, container, err := s.StreamTarget(ns, name, opts.Container)
	if err != nil {
		return err
	}
	conn, ok := s.kubelets[p.Spec.NodeName].(KubeletExec)
	if !ok {
		return NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	opts.Container = container
	return conn.Exec(ctx, ns, name, opts)
}

// StreamTarget is the pod and container that pods/exec, attach and
// portforward reach, as kube-apiserver's streamLocation finds them: the
// pod's only container when none is named, and an error in the API
// server's words for a container the pod does not have or a pod not yet
// on a node.
func (s *Server) StreamTarget(ns, name, container string) (*api.Pod, string, error) {
	obj, err := s.Get(resourceOf("pods"), ns, name)
	if err != nil {
		return nil, "", err
	}
	p := obj.(*api.Pod)
	if container == "" {
		if len(p.Spec.Containers) != 1 {
			return nil, "", NewBadRequest(mustNameContainer(p))
		}
		container = p.Spec.Containers[0].Name
	}
	if !podHasContainer(p, container) {
		return nil, "", NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, name))
	}
	if p.Spec.NodeName == "" {
		return nil, "", NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	return p, container, nil
}

// mustNameContainer is kube-apiserver's answer to a stream request that
// names no container of a pod with several.
func mustNameContainer(p *api.Pod) string {
	if len(p.Spec.Containers) == 0 {
		return fmt.Sprintf("a container name must be specified for pod %s", p.Name)
	}
	msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", p.Name, containerNames(p.Spec.Containers))
	if len(p.Spec.InitContainers) > 0 {
		msg += fmt.Sprintf(" or one of the init containers: %v", containerNames(p.Spec.InitContainers))
	}
	return msg
}

func containerNames(list []api.Container) []string {
	names := make([]string, len(list))
	for i, c := range list {
		names[i] = c.Name
	}
	return names
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
	p, container, err := s.StreamTarget(ns, name, opts.Container)
	if err != nil {
		return Attachment{}, err
	}
	conn, ok := s.kubelets[p.Spec.NodeName].(KubeletAttach)
	if !ok {
		return Attachment{}, NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	opts.Container = container
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
