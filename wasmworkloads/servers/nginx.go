package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
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
	srv := &http.Server{Handler: nginxHandler{root: nginxRoot}}
	srv.SetKeepAlivesEnabled(true)
	err = srv.Serve(l)
	fmt.Fprintf(os.Stderr, "%s [emerg] 1#1: %v\n", time.Now().Format("2006/01/02 15:04:05"), err)
	return 1
}

type nginxHandler struct{ root string }

func (h nginxHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: 200}
	rec.Header().Set("Server", "nginx/"+nginxVersion)
	h.serve(rec, r)
	// $remote_addr - $remote_user [$time_local] "$request" $status
	// $body_bytes_sent "$http_referer" "$http_user_agent"
	fmt.Fprintf(os.Stdout, "%s - - [%s] \"%s %s %s\" %d %d \"%s\" \"%s\" \"-\"\n", remoteHost(r),
		time.Now().Format("02/Jan/2006:15:04:05 -0700"), r.Method, r.RequestURI, r.Proto, rec.status, rec.size,
		orDash(r.Referer()), orDash(r.UserAgent()))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (h nginxHandler) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		nginxError(w, r, 405)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	name := h.root + p
	st, err := os.Stat(name)
	if err == nil && st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/")
			nginxError(w, r, 301)
			return
		}
		found := false
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
	f, err := os.Open(name)
	if err != nil {
		nginxError(w, r, 403)
		return
	}
	defer f.Close()
	hdr := w.Header()
	hdr.Set("Content-Type", mimeType(name))
	hdr.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	hdr.Set("Last-Modified", st.ModTime().UTC().Format(http.TimeFormat))
	hdr["ETag"] = []string{fmt.Sprintf("\"%x-%x\"", st.ModTime().Unix(), st.Size())}
	hdr.Set("Accept-Ranges", "bytes")
	w.WriteHeader(200)
	if r.Method == http.MethodGet {
		io.Copy(w, f)
	}
}

// nginxError answers with nginx's own error page.
func nginxError(w http.ResponseWriter, r *http.Request, code int) {
	text := map[int]string{301: "301 Moved Permanently", 403: "403 Forbidden", 404: "404 Not Found", 405: "405 Not Allowed"}[code]
	body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text + "</h1></center>\r\n" +
		"<hr><center>nginx/" + nginxVersion + "</center>\r\n</body>\r\n</html>\r\n"
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
	if code == 404 {
		fmt.Fprintf(os.Stderr, "%s [error] 29#29: *1 open() \"%s%s\" failed (2: No such file or directory), client: %s, server: localhost, request: \"%s %s %s\", host: \"%s\"\n",
			time.Now().Format("2006/01/02 15:04:05"), nginxRoot, path.Clean("/"+r.URL.Path), remoteHost(r), r.Method, r.RequestURI, r.Proto, r.Host)
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
