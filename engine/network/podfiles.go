package network

import (
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The files the kubelet writes into every container for the network, as
// its DNS configurer and hosts file manager write them.

// ClusterDNS is the kubelet's --cluster-dns: the kube-dns Service.
const ClusterDNS = "10.96.0.10"

// Limits of the kubelet's validation of a resolv.conf.
const (
	maxNameservers = 3
	maxSearches    = 32
)

// ResolvConf is a pod's /etc/resolv.conf for its dnsPolicy: ClusterFirst
// (the default) asks CoreDNS with the namespace's search domains and
// ndots:5, unless the pod is on the host's network (then Default, as
// upstream falls back); ClusterFirstWithHostNet always does; Default is
// the node's own resolver; None takes only dnsConfig. dnsConfig's
// nameservers and searches are added and its options override.
func ResolvConf(p *api.Pod) string {
	policy := p.Spec.DNSPolicy
	if policy == "" {
		policy = "ClusterFirst"
	}
	if policy == "ClusterFirst" && p.Spec.HostNetwork {
		policy = "Default"
	}
	var servers, search []string
	var opts []api.PodDNSConfigOption
	switch policy {
	case "ClusterFirst", "ClusterFirstWithHostNet":
		servers = []string{ClusterDNS}
		search = []string{p.Namespace + ".svc." + Zone, "svc." + Zone, Zone}
		opts = []api.PodDNSConfigOption{{Name: "ndots", Value: api.Ptr("5")}}
	case "Default":
		servers = []string{Upstream.String()}
	}
	if c := p.Spec.DNSConfig; c != nil {
		servers = appendNew(servers, c.Nameservers...)
		search = appendNew(search, c.Searches...)
		opts = mergeOptions(opts, c.Options)
	}
	var b strings.Builder
	if len(search) > 0 {
		b.WriteString("search " + strings.Join(search[:min(len(search), maxSearches)], " ") + "\n")
	}
	for _, s := range servers[:min(len(servers), maxNameservers)] {
		b.WriteString("nameserver " + s + "\n")
	}
	if len(opts) > 0 {
		words := make([]string, len(opts))
		for i, o := range opts {
			words[i] = o.Name
			if o.Value != nil {
				words[i] += ":" + *o.Value
			}
		}
		b.WriteString("options " + strings.Join(words, " ") + "\n")
	}
	return b.String()
}

func appendNew(list []string, more ...string) []string {
	for _, m := range more {
		found := false
		for _, l := range list {
			found = found || l == m
		}
		if !found {
			list = append(list, m)
		}
	}
	return list
}

// mergeOptions overrides options of the same name and adds the others.
func mergeOptions(opts, more []api.PodDNSConfigOption) []api.PodDNSConfigOption {
	out := append([]api.PodDNSConfigOption(nil), opts...)
	for _, m := range more {
		replaced := false
		for i := range out {
			if out[i].Name == m.Name {
				out[i], replaced = m, true
			}
		}
		if !replaced {
			out = append(out, m)
		}
	}
	return out
}

// HostsFile is a pod's /etc/hosts as the kubelet manages it: localhost,
// the pod's address with its hostname (and its fully qualified name when
// it has a subdomain), then the entries of hostAliases.
func HostsFile(p *api.Pod, ip, hostname string) string {
	var b strings.Builder
	b.WriteString("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
	if p.Spec.Subdomain != "" {
		b.WriteString(ip + "\t" + hostname + "." + p.Spec.Subdomain + "." + p.Namespace + ".svc." + Zone + "\t" + hostname + "\n")
	} else {
		b.WriteString(ip + "\t" + hostname + "\n")
	}
	if len(p.Spec.HostAliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, a := range p.Spec.HostAliases {
			b.WriteString(a.IP + "\t" + strings.Join(a.Hostnames, "\t") + "\n")
		}
	}
	return b.String()
}
