package main

import (
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
)

// nginxVersion is the version the nginx image reports (every tag runs
// this one program).
const nginxVersion = "1.29.3"

// nginx's defaults in the official image: /etc/nginx/conf.d/default.conf.
const (
	nginxRoot = "/usr/share/nginx/html"
	nginxPort = ":80"
)

// entrypointLog is what the official image's /docker-entrypoint.sh
// prints before it execs nginx.
func entrypointLog() {
	for _, l := range []string{
		"/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
		"/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
		"/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
		"10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
		"10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
		"/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
		"/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
		"/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
		"/docker-entrypoint.sh: Configuration complete; ready for start up",
	} {
		fmt.Fprintln(os.Stdout, l)
	}
}

// nginxMain serves the default server of the official image: the files
// of /usr/share/nginx/html on port 80, index.html for a directory, the
// request logged in the combined format on standard output.
func nginxMain(args []string) int {
	for i := 1; i < len(args); i++ {
		switch args[i] {
		case "-v":
			fmt.Fprintf(os.Stderr, "nginx version: nginx/%s\n", nginxVersion)
			return 0
		case "-g", "-c", "-p":
			i++
		}
	}
	notice := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "%s [notice] 1#1: %s\n", time.Now().Format("2006/01/02 15:04:05"), fmt.Sprintf(format, a...))
	}
	l, err := kpnet.Listen("tcp", nginxPort)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address in use)\n", time.Now().Format("2006/01/02 15:04:05"))
		return 1
	}
	notice("using the \"epoll\" event method")
	notice("nginx/%s", nginxVersion)
	notice("built by gcc 12.2.0 (Debian 12.2.0-14+deb12u1)")
	notice("OS: Linux 6.8.0")
	notice("getrlimit(RLIMIT_NOFILE): 1048576:1048576")
	notice("start worker processes")
	notice("start worker process 29")
	sig, err := serveUntil(func() error { return serveInline(l, nginxHandler{root: nginxRoot}.serve) }, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
	if sig == nil {
		fmt.Fprintf(os.Stderr, "%s [emerg] 1#1: %v\n", time.Now().Format("2006/01/02 15:04:05"), err)
		return 1
	}
	nginxShutdown(notice, sig.(syscall.Signal))
	return 0
}

// nginxShutdown is what the master and its worker log when the master
// gets a signal: SIGQUIT (the image's STOPSIGNAL) shuts down gracefully,
// SIGTERM and SIGINT at once; the worker exits and the master after it.
func nginxShutdown(notice func(format string, a ...any), sig syscall.Signal) {
	worker := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "%s [notice] 29#29: %s\n", time.Now().Format("2006/01/02 15:04:05"), fmt.Sprintf(format, a...))
	}
	name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT"}[sig]
	if sig == syscall.SIGQUIT {
		notice("signal %d (%s) received, shutting down", sig, name)
		worker("gracefully shutting down")
	} else {
		notice("signal %d (%s) received, exiting", sig, name)
	}
	worker("exiting")
	worker("exit")
	notice("signal 17 (SIGCHLD) received from 29")
	notice("worker process 29 exited with code 0")
	notice("exit")
}

type nginxHandler struct{ root string }

func (h nginxHandler) serve(r *request, w *response) {
	now := time.Now()
	w.headers = append(w.headers, "Server: nginx/"+nginxVersion, dateHeader(now))
	h.answer(r, w)
	// log_format main: $remote_addr - $remote_user [$time_local] "$request"
	// $status $body_bytes_sent "$http_referer" "$http_user_agent"
	// "$http_x_forwarded_for"
	sent := len(w.body)
	if w.head {
		sent = 0
	}
	b := make([]byte, 0, 160)
	b = append(b, r.remote...)
	b = append(b, " - - ["...)
	b = append(b, logTime(now)...)
	b = append(b, "] \""...)
	b = append(b, r.method...)
	b = append(b, ' ')
	b = append(b, r.target...)
	b = append(b, ' ')
	b = append(b, r.proto...)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(w.status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(sent), 10)
	b = append(b, " \""...)
	b = append(b, orDash(r.referer)...)
	b = append(b, "\" \""...)
	b = append(b, orDash(r.userAgent)...)
	b = append(b, "\" \"-\"\n"...)
	os.Stdout.Write(b)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (h nginxHandler) answer(r *request, w *response) {
	if r.method != "GET" && r.method != "HEAD" {
		nginxError(w, r, 405)
		return
	}
	clean := cleanPath(r.path)
	name := h.root + clean
	var st os.FileInfo
	var err error
	found := false
	if strings.HasSuffix(r.path, "/") {
		// The usual request, for a directory's index: stat the index
		// first, which spares a stat of the directory.
		var index string
		switch {
		case clean == "/" && h.root == nginxRoot:
			index = nginxRoot + "/index.html" // a constant
		case clean == "/":
			index = h.root + "/index.html"
		default:
			index = name + "/index.html"
		}
		if s, err := os.Stat(index); err == nil && !s.IsDir() {
			name, st, found = index, s, true
		}
	}
	if !found {
		st, err = os.Stat(name)
	}
	if err == nil && st.IsDir() {
		if !strings.HasSuffix(r.path, "/") {
			nginxError(w, r, 301, "Location: http://"+r.host+r.path+"/")
			return
		}
		for _, index := range []string{"index.html", "index.htm"} {
			if s, err := os.Stat(path.Join(name, index)); err == nil && !s.IsDir() {
				name, st, found = path.Join(name, index), s, true
				break
			}
		}
		if !found {
			nginxError(w, r, 403)
			return
		}
	}
	if err != nil {
		if os.IsPermission(err) {
			nginxError(w, r, 403)
		} else {
			nginxError(w, r, 404)
		}
		return
	}
	f, err := readCached(name, st)
	if err != nil {
		nginxError(w, r, 403)
		return
	}
	w.headers = append(w.headers, f.contentType, f.length, f.lastModified, connectionHeader, f.etag, "Accept-Ranges: bytes")
	w.body = f.body
}

// cleanPath is path.Clean("/"+p), without its cost for a path that is
// clean already.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' || strings.Contains(p, "//") || strings.Contains(p, "/.") {
		return path.Clean("/" + p)
	}
	if len(p) > 1 && p[len(p)-1] == '/' {
		return p[:len(p)-1]
	}
	return p
}

// servedFile is a file as the last request read it.
type servedFile struct {
	modTime time.Time
	size    int64
	body    []byte
	// its header lines
	contentType, length, lastModified, etag string
}

// servedFiles keeps the files served, each read again once its
// modification time or size (its ETag) changes: a stat a request, as
// nginx's open_file_cache validates its entries, instead of an open, a
// read and a close.
var servedFiles = map[string]*servedFile{}

func readCached(name string, st os.FileInfo) (*servedFile, error) {
	if f, ok := servedFiles[name]; ok && f.modTime.Equal(st.ModTime()) && f.size == st.Size() {
		return f, nil
	}
	body, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	etag := []byte(`ETag: "`)
	etag = strconv.AppendInt(etag, st.ModTime().Unix(), 16)
	etag = append(etag, '-')
	etag = strconv.AppendInt(etag, st.Size(), 16)
	etag = append(etag, '"')
	f := &servedFile{modTime: st.ModTime(), size: st.Size(), body: body, contentType: "Content-Type: " + mimeType(name),
		length: "Content-Length: " + strconv.Itoa(len(body)), lastModified: "Last-Modified: " + httpDate(st.ModTime()), etag: string(etag)}
	if len(servedFiles) >= 64 {
		clear(servedFiles)
	}
	if len(body) <= 1<<20 {
		servedFiles[name] = f
	}
	return f, nil
}

// nginxError answers with nginx's own error page.
func nginxError(w *response, r *request, code int, extra ...string) {
	text := strconv.Itoa(code) + " " + statusText[code]
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text + "</h1></center>\r\n" +
		"<hr><center>nginx/" + nginxVersion + "</center>\r\n</body>\r\n</html>\r\n"
	w.status = code
	w.header("Content-Type", "text/html")
	w.header("Content-Length", strconv.Itoa(len(body)))
	w.headers = append(w.headers, connectionHeader)
	w.headers = append(w.headers, extra...)
	w.body = []byte(body)
	if code == 404 {
		fmt.Fprintf(os.Stderr, "%s [error] 29#29: *1 open() \"%s%s\" failed (2: No such file or directory), client: %s, server: localhost, request: \"%s %s %s\", host: \"%s\"\n",
			time.Now().Format("2006/01/02 15:04:05"), nginxRoot, path.Clean("/"+r.path), r.remote, r.method, r.target, r.proto, r.host)
	}
}

// mimeType is the type nginx's mime.types gives a file's extension.
func mimeType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm", ".shtml":
		return "text/html"
	case ".css":
		return "text/css"
	case ".js":
		return "application/javascript"
	case ".json":
		return "application/json"
	case ".txt":
		return "text/plain"
	case ".xml":
		return "text/xml"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".gif":
		return "image/gif"
	case ".svg", ".svgz":
		return "image/svg+xml"
	case ".ico":
		return "image/x-icon"
	}
	return "application/octet-stream"
}
