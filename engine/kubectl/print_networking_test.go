package kubectl

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

func addresses(ips ...string) []api.EndpointAddress {
	out := make([]api.EndpointAddress, len(ips))
	for i, ip := range ips {
		out[i] = api.EndpointAddress{IP: ip, NodeName: api.Ptr("node01"), TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-" + ip}}
	}
	return out
}

func setupEndpoints(f *describeFixture) {
	endpoints := func(name string, subsets ...api.EndpointSubset) {
		create(f, &api.Endpoints{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Subsets: subsets}, nil)
	}
	// Two ports of three pods, one not ready: six endpoints, three shown.
	endpoints("web", api.EndpointSubset{
		Addresses: addresses("10.244.1.5", "10.244.2.7"), NotReadyAddresses: addresses("10.244.1.9"),
		Ports: []api.EndpointPort{{Name: "http", Port: 80, Protocol: "TCP"}, {Name: "https", Port: 443, Protocol: "TCP"}},
	}, api.EndpointSubset{
		Addresses: addresses("10.244.3.2"),
		Ports:     []api.EndpointPort{{Name: "http", Port: 80, Protocol: "TCP"}, {Name: "https", Port: 443, Protocol: "TCP"}},
	})
	endpoints("dns", api.EndpointSubset{Addresses: addresses("10.244.0.2", "10.244.0.3"), Ports: []api.EndpointPort{{Name: "dns", Port: 53, Protocol: "UDP"}}})
	endpoints("v6", api.EndpointSubset{Addresses: addresses("fd00:10:244::5"), Ports: []api.EndpointPort{{Port: 8080, Protocol: "TCP"}}})
	endpoints("headless", api.EndpointSubset{Addresses: addresses("10.244.1.5", "10.244.2.7", "10.244.3.2", "10.244.1.6")})
	endpoints("starting", api.EndpointSubset{NotReadyAddresses: addresses("10.244.2.8"), Ports: []api.EndpointPort{{Port: 80, Protocol: "TCP"}}})
	endpoints("nothing")
	f.l.AdvanceBy(8 * 24 * time.Hour)
}

func setupEndpointSlices(f *describeFixture) {
	slice := func(name, addressType string, ports []api.DiscoveryV1EndpointPort, eps ...api.Endpoint) {
		create(f, &api.EndpointSlice{
			ObjectMeta:  api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"kubernetes.io/service-name": "web"}},
			AddressType: addressType, Ports: ports, Endpoints: eps,
		}, nil)
	}
	ep := func(ready bool, ips ...string) api.Endpoint {
		return api.Endpoint{Addresses: ips, Conditions: api.EndpointConditions{Ready: api.Ptr(ready)}, NodeName: api.Ptr("node01")}
	}
	port := func(name string, n int32) api.DiscoveryV1EndpointPort {
		return api.DiscoveryV1EndpointPort{Name: api.Ptr(name), Port: api.Ptr(n), Protocol: api.Ptr("TCP")}
	}
	slice("web-7xk2p", "IPv4", []api.DiscoveryV1EndpointPort{port("http", 80), port("https", 443)},
		ep(true, "10.244.1.5"), ep(true, "10.244.2.7"), ep(false, "10.244.1.9"), ep(true, "10.244.3.2"))
	slice("web-v6-q8m4d", "IPv6", []api.DiscoveryV1EndpointPort{port("http", 80)}, ep(true, "fd00:10:244::5"))
	slice("web-many-ports", "IPv4", []api.DiscoveryV1EndpointPort{port("a", 8001), port("b", 8002), port("c", 8003), port("d", 8004),
		{Name: api.Ptr("metrics"), Protocol: api.Ptr("TCP")}}, ep(true, "10.244.1.5"))
	// A port with neither name nor number, named "" as the API server
	// defaults it.
	slice("web-named-port", "FQDN", []api.DiscoveryV1EndpointPort{{Name: api.Ptr("metrics"), Protocol: api.Ptr("TCP")}, {Name: api.Ptr(""), Protocol: api.Ptr("TCP")}}, ep(true, "db.example.com"))
	slice("web-empty", "IPv4", nil)
	f.l.AdvanceBy(95 * time.Minute)
}

func setupIngresses(f *describeFixture) {
	backend := func(svc string) api.IngressBackend {
		return api.IngressBackend{Service: &api.IngressServiceBackend{Name: svc, Port: api.ServiceBackendPort{Number: 80}}}
	}
	rule := func(host string) api.IngressRule {
		return api.IngressRule{Host: host, IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{
			Paths: []api.HTTPIngressPath{{Path: "/", PathType: api.Ptr("Prefix"), Backend: backend("web")}}}}}
	}
	ingress := func(name string, class *string, tls []api.IngressTLS, lb []api.IngressLoadBalancerIngress, rules ...api.IngressRule) {
		create(f, &api.Ingress{
			ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
			Spec:       api.IngressSpec{IngressClassName: class, TLS: tls, Rules: rules},
		}, func(i *api.Ingress) { i.Status.LoadBalancer.Ingress = lb })
	}
	// kubernetes.io's "minimal-ingress", admitted by a controller.
	ingress("minimal-ingress", api.Ptr("nginx-example"), nil, []api.IngressLoadBalancerIngress{{IP: "192.168.49.2"}}, rule(""))
	ingress("tls-example-ingress", api.Ptr("nginx"), []api.IngressTLS{{Hosts: []string{"https-example.foo.com"}, SecretName: "testsecret-tls"}},
		[]api.IngressLoadBalancerIngress{{IP: "203.0.113.9"}, {Hostname: "lb.example.com"}, {IP: "203.0.113.2"}}, rule("https-example.foo.com"))
	// Five rules, one without a host: kubectl's "+ 2 more..." counts it.
	ingress("name-virtual-host-ingress", nil, nil, nil, rule("foo.bar.com"), rule(""), rule("bar.foo.com"), rule("baz.foo.com"), rule("qux.foo.com"))
	ingress("three-hosts", nil, nil, nil, rule("a.example.com"), rule(""), rule("b.example.com"), rule("c.example.com"))
	create(f, &api.Ingress{
		ObjectMeta: api.ObjectMeta{Name: "default-backend", Namespace: "default"},
		Spec:       api.IngressSpec{DefaultBackend: &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "fallback", Port: api.ServiceBackendPort{Number: 80}}}},
	}, nil)
	f.l.AdvanceBy(4*time.Hour + 12*time.Minute)
}

func setupIngressClasses(f *describeFixture) {
	create(f, &api.IngressClass{
		ObjectMeta: api.ObjectMeta{Name: "nginx", Annotations: map[string]string{"ingressclass.kubernetes.io/is-default-class": "true"}},
		Spec:       api.IngressClassSpec{Controller: "k8s.io/ingress-nginx"},
	}, nil)
	create(f, &api.IngressClass{
		ObjectMeta: api.ObjectMeta{Name: "external-lb"},
		Spec: api.IngressClassSpec{Controller: "example.com/ingress-controller", Parameters: &api.IngressClassParametersReference{
			APIGroup: api.Ptr("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb", Scope: api.Ptr("Cluster")}},
	}, nil)
	create(f, &api.IngressClass{
		ObjectMeta: api.ObjectMeta{Name: "core-params"},
		Spec: api.IngressClassSpec{Controller: "example.com/other", Parameters: &api.IngressClassParametersReference{
			Kind: "ConfigMap", Name: "ingress-params", Scope: api.Ptr("Namespace"), Namespace: api.Ptr("ingress")}},
	}, nil)
	f.l.AdvanceBy(26 * time.Hour)
}

// setupNetworkPolicies makes kubernetes.io's test-network-policy, a
// default deny of all traffic, and a policy with labels, set-based
// selectors, named ports, a port range, a port of any number and two
// ingress rules.
func setupNetworkPolicies(f *describeFixture) {
	tcp, udp := api.Ptr("TCP"), api.Ptr("UDP")
	create(f, &api.NetworkPolicy{
		ObjectMeta: api.ObjectMeta{Name: "test-network-policy", Namespace: "default"},
		Spec: api.NetworkPolicySpec{
			PodSelector: api.LabelSelector{MatchLabels: map[string]string{"role": "db"}},
			PolicyTypes: []string{"Ingress", "Egress"},
			Ingress: []api.NetworkPolicyIngressRule{{
				From: []api.NetworkPolicyPeer{
					{IPBlock: &api.IPBlock{CIDR: "172.17.0.0/16", Except: []string{"172.17.1.0/24"}}},
					{NamespaceSelector: &api.LabelSelector{MatchLabels: map[string]string{"project": "myproject"}}},
					{PodSelector: &api.LabelSelector{MatchLabels: map[string]string{"role": "frontend"}}},
				},
				Ports: []api.NetworkPolicyPort{{Protocol: tcp, Port: api.Ptr(api.FromInt(6379))}},
			}},
			Egress: []api.NetworkPolicyEgressRule{{
				To:    []api.NetworkPolicyPeer{{IPBlock: &api.IPBlock{CIDR: "10.0.0.0/24"}}},
				Ports: []api.NetworkPolicyPort{{Protocol: tcp, Port: api.Ptr(api.FromInt(5978))}},
			}},
		},
	}, nil)
	create(f, &api.NetworkPolicy{
		ObjectMeta: api.ObjectMeta{Name: "default-deny-all", Namespace: "default"},
		Spec:       api.NetworkPolicySpec{PolicyTypes: []string{"Ingress", "Egress"}},
	}, nil)
	create(f, &api.NetworkPolicy{
		ObjectMeta: api.ObjectMeta{Name: "api-allow", Namespace: "default", Labels: map[string]string{"team": "a", "tier": "api"},
			Annotations: map[string]string{"owner": "team-a"}},
		Spec: api.NetworkPolicySpec{
			PodSelector: api.LabelSelector{MatchLabels: map[string]string{"app": "api"},
				MatchExpressions: []api.LabelSelectorRequirement{{Key: "tier", Operator: "In", Values: []string{"backend", "web"}}}},
			PolicyTypes: []string{"Ingress"},
			Ingress: []api.NetworkPolicyIngressRule{
				{
					From: []api.NetworkPolicyPeer{{
						NamespaceSelector: &api.LabelSelector{MatchExpressions: []api.LabelSelectorRequirement{{Key: "env", Operator: "Exists"}}},
						PodSelector:       &api.LabelSelector{},
					}},
					Ports: []api.NetworkPolicyPort{
						{Protocol: tcp, Port: api.Ptr(api.FromString("http"))},
						{Protocol: udp, Port: api.Ptr(api.FromInt(32000)), EndPort: api.Ptr(int32(32768))},
						{Protocol: udp},
					},
				},
				{},
			},
		},
	}, nil)
	f.l.AdvanceBy(3 * time.Hour)
}

func TestGetNetworking(t *testing.T) {
	runGetCases(t, []getCase{
		{"endpoints", setupEndpoints, []string{"endpoints"}, `NAME       ENDPOINTS                                                AGE
dns        10.244.0.2:53,10.244.0.3:53                              8d
headless   10.244.1.5,10.244.2.7,10.244.3.2 + 1 more...             8d
nothing    <none>                                                   8d
starting                                                            8d
v6         [fd00:10:244::5]:8080                                    8d
web        10.244.1.5:80,10.244.2.7:80,10.244.1.5:443 + 3 more...   8d
--- stderr
Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice
`},
		{"endpoints-wide", setupEndpoints, []string{"ep", "web", "-o", "wide"}, `NAME   ENDPOINTS                                                AGE
web    10.244.1.5:80,10.244.2.7:80,10.244.1.5:443 + 3 more...   8d
--- stderr
Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice
`},
		{"endpointslices", setupEndpointSlices, []string{"endpointslices"}, `NAME             ADDRESSTYPE   PORTS                        ENDPOINTS                                      AGE
web-7xk2p        IPv4          80,443                       10.244.1.5,10.244.2.7,10.244.1.9 + 1 more...   95m
web-empty        IPv4          <unset>                      <unset>                                        95m
web-many-ports   IPv4          8001,8002,8003 + 2 more...   10.244.1.5                                     95m
web-named-port   FQDN          metrics,                     db.example.com                                 95m
web-v6-q8m4d     IPv6          80                           fd00:10:244::5                                 95m
`},
		{"endpointslices-wide", setupEndpointSlices, []string{"endpointslice.discovery.k8s.io", "web-7xk2p", "-o", "wide"}, `NAME        ADDRESSTYPE   PORTS    ENDPOINTS                                      AGE
web-7xk2p   IPv4          80,443   10.244.1.5,10.244.2.7,10.244.1.9 + 1 more...   95m
`},
		{"ingresses", setupIngresses, []string{"ingress"}, `NAME                        CLASS           HOSTS                                             ADDRESS                                  PORTS     AGE
default-backend             <none>          *                                                                                          80        4h12m
minimal-ingress             nginx-example   *                                                 192.168.49.2                             80        4h12m
name-virtual-host-ingress   <none>          foo.bar.com,bar.foo.com,baz.foo.com + 2 more...                                            80        4h12m
three-hosts                 <none>          a.example.com,b.example.com,c.example.com                                                  80        4h12m
tls-example-ingress         nginx           https-example.foo.com                             203.0.113.2,203.0.113.9,lb.example.com   80, 443   4h12m
`},
		{"ingresses-wide", setupIngresses, []string{"ing", "tls-example-ingress", "-o", "wide"}, `NAME                  CLASS   HOSTS                   ADDRESS                                  PORTS     AGE
tls-example-ingress   nginx   https-example.foo.com   203.0.113.2,203.0.113.9,lb.example.com   80, 443   4h12m
`},
		{"ingressclasses", setupIngressClasses, []string{"ingressclasses"}, `NAME          CONTROLLER                       PARAMETERS                                      AGE
core-params   example.com/other                ConfigMap/ingress-params                        26h
external-lb   example.com/ingress-controller   IngressParameters.k8s.example.com/external-lb   26h
nginx         k8s.io/ingress-nginx             <none>                                          26h
`},
		{"networkpolicies", setupNetworkPolicies, []string{"netpol"}, `NAME                  POD-SELECTOR                    AGE
api-allow             app=api,tier in (backend,web)   3h
default-deny-all      <none>                          3h
test-network-policy   role=db                         3h
`},
		{"networkpolicies-wide", setupNetworkPolicies, []string{"networkpolicy.networking.k8s.io", "test-network-policy", "-o", "wide"}, `NAME                  POD-SELECTOR   AGE
test-network-policy   role=db        3h
`},
		{"ingressclasses-wide", setupIngressClasses, []string{"ingressclass", "nginx", "-o", "wide"}, `NAME    CONTROLLER             PARAMETERS   AGE
nginx   k8s.io/ingress-nginx   <none>       26h
`},
	})
}

func TestFormatEndpointsPort(t *testing.T) {
	ep := &api.Endpoints{Subsets: []api.EndpointSubset{{
		Addresses: addresses("10.244.1.5", "10.244.2.7"),
		Ports:     []api.EndpointPort{{Name: "http", Port: 80}, {Name: "https", Port: 443}},
	}}}
	assert.Equal(t, "10.244.1.5:443,10.244.2.7:443", formatEndpoints(ep, func(n string) bool { return n == "https" }))
	assert.Equal(t, "10.244.1.5:80,10.244.2.7:80,10.244.1.5:443 + 1 more...", formatEndpoints(ep, nil))
	assert.Equal(t, "", formatEndpoints(ep, func(string) bool { return false }))
}

func TestListWithMore(t *testing.T) {
	assert.Equal(t, "<unset>", listWithMore(nil))
	assert.Equal(t, "a,b,c", listWithMore([]string{"a", "b", "c"}))
	assert.Equal(t, "a,b,c + 2 more...", listWithMore([]string{"a", "b", "c", "d", "e"}))
}
