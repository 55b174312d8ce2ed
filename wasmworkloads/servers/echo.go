package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
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
	l, err := kpnet.Listen("tcp", *listen)
	if err != nil {
		logger.Printf("[ERR] Error starting server: %s", err)
		return 1
	}
	logger.Printf("[INFO] server is listening on %s\n", *listen)
	body := []byte(*text + "\n")
	// http-echo waits for an interrupt (SIGINT) only; SIGTERM is left to
	// the Go runtime, which ends it with status 2 (see goPrograms).
	sig, err := serveUntil(func() error {
		return serveInline(l, func(req *request, w *response) {
			start := time.Now()
			if req.path == "/health" {
				w.header("Content-Type", "application/json")
				w.body = []byte(`{"status":"ok"}`)
			} else {
				w.status = *statusCode
				w.header("Content-Type", "text/plain; charset=utf-8")
				w.header("X-App-Name", "http-echo")
				w.header("X-App-Version", httpEchoVersion)
				w.body = body
			}
			w.header("Date", httpDate(start))
			w.header("Content-Length", strconv.Itoa(len(w.body)))
			logger.Printf("%s %s \"%s %s %s\" %d %d \"%s\" %v\n", req.host, req.remote, req.method, req.path, req.proto,
				w.status, len(w.body), req.userAgent, time.Since(start))
		})
	}, os.Interrupt)
	if sig != nil {
		logger.Printf("[INFO] received interrupt, shutting down...")
		// "If we got this far, it was an interrupt, so don't exit cleanly"
		return 2
	}
	logger.Printf("[ERR] server exited with: %s", err)
	return 1
}
