package main

import (
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
)

// helloAppMain is gcr.io/google-samples/hello-app: it listens on $PORT
// (8080) and answers every request with its greeting, its version (the
// image's tag: HELLO_APP_VERSION) and the pod's hostname, logging each
// request as the sample does.
func helloAppMain(args []string) int {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	version := os.Getenv("HELLO_APP_VERSION")
	if version == "" {
		version = "1.0.0"
	}
	logger := log.New(os.Stderr, "", log.LstdFlags)
	l, err := kpnet.Listen("tcp", ":"+port)
	if err != nil {
		logger.Printf("listen tcp :%s: %v", port, err)
		return 1
	}
	logger.Printf("Server listening on port %s", port)
	host := hostname()
	body := []byte(fmt.Sprintf("Hello, world!\nVersion: %s\nHostname: %s\n", version, host))
	serveHTTP(l, func(req *request, w *response) {
		logger.Printf("Serving request: %s", req.path)
		w.header("Date", httpDate(time.Now()))
		w.header("Content-Length", strconv.Itoa(len(body)))
		w.header("Content-Type", "text/plain; charset=utf-8")
		w.body = body
	})
	return 1
}
