package cluster

import (
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/kubelet"
	"github.com/kubeplay/kubeplay/engine/network"
)

// nodeProber gives a node's kubelet the network's probes: httpGet,
// tcpSocket and grpc from the node's address (network.Prober).
type nodeProber struct{ p *network.Prober }

var _ kubelet.NetworkProber = nodeProber{}

// Probe implements kubelet.NetworkProber.
func (n nodeProber) Probe(t kubelet.ProbeTarget, h api.ProbeHandler, timeout time.Duration, done func(kubelet.ProbeResult)) {
	result := func(r network.ProbeResult) {
		if r.Success {
			done(kubelet.ProbeResult{Outcome: kubelet.ProbeSuccess, Output: r.Output})
			return
		}
		done(kubelet.ProbeResult{Outcome: kubelet.ProbeFailure, Output: r.Output})
	}
	switch {
	case h.HTTPGet != nil:
		port, err := containerPort(h.HTTPGet.Port, t.Container)
		if err != nil {
			done(kubelet.ProbeResult{Outcome: kubelet.ProbeUnknown, Output: err.Error()})
			return
		}
		host := h.HTTPGet.Host
		if host == "" {
			host = t.PodIP
		}
		req := network.HTTPGet{Scheme: h.HTTPGet.Scheme, Host: host, Port: port, Path: h.HTTPGet.Path}
		for _, hd := range h.HTTPGet.HTTPHeaders {
			req.Headers = append(req.Headers, [2]string{hd.Name, hd.Value})
		}
		n.p.HTTP(req, timeout, result)
	case h.TCPSocket != nil:
		port, err := containerPort(h.TCPSocket.Port, t.Container)
		if err != nil {
			done(kubelet.ProbeResult{Outcome: kubelet.ProbeUnknown, Output: err.Error()})
			return
		}
		host := h.TCPSocket.Host
		if host == "" {
			host = t.PodIP
		}
		n.p.TCP(host, port, timeout, result)
	case h.GRPC != nil:
		// The kubelet calls the pod's address; the port is a number.
		n.p.GRPC(t.PodIP, int(h.GRPC.Port), api.Deref(h.GRPC.Service, ""), timeout, result)
	default:
		done(kubelet.ProbeResult{Outcome: kubelet.ProbeNotSimulated})
	}
}

// containerPort resolves a probe's port, a number or the name of one of
// the container's ports, as the kubelet's ResolveContainerPort does.
func containerPort(p api.IntOrString, c *api.Container) (int, error) {
	if p.Type == api.Int {
		if p.IntVal <= 0 || p.IntVal >= 65536 {
			return 0, fmt.Errorf("invalid port number: %d", p.IntVal)
		}
		return int(p.IntVal), nil
	}
	if c != nil {
		for _, cp := range c.Ports {
			if cp.Name == p.StrVal {
				return int(cp.ContainerPort), nil
			}
		}
	}
	return 0, fmt.Errorf("port %s not found", p.StrVal)
}

// fakeProber is a fake node's: nothing listens on a fake node, so its
// httpGet, tcpSocket and grpc probes and hooks are taken to succeed, as
// kwok's pods are Ready without probing.
type fakeProber struct{}

// Probe implements kubelet.NetworkProber.
func (fakeProber) Probe(_ kubelet.ProbeTarget, _ api.ProbeHandler, _ time.Duration, done func(kubelet.ProbeResult)) {
	done(kubelet.ProbeResult{Outcome: kubelet.ProbeSuccess})
}

// DialPod implements kubelet.PortDialer.
func (n nodeProber) DialPod(podIP string, port int32) (apiserver.PortForwardStream, error) {
	c, err := n.p.DialPod(podIP, port)
	if err != nil {
		return nil, err
	}
	return c, nil
}
