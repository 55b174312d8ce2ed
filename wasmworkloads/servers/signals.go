package main

import (
	"os"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
	ksignal "github.com/kubeplay/kubeplay/wasmworkloads/sdk/signal"
)

// goPrograms are the images written in Go: the Go runtime's handlers
// end them with status 2 on a SIGTERM they do not handle, where a C
// program as PID 1 would ignore it (see wasmworkloads/sdk/signal).
var goPrograms = map[string]bool{"http-echo": true, "agnhost": true, "hello-app": true, "nginx-ingress-controller": true}

// serveUntil runs serve in its own goroutine until it fails or one of
// sigs arrives; it returns the signal, or nil and serve's error.
func serveUntil(serve func() error, sigs ...os.Signal) (os.Signal, error) {
	got := make(chan os.Signal, 1)
	ksignal.Notify(got, sigs...)
	failed := make(chan error, 1)
	go func() { failed <- serve() }()
	// Both channels are filled by goroutines that wait in the poller.
	kpnet.Parked(1)
	defer kpnet.Parked(-1)
	select {
	case s := <-got:
		return s, nil
	case err := <-failed:
		return nil, err
	}
}
