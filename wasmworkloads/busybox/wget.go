package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// deadlineConn gives each read -T's time, as BusyBox's alarm does.
type deadlineConn struct {
	io.ReadWriteCloser
	d       interface{ SetReadDeadline(time.Time) error }
	timeout time.Duration
}

func (c deadlineConn) Read(b []byte) (int, error) {
	c.d.SetReadDeadline(time.Now().Add(c.timeout))
	return c.ReadWriteCloser.Read(b)
}

// wgetOptions are wget's flags once parsed.
type wgetOptions struct {
	quiet, spider, headers bool
	output                 string        // -O; "-" is stdout
	timeout                time.Duration // -T: for the connect and each read
	dir                    string        // -P
	userAgent              string
	extra                  []string // --header lines
	urls                   []string
}

// wgetMain fetches URLs over HTTP/1.1 through guestNetwork, with BusyBox's
// messages: "Connecting to ...", "bad address", "can't connect to remote
// host", "server returned error". Redirects are followed.
func wgetMain(p *proc) int {
	w, status := parseWget(p)
	if status >= 0 {
		return status
	}
	for _, u := range w.urls {
		if code := p.wget(w, u); code != 0 {
			return code
		}
	}
	return 0
}

// parseWget reads wget's options, long ones included; a status >= 0 ends
// it.
func parseWget(p *proc) (wgetOptions, int) {
	w := wgetOptions{userAgent: "Wget"}
	args := p.args[1:]
	var optBuf [4][2]string
	for len(args) > 0 {
		a := args[0]
		args = args[1:]
		if a == "--" {
			w.urls = append(w.urls, args...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			w.urls = append(w.urls, a)
			continue
		}
		opts := optBuf[:0] // name, value
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a, "=")
			if wgetTakesValue(name) && !hasVal {
				if len(args) == 0 {
					return w, p.usageError("option '%s' requires an argument", name)
				}
				val, args = args[0], args[1:]
			}
			opts = append(opts, [2]string{name, val})
		} else {
			// Short options bundle (-qO-): a letter taking a value ends
			// the bundle, its value attached or the next word.
			for i := 1; i < len(a); i++ {
				name := shortOption(a[i])
				if !wgetTakesValue(name) {
					opts = append(opts, [2]string{name, ""})
					continue
				}
				val := a[i+1:]
				if val == "" {
					if len(args) == 0 {
						return w, p.usageError("option requires an argument -- '%c'", a[i])
					}
					val, args = args[0], args[1:]
				}
				opts = append(opts, [2]string{name, val})
				break
			}
		}
		for _, o := range opts {
			if !w.set(o[0], o[1]) {
				return w, p.usageError("unrecognized option '%s'", o[0])
			}
		}
	}
	if len(w.urls) == 0 {
		return w, p.showUsage()
	}
	return w, -1
}

// wgetTakesValue reports whether an option takes a value.
func wgetTakesValue(name string) bool {
	if len(name) == 2 && name[0] == '-' {
		return strings.IndexByte("OoPUTYt", name[1]) >= 0
	}
	return wgetWithValue[name]
}

// shortOption is "-c", without a new string for an ASCII letter.
func shortOption(c byte) string {
	if c < 0x80 {
		return shortOptions[c]
	}
	return "-" + string([]byte{c})
}

var shortOptions = func() (names [0x80]string) {
	for c := range names {
		names[c] = "-" + string(rune(c))
	}
	return names
}()

// wgetWithValue are wget's options that take a value.
var wgetWithValue = map[string]bool{"-O": true, "-o": true, "-P": true, "-U": true, "-T": true, "-Y": true, "-t": true,
	"--output-document": true, "--header": true, "--user-agent": true, "--timeout": true, "--directory-prefix": true,
	"--post-data": true, "--post-file": true, "--tries": true}

// set applies one option, reporting whether wget knows it.
func (w *wgetOptions) set(name, val string) bool {
	switch name {
	case "-q", "--quiet":
		w.quiet = true
	case "-S", "--server-response":
		w.headers = true
	case "--spider":
		w.spider = true
	case "-O", "--output-document":
		w.output = val
	case "-P", "--directory-prefix":
		w.dir = val
	case "-U", "--user-agent":
		w.userAgent = val
	case "--header":
		w.extra = append(w.extra, val)
	case "-T", "--timeout":
		secs, err := strconv.ParseFloat(val, 64)
		if err != nil || secs < 0 {
			return false
		}
		w.timeout = time.Duration(secs * float64(time.Second))
	case "-c", "--continue", "-o", "-Y", "-t", "--tries", "--no-check-certificate",
		"--post-data", "--post-file", "-s", "--no-verbose", "-nv":
	default:
		return false
	}
	return true
}

// wgetURL is a parsed URL.
type wgetURL struct {
	scheme, host, port, path string
	// hostport is the URL's host as written, with its port if it has
	// one: what BusyBox's messages and Host header show.
	hostport string
}

func parseURL(raw string) (wgetURL, bool) {
	u := wgetURL{scheme: "http", port: "80"}
	rest := raw
	if scheme, after, ok := strings.Cut(raw, "://"); ok {
		u.scheme, rest = strings.ToLower(scheme), after
	}
	switch u.scheme {
	case "http":
	case "https":
		u.port = "443"
	default:
		return u, false
	}
	hostport, _, found := strings.Cut(rest, "/")
	u.path = "/"
	if found {
		u.path = rest[len(hostport):] // "/" and what follows, without a concatenation
	}
	if i := strings.LastIndexByte(hostport, '@'); i >= 0 {
		hostport = hostport[i+1:]
	}
	u.host, u.hostport = hostport, hostport
	if h, port, ok := strings.Cut(hostport, ":"); ok && !strings.Contains(port, ":") {
		u.host, u.port = h, port
	}
	u.host = strings.Trim(u.host, "[]")
	return u, u.host != ""
}

// wget fetches one URL.
func (p *proc) wget(w wgetOptions, raw string) int {
	for redirects := 0; redirects < 20; redirects++ {
		u, ok := parseURL(raw)
		if !ok {
			p.errorf("not an http or ftp url: %s", raw)
			return 1
		}
		resp, code := p.httpGet(w, u)
		if code != 0 {
			return code
		}
		defer resp.body.Close()
		if resp.status >= 300 && resp.status < 400 && resp.location != "" {
			raw = resolveLocation(u, resp.location)
			continue
		}
		if resp.status != 200 && resp.status != 204 && resp.status != 206 {
			p.errorf("server returned error: %s", resp.statusLine)
			return 1
		}
		if w.spider {
			if !w.quiet {
				fmt.Fprintln(p.stderr, "remote file exists")
			}
			return 0
		}
		return p.saveBody(w, u, resp)
	}
	p.errorf("too many redirections")
	return 1
}

func resolveLocation(base wgetURL, loc string) string {
	if strings.Contains(loc, "://") {
		return loc
	}
	if !strings.HasPrefix(loc, "/") {
		loc = path.Join(path.Dir(base.path), loc)
	}
	return base.scheme + "://" + netJoin(base.host, base.port) + loc
}

func netJoin(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// httpResponse is what a server answered.
type httpResponse struct {
	status     int
	statusLine string
	location   string
	length     int64 // -1 when unknown
	body       io.ReadCloser
	// The body's reader and its limit, allocated with the response.
	reader  responseBody
	limited io.LimitedReader
}

// addrPortDialer is a network that dials an address given as a value.
type addrPortDialer interface {
	DialAddrPort(ctx context.Context, ap netip.AddrPort) (io.ReadWriteCloser, error)
}

// valueDialer is guestNetwork when it dials values (the pod's network),
// kept apart so that no call asks guestNetwork for the method.
var valueDialer addrPortDialer

// literalAddrPort is the URL's address when its host is an IPv4 address
// (which netip reads only as its canonical text, so the messages are
// the same) and its port a number, and the network dials values.
func literalAddrPort(u wgetURL) netip.AddrPort {
	if valueDialer == nil {
		return netip.AddrPort{}
	}
	ip, err := netip.ParseAddr(u.host)
	if err != nil || !ip.Is4() {
		return netip.AddrPort{}
	}
	port, err := strconv.ParseUint(u.port, 10, 16)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ip, uint16(port))
}

// httpGet resolves, connects and sends the request.
func (p *proc) httpGet(w wgetOptions, u wgetURL) (*httpResponse, int) {
	// An IPv4 address and a port, to a network that dials one as a
	// value, need no lookup, no text to join and parse again.
	host, ap := u.host, literalAddrPort(u)
	if !ap.IsValid() {
		addrs, err := guestNetwork.LookupHost(p.ctx, u.host)
		if err != nil || len(addrs) == 0 {
			p.errorf("bad address '%s'", u.hostport)
			return nil, 1
		}
		host = addrs[0]
	}
	if !w.quiet {
		fmt.Fprintf(p.stderr, "Connecting to %s (%s)\n", u.hostport, netJoin(host, u.port))
	}
	ctx := p.ctx
	if w.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.timeout)
		defer cancel()
	}
	var conn io.ReadWriteCloser
	var err error
	if ap.IsValid() {
		conn, err = valueDialer.DialAddrPort(ctx, ap)
	} else {
		conn, err = guestNetwork.Dial(ctx, netJoin(host, u.port)) // an IPv6 address in brackets
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		p.errorf("download timed out")
		return nil, 1
	}
	if err != nil {
		p.errorf("can't connect to remote host (%s): %s", host, errText(err))
		return nil, 1
	}
	if w.timeout > 0 {
		if d, ok := conn.(interface{ SetReadDeadline(time.Time) error }); ok {
			conn = deadlineConn{conn, d, w.timeout}
		}
	}
	req := make([]byte, 0, 128)
	req = append(req, "GET "...)
	req = append(req, u.path...)
	req = append(req, " HTTP/1.1\r\nHost: "...)
	req = append(req, u.hostport...)
	req = append(req, "\r\nUser-Agent: "...)
	req = append(req, w.userAgent...)
	req = append(req, "\r\nConnection: close\r\n"...)
	for _, h := range w.extra {
		req = append(req, h...)
		req = append(req, "\r\n"...)
	}
	req = append(req, "\r\n"...)
	if _, err := conn.Write(req); err != nil {
		conn.Close()
		p.errorf("error writing to %s: %s", netJoin(host, u.port), errText(err))
		return nil, 1
	}
	resp, err := readResponse(conn, w, p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		conn.Close()
		p.errorf("download timed out")
		return nil, 1
	}
	if err != nil {
		conn.Close()
		p.errorf("%v", err)
		return nil, 1
	}
	return resp, 0
}

// readResponse reads the status line and headers; the body follows.
func readResponse(conn io.ReadWriteCloser, w wgetOptions, p *proc) (*httpResponse, error) {
	br := wgetReaders.get(conn)
	frag, err := br.ReadSlice('\n')
	line := string(frag)
	if err == bufio.ErrBufferFull {
		var rest string
		rest, err = br.ReadString('\n')
		line += rest
	}
	if err != nil {
		wgetReaders.put(br)
		return nil, fmt.Errorf("error getting response: %s", errText(err))
	}
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	resp := &httpResponse{statusLine: line, length: -1}
	code, ok := secondField(resp.statusLine)
	if !ok {
		wgetReaders.put(br)
		return nil, fmt.Errorf("server returned error: %s", resp.statusLine)
	}
	resp.status, _ = strconv.Atoi(code)
	if w.headers {
		fmt.Fprintf(p.stderr, "  %s\n", resp.statusLine)
	}
	chunked := false
	for {
		h, err := br.ReadSlice('\n')
		for len(h) > 0 && (h[len(h)-1] == '\n' || h[len(h)-1] == '\r') {
			h = h[:len(h)-1]
		}
		if err != nil && err != bufio.ErrBufferFull || len(h) == 0 {
			break
		}
		if w.headers {
			fmt.Fprintf(p.stderr, "  %s\n", h)
		}
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: the rest of it is skipped.
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		name, val := h, h[len(h):]
		if i := bytes.IndexByte(h, ':'); i >= 0 {
			name, val = h[:i], h[i+1:] // trimmed for the headers read
		}
		switch {
		case equalFold(name, "location"):
			resp.location = string(bytes.TrimSpace(val))
		case equalFold(name, "content-length"):
			resp.length = parseLength(bytes.TrimSpace(val))
		case equalFold(name, "transfer-encoding"):
			chunked = equalFold(bytes.TrimSpace(val), "chunked")
		}
	}
	var body io.Reader = br
	switch {
	case chunked:
		body = &chunkedReader{r: br}
	case resp.length >= 0:
		resp.limited = io.LimitedReader{R: br, N: resp.length}
		body = &resp.limited
	}
	resp.reader = responseBody{Reader: body, conn: conn, br: br}
	resp.body = &resp.reader
	return resp, nil
}

// parseLength reads a Content-Length as strconv.ParseInt does (0 when it
// is not a number), short decimal numbers without a string.
func parseLength(val []byte) int64 {
	if len(val) == 0 || len(val) > 18 {
		n, _ := strconv.ParseInt(string(val), 10, 64)
		return n
	}
	var n int64
	for _, c := range val {
		if c < '0' || c > '9' {
			n, _ = strconv.ParseInt(string(val), 10, 64)
			return n
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// responseBody is a response's body; closing it closes the connection.
type responseBody struct {
	io.Reader
	conn io.ReadWriteCloser // as httpGet has it: another interface is a method lookup
	br   *bufio.Reader
}

func (b *responseBody) Close() error {
	if b.br != nil {
		b.br.Reset(nil)
		wgetReaders.put(b.br)
		b.br = nil
	}
	return b.conn.Close()
}

// readerPool keeps a buffered reader, and bufferPool a buffer, for the
// next request: wget in a shell's loop would otherwise allocate and
// clear them each time, which costs the interpreter more than the
// request's bytes. An applet may run concurrently with another (a
// pipeline), which then makes its own.
type readerPool struct{ free atomic.Pointer[bufio.Reader] }

var wgetReaders readerPool

func (p *readerPool) get(r io.Reader) *bufio.Reader {
	if br := p.free.Swap(nil); br != nil {
		br.Reset(r)
		return br
	}
	return bufio.NewReader(r)
}

func (p *readerPool) put(br *bufio.Reader) { p.free.Store(br) }

var bodyBuffer atomic.Pointer[[]byte]

// secondField is strings.Fields(s)[1], without the slice.
func secondField(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 { // Unicode spaces: as Fields splits
			f := strings.Fields(s)
			if len(f) < 2 {
				return "", false
			}
			return f[1], true
		}
	}
	space := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' }
	i := 0
	for i < len(s) && space(s[i]) {
		i++
	}
	for i < len(s) && !space(s[i]) {
		i++
	}
	for i < len(s) && space(s[i]) {
		i++
	}
	if i == len(s) {
		return "", false
	}
	j := i
	for j < len(s) && !space(s[j]) {
		j++
	}
	return s[i:j], true
}

// equalFold compares b with a lower-case ASCII word, ignoring case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// saveBody writes the body to -O's file, the URL's file name, or stdout.
func (p *proc) saveBody(w wgetOptions, u wgetURL, resp *httpResponse) int {
	name := w.output
	if name == "" {
		name = path.Base(u.path)
		if name == "/" || name == "." || strings.HasSuffix(u.path, "/") {
			name = "index.html"
		}
		if w.dir != "" {
			name = path.Join(w.dir, name)
		}
	}
	var out io.Writer = p.stdout
	shown := "stdout"
	if name != "-" {
		f, err := os.OpenFile(p.path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			p.errorf("can't open '%s': %s", name, errText(err))
			return 1
		}
		defer f.Close()
		out, shown = f, "'"+name+"'"
	}
	if !w.quiet {
		if name == "-" {
			fmt.Fprintln(p.stderr, "writing to stdout")
		} else {
			fmt.Fprintf(p.stderr, "saving to %s\n", shown)
		}
	}
	n, err := copyBody(out, resp.body)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		p.errorf("download timed out")
		return 1
	}
	if err != nil {
		p.errorf("error getting response: %s", errText(err))
		return 1
	}
	if !w.quiet {
		label := path.Base(name)
		fmt.Fprintf(p.stderr, "%-20.20s 100%% |%s| %s  0:00:00 ETA\n", label, strings.Repeat("*", 31), humanReadable(n))
		if name == "-" {
			fmt.Fprintln(p.stderr, "written to stdout")
		} else {
			fmt.Fprintf(p.stderr, "%s saved\n", shown)
		}
	}
	return 0
}

// copyBody copies a response's body through a 4 KiB buffer kept for
// the next request: io.Copy's 32 KiB buffer (and os.File's ReadFrom,
// which makes another) costs more to allocate and clear than a page or
// two, which a response usually is, costs to copy.
func copyBody(out io.Writer, body io.Reader) (int64, error) {
	bp := bodyBuffer.Swap(nil)
	if bp == nil {
		b := make([]byte, 4096)
		bp = &b
	}
	defer bodyBuffer.Store(bp)
	buf := *bp
	var n int64
	for {
		k, err := body.Read(buf)
		if k > 0 {
			w, werr := out.Write(buf[:k])
			n += int64(w)
			if werr != nil {
				return n, werr
			}
			if w < k {
				return n, io.ErrShortWrite
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// chunkedReader decodes HTTP/1.1's chunked transfer coding.
type chunkedReader struct {
	r    *bufio.Reader
	left int64
	done bool
}

func (c *chunkedReader) Read(b []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		size, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		if c.left, err = strconv.ParseInt(size, 16, 64); err != nil {
			return 0, fmt.Errorf("bad chunk size %q", size)
		}
		if c.left == 0 {
			c.done = true
			return 0, io.EOF
		}
	}
	n, err := c.r.Read(b[:min(int64(len(b)), c.left)])
	c.left -= int64(n)
	if c.left == 0 && err == nil {
		_, err = c.r.ReadString('\n') // the CRLF after the chunk
	}
	return n, err
}
