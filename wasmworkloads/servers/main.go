// Command servers is the module of kubeplay's HTTP server images, one
// program chosen by the name it runs as, as BusyBox's applets are: nginx
// (the nginx image), http-echo (hashicorp/http-echo), agnhost and
// hpa-example's apache2-foreground, redis-server and redis-cli. They serve HTTP with a small loop of
// their own (httpd.go) over the kubeplay_net sockets of
// wasmworkloads/sdk/net. It is a WASI module:
//
//	go run ./wasmworkloads/build -ldflags='-s -w' -o wasmworkloads/bin/servers.wasm ./wasmworkloads/servers
package main

import (
	"fmt"
	"os"
	"path"

	ksignal "github.com/kubeplay/kubeplay/wasmworkloads/sdk/signal"
)

var programs = map[string]func(args []string) int{
	"nginx":        nginxMain,
	"http-echo":    httpEchoMain,
	"agnhost":      agnhostMain,
	"redis-server": redisServerMain,
	"redis-cli":    redisCliMain,
	// registry.k8s.io/ingress-nginx/controller
	"nginx-ingress-controller": ingressControllerMain,
	// gcr.io/google-samples/hello-app
	"hello-app": helloAppMain,
	// hpa-example's image is php:5-apache with an index.php.
	"apache2-foreground": hpaExampleMain,
}

func main() {
	args := os.Args
	if len(args) > 0 && path.Base(args[0]) == "docker-entrypoint.sh" {
		args = args[1:]
		if len(args) > 0 && path.Base(args[0]) == "nginx" {
			entrypointLog()
		}
	}
	if len(args) == 0 {
		os.Exit(0)
	}
	name := path.Base(args[0])
	run, ok := programs[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "exec: %q: executable file not found in $PATH\n", args[0])
		os.Exit(127)
	}
	if goPrograms[name] {
		ksignal.GoRuntime()
	}
	os.Exit(run(args))
}
