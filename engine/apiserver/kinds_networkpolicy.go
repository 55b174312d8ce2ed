package apiserver

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The registry strategy of networking.k8s.io/v1 NetworkPolicies
// (pkg/registry/networking/networkpolicy, pkg/apis/networking/v1/defaults.go,
// ValidateNetworkPolicy in pkg/apis/networking/validation). The API server
// stores them and nothing enforces them: the cluster's network lets all
// traffic through, as it does under a CNI plugin without policy support
// (kindnet, flannel), and every write says so in a warning.

// networkPolicyNotEnforced is the warning of every NetworkPolicy written.
const networkPolicyNotEnforced = "kubeplay: NetworkPolicies are stored but not enforced: this cluster's network lets all traffic through, as a CNI plugin without policy support does"

var (
	networkPolicyProtocols = []string{"TCP", "UDP", "SCTP"}
	networkPolicyTypes     = []string{"Ingress", "Egress"}
)

func init() {
	strategies["NetworkPolicy.networking.k8s.io"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) { defaultNetworkPolicy(obj.(*api.NetworkPolicy)) },
		prepareUpdate: func(s *Server, obj, _ api.Object) { defaultNetworkPolicy(obj.(*api.NetworkPolicy)) },
		validate: func(s *Server, obj api.Object) []FieldError {
			if !creating(obj) {
				return nil
			}
			return validateNetworkPolicySpec(&obj.(*api.NetworkPolicy).Spec, nil)
		},
		validateUpdate: validateNetworkPolicyUpdate,
		warnings:       func(api.Object) []string { return []string{networkPolicyNotEnforced} },
	}
}

// defaultNetworkPolicy is SetDefaults_NetworkPolicy and
// SetDefaults_NetworkPolicyPort: a policy without policyTypes is an
// Ingress policy, and an Egress one too when it has egress rules; a port's
// protocol is TCP.
func defaultNetworkPolicy(np *api.NetworkPolicy) {
	spec := &np.Spec
	if len(spec.PolicyTypes) == 0 {
		spec.PolicyTypes = []string{"Ingress"}
		if len(spec.Egress) != 0 {
			spec.PolicyTypes = append(spec.PolicyTypes, "Egress")
		}
	}
	defaultPorts := func(ports []api.NetworkPolicyPort) {
		for i := range ports {
			if ports[i].Protocol == nil {
				ports[i].Protocol = api.Ptr("TCP")
			}
		}
	}
	for i := range spec.Ingress {
		defaultPorts(spec.Ingress[i].Ports)
	}
	for i := range spec.Egress {
		defaultPorts(spec.Egress[i].Ports)
	}
}

// validateNetworkPolicyUpdate is ValidateNetworkPolicyUpdate: the spec as
// on create, except that the CIDRs the stored policy has pass unchecked
// (they were valid under older, looser rules).
func validateNetworkPolicyUpdate(obj, old api.Object) []FieldError {
	existing := map[string]bool{}
	ingress, egress := old.(*api.NetworkPolicy).Spec.Rules()
	for _, r := range append(ingress, egress...) {
		for _, p := range r.Peers {
			if p.IPBlock != nil {
				existing[p.IPBlock.CIDR] = true
				for _, e := range p.IPBlock.Except {
					existing[e] = true
				}
			}
		}
	}
	return validateNetworkPolicySpec(&obj.(*api.NetworkPolicy).Spec, existing)
}

// validateNetworkPolicySpec is ValidateNetworkPolicySpec; allowed holds
// CIDRs accepted as they are.
func validateNetworkPolicySpec(spec *api.NetworkPolicySpec, allowed map[string]bool) []FieldError {
	errs := validateLabelSelector(&spec.PodSelector, "spec.podSelector")
	ingress, egress := spec.Rules()
	for _, d := range []struct {
		field, peers string
		rules        []api.NetworkPolicyRule
	}{{"spec.ingress", "from", ingress}, {"spec.egress", "to", egress}} {
		for i, rule := range d.rules {
			p := fmt.Sprintf("%s[%d]", d.field, i)
			for j := range rule.Ports {
				errs = append(errs, validateNetworkPolicyPort(&rule.Ports[j], fmt.Sprintf("%s.ports[%d]", p, j))...)
			}
			for j := range rule.Peers {
				errs = append(errs, validateNetworkPolicyPeer(&rule.Peers[j], fmt.Sprintf("%s.%s[%d]", p, d.peers, j), allowed)...)
			}
		}
	}
	if len(spec.PolicyTypes) > len(networkPolicyTypes) {
		quoted := make([]string, len(spec.PolicyTypes))
		for i, t := range spec.PolicyTypes {
			quoted[i] = strconv.Quote(t)
		}
		value := goSyntax("[]networking.PolicyType{" + strings.Join(quoted, ", ") + "}")
		return append(errs, Invalid("spec.policyTypes", value, "may not specify more than two policyTypes"))
	}
	for i, t := range spec.PolicyTypes {
		if t != "Ingress" && t != "Egress" {
			errs = append(errs, NotSupported(fmt.Sprintf("spec.policyTypes[%d]", i), t, networkPolicyTypes))
		}
	}
	return errs
}

// validateNetworkPolicyPort is ValidateNetworkPolicyPort: a protocol of
// TCP, UDP or SCTP, a port number or name, and an end port only after a
// port number, not below it.
func validateNetworkPolicyPort(port *api.NetworkPolicyPort, p string) []FieldError {
	var errs []FieldError
	if port.Protocol != nil && *port.Protocol != "TCP" && *port.Protocol != "UDP" && *port.Protocol != "SCTP" {
		errs = append(errs, NotSupported(p+".protocol", *port.Protocol, networkPolicyProtocols))
	}
	switch {
	case port.Port == nil:
		if port.EndPort != nil {
			errs = append(errs, Invalid(p+".endPort", *port.EndPort, "may not be specified when `port` is not specified"))
		}
	case port.Port.Type == api.Int:
		for _, msg := range portNumErrors(int(port.Port.IntVal)) {
			errs = append(errs, Invalid(p+".port", port.Port.IntVal, msg))
		}
		if port.EndPort != nil {
			if *port.EndPort < port.Port.IntVal {
				errs = append(errs, Invalid(p+".endPort", *port.EndPort, "must be greater than or equal to `port`"))
			}
			for _, msg := range portNumErrors(int(*port.EndPort)) {
				errs = append(errs, Invalid(p+".endPort", *port.EndPort, msg))
			}
		}
	default:
		if port.EndPort != nil {
			errs = append(errs, Invalid(p+".endPort", *port.EndPort, "may not be specified when `port` is non-numeric"))
		}
		for _, msg := range portNameErrors(port.Port.StrVal) {
			errs = append(errs, Invalid(p+".port", port.Port.StrVal, msg))
		}
	}
	return errs
}

// validateNetworkPolicyPeer is ValidateNetworkPolicyPeer: a pod selector,
// a namespace selector, both, or an IP block alone.
func validateNetworkPolicyPeer(peer *api.NetworkPolicyPeer, p string, allowed map[string]bool) []FieldError {
	var errs []FieldError
	n := 0
	if peer.PodSelector != nil {
		n++
		errs = append(errs, validateLabelSelector(peer.PodSelector, p+".podSelector")...)
	}
	if peer.NamespaceSelector != nil {
		n++
		errs = append(errs, validateLabelSelector(peer.NamespaceSelector, p+".namespaceSelector")...)
	}
	if peer.IPBlock != nil {
		n++
		errs = append(errs, validateIPBlock(peer.IPBlock, p+".ipBlock", allowed)...)
	}
	switch {
	case n == 0:
		errs = append(errs, Required(p, "must specify a peer"))
	case n > 1 && peer.IPBlock != nil:
		errs = append(errs, Forbidden(p, "may not specify both ipBlock and another peer"))
	}
	return errs
}

// validateIPBlock is ValidateIPBlock: a CIDR, and exceptions that are
// strict subsets of it.
func validateIPBlock(b *api.IPBlock, p string, allowed map[string]bool) []FieldError {
	if b.CIDR == "" {
		return []FieldError{Required(p+".cidr", "")}
	}
	errs := legacyCIDRErrors(p+".cidr", b.CIDR, allowed)
	cidr, ok := sloppyPrefix(b.CIDR)
	if !ok {
		return errs
	}
	for i, e := range b.Except {
		ep := fmt.Sprintf("%s.except[%d]", p, i)
		errs = append(errs, legacyCIDRErrors(ep, e, allowed)...)
		except, ok := sloppyPrefix(e)
		if !ok {
			continue
		}
		if !unmapped(cidr).Contains(unmapped(except).Addr()) || cidr.Bits() >= except.Bits() {
			errs = append(errs, Invalid(ep, e, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

// legacyCIDRErrors is IsValidCIDRForLegacyField with strict validation
// (StrictIPCIDRValidation): a CIDR that net.ParseCIDR once read, without
// leading zeros, an IPv4-mapped address or bits past the prefix length.
// Values in allowed pass.
func legacyCIDRErrors(field, value string, allowed map[string]bool) []FieldError {
	if allowed[value] {
		return nil
	}
	p, ok := sloppyPrefix(value)
	if !ok {
		return []FieldError{Invalid(field, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")}
	}
	strict, err := netip.ParsePrefix(value)
	switch {
	case err != nil:
		return []FieldError{Invalid(field, value, "must not have leading 0s in IP or prefix length")}
	case strict.Addr().Is4In6():
		return []FieldError{Invalid(field, value, "must not have an IPv4-mapped IPv6 address")}
	case p.Addr() != p.Masked().Addr():
		return []FieldError{Invalid(field, value, "must not have bits set beyond the prefix length")}
	}
	return nil
}

// sloppyPrefix is netutils.ParseCIDRSloppy: net.ParseCIDR as it was before
// Go 1.17, which read IPv4 octets and the prefix length with leading zeros.
// The prefix keeps the address as written (bits past the length included).
func sloppyPrefix(value string) (netip.Prefix, bool) {
	addr, length, ok := strings.Cut(value, "/")
	bits, ok2 := decimal(length)
	if !ok || !ok2 {
		return netip.Prefix{}, false
	}
	var ip netip.Addr
	if octets := strings.Split(addr, "."); len(octets) == 4 && !strings.Contains(addr, ":") {
		var b [4]byte
		for i, o := range octets {
			n, ok := decimal(o)
			if !ok || n > 255 {
				return netip.Prefix{}, false
			}
			b[i] = byte(n)
		}
		ip = netip.AddrFrom4(b)
	} else {
		a, err := netip.ParseAddr(addr)
		if err != nil || a.Zone() != "" || !a.Is6() {
			return netip.Prefix{}, false
		}
		ip = a
	}
	if bits > ip.BitLen() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(ip, bits), true
}

// decimal reads an unsigned decimal number of up to 8 digits, leading
// zeros allowed.
func decimal(s string) (int, bool) {
	if s == "" || len(s) > 8 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// unmapped is a prefix as net.IPNet compares it: an IPv4-mapped IPv6
// prefix as its IPv4 one.
func unmapped(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked()
	}
	return p.Masked()
}
