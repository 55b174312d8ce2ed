package apiserver

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/kubeplay/kubeplay/engine/api"
)

// ipam allocates Service cluster IPs from the service CIDR (10.96.0.0/12, as
// kubeadm sets it) and node ports from 30000-32767, as the API server does.
type ipam struct {
	cidr      netip.Prefix
	clusterIP map[netip.Addr]bool
	nodePorts map[int32]bool
}

const (
	nodePortMin = 30000
	nodePortMax = 32767
)

func newIPAM() *ipam {
	return &ipam{
		cidr:      netip.MustParsePrefix("10.96.0.0/12"),
		clusterIP: map[netip.Addr]bool{},
		nodePorts: map[int32]bool{},
	}
}

func (a *ipam) serviceCIDRFirst() string { return a.cidr.Addr().Next().String() }

func (a *ipam) size() uint32 { return 1<<(32-a.cidr.Bits()) - 2 }

func (a *ipam) nth(n uint32) netip.Addr {
	b := a.cidr.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += n + 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// allocate gives svc its cluster IP and node ports, or says why it cannot.
func (a *ipam) allocate(rng *rand.Rand, svc *api.Service) []FieldError {
	if errs := a.allocateClusterIP(rng, svc); len(errs) > 0 {
		return errs
	}
	if !needsNodePort(svc.Spec.Type) {
		return nil
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if p.NodePort != 0 {
			if a.nodePorts[p.NodePort] {
				return []FieldError{Invalid(fmt.Sprintf("spec.ports[%d].nodePort", i), p.NodePort, "provided port is already allocated")}
			}
			a.nodePorts[p.NodePort] = true
			continue
		}
		for {
			n := int32(nodePortMin + rng.IntN(nodePortMax-nodePortMin+1))
			if !a.nodePorts[n] {
				a.nodePorts[n] = true
				p.NodePort = n
				break
			}
		}
	}
	return nil
}

func (a *ipam) allocateClusterIP(rng *rand.Rand, svc *api.Service) []FieldError {
	spec := &svc.Spec
	if spec.Type == "ExternalName" || spec.ClusterIP == "None" {
		if spec.ClusterIP == "None" {
			spec.ClusterIPs = []string{"None"}
		}
		return nil
	}
	if spec.ClusterIP != "" {
		ip, err := netip.ParseAddr(spec.ClusterIP)
		if err != nil || !a.cidr.Contains(ip) {
			return []FieldError{Invalid("spec.clusterIPs", []string{spec.ClusterIP}, fmt.Sprintf("failed to allocate IP %s: the provided IP (%s) is not in the valid range. The range of valid IPs is %s", spec.ClusterIP, spec.ClusterIP, a.cidr))}
		}
		if a.clusterIP[ip] {
			return []FieldError{Invalid("spec.clusterIPs", []string{spec.ClusterIP}, fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", spec.ClusterIP))}
		}
		a.clusterIP[ip] = true
		spec.ClusterIPs = []string{spec.ClusterIP}
		return nil
	}
	for range 1 << 16 {
		ip := a.nth(uint32(rng.Int64N(int64(a.size()))))
		if !a.clusterIP[ip] {
			a.clusterIP[ip] = true
			spec.ClusterIP = ip.String()
			spec.ClusterIPs = []string{spec.ClusterIP}
			return nil
		}
	}
	return []FieldError{Invalid("spec.clusterIPs", nil, "failed to allocate IP: range is full")}
}

// reserve marks the addresses of an existing service as taken.
func (a *ipam) reserve(svc *api.Service) {
	if ip, err := netip.ParseAddr(svc.Spec.ClusterIP); err == nil {
		a.clusterIP[ip] = true
	}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			a.nodePorts[p.NodePort] = true
		}
	}
}

// release returns svc's addresses to the pools.
func (a *ipam) release(svc *api.Service) {
	if ip, err := netip.ParseAddr(svc.Spec.ClusterIP); err == nil {
		delete(a.clusterIP, ip)
	}
	for _, p := range svc.Spec.Ports {
		delete(a.nodePorts, p.NodePort)
	}
}

// update gives svc what its update newly needs — a cluster IP when it
// leaves ExternalName, node ports when it becomes NodePort or LoadBalancer
// or gains ports — as the service REST storage's allocateUpdate does. It
// returns commit, which frees what old held and svc no longer uses (call it
// once the update is stored), and undo, which gives back what it took.
func (a *ipam) update(rng *rand.Rand, svc, old *api.Service) (commit, undo func(), errs []FieldError) {
	var took []*api.Service // what to hand back on undo, as services' fields
	undo = func() {
		for _, t := range took {
			a.release(t)
		}
	}
	spec, prev := &svc.Spec, &old.Spec
	if prev.ClusterIP == "" && spec.Type != "ExternalName" {
		if errs := a.allocateClusterIP(rng, svc); len(errs) > 0 {
			return nil, nil, errs
		}
		took = append(took, &api.Service{Spec: api.ServiceSpec{ClusterIP: spec.ClusterIP}})
	}
	had := map[int32]bool{}
	for _, p := range prev.Ports {
		had[p.NodePort] = true
	}
	if needsNodePort(spec.Type) {
		for i := range spec.Ports {
			p := &spec.Ports[i]
			switch {
			case p.NodePort != 0 && had[p.NodePort]:
				continue
			case p.NodePort != 0:
				if a.nodePorts[p.NodePort] {
					undo()
					return nil, nil, []FieldError{Invalid(fmt.Sprintf("spec.ports[%d].nodePort", i), p.NodePort, "provided port is already allocated")}
				}
				a.nodePorts[p.NodePort] = true
			default:
				for {
					n := int32(nodePortMin + rng.IntN(nodePortMax-nodePortMin+1))
					if !a.nodePorts[n] {
						a.nodePorts[n] = true
						p.NodePort = n
						break
					}
				}
			}
			took = append(took, &api.Service{Spec: api.ServiceSpec{Ports: []api.ServicePort{{NodePort: p.NodePort}}}})
		}
	}
	commit = func() {
		freed := api.Service{}
		if prev.ClusterIP != "" && prev.ClusterIP != "None" && spec.ClusterIP != prev.ClusterIP {
			freed.Spec.ClusterIP = prev.ClusterIP
		}
		keep := map[int32]bool{}
		for _, p := range spec.Ports {
			keep[p.NodePort] = true
		}
		for _, p := range prev.Ports {
			if p.NodePort != 0 && !keep[p.NodePort] {
				freed.Spec.Ports = append(freed.Spec.Ports, api.ServicePort{NodePort: p.NodePort})
			}
		}
		a.release(&freed)
	}
	return commit, undo, nil
}
