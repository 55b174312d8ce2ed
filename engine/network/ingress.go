package network

import (
	"bytes"
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// IngressController is the controller half of ingress-nginx: it watches
// Ingresses, IngressClasses, Services, EndpointSlices and its own pods
// through the API server, renders the configuration of nginx (servers by
// host, locations by path, upstreams of ready endpoints) and posts it to
// each running controller pod's nginx on 127.0.0.1:10246, as
// ingress-nginx's controller configures its nginx's backends; and it
// publishes the controller Service's load balancer address in the status
// of the Ingresses it serves (--publish-service). The nginx half runs in
// the pod (the servers module's nginx-ingress-controller). A guest cannot
// reach the API server (there is no HTTP API inside the cluster's
// network), so this half runs in the engine, as kube-proxy does.
type IngressController struct {
	net       *Network
	c         *client.Client
	ingresses *client.Informer[*api.Ingress]
	classes   *client.Informer[*api.IngressClass]
	services  *client.Informer[*api.Service]
	slices    *client.Informer[*api.EndpointSlice]
	pods      *client.Informer[*api.Pod]
	queued    bool
	pushed    map[string]string // pod UID -> configuration it has
	pushing   map[string]bool
	synced    map[string]int64 // Ingress -> the generation its event was for
	events    *client.Recorder
}

// The controller's identity, as ingress-nginx's deploy manifests name it.
const (
	IngressNamespace  = "ingress-nginx"
	IngressService    = "ingress-nginx-controller"
	IngressClassName  = "nginx"
	ingressConfigPort = 10246
	ingressRetry      = time.Second
)

// NewIngressController returns the controller, talking to the API
// server as c.
func NewIngressController(n *Network, c *client.Client) *IngressController {
	ic := &IngressController{net: n, c: c, pushed: map[string]string{}, pushing: map[string]bool{}, synced: map[string]int64{},
		events: client.NewRecorder(c, "nginx-ingress-controller", "")}
	ic.ingresses = client.NewInformer[*api.Ingress](c, "", apiserver.ListOptions{})
	ic.classes = client.NewInformer[*api.IngressClass](c, "", apiserver.ListOptions{})
	ic.services = client.NewInformer[*api.Service](c, "", apiserver.ListOptions{})
	ic.slices = client.NewInformer[*api.EndpointSlice](c, "", apiserver.ListOptions{})
	ic.pods = client.NewInformer[*api.Pod](c, IngressNamespace, apiserver.ListOptions{LabelSelector: "app.kubernetes.io/component=controller"})
	ic.ingresses.AddHandler(client.Handler[*api.Ingress]{
		Add:    func(ing *api.Ingress) { ic.scheduled(ing); ic.queue() },
		Update: func(old, ing *api.Ingress) { ic.scheduled(ing); ic.queue() },
		Delete: func(*api.Ingress) { ic.queue() },
	})
	addHandler(ic.classes, ic.queue)
	addHandler(ic.services, ic.queue)
	addHandler(ic.slices, ic.queue)
	addHandler(ic.pods, ic.queue)
	return ic
}

func addHandler[T api.Object](i *client.Informer[T], f func()) {
	i.AddHandler(client.Handler[T]{Add: func(T) { f() }, Update: func(_, _ T) { f() }, Delete: func(T) { f() }})
}

// Start starts its watches.
func (ic *IngressController) Start() error {
	for _, start := range []func() error{ic.ingresses.Start, ic.classes.Start, ic.services.Start, ic.slices.Start, ic.pods.Start} {
		if err := start(); err != nil {
			return err
		}
	}
	return nil
}

// scheduled records ingress-nginx's event for an Ingress of its class
// that was added or changed, when the controller runs: its status
// updates are not changes.
func (ic *IngressController) scheduled(ing *api.Ingress) {
	if len(ic.pods.List()) == 0 || ing.Generation == ic.synced[client.KeyOf(ing)] {
		return
	}
	for _, served := range ic.served() {
		if served.UID == ing.UID {
			ic.synced[client.KeyOf(ing)] = ing.Generation
			ic.events.Event(ing, "Normal", "Sync", "Scheduled for sync")
		}
	}
}

// queue syncs once whatever changed at this instant.
func (ic *IngressController) queue() {
	if ic.queued {
		return
	}
	ic.queued = true
	ic.net.loop.Post(func() {
		ic.queued = false
		ic.sync()
	})
}

func (ic *IngressController) sync() {
	pods := ic.pods.List()
	if len(pods) == 0 {
		return // the add-on is not installed, or has no pod yet
	}
	mine := ic.served()
	cfg := ic.render(mine).String()
	for _, p := range pods {
		ic.push(p, cfg)
	}
	ic.publish(mine)
}

// served are the Ingresses of the nginx class, oldest first (the oldest
// wins a path two of them claim, as in ingress-nginx).
func (ic *IngressController) served() []*api.Ingress {
	def := false
	if c, ok := ic.classes.Get("", IngressClassName); ok {
		def = c.Annotations["ingressclass.kubernetes.io/is-default-class"] == "true"
	}
	var out []*api.Ingress
	for _, ing := range ic.ingresses.List() {
		class := ing.Annotations["kubernetes.io/ingress.class"]
		if ing.Spec.IngressClassName != nil {
			class = *ing.Spec.IngressClassName
		}
		if class == IngressClassName || class == "" && def {
			out = append(out, ing)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].CreationTimestamp, out[j].CreationTimestamp
		if !a.Equal(b.Time) {
			return a.Before(b.Time)
		}
		return client.KeyOf(out[i]) < client.KeyOf(out[j])
	})
	return out
}

// ingressConfig is what nginx is told. It travels as lines of words (see
// String), which the guest reads without a JSON decoder: a lean module
// compiles faster in the browser.
type ingressConfig struct {
	Servers   []ingressServer     `json:"servers"`
	Upstreams map[string][]string `json:"upstreams"`
}

type ingressServer struct {
	Host    string        `json:"host"`
	TLS     bool          `json:"tls,omitempty"`
	Paths   []ingressPath `json:"paths,omitempty"`
	Default string        `json:"defaultBackend,omitempty"`
}

type ingressPath struct {
	Path     string `json:"path"`
	Type     string `json:"pathType"`
	Upstream string `json:"upstream"`
	// Rewrite and Regex are the path's Ingress's
	// nginx.ingress.kubernetes.io/rewrite-target and use-regex.
	Rewrite string `json:"rewriteTarget,omitempty"`
	Regex   bool   `json:"useRegex,omitempty"`
}

// The annotations of ingress-nginx the controller honours.
const (
	annotationRewriteTarget = "nginx.ingress.kubernetes.io/rewrite-target"
	annotationUseRegex      = "nginx.ingress.kubernetes.io/use-regex"
)

// String is the configuration as the guest reads it: "server HOST [tls]
// [default=UPSTREAM]" ("_" the default server) followed by its "path TYPE
// PATH UPSTREAM [rewrite=TARGET] [regex]" lines (TARGET query-escaped),
// then "upstream NAME ENDPOINT...", sorted.
func (cfg ingressConfig) String() string {
	var b strings.Builder
	for _, s := range cfg.Servers {
		host := s.Host
		if host == "" {
			host = "_"
		}
		b.WriteString("server " + host)
		if s.TLS {
			b.WriteString(" tls")
		}
		if s.Default != "" {
			b.WriteString(" default=" + s.Default)
		}
		b.WriteString("\n")
		for _, p := range s.Paths {
			up := p.Upstream
			if up == "" {
				up = "-"
			}
			b.WriteString("path " + p.Type + " " + p.Path + " " + up)
			if p.Rewrite != "" {
				b.WriteString(" rewrite=" + url.QueryEscape(p.Rewrite))
			}
			if p.Regex {
				b.WriteString(" regex")
			}
			b.WriteString("\n")
		}
	}
	names := make([]string, 0, len(cfg.Upstreams))
	for n := range cfg.Upstreams {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString(strings.Join(append([]string{"upstream", n}, cfg.Upstreams[n]...), " ") + "\n")
	}
	return b.String()
}

// render builds nginx's configuration from the Ingresses.
func (ic *IngressController) render(ings []*api.Ingress) ingressConfig {
	cfg := ingressConfig{Upstreams: map[string][]string{}}
	servers := map[string]*ingressServer{}
	server := func(host string) *ingressServer {
		s, ok := servers[host]
		if !ok {
			s = &ingressServer{Host: host}
			servers[host] = s
		}
		return s
	}
	server("") // the default server is always there
	for _, ing := range ings {
		def := ""
		if b := ing.Spec.DefaultBackend; b != nil {
			def = ic.upstream(ing.Namespace, *b, cfg.Upstreams)
			if s := server(""); s.Default == "" {
				s.Default = def
			}
		}
		for _, t := range ing.Spec.TLS {
			for _, h := range t.Hosts {
				server(strings.ToLower(h)).TLS = true
			}
		}
		for _, r := range ing.Spec.Rules {
			s := server(strings.ToLower(r.Host))
			if r.Host != "" && s.Default == "" {
				s.Default = def
			}
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				ic.addPath(s, ing, p, cfg.Upstreams)
			}
		}
	}
	hosts := make([]string, 0, len(servers))
	for h := range servers {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		cfg.Servers = append(cfg.Servers, *servers[h])
	}
	return cfg
}

func (ic *IngressController) addPath(s *ingressServer, ing *api.Ingress, p api.HTTPIngressPath, ups map[string][]string) {
	path := p.Path
	if path == "" {
		path = "/"
	}
	typ := "ImplementationSpecific"
	if p.PathType != nil {
		typ = *p.PathType
	}
	for _, old := range s.Paths {
		if old.Path == path && old.Type == typ {
			return // an older Ingress has it
		}
	}
	regex, _ := strconv.ParseBool(ing.Annotations[annotationUseRegex])
	s.Paths = append(s.Paths, ingressPath{Path: path, Type: typ, Upstream: ic.upstream(ing.Namespace, p.Backend, ups),
		Rewrite: ing.Annotations[annotationRewriteTarget], Regex: regex})
}

// upstream names a backend's upstream as ingress-nginx does
// (namespace-service-port) and lists its ready endpoints.
func (ic *IngressController) upstream(ns string, b api.IngressBackend, ups map[string][]string) string {
	if b.Service == nil {
		return ""
	}
	port := b.Service.Port.Name
	if port == "" {
		port = strconv.Itoa(int(b.Service.Port.Number))
	}
	name := ns + "-" + b.Service.Name + "-" + port
	if _, done := ups[name]; !done {
		ups[name] = ic.endpoints(ns, b.Service)
	}
	return name
}

// endpoints are the ready endpoints of a Service's port, sorted.
func (ic *IngressController) endpoints(ns string, b *api.IngressServiceBackend) []string {
	svc, ok := ic.services.Get(ns, b.Name)
	if !ok {
		return []string{}
	}
	var sp *api.ServicePort
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if b.Port.Name != "" && p.Name == b.Port.Name || b.Port.Name == "" && p.Port == b.Port.Number {
			sp = p
		}
	}
	out := []string{}
	if sp == nil {
		return out
	}
	for _, sl := range ic.slices.Select(ns, api.SelectorFromSet(map[string]string{"kubernetes.io/service-name": b.Name})) {
		port, ok := slicePort(sl, sp.Name)
		if !ok || sl.AddressType != "IPv4" {
			continue
		}
		for _, ep := range sl.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				out = append(out, a+":"+strconv.Itoa(int(port)))
			}
		}
	}
	sort.Strings(out)
	return out
}

// push posts the configuration to a running controller pod's nginx,
// unless it has it; a pod whose nginx does not answer yet is tried again.
func (ic *IngressController) push(p *api.Pod, cfg string) {
	if p.Status.Phase != api.PodRunning || p.Status.PodIP == "" || ic.pushed[p.UID] == cfg || ic.pushing[p.UID] {
		return
	}
	ip, err := netip.ParseAddr(p.Status.PodIP)
	if err != nil {
		return
	}
	ic.pushing[p.UID] = true
	ns := ic.net.Join(ip, p.Spec.NodeName)
	c, err := ns.Dial(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ingressConfigPort))
	ns.Leave()
	retry := func() {
		ic.pushing[p.UID] = false
		ic.net.loop.After(ingressRetry, ic.queue)
	}
	if err != nil {
		retry()
		return
	}
	req := fmt.Sprintf("POST /configuration/backends HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", ingressConfigPort, len(cfg), cfg)
	out, got := []byte(req), []byte(nil)
	buf := make([]byte, 1024)
	c.OnEvent = func() {
		for len(out) > 0 {
			n, err := c.Write(out)
			if err == EAGAIN {
				return
			}
			if err != nil {
				c.OnEvent = nil
				c.Close()
				retry()
				return
			}
			out = out[n:]
		}
		for {
			n, err := c.Read(buf)
			if err == EAGAIN {
				return
			}
			got = append(got, buf[:n]...)
			if err != nil || n == 0 {
				c.OnEvent = nil
				c.Close()
				if bytes.HasPrefix(got, []byte("HTTP/1.1 201")) {
					ic.pushing[p.UID] = false
					ic.pushed[p.UID] = cfg
					ic.queue() // anything that changed meanwhile
				} else {
					retry()
				}
				return
			}
		}
	}
	ic.net.loop.Post(c.OnEvent)
}

// publish sets the served Ingresses' status to the controller Service's
// load balancer addresses.
func (ic *IngressController) publish(ings []*api.Ingress) {
	svc, ok := ic.services.Get(IngressNamespace, IngressService)
	if !ok {
		return
	}
	var want []api.IngressLoadBalancerIngress
	for _, in := range svc.Status.LoadBalancer.Ingress {
		want = append(want, api.IngressLoadBalancerIngress{IP: in.IP, Hostname: in.Hostname})
	}
	r := api.ResourceFor(&api.Ingress{})
	for _, ing := range ings {
		if sameIngressStatus(ing.Status.LoadBalancer.Ingress, want) {
			continue
		}
		upd := ing.DeepCopy()
		upd.Status.LoadBalancer.Ingress = want
		_, _ = ic.c.UpdateStatus(r, upd)
	}
}

func sameIngressStatus(a, b []api.IngressLoadBalancerIngress) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].IP != b[i].IP || a[i].Hostname != b[i].Hostname {
			return false
		}
	}
	return true
}
