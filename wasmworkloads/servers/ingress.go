package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"maps"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
)

// ingressControllerMain is registry.k8s.io/ingress-nginx/controller's
// nginx: the data plane that takes requests on port 80 and proxies each
// to an endpoint of the Service its Ingress rule names, with
// ingress-nginx's locations (exact ones first, then the longest prefix;
// regex ones for a host with rewrite-target or use-regex), its default
// backend's 404, 503 for a backend without endpoints, and the redirects
// and rewrites of the annotations the controller passes on (app-root,
// permanent and temporal redirects, rewrite-target, HTTPS for a host
// with a certificate or force-ssl-redirect). Its configuration comes as
// ingress-nginx's controller gives nginx its backends: POSTed to
// 127.0.0.1:10246/configuration/backends (as lines, not JSON). In kubeplay the controller's
// watch of the API runs in the engine (network.IngressController) and
// posts there; this process is nginx.
func ingressControllerMain(args []string) int {
	logger := log.New(os.Stderr, "", 0)
	now := func() string { return time.Now().UTC().Format("0102 15:04:05.000000") }
	logger.Printf("-------------------------------------------------------------------------------\nNGINX Ingress controller\n  Release:       %s\n  Build:         kubeplay\n  Repository:    https://github.com/kubernetes/ingress-nginx\n  nginx version: nginx/1.25.5\n\n-------------------------------------------------------------------------------\n", ingressRelease)
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "--") {
			logger.Printf("F%s       1 main.go:64] unknown argument %q", now(), a)
			return 255
		}
	}
	ic := &ingressNginx{}
	ctl, err := kpnet.Listen("tcp", "127.0.0.1:10246")
	if err == nil {
		go serveHTTP(ctl, ic.configure)
	}
	health, err := kpnet.Listen("tcp", ":10254")
	if err == nil {
		go serveHTTP(health, func(req *request, w *response) {
			w.header("Content-Type", "text/plain; charset=utf-8")
			w.header("Content-Length", "2")
			w.body = []byte("ok")
		})
	}
	l, err := kpnet.Listen("tcp", ":80")
	if err != nil {
		logger.Printf("F%s       1 main.go:80] listen tcp :80: %v", now(), err)
		return 255
	}
	logger.Printf("I%s       1 nginx.go:300] \"Starting NGINX process\"", now())
	sig, err := serveUntil(func() error { return serveHTTP(l, ic.serve) }, syscall.SIGTERM)
	if sig == nil {
		logger.Printf("F%s       1 main.go:90] %v", now(), err)
		return 255
	}
	// The controller's handleSigterm: stop the queues and nginx (nginx -s
	// quit, then a check each second until it is gone), wait the
	// post-shutdown grace period (10 s), and exit 0.
	logger.Printf("I%s       1 sigterm.go:36] \"Received SIGTERM, shutting down\"", now())
	logger.Printf("I%s       1 nginx.go:394] \"Shutting down controller queues\"", now())
	logger.Printf("I%s       1 nginx.go:402] \"Stopping NGINX process\"", now())
	logger.Printf("%s [notice] 27#27: signal process started", time.Now().Format("2006/01/02 15:04:05"))
	time.Sleep(time.Second)
	logger.Printf("I%s       1 nginx.go:408] \"NGINX process has stopped\"", now())
	logger.Printf("I%s       1 sigterm.go:44] Handled quit, delaying controller exit for 10 seconds", now())
	time.Sleep(10 * time.Second)
	logger.Printf("I%s       1 sigterm.go:47] \"Exiting\" code=0", now())
	return 0
}

// ingressRelease is the controller's release the image stands for.
const ingressRelease = "v1.12.1"

// ingressConfig is what the controller posts: the servers (one per host,
// "" the default server), each upstream's endpoints, and the annotations
// it ignores, by Ingress.
type ingressConfig struct {
	Servers   []ingressServer
	Upstreams map[string][]string
	Ignored   map[string][]string
}

type ingressServer struct {
	Host    string
	TLS     bool // a certificate is configured for the host
	Paths   []ingressPath
	Default string             // the root location's upstream, "" the controller's 404
	Root    ingressAnnotations // the root location's annotations
	AppRoot string             // where "/" is redirected (302)
}

// ingressPath is a location: a Prefix path comes as ingress-nginx makes
// it, a prefix location ending in "/" and an exact one.
type ingressPath struct {
	Path, Type, Upstream string
	Anns                 ingressAnnotations
}

// ingressAnnotations are the annotations of its Ingress that a location
// acts on.
type ingressAnnotations struct {
	Rewrite          string // rewrite-target
	Regex            bool   // use-regex
	NoSSLRedirect    bool   // ssl-redirect: "false"
	ForceSSLRedirect bool   // force-ssl-redirect
	PreserveSlash    bool   // preserve-trailing-slash
	RedirectURL      string // permanent-redirect or temporal-redirect
	RedirectCode     int
	XForwardedPrefix string // x-forwarded-prefix
}

// option reads one of a location's options.
func (a *ingressAnnotations) option(opt string) bool {
	name, value, _ := strings.Cut(opt, "=")
	unescaped, err := url.QueryUnescape(value)
	if err != nil {
		return false
	}
	switch name {
	case "rewrite":
		a.Rewrite = unescaped
	case "regex":
		a.Regex = true
	case "ssl-redirect":
		a.NoSSLRedirect = value == "false"
	case "force-ssl-redirect":
		a.ForceSSLRedirect = true
	case "preserve-trailing-slash":
		a.PreserveSlash = true
	case "redirect":
		code, u, ok := strings.Cut(value, ",")
		if a.RedirectCode, err = strconv.Atoi(code); err != nil || !ok {
			return false
		}
		a.RedirectURL, err = url.QueryUnescape(u)
		return err == nil
	case "x-forwarded-prefix":
		a.XForwardedPrefix = unescaped
	default:
		return false
	}
	return true
}

// parseIngressConfig reads the controller's lines: "server HOST [tls]
// [default=UPSTREAM] [app-root=PATH] OPTIONS" ("_" is the default server,
// OPTIONS its root location's), its "path TYPE PATH UPSTREAM OPTIONS"
// lines ("-" for no upstream), "upstream NAME ENDPOINT..." and "ignored
// NAMESPACE/NAME ANNOTATION...". Values are query-escaped.
func parseIngressConfig(text string) (ingressConfig, error) {
	cfg := ingressConfig{Upstreams: map[string][]string{}, Ignored: map[string][]string{}}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		bad := fmt.Errorf("bad line %q", line)
		switch {
		case len(f) == 0:
		case f[0] == "server" && len(f) >= 2:
			s := ingressServer{Host: f[1]}
			if s.Host == "_" {
				s.Host = ""
			}
			for _, opt := range f[2:] {
				if opt == "tls" {
					s.TLS = true
				} else if d, ok := strings.CutPrefix(opt, "default="); ok {
					s.Default = d
				} else if r, ok := strings.CutPrefix(opt, "app-root="); ok {
					s.AppRoot, _ = url.QueryUnescape(r)
				} else if !s.Root.option(opt) {
					return cfg, bad
				}
			}
			cfg.Servers = append(cfg.Servers, s)
		case f[0] == "path" && len(f) >= 4 && len(cfg.Servers) > 0:
			up := f[3]
			if up == "-" {
				up = ""
			}
			p := ingressPath{Type: f[1], Path: f[2], Upstream: up}
			for _, opt := range f[4:] {
				if !p.Anns.option(opt) {
					return cfg, bad
				}
			}
			s := &cfg.Servers[len(cfg.Servers)-1]
			s.Paths = append(s.Paths, p)
		case f[0] == "upstream" && len(f) >= 2:
			cfg.Upstreams[f[1]] = f[2:]
		case f[0] == "ignored" && len(f) >= 3:
			cfg.Ignored[f[1]] = f[2:]
		default:
			return cfg, bad
		}
	}
	return cfg, nil
}

// ingressNginx is the running nginx: its configuration, the next
// endpoint of each upstream (round robin, load-balance's default), and
// the ignored annotations it has logged, by Ingress.
type ingressNginx struct {
	mu     sync.Mutex
	cfg    ingressConfig
	next   map[string]int
	logged map[string]string
}

// configure takes a configuration (POST /configuration/backends).
func (ic *ingressNginx) configure(req *request, w *response) {
	var cfg ingressConfig
	var err error
	if req.method != "POST" || req.path != "/configuration/backends" {
		w.status = 404
	} else if cfg, err = parseIngressConfig(string(req.body)); err != nil {
		w.status = 400
	} else {
		ic.mu.Lock()
		ic.cfg, ic.next = cfg, map[string]int{}
		regexps = map[string]*pcre{}
		ic.logIgnored()
		ic.mu.Unlock()
		w.status = 201
	}
	w.header("Content-Length", "0")
}

// logIgnored says once per Ingress (again when the list changes) which
// of its annotations nginx does not act on here.
func (ic *ingressNginx) logIgnored() {
	if ic.logged == nil {
		ic.logged = map[string]string{}
	}
	for _, ing := range slices.Sorted(maps.Keys(ic.cfg.Ignored)) {
		list := fmt.Sprint(ic.cfg.Ignored[ing])
		if ic.logged[ing] == list {
			continue
		}
		ic.logged[ing] = list
		log.New(os.Stderr, "", 0).Printf("W%s       1 annotations.go:150] \"Ignoring annotations kubeplay's ingress-nginx does not implement\" ingress=%q annotations=%s",
			time.Now().UTC().Format("0102 15:04:05.000000"), ing, list)
	}
}

// route is what nginx does with a request.
type route struct {
	upstream string // "" is the default backend
	status   int    // a redirect's (or a return's) status, 0 to proxy
	location string // the redirect's Location
	text     string // a return's text, for a code that is not a redirect's
	target   string // the request's URI rewritten by rewrite-target, "" if it is not
	prefix   string // the X-Forwarded-Prefix header
	logName  string // $proxy_upstream_name when it is not upstream's
}

// request is what matching reads of a request: its host (lower case,
// without the port), the Host header as sent ($http_host), the decoded
// path ($uri) and the request's URI as sent ($request_uri).
type ingressRequest struct {
	host, httpHost, path, uri string
}

// match is what nginx does with a request, in its order: the server's
// app-root `if`, the location (static, or regex when the host has
// rewrite-target or use-regex), a permanent/temporal redirect's return,
// the rewrite, then the lua rewrite phase's HTTPS redirect, and proxying.
func (cfg *ingressConfig) match(r ingressRequest) route {
	srv := cfg.server(r.host)
	if srv == nil {
		return route{}
	}
	if srv.AppRoot != "" && r.path == "/" {
		return route{status: 302, location: "http://" + r.httpHost + srv.AppRoot, logName: "-"}
	}
	_, query, _ := strings.Cut(r.uri, "?")
	var loc ingressPath
	if srv.regex() {
		loc = srv.matchRegex(r.path)
	} else {
		var slash bool
		if loc, slash = srv.matchStatic(r.path); slash {
			// nginx's redirect to a prefix location's "/" (auto_redirect,
			// set by proxy_pass): the location's name, the arguments kept.
			l := "http://" + r.host + loc.Path
			if query != "" {
				l += "?" + query
			}
			return route{status: 301, location: l, logName: "-"}
		}
	}
	a := loc.Anns
	rt := route{upstream: loc.Upstream}
	if a.RedirectURL != "" {
		switch rt.status = a.RedirectCode; rt.status {
		case 301, 302, 303, 307, 308:
			rt.location = a.RedirectURL
		default:
			rt.text = a.RedirectURL // return CODE TEXT
		}
		return rt
	}
	if a.Rewrite != "" {
		rt.target = rewrite(loc.Path, a.Rewrite, r.path, query)
		rt.prefix = a.XForwardedPrefix
		if strings.HasPrefix(rt.target, "http://") || strings.HasPrefix(rt.target, "https://") {
			return route{upstream: loc.Upstream, status: 302, location: rt.target}
		}
	}
	if a.ForceSSLRedirect || !a.NoSSLRedirect && cfg.certificate(r.host) {
		// lua_ingress.lua's redirect_to_https: the Host header's name,
		// the request's URI without a trailing slash unless
		// preserve-trailing-slash, and http-redirect-code (308).
		uri := r.uri
		if !a.PreserveSlash {
			uri = strings.TrimSuffix(uri, "/")
		}
		host, _, _ := strings.Cut(r.httpHost, ":")
		if host == "" {
			host = r.host
		}
		return route{upstream: loc.Upstream, status: 308, location: "https://" + host + uri}
	}
	return rt
}

// certificate reports whether a certificate is configured for a host, as
// certificate.lua finds one: the host's own server's, else a wildcard's.
func (cfg *ingressConfig) certificate(host string) bool {
	_, rest, _ := strings.Cut(host, ".")
	for _, s := range cfg.Servers {
		if s.TLS && s.Host != "" && (s.Host == host || s.Host == "*."+rest) {
			return true
		}
	}
	return false
}

// server is the host's server: its own, a wildcard's, else the default.
func (cfg *ingressConfig) server(host string) *ingressServer {
	var wildcard, def *ingressServer
	for i := range cfg.Servers {
		s := &cfg.Servers[i]
		switch {
		case s.Host == host:
			return s
		case s.Host == "":
			def = s
		case strings.HasPrefix(s.Host, "*.") && wildcard == nil:
			if _, rest, ok := strings.Cut(host, "."); ok && rest == s.Host[2:] {
				wildcard = s
			}
		}
	}
	if wildcard != nil {
		return wildcard
	}
	return def
}

// root is the server's root location: its default backend, with its
// first Ingress's annotations.
func (s *ingressServer) root() ingressPath {
	return ingressPath{Path: "/", Type: "Prefix", Upstream: s.Default, Anns: s.Root}
}

// matchStatic finds the location as nginx finds a static one: an exact
// location, else the longest prefix. slash reports nginx's redirect of
// "/foo" to a prefix location "/foo/" that nothing else matches first.
func (s *ingressServer) matchStatic(path string) (loc ingressPath, slash bool) {
	best, named := -1, false
	for i, p := range s.Paths {
		switch {
		case p.Type == "Exact" && p.Path == path:
			return p, false
		case p.Type != "Exact" && strings.HasPrefix(path, p.Path) && (best < 0 || len(p.Path) > len(s.Paths[best].Path)):
			best = i
		}
		named = named || p.Path == path
	}
	for _, p := range s.Paths {
		if p.Type != "Exact" && !named && p.Path == path+"/" {
			return p, true
		}
	}
	if best < 0 {
		return s.root(), false
	}
	return s.Paths[best], false
}

// serve answers one request on port 80.
func (ic *ingressNginx) serve(req *request, w *response) {
	start := time.Now()
	host := strings.ToLower(req.host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ic.mu.Lock()
	r := ic.cfg.match(ingressRequest{host: host, httpHost: req.host, path: req.path, uri: req.target})
	eps := ic.cfg.Upstreams[r.upstream]
	var ep string
	if len(eps) > 0 && r.status == 0 {
		ep = eps[ic.next[r.upstream]%len(eps)]
		ic.next[r.upstream]++
	}
	ic.mu.Unlock()
	upstream, status := r.upstream, 0
	if upstream == "" {
		upstream = "upstream-default-backend"
	}
	if r.logName != "" {
		upstream = r.logName
	}
	switch {
	case r.status != 0 && r.location != "":
		nginxPage(w, r.status)
		w.header("Location", r.location)
	case r.status != 0:
		w.status = r.status
		w.header("Content-Type", "text/html")
		w.body = []byte(r.text)
	case r.upstream == "":
		nginxPage(w, 404)
	case ep == "":
		nginxPage(w, 503)
	default:
		target := req.target
		if r.target != "" {
			target = r.target
		}
		status = proxy(req, w, ep, host, target, r.prefix)
	}
	arrange(w, start)
	upAddr, upStatus, upLen := "-", "-", "-"
	if ep != "" && status != 0 {
		upAddr, upStatus, upLen = ep, strconv.Itoa(status), strconv.Itoa(len(w.body))
	}
	took := max(time.Since(start), 0).Seconds()
	fmt.Printf("%s - - [%s] \"%s %s %s\" %d %d \"%s\" \"%s\" %d %.3f [%s] [] %s %s %.3f %s %s\n",
		req.remote, start.UTC().Format("02/Jan/2006:15:04:05 -0700"), req.method, req.target, req.proto, w.status, len(w.body),
		orDash(req.referer), orDash(req.userAgent), req.size, took, upstream, upAddr, upLen, took, upStatus, fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()))
}

// nginxPage is nginx's own page for a status, as ingress-nginx serves it
// (server tokens off).
func nginxPage(w *response, status int) {
	text := map[int]string{301: "301 Moved Permanently", 302: "302 Found", 303: "303 See Other", 307: "307 Temporary Redirect",
		308: "308 Permanent Redirect", 404: "404 Not Found", 502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}[status]
	w.status = status
	w.header("Content-Type", "text/html")
	w.body = []byte("<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

// proxy passes a request to an endpoint and its response back, as
// nginx's proxy_pass with ingress-nginx's headers; it returns the
// upstream's status, or 0 when it could not be reached (502). prefix is
// a rewrite's X-Forwarded-Prefix (x-forwarded-prefix), "" for none.
func proxy(req *request, w *response, ep, host, target, prefix string) int {
	c, err := kpnet.Dial("tcp", ep)
	if err != nil {
		nginxPage(w, 502)
		return 0
	}
	defer c.Close()
	bw := bufio.NewWriter(c)
	fmt.Fprintf(bw, "%s %s HTTP/1.1\r\nHost: %s\r\nX-Request-ID: %s\r\nX-Real-IP: %s\r\nX-Forwarded-For: %s\r\nX-Forwarded-Host: %s\r\nX-Forwarded-Port: 80\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Scheme: http\r\nX-Scheme: http\r\nConnection: close\r\n",
		req.method, target, req.host, "-", req.remote, req.remote, host)
	if prefix != "" {
		fmt.Fprintf(bw, "X-Forwarded-Prefix: %s\r\n", prefix)
	}
	if req.userAgent != "" {
		fmt.Fprintf(bw, "User-Agent: %s\r\n", req.userAgent)
	}
	for _, h := range req.extra {
		fmt.Fprintf(bw, "%s\r\n", h)
	}
	fmt.Fprintf(bw, "Content-Length: %d\r\n\r\n", len(req.body))
	bw.Write(req.body)
	if bw.Flush() != nil {
		nginxPage(w, 502)
		return 0
	}
	resp, err := io.ReadAll(c)
	head, body, ok := strings.Cut(string(resp), "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	f := strings.Fields(lines[0])
	if !ok || len(f) < 2 || err != nil && len(resp) == 0 {
		nginxPage(w, 502)
		return 0
	}
	status, _ := strconv.Atoi(f[1])
	w.status = status
	length := -1
	for _, l := range lines[1:] {
		name, value, _ := strings.Cut(l, ":")
		switch strings.ToLower(name) {
		case "content-length":
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		case "date", "server", "connection", "keep-alive", "transfer-encoding":
		default:
			w.header(name, strings.TrimSpace(value))
		}
	}
	if length >= 0 && length < len(body) {
		body = body[:length]
	}
	w.body = []byte(body)
	return status
}

// arrange orders a response's headers as nginx writes them: Date,
// Content-Type, Content-Length, Connection, then the rest.
func arrange(w *response, start time.Time) {
	out := []string{"Date: " + httpDate(start)}
	var rest []string
	for _, h := range w.headers {
		if strings.HasPrefix(h, "Content-Type: ") {
			out = append(out, h)
		} else {
			rest = append(rest, h)
		}
	}
	out = append(out, "Content-Length: "+strconv.Itoa(len(w.body)), connectionHeader)
	w.headers = append(out, rest...)
}

// regex reports whether the server's locations are regular expressions:
// when one of its locations (the root one among them) has use-regex or a
// rewrite-target, ingress-nginx makes every location of the host a
// case-insensitive regex anchored at the start (~* "^PATH"), whatever
// its pathType.
func (s *ingressServer) regex() bool {
	if s.Root.Regex || s.Root.Rewrite != "" {
		return true
	}
	for _, p := range s.Paths {
		if p.Anns.Regex || p.Anns.Rewrite != "" {
			return true
		}
	}
	return false
}

// matchRegex matches a regex server's locations as nginx does: the
// first that matches, in ingress-nginx's order (the longest path first,
// then the greater), the root location last.
func (s *ingressServer) matchRegex(path string) ingressPath {
	paths := slices.Clone(s.Paths)
	slices.SortStableFunc(paths, func(a, b ingressPath) int { return strings.Compare(b.Path, a.Path) })
	slices.SortStableFunc(paths, func(a, b ingressPath) int { return len(b.Path) - len(a.Path) })
	for _, p := range paths {
		loc, err := compiled("^" + p.Path)
		if err != nil || loc.find(path) == nil {
			continue // nginx would not have loaded the location
		}
		return p
	}
	return s.root()
}

// rewrite is nginx's rewrite of the URI: the whole URI becomes target
// with $1...$9 the pattern's captures; the request's arguments follow,
// after target's own if it has some.
func rewrite(pattern, target, path, query string) string {
	re, err := compiled(pattern)
	if err != nil {
		return ""
	}
	m := re.find(path)
	if m == nil {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(target); i++ {
		if target[i] == '$' && i+1 < len(target) && target[i+1] >= '0' && target[i+1] <= '9' {
			if n := int(target[i+1] - '0'); 2*n+1 < len(m) && m[2*n] >= 0 {
				b.WriteString(path[m[2*n]:m[2*n+1]])
			}
			i++
			continue
		}
		b.WriteByte(target[i])
	}
	out := b.String()
	switch {
	case query == "":
	case strings.Contains(out, "?"):
		out += "&" + query
	default:
		out += "?" + query
	}
	return out
}

// regexps are the locations' expressions compiled, until the next
// configuration (under ingressNginx.mu).
var regexps = map[string]*pcre{}

func compiled(expr string) (*pcre, error) {
	if re, ok := regexps[expr]; ok {
		return re, nil
	}
	re, err := compilePCRE(expr)
	if err == nil {
		regexps[expr] = re
	}
	return re, err
}
