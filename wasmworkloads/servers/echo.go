package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
)

// httpEchoVersion is hashicorp/http-echo's.
const httpEchoVersion = "1.0.0"

// httpEchoMain is hashicorp/http-echo: it answers every request with
// -text and a newline, logs each request as its logger does, and serves
// /health.
func httpEchoMain(args []string) int {
	fs := flag.NewFlagSet("http-echo", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	listen := fs.String("listen", ":5678", "address and port to listen")
	text := fs.String("text", "", "text to put on the webpage")
	version := fs.Bool("version", false, "display version information")
	statusCode := fs.Int("status-code", 200, "http response code, e.g.: 200")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *version {
		fmt.Fprintf(os.Stderr, "http-echo v%s\n", httpEchoVersion)
		return 0
	}
	if *text == "" {
		if t := os.Getenv("ECHO_TEXT"); t != "" {
			*text = t
		} else {
			fmt.Fprintln(os.Stderr, "Missing -text option!")
			return 127
		}
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "Too many arguments!")
		return 127
	}
	logger := log.New(os.Stderr, "", log.LstdFlags)
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App-Name", "http-echo")
		w.Header().Set("X-App-Version", httpEchoVersion)
		w.WriteHeader(*statusCode)
		io.WriteString(w, *text+"\n")
	})
	l, err := kpnet.Listen("tcp", *listen)
	if err != nil {
		logger.Printf("[ERR] Error starting server: %s", err)
		return 1
	}
	logger.Printf("[INFO] server is listening on %s\n", *listen)
	err = http.Serve(l, logRequests(logger, mux))
	logger.Printf("[ERR] server exited with: %s", err)
	return 1
}

// logRequests logs as http-echo's httpLog does: host, method, path,
// protocol, status, duration, user agent.
func logRequests(logger *log.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: 200}
		h.ServeHTTP(rec, r)
		logger.Printf("%s %s \"%s %s %s\" %d %d \"%s\" %v\n", r.Host, remoteHost(r), r.Method, r.URL.Path, r.Proto,
			rec.status, rec.size, r.UserAgent(), time.Since(start))
	})
}

func remoteHost(r *http.Request) string {
	host, _, _ := strings.Cut(r.RemoteAddr, ":")
	return host
}

// recorder keeps the status and size a handler wrote.
type recorder struct {
	http.ResponseWriter
	status, size int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.size += n
	return n, err
}
