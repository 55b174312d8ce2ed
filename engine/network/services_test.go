package network

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
)

// services is an API server with Services and EndpointSlices written by
// hand, a node's kube-proxy and CoreDNS watching them.
type services struct {
	client *client.Client
	net    *Network
	proxy  *Proxy
	dns    *DNS
}

func slice(svc, name string, port int32, portName string, eps ...api.Endpoint) *api.EndpointSlice {
	return &api.EndpointSlice{
		ObjectMeta:  api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"kubernetes.io/service-name": svc}},
		AddressType: "IPv4", Endpoints: eps,
		Ports: []api.DiscoveryV1EndpointPort{{Name: api.Ptr(portName), Port: api.Ptr(port), Protocol: api.Ptr("TCP")}},
	}
}

// withPort adds a port to a slice.
func withPort(sl *api.EndpointSlice, name string, port int32, proto string) *api.EndpointSlice {
	sl.Ports = append(sl.Ports, api.DiscoveryV1EndpointPort{Name: api.Ptr(name), Port: api.Ptr(port), Protocol: api.Ptr(proto)})
	return sl
}

func endpoint(ip string, ready bool, hostname string) api.Endpoint {
	ep := api.Endpoint{Addresses: []string{ip}, Conditions: api.EndpointConditions{Ready: api.Ptr(ready)}}
	if hostname != "" {
		ep.Hostname = api.Ptr(hostname)
	}
	return ep
}

func onNode(ep api.Endpoint, node string) api.Endpoint {
	ep.NodeName = api.Ptr(node)
	return ep
}

func newServices(t *testing.T) *services {
	l, s := controllertest.NewServer(t, 1)
	c := client.New(s, "test")
	objs := []api.Object{
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.20", Type: "NodePort",
			Ports: []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP", TargetPort: api.FromString("http"), NodePort: 30080}}}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "empty", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.21",
			Ports: []api.ServicePort{{Port: 80, Protocol: "TCP"}}}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "nginx", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "None",
			Ports: []api.ServicePort{{Name: "web", Port: 80, Protocol: "TCP"}}}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "ext", Namespace: "default"}, Spec: api.ServiceSpec{Type: "ExternalName", ExternalName: "example.com"}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "kube-dns", Namespace: "kube-system"}, Spec: api.ServiceSpec{ClusterIP: ClusterDNS,
			Ports: []api.ServicePort{{Name: "dns", Port: 53, Protocol: "UDP"}, {Name: "dns-tcp", Port: 53, Protocol: "TCP"}}}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "echo", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.24", Type: "NodePort",
			Ports: []api.ServicePort{{Name: "udp", Port: 81, Protocol: "UDP", TargetPort: api.FromString("udp"), NodePort: 30082},
				{Name: "http", Port: 80, Protocol: "TCP", NodePort: 30083}}}},
		withPort(slice("echo", "echo-1", 8080, "http", endpoint("10.244.1.10", true, ""), endpoint("10.244.2.11", true, "")), "udp", 8081, "UDP"),
		slice("web", "web-1", 8080, "http", endpoint("10.244.1.5", true, ""), endpoint("10.244.2.6", true, ""), endpoint("10.244.2.7", false, "")),
		slice("nginx", "nginx-1", 80, "web", endpoint("10.244.1.8", true, "web-0"), endpoint("10.244.2.9", true, "web-1")),
		&api.Node{ObjectMeta: api.ObjectMeta{Name: "node01"}, Status: api.NodeStatus{Addresses: []api.NodeAddress{{Type: "InternalIP", Address: "172.18.0.3"}}}},
		&api.Node{ObjectMeta: api.ObjectMeta{Name: "node02"}, Status: api.NodeStatus{Addresses: []api.NodeAddress{{Type: "InternalIP", Address: "172.18.0.4"}}}},
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "local", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.22", Type: "NodePort",
			ExternalTrafficPolicy: "Local", InternalTrafficPolicy: api.Ptr("Local"),
			Ports: []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP", NodePort: 30081}}}},
		slice("local", "local-1", 8080, "http", onNode(endpoint("10.244.1.5", true, ""), "node01"), onNode(endpoint("10.244.2.6", true, ""), "node02")),
		&api.Service{ObjectMeta: api.ObjectMeta{Name: "far", Namespace: "default"}, Spec: api.ServiceSpec{ClusterIP: "10.96.0.23",
			InternalTrafficPolicy: api.Ptr("Local"), Ports: []api.ServicePort{{Name: "http", Port: 80, Protocol: "TCP"}}}},
		slice("far", "far-1", 8080, "http", onNode(endpoint("10.244.2.6", true, ""), "node02")),
	}
	dnsSlice := withPort(slice("kube-dns", "kube-dns-1", 53, "dns-tcp", endpoint("10.244.0.2", true, "")), "dns", 53, "UDP")
	dnsSlice.Namespace = "kube-system"
	objs = append(objs, dnsSlice)
	for _, o := range objs {
		_, err := c.Create(api.ResourceFor(o), o.GetObjectMeta().Namespace, o)
		require.NoError(t, err, "%s", o.GetObjectMeta().Name)
	}
	n := New(l)
	p := NewProxy(c, "node01", rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, p.Start())
	n.SetRouter(Proxies{"node01": p})
	d := NewDNS(n, c)
	require.NoError(t, d.Start())
	l.RunUntilIdle()
	return &services{client: c, net: n, proxy: p, dns: d}
}

func TestProxyRoutes(t *testing.T) {
	s := newServices(t)
	client := netip.MustParseAddr("10.244.1.2")
	tests := []struct {
		proto Protocol // TCP unless set
		dst   string
		want  []string // the endpoints it may go to; nil: rejected
		none  bool     // not a Service's
		// dropped: a Local policy with no endpoint on the node
		dropped bool
	}{
		{proto: UDP, dst: "10.96.0.24:81", want: []string{"10.244.1.10:8081", "10.244.2.11:8081"}},
		{proto: UDP, dst: "172.18.0.4:30082", want: []string{"10.244.1.10:8081", "10.244.2.11:8081"}},
		{dst: "10.96.0.24:80", want: []string{"10.244.1.10:8080", "10.244.2.11:8080"}},
		{dst: "10.96.0.24:81", none: true},                // a UDP port has no TCP rule
		{proto: UDP, dst: "10.96.0.24:80", none: true},    // nor a TCP port a UDP one
		{proto: UDP, dst: "172.18.0.4:30083", none: true}, // nor its NodePort
		{proto: UDP, dst: "10.96.0.20:80", none: true},
		{proto: UDP, dst: "10.96.0.10:53", want: []string{"10.244.0.2:53"}},
		{dst: "10.96.0.10:53", want: []string{"10.244.0.2:53"}},
		{dst: "10.96.0.20:80", want: []string{"10.244.1.5:8080", "10.244.2.6:8080"}},
		{dst: "172.18.0.3:30080", want: []string{"10.244.1.5:8080", "10.244.2.6:8080"}},
		{dst: "10.96.0.21:80"},
		{dst: "10.96.0.20:81", none: true},
		{dst: "10.96.0.22:80", want: []string{"10.244.1.5:8080"}},
		{dst: "172.18.0.3:30081", want: []string{"10.244.1.5:8080"}},
		{dst: "172.18.0.4:30081", want: []string{"10.244.2.6:8080"}},
		{dst: "10.96.0.23:80", dropped: true},
		{dst: "10.244.1.5:8080", none: true},
	}
	for _, tt := range tests {
		proto := tt.proto
		if proto == "" {
			proto = TCP
		}
		t.Run(string(proto)+" "+tt.dst, func(t *testing.T) {
			seen := map[string]bool{}
			for range 50 {
				v := s.proxy.Route(proto, client, ap(tt.dst))
				if tt.none {
					assert.False(t, v.Matched)
					return
				}
				require.True(t, v.Matched)
				if tt.dropped {
					assert.False(t, v.Reject)
					assert.False(t, v.To.IsValid())
					return
				}
				if tt.want == nil {
					assert.True(t, v.Reject)
					return
				}
				seen[v.To.String()] = true
			}
			var got []string
			for _, w := range tt.want {
				if seen[w] {
					got = append(got, w)
				}
			}
			assert.Equal(t, tt.want, got, "every ready endpoint is picked, only those: %v", seen)
			assert.Len(t, seen, len(tt.want))
		})
	}
}

func TestDNSAnswers(t *testing.T) {
	s := newServices(t)
	src := netip.MustParseAddr("10.244.1.2")
	dns := netip.MustParseAddr(ClusterDNS)
	tests := []struct {
		name   string
		server netip.Addr
		want   Answer
	}{
		{"web.default.svc.cluster.local", dns, Answer{Addrs: []netip.Addr{netip.MustParseAddr("10.96.0.20")}}},
		{"WEB.default.svc.cluster.local.", dns, Answer{Addrs: []netip.Addr{netip.MustParseAddr("10.96.0.20")}}},
		{"nginx.default.svc.cluster.local", dns, Answer{Addrs: []netip.Addr{netip.MustParseAddr("10.244.1.8"), netip.MustParseAddr("10.244.2.9")}}},
		{"web-1.nginx.default.svc.cluster.local", dns, Answer{Addrs: []netip.Addr{netip.MustParseAddr("10.244.2.9")}}},
		{"web-2.nginx.default.svc.cluster.local", dns, Answer{Rcode: NXDomain}},
		{"x.web.default.svc.cluster.local", dns, Answer{Rcode: NXDomain}},
		{"ext.default.svc.cluster.local", dns, Answer{CNAME: "example.com"}},
		{"10-244-1-8.default.pod.cluster.local", dns, Answer{Addrs: []netip.Addr{netip.MustParseAddr("10.244.1.8")}}},
		{"nosuch.default.svc.cluster.local", dns, Answer{Rcode: NXDomain}},
		{"web.default", dns, Answer{Rcode: NXDomain}},
		{"example.com", dns, Answer{Rcode: NXDomain}},
		{"web.default.svc.cluster.local", Upstream, Answer{Rcode: NXDomain}},
		{"web.default.svc.cluster.local", netip.MustParseAddr("10.9.9.9"), Answer{Rcode: Timeout}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"@"+tt.server.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, s.dns.Query("node01", src, tt.server, tt.name))
		})
	}
}

func TestPodFiles(t *testing.T) {
	pod := func(edit func(*api.PodSpec)) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "team"}}
		edit(&p.Spec)
		return p
	}
	tests := []struct {
		name string
		pod  *api.Pod
		want string
	}{
		{"ClusterFirst", pod(func(*api.PodSpec) {}),
			"search team.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"},
		{"ClusterFirst on the host's network is Default", pod(func(s *api.PodSpec) { s.HostNetwork = true }), "nameserver 172.18.0.1\n"},
		{"ClusterFirstWithHostNet", pod(func(s *api.PodSpec) { s.HostNetwork, s.DNSPolicy = true, "ClusterFirstWithHostNet" }),
			"search team.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"},
		{"None with dnsConfig", pod(func(s *api.PodSpec) {
			s.DNSPolicy = "None"
			s.DNSConfig = &api.PodDNSConfig{Nameservers: []string{"192.0.2.1"}, Searches: []string{"ns1.svc.cluster-domain.example", "my.dns.search.suffix"},
				Options: []api.PodDNSConfigOption{{Name: "ndots", Value: api.Ptr("2")}, {Name: "edns0"}}}
		}), "search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 192.0.2.1\noptions ndots:2 edns0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, ResolvConf(tt.pod)) })
	}
	p := pod(func(s *api.PodSpec) {
		s.Subdomain = "nginx"
		s.HostAliases = []api.HostAlias{{IP: "127.0.0.1", Hostnames: []string{"foo.local", "bar.local"}}}
	})
	assert.Equal(t, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"+
		"fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"+
		"10.244.1.5\tweb-0.nginx.team.svc.cluster.local\tweb-0\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n",
		HostsFile(p, "10.244.1.5", "web-0"))
}

func TestDNSReverse(t *testing.T) {
	s := newServices(t)
	src := netip.MustParseAddr("10.244.1.2")
	dns := netip.MustParseAddr(ClusterDNS)
	tests := []struct {
		ip     string
		server netip.Addr
		name   string
		rcode  Rcode
	}{
		{"10.96.0.20", dns, "web.default.svc.cluster.local", NoError},
		{"10.244.1.8", dns, "web-0.nginx.default.svc.cluster.local", NoError},
		{"10.244.1.5", dns, "10-244-1-5.local.default.svc.cluster.local", NoError}, // the first of its Services by name
		{"10.244.9.9", dns, "", NXDomain},
		{"10.96.0.20", Upstream, "", NXDomain},
		{"10.96.0.20", netip.MustParseAddr("10.9.9.9"), "", Timeout},
	}
	for _, tt := range tests {
		t.Run(tt.ip+"@"+tt.server.String(), func(t *testing.T) {
			name, rc := s.dns.QueryPTR("node01", src, tt.server, netip.MustParseAddr(tt.ip))
			assert.Equal(t, tt.rcode, rc)
			assert.Equal(t, tt.name, name)
		})
	}
}
