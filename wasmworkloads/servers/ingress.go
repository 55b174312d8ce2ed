package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
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
// ingress-nginx's matching (Exact before Prefix, the longest path wins,
// ImplementationSpecific as an nginx location prefix), its default
// backend's 404, 503 for a backend without endpoints, and a 308 to HTTPS
// for a host with TLS. Its configuration comes as ingress-nginx's
// controller gives nginx its backends: POSTed as JSON to
// 127.0.0.1:10246/configuration/backends. In kubeplay the controller's
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
// "" the default server) and each upstream's endpoints.
type ingressConfig struct {
	Servers   []ingressServer
	Upstreams map[string][]string
}

type ingressServer struct {
	Host    string
	TLS     bool
	Paths   []ingressPath
	Default string // "" is the controller's own
}

// ingressPath is a location: its Ingress's rewrite-target and use-regex
// annotations come with it.
type ingressPath struct {
	Path, Type, Upstream string
	Rewrite              string
	Regex                bool
}

// parseIngressConfig reads the controller's lines: "server HOST [tls]
// [default=UPSTREAM]" ("_" is the default server), its "path TYPE PATH
// UPSTREAM [rewrite=TARGET] [regex]" lines ("-" for no upstream, TARGET
// query-escaped), and "upstream NAME ENDPOINT...".
func parseIngressConfig(text string) (ingressConfig, error) {
	cfg := ingressConfig{Upstreams: map[string][]string{}}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
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
				if t, ok := strings.CutPrefix(opt, "rewrite="); ok {
					p.Rewrite, _ = url.QueryUnescape(t)
				} else if opt == "regex" {
					p.Regex = true
				}
			}
			s := &cfg.Servers[len(cfg.Servers)-1]
			s.Paths = append(s.Paths, p)
		case f[0] == "upstream" && len(f) >= 2:
			cfg.Upstreams[f[1]] = f[2:]
		default:
			return cfg, fmt.Errorf("bad line %q", line)
		}
	}
	return cfg, nil
}

// ingressNginx is the running nginx: its configuration and the next
// endpoint of each upstream (round robin, load-balance's default).
type ingressNginx struct {
	mu   sync.Mutex
	cfg  ingressConfig
	next map[string]int
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
		ic.mu.Unlock()
		w.status = 201
	}
	w.header("Content-Length", "0")
}

// route is where a request goes.
type route struct {
	upstream string // "" is the default backend
	redirect bool   // to HTTPS
	target   string // the request's URI rewritten by rewrite-target, "" if it is not
}

// match finds a request's route, as ingress-nginx's servers and
// locations match it.
func (cfg *ingressConfig) match(host, path, query string) route {
	srv := cfg.server(host)
	if srv == nil {
		return route{}
	}
	if srv.TLS {
		return route{redirect: true}
	}
	if srv.regex() {
		return srv.matchRegex(path, query)
	}
	best, bestLen := -1, -1
	for i, p := range srv.Paths {
		if !pathMatches(p, path) {
			continue
		}
		n := len(p.Path)
		if p.Type == "Exact" {
			n += 1 << 20 // an exact location wins
		}
		if n > bestLen {
			best, bestLen = i, n
		}
	}
	if best < 0 {
		return route{upstream: srv.Default}
	}
	return route{upstream: srv.Paths[best].Upstream}
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

func pathMatches(p ingressPath, path string) bool {
	switch p.Type {
	case "Exact":
		return path == p.Path
	case "Prefix":
		prefix := strings.TrimSuffix(p.Path, "/")
		return prefix == "" || path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return strings.HasPrefix(path, p.Path) // an nginx location prefix
}

// serve answers one request on port 80.
func (ic *ingressNginx) serve(req *request, w *response) {
	start := time.Now()
	host := strings.ToLower(req.host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ic.mu.Lock()
	_, query, _ := strings.Cut(req.target, "?")
	r := ic.cfg.match(host, req.path, query)
	eps := ic.cfg.Upstreams[r.upstream]
	var ep string
	if len(eps) > 0 {
		ep = eps[ic.next[r.upstream]%len(eps)]
		ic.next[r.upstream]++
	}
	ic.mu.Unlock()
	upstream, status := "upstream-default-backend", 0
	switch {
	case r.redirect:
		nginxPage(w, 308)
		w.header("Location", "https://"+host+req.target)
	case r.upstream == "":
		nginxPage(w, 404)
	case ep == "":
		upstream = r.upstream
		nginxPage(w, 503)
	default:
		upstream = r.upstream
		target := req.target
		if r.target != "" {
			target = r.target
		}
		status = proxy(req, w, ep, host, target)
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
	text := map[int]string{308: "308 Permanent Redirect", 404: "404 Not Found", 502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}[status]
	w.status = status
	w.header("Content-Type", "text/html")
	w.body = []byte("<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

// proxy passes a request to an endpoint and its response back, as
// nginx's proxy_pass with ingress-nginx's headers; it returns the
// upstream's status, or 0 when it could not be reached (502).
func proxy(req *request, w *response, ep, host, target string) int {
	c, err := kpnet.Dial("tcp", ep)
	if err != nil {
		nginxPage(w, 502)
		return 0
	}
	defer c.Close()
	bw := bufio.NewWriter(c)
	fmt.Fprintf(bw, "%s %s HTTP/1.1\r\nHost: %s\r\nX-Request-ID: %s\r\nX-Real-IP: %s\r\nX-Forwarded-For: %s\r\nX-Forwarded-Host: %s\r\nX-Forwarded-Port: 80\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Scheme: http\r\nX-Scheme: http\r\nConnection: close\r\n",
		req.method, target, req.host, "-", req.remote, req.remote, host)
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
// when one of its paths comes from an Ingress with use-regex or
// rewrite-target, ingress-nginx makes every location of the host a
// case-insensitive regex anchored at the start (~* "^PATH"), whatever
// its pathType.
func (s *ingressServer) regex() bool {
	for _, p := range s.Paths {
		if p.Regex || p.Rewrite != "" {
			return true
		}
	}
	return false
}

// matchRegex matches a regex server's locations as nginx does: the
// first that matches, in ingress-nginx's order (the longest path first,
// then the greater); then rewrites the URI as the location's
// `rewrite "(?i)PATH" TARGET break;` does.
func (s *ingressServer) matchRegex(path, query string) route {
	paths := slices.Clone(s.Paths)
	slices.SortStableFunc(paths, func(a, b ingressPath) int { return strings.Compare(b.Path, a.Path) })
	slices.SortStableFunc(paths, func(a, b ingressPath) int { return len(b.Path) - len(a.Path) })
	for _, p := range paths {
		loc, err := compiled("^" + p.Path)
		if err != nil || loc.find(path) == nil {
			continue // nginx would not have loaded the location
		}
		r := route{upstream: p.Upstream}
		if p.Rewrite != "" {
			r.target = rewrite(p.Path, p.Rewrite, path, query)
		}
		return r
	}
	return route{upstream: s.Default}
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
