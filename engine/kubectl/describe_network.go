package kubectl

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// This file describes Endpoints, EndpointSlices, Ingresses and
// IngressClasses as kubectl's describers do.

func (d *describer) endpoints(ep *api.Endpoints) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", ep.Name)
		w.write(0, "Namespace:\t%s\n", ep.Namespace)
		w.labels("Labels", ep.Labels)
		w.annotations("Annotations", ep.Annotations)
		w.write(0, "Subsets:\n")
		for _, s := range ep.Subsets {
			w.write(1, "Addresses:\t%s\n", endpointIPs(s.Addresses))
			w.write(1, "NotReadyAddresses:\t%s\n", endpointIPs(s.NotReadyAddresses))
			if len(s.Ports) > 0 {
				w.write(1, "Ports:\n")
				w.write(2, "Name\tPort\tProtocol\n")
				w.write(2, "----\t----\t--------\n")
				for _, p := range s.Ports {
					name := p.Name
					if name == "" {
						name = "<unset>"
					}
					w.write(2, "%s\t%d\t%s\n", name, p.Port, p.Protocol)
				}
			}
			w.write(0, "\n")
		}
		d.eventsSection(w, ep)
	})
}

// endpointIPs joins the addresses' IPs with commas, or is <none>.
func endpointIPs(addrs []api.EndpointAddress) string {
	ips := make([]string, 0, len(addrs))
	for _, a := range addrs {
		ips = append(ips, a.IP)
	}
	if len(ips) == 0 {
		return "<none>"
	}
	return strings.Join(ips, ",")
}

func (d *describer) endpointSlice(eps *api.EndpointSlice) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", eps.Name)
		w.write(0, "Namespace:\t%s\n", eps.Namespace)
		w.labels("Labels", eps.Labels)
		w.annotations("Annotations", eps.Annotations)
		w.write(0, "AddressType:\t%s\n", eps.AddressType)
		if len(eps.Ports) == 0 {
			w.write(0, "Ports: <unset>\n")
		} else {
			w.write(0, "Ports:\n")
			w.write(1, "Name\tPort\tProtocol\n")
			w.write(1, "----\t----\t--------\n")
			for _, p := range eps.Ports {
				name, port := "<unset>", "<unset>"
				if n := api.Deref(p.Name, ""); n != "" {
					name = n
				}
				if p.Port != nil {
					port = strconv.Itoa(int(*p.Port))
				}
				w.write(1, "%s\t%s\t%s\n", name, port, api.Deref(p.Protocol, ""))
			}
		}
		if len(eps.Endpoints) == 0 {
			w.write(0, "Endpoints: <none>\n")
		} else {
			w.write(0, "Endpoints:\n")
			for _, e := range eps.Endpoints {
				describeSliceEndpoint(w, e)
			}
		}
		d.eventsSection(w, eps)
	})
}

func describeSliceEndpoint(w *prefixWriter, e api.Endpoint) {
	addrs := strings.Join(e.Addresses, ", ")
	if addrs == "" {
		addrs = "<none>"
	}
	w.write(1, "- Addresses:\t%s\n", addrs)
	w.write(2, "Conditions:\n")
	ready := "<unset>"
	if e.Conditions.Ready != nil {
		ready = strconv.FormatBool(*e.Conditions.Ready)
	}
	w.write(3, "Ready:\t%s\n", ready)
	w.write(2, "Hostname:\t%s\n", api.Deref(e.Hostname, "<unset>"))
	if e.TargetRef != nil {
		w.write(2, "TargetRef:\t%s/%s\n", e.TargetRef.Kind, e.TargetRef.Name)
	}
	w.write(2, "NodeName:\t%s\n", api.Deref(e.NodeName, "<unset>"))
	w.write(2, "Zone:\t%s\n", api.Deref(e.Zone, "<unset>"))
}

func (d *describer) ingress(ing *api.Ingress) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%v\n", ing.Name)
		w.labels("Labels", ing.Labels)
		w.write(0, "Namespace:\t%v\n", ing.Namespace)
		w.write(0, "Address:\t%v\n", ingressAddresses(ing.Status.LoadBalancer))
		w.write(0, "Ingress Class:\t%v\n", api.Deref(ing.Spec.IngressClassName, "<none>"))
		def := "<default>"
		if ing.Spec.DefaultBackend != nil {
			def = d.ingressBackend(ing.Namespace, ing.Spec.DefaultBackend)
		}
		w.write(0, "Default backend:\t%s\n", def)
		if len(ing.Spec.TLS) != 0 {
			w.write(0, "TLS:\n")
			for _, t := range ing.Spec.TLS {
				if t.SecretName == "" {
					w.write(1, "SNI routes %v\n", strings.Join(t.Hosts, ","))
				} else {
					w.write(1, "%v terminates %v\n", t.SecretName, strings.Join(t.Hosts, ","))
				}
			}
		}
		w.write(0, "Rules:\n  Host\tPath\tBackends\n")
		w.write(1, "----\t----\t--------\n")
		count := 0
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			count++
			host := rule.Host
			if host == "" {
				host = "*"
			}
			w.write(1, "%s\t\n", host)
			for _, p := range rule.HTTP.Paths {
				w.write(2, "\t%s \t%s\n", p.Path, d.ingressBackend(ing.Namespace, &p.Backend))
			}
		}
		if count == 0 {
			w.write(1, "%s\t%s\t%s\n", "*", "*", def)
		}
		w.annotations("Annotations", ing.Annotations)
		d.eventsSection(w, ing)
	})
}

// ingressAddresses lists the load balancer's IPs or host names, sorted
// and without repeats.
func ingressAddresses(s api.IngressLoadBalancerStatus) string {
	seen := map[string]bool{}
	var out []string
	for _, in := range s.Ingress {
		a := in.IP
		if a == "" {
			a = in.Hostname
		}
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// ingressBackend is "service:port (endpoints)" for a service backend, with
// the service's ready endpoints for that port, or the kind and name of a
// resource backend.
func (d *describer) ingressBackend(ns string, b *api.IngressBackend) string {
	if s := b.Service; s != nil {
		port := s.Port.Name
		if s.Port.Number != 0 {
			port = strconv.Itoa(int(s.Port.Number))
		}
		sb := s.Name + ":" + port
		slices, err := d.serviceSlices(ns, s.Name)
		if err != nil {
			return fmt.Sprintf("%v (<error: %v>)", sb, err)
		}
		r, _ := api.LookupResource("services")
		obj, err := d.k.c.Get(r, ns, s.Name)
		if err != nil {
			return fmt.Sprintf("%v (<error: %v>)", sb, err)
		}
		spName := ""
		for _, sp := range obj.(*api.Service).Spec.Ports {
			if s.Port.Number != 0 && s.Port.Number == sp.Port || s.Port.Name != "" && s.Port.Name == sp.Name {
				spName = sp.Name
			}
		}
		return fmt.Sprintf("%s (%s)", sb, formatEndpointSlices(slices, spName))
	}
	if r := b.Resource; r != nil {
		return fmt.Sprintf("APIGroup: %v, Kind: %v, Name: %v", api.Deref(r.APIGroup, "<none>"), r.Kind, r.Name)
	}
	return ""
}

// serviceSlices lists a service's EndpointSlices as describe reads them.
func (d *describer) serviceSlices(ns, service string) ([]endpointSlice, error) {
	r, _ := api.LookupResource("endpointslices.discovery.k8s.io")
	l, err := d.k.c.List(r, ns, apiserver.ListOptions{LabelSelector: "kubernetes.io/service-name=" + service})
	if err != nil {
		return nil, err
	}
	var out []endpointSlice
	for _, o := range l.Items {
		var es endpointSlice
		if asJSON(o, &es) {
			out = append(out, es)
		}
	}
	return out, nil
}

func (d *describer) ingressClass(ic *api.IngressClass) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", ic.Name)
		w.labels("Labels", ic.Labels)
		w.annotations("Annotations", ic.Annotations)
		w.write(0, "Controller:\t%v\n", ic.Spec.Controller)
		if p := ic.Spec.Parameters; p != nil {
			w.write(0, "Parameters:\n")
			if p.APIGroup != nil {
				w.write(1, "APIGroup:\t%v\n", *p.APIGroup)
			}
			w.write(1, "Kind:\t%v\n", p.Kind)
			w.write(1, "Name:\t%v\n", p.Name)
		}
		d.eventsSection(w, ic)
	})
}

// networkPolicy is describeNetworkPolicy: the spec's rules in words, and
// no events (kubectl reads none for a NetworkPolicy).
func networkPolicy(np *api.NetworkPolicy) string {
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", np.Name)
		w.write(0, "Namespace:\t%s\n", np.Namespace)
		// metav1.Time's String, time.Time's.
		w.write(0, "Created on:\t%s\n", np.CreationTimestamp.Time.Round(0).String())
		w.labels("Labels", np.Labels)
		w.annotations("Annotations", np.Annotations)
		spec := &np.Spec
		w.write(0, "Spec:\n")
		w.write(1, "PodSelector: ")
		if len(spec.PodSelector.MatchLabels) == 0 && len(spec.PodSelector.MatchExpressions) == 0 {
			w.write(2, "<none> (Allowing the specific traffic to all pods in this namespace)\n")
		} else {
			w.write(2, "%s\n", formatLabelSelector(&spec.PodSelector))
		}
		ingress, egress := spec.Rules()
		for _, d := range []struct {
			direction, peer, restricts string
			rules                      []api.NetworkPolicyRule
		}{{"Ingress", "From", "source", ingress}, {"Egress", "To", "destination", egress}} {
			lower := strings.ToLower(d.direction)
			if !slices.Contains(spec.PolicyTypes, d.direction) {
				w.write(1, "Not affecting %s traffic\n", lower)
				continue
			}
			w.write(1, "Allowing %s traffic:\n", lower)
			networkPolicyRules(w, d.rules, d.peer, d.restricts, lower)
		}
		types := "<none>"
		if len(spec.PolicyTypes) > 0 {
			types = strings.Join(spec.PolicyTypes, ", ")
		}
		w.write(1, "Policy Types: %v\n", types)
	})
}

// networkPolicyRules is printNetworkPolicySpecIngressFrom and
// printNetworkPolicySpecEgressTo: peer is "From" or "To", what the
// peers restrict "source" or "destination".
func networkPolicyRules(w *prefixWriter, rules []api.NetworkPolicyRule, peer, restricts, direction string) {
	const indent = "    "
	if len(rules) == 0 {
		w.write(0, "%s<none> (Selected pods are isolated for %s connectivity)\n", indent, direction)
		return
	}
	for i, r := range rules {
		if len(r.Ports) == 0 {
			w.write(0, "%sTo Port: <any> (traffic allowed to all ports)\n", indent)
		}
		for _, p := range r.Ports {
			proto := api.Deref(p.Protocol, "TCP")
			port := "<nil>"
			if p.Port != nil {
				port = p.Port.String()
			}
			if p.EndPort == nil {
				w.write(0, "%sTo Port: %s/%s\n", indent, port, proto)
			} else {
				w.write(0, "%sTo Port Range: %s-%d/%s\n", indent, port, *p.EndPort, proto)
			}
		}
		if len(r.Peers) == 0 {
			w.write(0, "%s%s: <any> (traffic not restricted by %s)\n", indent, peer, restricts)
		}
		for _, p := range r.Peers {
			w.write(0, "%s%s:\n", indent, peer)
			switch {
			case p.PodSelector != nil && p.NamespaceSelector != nil:
				w.write(1, "%sNamespaceSelector: %s\n", indent, formatLabelSelector(p.NamespaceSelector))
				w.write(1, "%sPodSelector: %s\n", indent, formatLabelSelector(p.PodSelector))
			case p.PodSelector != nil:
				w.write(1, "%sPodSelector: %s\n", indent, formatLabelSelector(p.PodSelector))
			case p.NamespaceSelector != nil:
				w.write(1, "%sNamespaceSelector: %s\n", indent, formatLabelSelector(p.NamespaceSelector))
			case p.IPBlock != nil:
				w.write(1, "%sIPBlock:\n", indent)
				w.write(2, "%sCIDR: %s\n", indent, p.IPBlock.CIDR)
				w.write(2, "%sExcept: %v\n", indent, strings.Join(p.IPBlock.Except, ", "))
			}
		}
		if i != len(rules)-1 {
			w.write(0, "%s----------\n", indent)
		}
	}
}
