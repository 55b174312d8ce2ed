//go:build wasip1

package main

import (
	"context"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
)

// In a kubeplay container the applets use the pod's network: the
// kubeplay_net host module, through the SDK.
func init() {
	n := podNetwork{isolated{hosts: "/etc/hosts", resolv: "/etc/resolv.conf"}}
	guestNetwork, valueDialer = n, n
}

type podNetwork struct{ isolated }

func (n podNetwork) LookupHost(ctx context.Context, host string) ([]string, error) {
	addrs, err := kpnet.LookupHost(host)
	if err != nil {
		return nil, errNoSuchHost
	}
	return addrs, nil
}

func (n podNetwork) Dial(ctx context.Context, addr string) (io.ReadWriteCloser, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	return n.DialAddrPort(ctx, ap)
}

func (n podNetwork) DialAddrPort(ctx context.Context, ap netip.AddrPort) (io.ReadWriteCloser, error) {
	var deadline time.Time
	if d, ok := ctx.Deadline(); ok {
		deadline = d
	}
	c, err := kpnet.DialAddr(ap, deadline)
	if kc, ok := c.(*kpnet.Conn); ok {
		return kc, err // by its type: net.Conn to io.ReadWriteCloser is a method lookup
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (n podNetwork) Query(name, server string) ([]string, int) {
	s, err := netip.ParseAddr(server)
	if err != nil {
		return nil, int(kpnet.NXDomain)
	}
	addrs, rc := kpnet.Query(name, s)
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out, int(rc)
}

func (n podNetwork) QueryPTR(ip, server string) (string, int) {
	a, err1 := netip.ParseAddr(ip)
	s, err2 := netip.ParseAddr(server)
	if err1 != nil || err2 != nil {
		return "", int(kpnet.NXDomain)
	}
	name, rc := kpnet.QueryPTR(a, s)
	return name, int(rc)
}

func (n podNetwork) Listen(port int) (net.Listener, error) {
	return kpnet.Listen("tcp", ":"+strconv.Itoa(port))
}

func (n podNetwork) ListenUDP(port int) (udpSocket, error) {
	c, err := kpnet.ListenPacket("udp", ":"+strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	return podUDP{c.(*kpnet.UDPConn)}, nil
}

// podUDP is the SDK's UDP socket as the applets use it.
type podUDP struct{ *kpnet.UDPConn }

func (u podUDP) ReadFrom(b []byte) (int, netip.AddrPort, error) { return u.ReadFromUDPAddrPort(b) }

func (u podUDP) LocalAddr() netip.AddrPort {
	return u.UDPConn.LocalAddr().(*net.UDPAddr).AddrPort()
}
