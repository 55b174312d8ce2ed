package kubectl

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Tables of the kinds that route traffic: Endpoints, EndpointSlices,
// Ingresses, IngressClasses and NetworkPolicies.
func init() {
	tables["Endpoints"] = table([]string{"NAME", "ENDPOINTS", "AGE"}, nil, endpointsRow)
	tables["EndpointSlice.discovery.k8s.io"] = table([]string{"NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"}, nil, endpointSliceRow)
	tables["Ingress.networking.k8s.io"] = table([]string{"NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"}, nil, ingressRow)
	tables["IngressClass.networking.k8s.io"] = table([]string{"NAME", "CONTROLLER", "PARAMETERS", "AGE"}, nil, ingressClassRow)
	tables["NetworkPolicy.networking.k8s.io"] = table([]string{"NAME", "POD-SELECTOR", "AGE"}, nil, networkPolicyRow)
}

// listMax is how many items a list cell shows before "+ N more...".
const listMax = 3

func endpointsRow(obj api.Object, now time.Time) []string {
	ep := obj.(*api.Endpoints)
	return []string{ep.Name, formatEndpoints(ep, nil), age(ep.CreationTimestamp.Time, now)}
}

// formatEndpoints is kubectl's formatEndpoints: up to three ready
// addresses, with the port when the subset has ports ("10.244.1.3:80"),
// for the ports whose names port accepts (every port when port is nil).
func formatEndpoints(ep *api.Endpoints, port func(name string) bool) string {
	if len(ep.Subsets) == 0 {
		return "<none>"
	}
	var list []string
	more, count := false, 0
	add := func(addrs []api.EndpointAddress, hostPort func(ip string) string) {
		count += len(addrs)
		for _, a := range addrs {
			if len(list) == listMax {
				more = true
				return
			}
			list = append(list, hostPort(a.IP))
		}
	}
	for _, ss := range ep.Subsets {
		if len(ss.Ports) == 0 {
			add(ss.Addresses, func(ip string) string { return ip })
			continue
		}
		for _, p := range ss.Ports {
			if port == nil || port(p.Name) {
				add(ss.Addresses, func(ip string) string { return net.JoinHostPort(ip, strconv.Itoa(int(p.Port))) })
			}
		}
	}
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, count-listMax)
	}
	return ret
}

func endpointSliceRow(obj api.Object, now time.Time) []string {
	es := obj.(*api.EndpointSlice)
	var ports, addrs []string
	for _, p := range es.Ports {
		port := "*"
		if p.Port != nil {
			port = strconv.Itoa(int(*p.Port))
		} else if p.Name != nil {
			port = *p.Name
		}
		ports = append(ports, port)
	}
	for _, e := range es.Endpoints {
		addrs = append(addrs, e.Addresses...)
	}
	return []string{es.Name, es.AddressType, listWithMore(ports), listWithMore(addrs), age(es.CreationTimestamp.Time, now)}
}

// listWithMore is kubectl's listWithMoreString: the first three items,
// "+ N more..." for the rest, <unset> for none.
func listWithMore(items []string) string {
	if len(items) > listMax {
		return fmt.Sprintf("%s + %d more...", strings.Join(items[:listMax], ","), len(items)-listMax)
	}
	if len(items) == 0 {
		return "<unset>"
	}
	return strings.Join(items, ",")
}

func ingressRow(obj api.Object, now time.Time) []string {
	ing := obj.(*api.Ingress)
	lb := ing.Status.LoadBalancer.Ingress
	address := loadBalancerAddresses(len(lb), func(i int) (string, string) { return lb[i].IP, lb[i].Hostname })
	ports := "80"
	if len(ing.Spec.TLS) > 0 {
		ports = "80, 443"
	}
	return []string{ing.Name, api.Deref(ing.Spec.IngressClassName, "<none>"), ingressHosts(ing.Spec.Rules),
		strings.Join(address, ","), ports, age(ing.CreationTimestamp.Time, now)}
}

// ingressHosts is kubectl's formatHosts: the first three hosts, or * when
// no rule names one. Its "+ N more..." counts every rule past the third,
// with a host or not, as kubectl's does.
func ingressHosts(rules []api.IngressRule) string {
	var list []string
	more := false
	for _, r := range rules {
		if len(list) == listMax {
			more = true
		}
		if !more && r.Host != "" {
			list = append(list, r.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, len(rules)-listMax)
	}
	return ret
}

// ingressClassRow names the parameters as "Kind.apiGroup/name".
func ingressClassRow(obj api.Object, now time.Time) []string {
	ic := obj.(*api.IngressClass)
	params := "<none>"
	if p := ic.Spec.Parameters; p != nil {
		params = p.Kind
		if p.APIGroup != nil {
			params += "." + *p.APIGroup
		}
		params += "/" + p.Name
	}
	return []string{ic.Name, ic.Spec.Controller, params, age(ic.CreationTimestamp.Time, now)}
}

// networkPolicyRow is printNetworkPolicy: the pod selector as
// metav1.FormatLabelSelector writes it.
func networkPolicyRow(obj api.Object, now time.Time) []string {
	np := obj.(*api.NetworkPolicy)
	return []string{np.Name, formatLabelSelector(&np.Spec.PodSelector), age(np.CreationTimestamp.Time, now)}
}
