package kubelet

import (
	"fmt"
	"strings"

	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// PortDialer connects to a port inside a pod's network namespace, as the
// container runtime's PortForward does (from the pod's own loopback).
type PortDialer interface {
	DialPod(podIP string, port int32) (apiserver.PortForwardStream, error)
}

// PortForward opens a connection to port inside one of the node's pods,
// as the kubelet's /portForward endpoint does for the API server.
func (k *Kubelet) PortForward(ns, pod string, port int32) (apiserver.PortForwardStream, error) {
	st, ok := k.states[client.Key(ns, pod)]
	if !ok || !st.sandbox || st.stopped || st.ip == "" {
		return nil, fmt.Errorf("pod %s/%s not found", ns, pod)
	}
	d, ok := k.cfg.NetworkProber.(PortDialer)
	if !ok {
		return nil, fmt.Errorf("kubeplay: the node %s has no network to forward to", k.cfg.NodeName)
	}
	conn, err := d.DialPod(st.ip, port)
	if err != nil {
		return nil, fmt.Errorf("error forwarding port %d to pod %s, uid : failed to connect to localhost:%d inside namespace %q, IPv4: dial tcp4 127.0.0.1:%d: connect: %s IPv6 dial tcp6 [::1]:%d: connect: %s ",
			port, st.uid, port, st.uid, port, strings.ToLower(err.Error()), port, strings.ToLower(err.Error()))
	}
	return conn, nil
}
