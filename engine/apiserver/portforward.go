package apiserver

import (
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
)

// PortForwardStream is one forwarded connection to a port of a pod, as
// the kubelet's port-forward stream carries it: reads and writes never
// block (EAGAIN), and the function given to Notify is called when
// something changed.
type PortForwardStream interface {
	Read(b []byte) (int, error)
	Write(b []byte) (int, error)
	CloseWrite()
	Close()
	Notify(f func())
}

// KubeletPortForward is the part of a kubelet's connection that opens
// connections to ports inside pods (the kubelet's /portForward endpoint).
type KubeletPortForward interface {
	PortForward(ns, pod string, port int32) (PortForwardStream, error)
}

// PodPortForward opens a connection to port inside a pod's network
// namespace (the pods/portforward subresource) through the kubelet of the
// pod's node.
func (s *Server) PodPortForward(ns, name string, port int32) (PortForwardStream, error) {
	p, err := s.PortForwardTarget(ns, name)
	if err != nil {
		return nil, err
	}
	if port <= 0 || port > 65535 {
		return nil, NewBadRequest(fmt.Sprintf("invalid port %d", port))
	}
	conn, ok := s.kubelets[p.Spec.NodeName].(KubeletPortForward)
	if !ok {
		return nil, NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	return conn.PortForward(ns, name, port)
}

// PortForwardTarget is the pod pods/portforward reaches, or why none: it
// must exist and be on a node (kube-apiserver's PortForwardLocation).
func (s *Server) PortForwardTarget(ns, name string) (*api.Pod, error) {
	obj, err := s.Get(resourceOf("pods"), ns, name)
	if err != nil {
		return nil, err
	}
	p := obj.(*api.Pod)
	if p.Spec.NodeName == "" {
		return nil, NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	return p, nil
}
