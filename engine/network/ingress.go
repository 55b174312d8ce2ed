package network

import (
	"bytes"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
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
	IngressNamespace       = "ingress-nginx"
	IngressService         = "ingress-nginx-controller"
	IngressClassName       = "nginx"
	IngressControllerClass = "k8s.io/ingress-nginx"
	ingressConfigPort      = 10246
	ingressRetry           = time.Second
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

// served are the Ingresses the controller serves, oldest first (the
// oldest wins a path two of them claim, as in ingress-nginx): those of an
// IngressClass whose controller is ingress-nginx's (--controller-class,
// so kubernetes.io's nginx-example class too), those annotated
// kubernetes.io/ingress.class: nginx (--ingress-class), and those of no
// class when the nginx class is the default.
func (ic *IngressController) served() []*api.Ingress {
	def := false
	if c, ok := ic.classes.Get("", IngressClassName); ok {
		def = c.Annotations["ingressclass.kubernetes.io/is-default-class"] == "true"
	}
	var out []*api.Ingress
	for _, ing := range ic.ingresses.List() {
		class := ing.Annotations["kubernetes.io/ingress.class"]
		mine := class == IngressClassName || class == "" && def
		if n := ing.Spec.IngressClassName; n != nil {
			c, ok := ic.classes.Get("", *n)
			mine = ok && c.Spec.Controller == IngressControllerClass
		}
		if mine {
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
	Servers   []ingressServer
	Upstreams map[string][]string
	// Ignored lists, by Ingress (namespace/name), the annotations of
	// ingress-nginx that kubeplay does not act on, for nginx's log.
	Ignored map[string][]string
}

// ingressServer is a server block: a host's, "" the default server's.
type ingressServer struct {
	Host string
	// TLS is a certificate configured for the host: ingress-nginx gives
	// every rule host of an Ingress with a tls section one (its secret's,
	// or the default certificate).
	TLS     bool
	Paths   []ingressPath
	Default string // the root location's upstream ("" the controller's 404)
	// Root is the root location's annotations: those of the host's first
	// Ingress, as ingress-nginx's createServers applies them.
	Root ingressAnnotations
	// AppRoot is the server's `if ($uri = /) { return 302 ...; }`.
	AppRoot string
}

// ingressPath is a location.
type ingressPath struct {
	Path     string
	Type     string
	Upstream string
	Anns     ingressAnnotations
}

// ingressAnnotations are the annotations of ingress-nginx that a
// location carries and kubeplay acts on, as its parsers read them.
type ingressAnnotations struct {
	Rewrite          string // rewrite-target, when it differs from the path (needsRewrite)
	Regex            bool   // use-regex
	NoSSLRedirect    bool   // ssl-redirect: "false"
	ForceSSLRedirect bool   // force-ssl-redirect
	PreserveSlash    bool   // preserve-trailing-slash
	RedirectURL      string // temporal-redirect, else permanent-redirect
	RedirectCode     int    // temporal-redirect-code (302), permanent-redirect-code (301)
	XForwardedPrefix string // x-forwarded-prefix
	appRoot          string // app-root: the server's
}

// The annotations of ingress-nginx the controller honours; any other of
// its prefix is logged as ignored.
const annotationPrefix = "nginx.ingress.kubernetes.io/"

var honouredAnnotations = map[string]bool{
	"rewrite-target": true, "use-regex": true, "app-root": true,
	"ssl-redirect": true, "force-ssl-redirect": true, "preserve-trailing-slash": true,
	"permanent-redirect": true, "permanent-redirect-code": true,
	"temporal-redirect": true, "temporal-redirect-code": true,
	"x-forwarded-prefix": true,
}

// parseIngressAnnotations reads an Ingress's annotations as
// ingress-nginx's rewrite, redirect and xforwardedprefix parsers do, and
// lists those of its prefix that kubeplay ignores (a value a parser
// refuses among them).
func parseIngressAnnotations(ing *api.Ingress) (a ingressAnnotations, ignored []string) {
	get := func(name string) (string, bool) {
		v, ok := ing.Annotations[annotationPrefix+name]
		return v, ok
	}
	boolean := func(name string) bool {
		v, _ := get(name)
		b, _ := strconv.ParseBool(v)
		return b
	}
	a.Rewrite, _ = get("rewrite-target")
	a.Regex = boolean("use-regex")
	if v, ok := get("ssl-redirect"); ok {
		if b, err := strconv.ParseBool(v); err == nil {
			a.NoSSLRedirect = !b
		}
	}
	a.ForceSSLRedirect = boolean("force-ssl-redirect")
	a.PreserveSlash = boolean("preserve-trailing-slash")
	a.XForwardedPrefix, _ = get("x-forwarded-prefix")
	bad := map[string]bool{}
	if v, ok := get("app-root"); ok {
		// url.ParseRequestURI, and not an absolute URL.
		if u, err := url.ParseRequestURI(v); err == nil && !u.IsAbs() {
			a.appRoot = v
		} else {
			bad["app-root"] = true
		}
	}
	// The temporal redirect wins over the permanent one; a code out of
	// range is the default.
	code := func(name string, def, most int) int {
		v, _ := get(name)
		c, err := strconv.Atoi(v)
		if err != nil || c < 300 || c > most {
			return def
		}
		return c
	}
	validURL := func(s string) bool {
		u, err := url.Parse(s)
		return err == nil && strings.HasPrefix(u.Scheme, "http")
	}
	if v, _ := get("temporal-redirect"); v != "" {
		if validURL(v) {
			a.RedirectURL, a.RedirectCode = v, code("temporal-redirect-code", 302, 307)
		} else {
			bad["temporal-redirect"] = true
		}
	} else if v, _ := get("permanent-redirect"); v != "" {
		if validURL(v) {
			a.RedirectURL, a.RedirectCode = v, code("permanent-redirect-code", 301, 308)
		} else {
			bad["permanent-redirect"] = true
		}
	}
	for k := range ing.Annotations {
		if name, ok := strings.CutPrefix(k, annotationPrefix); ok && (!honouredAnnotations[name] || bad[name]) {
			ignored = append(ignored, k)
		}
	}
	sort.Strings(ignored)
	return a, ignored
}

// isCanary is an Ingress with nginx.ingress.kubernetes.io/canary: to
// ingress-nginx an alternative backend for another Ingress's paths, which
// kubeplay does not do: it routes nothing to it.
func isCanary(ing *api.Ingress) bool {
	b, _ := strconv.ParseBool(ing.Annotations[annotationPrefix+"canary"])
	return b
}

// String is the configuration as the guest reads it: "server HOST [tls]
// [default=UPSTREAM] [app-root=PATH] OPTIONS" ("_" the default server,
// OPTIONS its root location's) followed by its "path TYPE PATH UPSTREAM
// OPTIONS" lines, then "upstream NAME ENDPOINT..." and "ignored
// NAMESPACE/NAME ANNOTATION...", sorted. OPTIONS are rewrite=TARGET,
// regex, ssl-redirect=false, force-ssl-redirect, preserve-trailing-slash,
// redirect=CODE,URL and x-forwarded-prefix=PREFIX, values query-escaped.
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
		if s.AppRoot != "" {
			b.WriteString(" app-root=" + url.QueryEscape(s.AppRoot))
		}
		b.WriteString(s.Root.options() + "\n")
		for _, p := range s.Paths {
			up := p.Upstream
			if up == "" {
				up = "-"
			}
			b.WriteString("path " + p.Type + " " + p.Path + " " + up + p.Anns.options() + "\n")
		}
	}
	for _, n := range api.SortedKeys(cfg.Upstreams) {
		b.WriteString(strings.Join(append([]string{"upstream", n}, cfg.Upstreams[n]...), " ") + "\n")
	}
	for _, n := range api.SortedKeys(cfg.Ignored) {
		b.WriteString(strings.Join(append([]string{"ignored", n}, cfg.Ignored[n]...), " ") + "\n")
	}
	return b.String()
}

func (a ingressAnnotations) options() string {
	var b strings.Builder
	if a.Rewrite != "" {
		b.WriteString(" rewrite=" + url.QueryEscape(a.Rewrite))
	}
	if a.Regex {
		b.WriteString(" regex")
	}
	if a.NoSSLRedirect {
		b.WriteString(" ssl-redirect=false")
	}
	if a.ForceSSLRedirect {
		b.WriteString(" force-ssl-redirect")
	}
	if a.PreserveSlash {
		b.WriteString(" preserve-trailing-slash")
	}
	if a.RedirectURL != "" {
		b.WriteString(" redirect=" + strconv.Itoa(a.RedirectCode) + "," + url.QueryEscape(a.RedirectURL))
	}
	if a.XForwardedPrefix != "" {
		b.WriteString(" x-forwarded-prefix=" + url.QueryEscape(a.XForwardedPrefix))
	}
	return b.String()
}

// render builds nginx's configuration from the Ingresses, as
// ingress-nginx's createServers and getBackendServers do.
func (ic *IngressController) render(ings []*api.Ingress) ingressConfig {
	cfg := ingressConfig{Upstreams: map[string][]string{}, Ignored: map[string][]string{}}
	servers := map[string]*ingressServer{"": {}} // the default server is always there
	for _, ing := range ings {
		anns, ignored := parseIngressAnnotations(ing)
		if len(ignored) > 0 {
			cfg.Ignored[client.KeyOf(ing)] = ignored
		}
		if isCanary(ing) {
			continue
		}
		def := ""
		if b := ing.Spec.DefaultBackend; b != nil {
			def = ic.upstream(ing.Namespace, *b, cfg.Upstreams)
			if s := servers[""]; s.Default == "" {
				s.Default = def
			}
		}
		for _, r := range ing.Spec.Rules {
			host := strings.ToLower(r.Host)
			s, ok := servers[host]
			if !ok {
				// A host's root location: this first Ingress's backend
				// and annotations.
				s = &ingressServer{Host: host, Default: def, Root: anns}
				if anns.Rewrite == "/" {
					s.Root.Rewrite = "" // needsRewrite
				}
				servers[host] = s
			}
			// A certificate for the host: its secret's, or the default
			// one when the host is not listed or the secret is missing.
			if host != "" && len(ing.Spec.TLS) > 0 {
				s.TLS = true
			}
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				ic.addPath(s, ing, anns, p, cfg.Upstreams)
			}
		}
	}
	for _, h := range api.SortedKeys(servers) {
		s := servers[h]
		s.Paths = prefixLocations(s.Paths)
		s.AppRoot = appRoot(s)
		s.Root.appRoot = ""
		for i := range s.Paths {
			s.Paths[i].Anns.appRoot = ""
		}
		cfg.Servers = append(cfg.Servers, *s)
	}
	return cfg
}

func (ic *IngressController) addPath(s *ingressServer, ing *api.Ingress, anns ingressAnnotations, p api.HTTPIngressPath, ups map[string][]string) {
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
	if anns.Rewrite == path {
		anns.Rewrite = "" // needsRewrite: no rewrite to the path itself
	}
	s.Paths = append(s.Paths, ingressPath{Path: path, Type: typ, Upstream: ic.upstream(ing.Namespace, p.Backend, ups), Anns: anns})
}

// prefixLocations makes a Prefix path two nginx locations, as
// ingress-nginx's updateServerLocations does: a prefix location ending
// in "/" and an exact one for the path itself (unless an Exact path has
// it); a path with a rewrite or use-regex stays as it is.
func prefixLocations(paths []ingressPath) []ingressPath {
	exact := map[string]bool{}
	for _, p := range paths {
		if p.Type == "Exact" {
			exact[p.Path] = true
		}
	}
	var out []ingressPath
	for _, p := range paths {
		if p.Path == "/" || p.Type != "Prefix" || p.Anns.Rewrite != "" || p.Anns.Regex {
			out = append(out, p)
			continue
		}
		e := p
		e.Type = "Exact"
		if !strings.HasSuffix(p.Path, "/") {
			p.Path += "/"
		}
		out = append(out, p)
		if !exact[e.Path] {
			out = append(out, e)
		}
	}
	return out
}

// appRoot is the app-root that redirects "/": nginx.tmpl writes an `if
// ($uri = /)` for each location with one, in the order of the server's
// locations (the longer path first, then the greater), and the first
// wins; the root location comes last.
func appRoot(s *ingressServer) string {
	paths := slices.Clone(s.Paths)
	slices.SortStableFunc(paths, func(a, b ingressPath) int { return strings.Compare(b.Path, a.Path) })
	slices.SortStableFunc(paths, func(a, b ingressPath) int { return len(b.Path) - len(a.Path) })
	for _, p := range paths {
		if p.Anns.appRoot != "" {
			return p.Anns.appRoot
		}
	}
	return s.Root.appRoot
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
		port, ok := slicePort(sl, sp.Name, TCP)
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
