package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/interp"

	"github.com/kubeplay/kubeplay/engine/network"
)

// curl is the host machine's curl: it connects from outside the cluster
// (network.HostIP), so it reaches what a kind host reaches: the nodes'
// addresses and their NodePorts, load balancers' addresses, and
// localhost, where kubectl port-forward listens. Names resolve from
// --resolve, the shell's /etc/hosts and "localhost"; cluster names do not
// resolve outside the cluster, as on a real host.

var curlTool = &tool{
	name:  "curl",
	usage: []string{"curl [options...] <url>"},
	about: `Transfer a URL over HTTP from the host machine, outside the cluster: node
addresses and NodePorts, load balancer addresses, localhost (kubectl
port-forward). Names resolve from --resolve, /etc/hosts and localhost.
HTTPS is not simulated (the playground has no TLS).`,
	opts: []option{
		{short: 'd', long: "data", arg: needArg, argName: "<data>", help: "HTTP POST data"},
		{short: 'f', long: "fail", help: "Fail fast with no output on HTTP errors"},
		{short: 'H', long: "header", arg: needArg, argName: "<header>", help: "Pass custom header(s) to server"},
		{short: 'I', long: "head", help: "Show document info only"},
		{short: 'i', long: "include", help: "Include protocol response headers in the output"},
		{short: 'k', long: "insecure", help: "Allow insecure server connections"},
		{short: 'L', long: "location", help: "Follow redirects (not followed here: the response is shown)"},
		{short: 'm', long: "max-time", arg: needArg, argName: "<seconds>", help: "Maximum time allowed for transfer"},
		{long: "connect-timeout", arg: needArg, argName: "<seconds>", help: "Maximum time allowed for connection"},
		{short: 'o', long: "output", arg: needArg, argName: "<file>", help: "Write to file instead of stdout"},
		{short: 'X', long: "request", arg: needArg, argName: "<method>", help: "Specify request method to use"},
		{long: "resolve", arg: needArg, argName: "<[+]host:port:addr[,addr]...>", help: "Resolve the host+port to this address"},
		{short: 'S', long: "show-error", help: "Show error even when -s is used"},
		{short: 's', long: "silent", help: "Silent mode"},
		{short: 'v', long: "verbose", help: "Make the operation more talkative"},
		{short: 'w', long: "write-out", arg: needArg, argName: "<format>", help: "Use output FORMAT after completion (%{http_code})"},
		helpOpt,
	},
	status: 2,
}

// curlUserAgent is what curl sends as User-Agent.
const curlUserAgent = "curl/8.5.0"

// curlError is a failure with curl's exit code and words.
type curlError struct {
	code int
	msg  string
}

func (e *curlError) Error() string { return e.msg }

func curlFail(code int, format string, a ...any) *curlError {
	return &curlError{code, fmt.Sprintf(format, a...)}
}

// curlRequest is one transfer as the command line asks for it.
type curlRequest struct {
	o       parsed
	url     curlURL
	method  string
	verbose bool
}

// curlURL is a URL as curl takes it: the scheme may be left out.
type curlURL struct {
	host string // as written, for the Host header and messages
	port uint16
	path string
}

func parseCurlURL(raw string) (curlURL, error) {
	rest := raw
	if scheme, after, ok := strings.Cut(raw, "://"); ok {
		switch strings.ToLower(scheme) {
		case "http":
		case "https":
			return curlURL{}, curlFail(35, "kubeplay: HTTPS is not simulated (the playground has no TLS); use http://")
		default:
			return curlURL{}, curlFail(1, "Protocol %q not supported", scheme)
		}
		rest = after
	}
	hostport, p, _ := strings.Cut(rest, "/")
	p = "/" + p
	if i := strings.IndexAny(hostport, "?#"); i >= 0 {
		p = "/" + hostport[i:]
		hostport = hostport[:i]
	}
	p, _, _ = strings.Cut(p, "#")
	u := curlURL{host: hostport, port: 80, path: p}
	if h, port, ok := strings.Cut(hostport, ":"); ok && !strings.Contains(port, ":") {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return curlURL{}, curlFail(3, "URL rejected: Port number was not a decimal number between 0 and 65535")
		}
		u.host, u.port = h, uint16(n)
	}
	if u.host == "" {
		return curlURL{}, curlFail(3, "URL rejected: No host part in the URL")
	}
	return u, nil
}

func (s *Shell) curl(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, err := curlTool.parseArgs(args)
	switch {
	case err == errHelp:
		curlTool.printHelp(hc.Stdout)
		return 0
	case err != nil:
		fmt.Fprintf(hc.Stderr, "curl: %s\ncurl: try 'curl --help' or 'curl --manual' for more information\n", curlUsage(err.Error()))
		return 2
	}
	if len(o.args) == 0 {
		fmt.Fprint(hc.Stderr, "curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n")
		return 2
	}
	code := 0
	for _, raw := range o.args {
		if c := s.curlOne(ctx, hc, o, raw); c != 0 {
			code = c
		}
	}
	return code
}

// curlOne makes one transfer and prints what curl prints for it.
func (s *Shell) curlOne(ctx context.Context, hc interp.HandlerContext, o parsed, raw string) int {
	silent, showErr := o.has("s"), o.has("S") || !o.has("s")
	res, err := s.curlTransfer(ctx, hc, o, raw)
	var f io.WriteCloser
	if err != nil {
		var ce *curlError
		if errors.As(err, &ce) {
			if showErr {
				fmt.Fprintf(hc.Stderr, "curl: (%d) %s\n", ce.code, ce.msg)
			}
			return ce.code
		}
		return 130 // interrupted
	}
	if o.has("f") && res.status >= 400 {
		if showErr {
			fmt.Fprintf(hc.Stderr, "curl: (22) The requested URL returned error: %d\n", res.status)
		}
		return 22
	}
	var out io.Writer = hc.Stdout
	if name := o.value("o"); name != "" && name != "-" {
		f = discard{}
		if p := abs(hc.Dir, name); p != "/dev/null" {
			f, err = s.openFile(fsPath(p), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		}
		if err != nil {
			fmt.Fprintf(hc.Stderr, "curl: (23) Failure writing output to destination, passed %d returned 0\n", len(res.body))
			return 23
		}
		defer f.Close()
		out = f
		if !silent {
			res.meter(hc.Stderr)
		}
	}
	if o.has("i") || o.has("I") {
		out.Write(res.head)
	}
	out.Write(res.body)
	if w := o.value("w"); w != "" {
		fmt.Fprint(hc.Stdout, writeOut(w, res))
	}
	return 0
}

// curlResult is a response and what the transfer took.
type curlResult struct {
	status int
	head   []byte // the status line and headers, as received
	body   []byte // decoded from chunks if it came chunked
	took   time.Duration
}

// meter prints curl's progress meter as it stands at the end.
func (r *curlResult) meter(w io.Writer) {
	n := len(r.body)
	speed := "0"
	if secs := r.took.Seconds(); secs > 0 {
		speed = meterSize(int64(float64(n) / secs))
	} else if n > 0 {
		speed = meterSize(int64(n) * 1000)
	}
	fmt.Fprint(w, "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"+
		"                                 Dload  Upload   Total   Spent    Left  Speed\n")
	fmt.Fprintf(w, "100 %5s  100 %5s    0     0 %6s      0 --:--:-- --:--:-- --:--:-- %6s\n", meterSize(int64(n)), meterSize(int64(n)), speed, speed)
}

// meterSize is a size as curl's meter writes it, in five characters.
func meterSize(n int64) string {
	if n < 100000 {
		return strconv.FormatInt(n, 10)
	}
	for _, u := range []string{"k", "M", "G"} {
		n /= 1024
		if n < 10000 {
			return strconv.FormatInt(n, 10) + u
		}
	}
	return strconv.FormatInt(n, 10) + "T"
}

// writeOut expands -w's variables (%{http_code}, %{size_download}) and
// escapes (\n, \t).
func writeOut(format string, r *curlResult) string {
	repl := strings.NewReplacer("%{http_code}", fmt.Sprintf("%03d", r.status), "%{response_code}", fmt.Sprintf("%03d", r.status),
		"%{size_download}", strconv.Itoa(len(r.body)), "%{time_total}", fmt.Sprintf("%.6f", r.took.Seconds()),
		`\n`, "\n", `\t`, "\t", `\r`, "\r", "%%", "%")
	return repl.Replace(format)
}

// curlTransfer resolves, connects, sends the request and reads the
// response, in the cluster's time.
func (s *Shell) curlTransfer(ctx context.Context, hc interp.HandlerContext, o parsed, raw string) (*curlResult, error) {
	u, err := parseCurlURL(raw)
	if err != nil {
		return nil, err
	}
	addr, err := s.curlResolve(o, u)
	if err != nil {
		return nil, err
	}
	method := "GET"
	if o.has("d") {
		method = "POST"
	}
	if o.has("I") {
		method = "HEAD"
	}
	if m := o.value("X"); m != "" {
		method = m
	}
	req := curlRequestBytes(o, u, method)
	verbose := o.has("v")
	if verbose {
		fmt.Fprintf(hc.Stderr, "*   Trying %s...\n", addr)
	}
	limits, err := curlLimits(o)
	if err != nil {
		return nil, err
	}
	if s.cfg.Network == nil {
		return nil, curlFail(7, "Failed to connect to %s port %d after 0 ms: Couldn't connect to server", u.host, u.port)
	}
	s.cfg.Lock()
	defer s.cfg.Unlock()
	x := &curlExchange{req: req, head: method == "HEAD", start: s.cfg.Now()}
	conn, derr := s.cfg.Network.Host().Dial(addr)
	if derr != nil {
		return nil, curlFail(7, "Failed to connect to %s port %d after 0 ms: Couldn't connect to server", u.host, u.port)
	}
	x.conn = conn
	conn.OnEvent = x.step
	x.step()
	werr := s.wait(ctx, limits.total, func() bool {
		return x.done || limits.connect > 0 && !x.connected && s.cfg.Now().Sub(x.start) >= limits.connect
	})
	conn.OnEvent = nil
	defer conn.Close()
	took := s.cfg.Now().Sub(x.start)
	if errors.Is(werr, context.Canceled) {
		return nil, werr
	}
	switch {
	case !x.connected && x.err != nil:
		return nil, curlFail(7, "Failed to connect to %s port %d after %d ms: Couldn't connect to server", u.host, u.port, took.Milliseconds())
	case !x.connected:
		return nil, curlFail(28, "Failed to connect to %s port %d after %d ms: Timeout was reached", u.host, u.port, took.Milliseconds())
	}
	if verbose {
		fmt.Fprintf(hc.Stderr, "* Connected to %s (%s) port %d\n", u.host, addr.Addr(), u.port)
		verboseHead(hc.Stderr, "> ", req)
	}
	if !x.done {
		return nil, curlFail(28, "Operation timed out after %d milliseconds with %d bytes received", took.Milliseconds(), len(x.got))
	}
	res, perr := x.result()
	if verbose && res != nil {
		verboseHead(hc.Stderr, "< ", res.head)
	}
	if perr != nil {
		return nil, perr
	}
	res.took = took
	if verbose {
		fmt.Fprintf(hc.Stderr, "* Connection #0 to host %s left intact\n", u.host)
	}
	return res, nil
}

// curlTimeouts are -m and --connect-timeout.
type curlTimeouts struct{ total, connect time.Duration }

// curlForever is how long curl waits without -m: a day of cluster time.
const curlForever = 24 * time.Hour

func curlLimits(o parsed) (curlTimeouts, error) {
	t := curlTimeouts{total: curlForever}
	for key, dst := range map[string]*time.Duration{"m": &t.total, "connect-timeout": &t.connect} {
		if v := o.value(key); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 {
				return t, curlFail(2, "option --%s: expected a proper numerical parameter", map[string]string{"m": "max-time"}[key]+map[string]string{"connect-timeout": "connect-timeout"}[key])
			}
			if f > 0 {
				*dst = time.Duration(f * float64(time.Second))
			}
		}
	}
	return t, nil
}

// curlRequestBytes is the request curl sends.
func curlRequestBytes(o parsed, u curlURL, method string) []byte {
	host := u.host
	if u.port != 80 {
		host += ":" + strconv.Itoa(int(u.port))
	}
	fields := [][2]string{{"Host", host}, {"User-Agent", curlUserAgent}, {"Accept", "*/*"}}
	data := o.value("d")
	if o.has("d") {
		fields = append(fields, [2]string{"Content-Length", strconv.Itoa(len(data))}, [2]string{"Content-Type", "application/x-www-form-urlencoded"})
	}
	for _, h := range o.values("H") {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		replaced := false
		for i := range fields {
			if strings.EqualFold(fields[i][0], name) {
				fields[i][1], replaced = value, true
			}
		}
		if !replaced {
			fields = append(fields, [2]string{name, value})
		}
	}
	var b strings.Builder
	b.WriteString(method + " " + u.path + " HTTP/1.1\r\n")
	for _, f := range fields {
		if f[1] != "" {
			b.WriteString(f[0] + ": " + f[1] + "\r\n")
		}
	}
	b.WriteString("\r\n" + data)
	return []byte(b.String())
}

// curlResolve finds the address to connect to: --resolve's, an address
// written in the URL, localhost, or the shell's /etc/hosts.
func (s *Shell) curlResolve(o parsed, u curlURL) (netip.AddrPort, error) {
	for _, r := range o.values("resolve") {
		parts := strings.SplitN(strings.TrimPrefix(r, "+"), ":", 3)
		if len(parts) == 3 && strings.EqualFold(parts[0], u.host) && (parts[1] == "*" || parts[1] == strconv.Itoa(int(u.port))) {
			first, _, _ := strings.Cut(strings.Trim(parts[2], "[]"), ",")
			if a, err := netip.ParseAddr(first); err == nil {
				return netip.AddrPortFrom(a, u.port), nil
			}
		}
	}
	if a, err := netip.ParseAddr(strings.Trim(u.host, "[]")); err == nil {
		return netip.AddrPortFrom(a, u.port), nil
	}
	if strings.EqualFold(u.host, "localhost") {
		return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), u.port), nil
	}
	if data, err := s.ReadFile("/etc/hosts"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			line, _, _ = strings.Cut(line, "#")
			f := strings.Fields(line)
			for _, name := range f[min(1, len(f)):] {
				if strings.EqualFold(name, u.host) {
					if a, err := netip.ParseAddr(f[0]); err == nil {
						return netip.AddrPortFrom(a, u.port), nil
					}
				}
			}
		}
	}
	return netip.AddrPort{}, curlFail(6, "Could not resolve host: %s", u.host)
}

// curlExchange is one request and its response on a connection, moved
// along by the connection's events on the cluster's loop.
type curlExchange struct {
	conn      *network.Conn
	req       []byte
	got       []byte
	head      bool
	start     time.Time
	connected bool
	err       error
	done      bool
}

func (x *curlExchange) step() {
	if x.done {
		return
	}
	switch err := x.conn.Err(); {
	case err == network.EINPROGRESS:
		return
	case err != nil && !x.connected:
		x.err, x.done = err, true
		return
	}
	x.connected = true
	for len(x.req) > 0 {
		n, err := x.conn.Write(x.req)
		if err == network.EAGAIN {
			break
		}
		if err != nil {
			x.err, x.done = err, true
			return
		}
		x.req = x.req[n:]
	}
	buf := make([]byte, 16<<10)
	for {
		n, err := x.conn.Read(buf)
		if err == network.EAGAIN {
			break
		}
		if err != nil || n == 0 {
			x.err, x.done = err, true
			return
		}
		x.got = append(x.got, buf[:n]...)
	}
	x.done = responseComplete(x.got, x.head)
}

// verboseHead prints a message's head as -v shows it, each line marked.
func verboseHead(w io.Writer, mark string, msg []byte) {
	head, _, _ := strings.Cut(string(msg), "\r\n\r\n")
	for _, l := range strings.Split(head, "\r\n") {
		fmt.Fprintf(w, "%s%s\r\n", mark, l)
	}
	fmt.Fprintf(w, "%s\r\n", mark)
}

// curlUsage words a command-line mistake as curl does.
func curlUsage(msg string) string {
	for _, f := range []struct{ glibc, curl string }{
		{"unrecognized option '", "option %s: is unknown"},
		{"invalid option -- '", "option -%s: is unknown"},
		{"option requires an argument -- '", "option -%s: requires parameter"},
	} {
		if rest, ok := strings.CutPrefix(msg, f.glibc); ok {
			return fmt.Sprintf(f.curl, strings.TrimSuffix(rest, "'"))
		}
	}
	if rest, ok := strings.CutPrefix(msg, "option '"); ok && strings.HasSuffix(rest, "' requires an argument") {
		return "option " + strings.TrimSuffix(rest, "' requires an argument") + ": requires parameter"
	}
	return msg
}
