package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
	ksignal "github.com/kubeplay/kubeplay/wasmworkloads/sdk/signal"
)

// agnhostMain is registry.k8s.io/e2e-test-images/agnhost's subcommands
// the documentation uses: netexec, serve-hostname, liveness, pause and
// grpc-health-checking.
func agnhostMain(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "Usage:\n  agnhost [command]\n\nAvailable Commands:\n  grpc-health-checking Starts a simple grpc health checking endpoint\n  liveness       Starts a server that serves /healthz that fails after 10 seconds\n  netexec        Creates HTTP(S), UDP, and (optionally) SCTP servers with various endpoints\n  pause          Pauses the execution\n  serve-hostname Serves the hostname")
		return 1
	}
	log.SetFlags(log.LstdFlags)
	switch args[1] {
	case "netexec":
		return netexec(args[2:])
	case "serve-hostname":
		return serveHostname(args[2:])
	case "liveness":
		return liveness()
	case "grpc-health-checking":
		return grpcHealthChecking(args[2:])
	case "pause":
		return agnhostPause()
	}
	fmt.Fprintf(os.Stderr, "Error: unknown command %q for \"agnhost\"\nRun 'agnhost --help' for usage.\n", args[1])
	return 1
}

// agnhostPause prints Paused and waits for a signal: SIGINT ends it
// with 1, SIGTERM with 2, as agnhost's pause does.
func agnhostPause() int {
	fmt.Println("Paused")
	sig := make(chan os.Signal, 1)
	ksignal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if ksignal.Wait(sig) == syscall.SIGINT {
		return 1
	}
	return 2
}

// hostname is the pod's, as the container's kernel reports it.
func hostname() string {
	if b, err := os.ReadFile("/etc/hostname"); err == nil && len(b) > 0 {
		return strings.TrimSpace(string(b))
	}
	return os.Getenv("HOSTNAME")
}

func listenHTTP(port int, handle func(*request, *response)) int {
	l, err := kpnet.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		log.Printf("Error from listen: %v", err)
		return 1
	}
	log.Fatal(serveHTTP(l, handle))
	return 1
}

func text(w *response, s string) {
	w.header("Content-Type", "text/plain; charset=utf-8")
	w.header("Date", httpDate(time.Now()))
	w.header("Content-Length", strconv.Itoa(len(s)))
	w.body = []byte(s)
}

// serveHostname answers every request with the hostname, on 9376.
func serveHostname(args []string) int {
	fs := flag.NewFlagSet("serve-hostname", flag.ContinueOnError)
	port := fs.Int("port", 9376, "Port number.")
	fs.Bool("http", true, "Serve HTTP")
	fs.Bool("tcp", false, "Serve raw tcp.")
	fs.Bool("udp", false, "Serve raw udp.")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	name := hostname()
	l, err := kpnet.Listen("tcp", ":"+strconv.Itoa(*port))
	if err != nil {
		log.Fatalf("listen tcp :%d: %v", *port, err)
	}
	go func() { log.Fatal(serveHTTP(l, func(r *request, w *response) { text(w, name) })) }()
	log.Printf("Serving on port %d.\n", *port)
	sig := make(chan os.Signal, 1)
	ksignal.Notify(sig, syscall.SIGTERM)
	log.Printf("Shutting down after receiving signal: %s.\n", ksignal.Wait(sig))
	log.Printf("Awaiting pod deletion.\n")
	time.Sleep(60 * time.Second)
	return 0
}

// liveness serves /healthz: ok for the first 10 seconds, then 500.
func liveness() int {
	started := time.Now()
	return listenHTTP(8080, func(r *request, w *response) {
		switch r.path {
		case "/healthz":
			d := time.Since(started)
			if d.Seconds() > 10 {
				w.status = 500
				text(w, fmt.Sprintf("error: %v", d.Seconds()))
			} else {
				text(w, "ok")
			}
		case "/redirect":
			w.status = 302
			w.header("Location", "/healthz")
			text(w, "")
		default:
			w.status = 404
			text(w, "404 page not found\n")
		}
	})
}

// hpaExampleMain is registry.k8s.io/hpa-example: Apache with PHP serving
// index.php, which burns CPU for every request:
//
//	$x = 0.0001; for ($i = 0; $i <= 1000000; $i++) { $x += sqrt($x); } echo "OK!";
func hpaExampleMain(args []string) int {
	fmt.Fprintln(os.Stderr, "AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using "+ownAddress()+". Set the 'ServerName' directive globally to suppress this message")
	fmt.Fprintln(os.Stderr, "AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using "+ownAddress()+". Set the 'ServerName' directive globally to suppress this message")
	fmt.Fprintf(os.Stderr, "[%s] [mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.10 (Debian) PHP/5.6.40 configured -- resuming normal operations\n", time.Now().Format("Mon Jan 02 15:04:05.000000 2006"))
	fmt.Fprintf(os.Stderr, "[%s] [core:notice] [pid 1] AH00094: Command line: 'apache2 -D FOREGROUND'\n", time.Now().Format("Mon Jan 02 15:04:05.000000 2006"))
	l, err := kpnet.Listen("tcp", ":80")
	if err != nil {
		fmt.Fprintf(os.Stderr, "(98)Address already in use: AH00072: make_sock: could not bind to address [::]:80\n")
		return 1
	}
	sig, err := serveUntil(func() error { return serveHTTP(l, hpaExampleServe) }, syscall.SIGTERM)
	if sig != nil {
		// Apache's prefork MPM stops at once on SIGTERM.
		fmt.Fprintf(os.Stderr, "[%s] [mpm_prefork:notice] [pid 1] AH00169: caught SIGTERM, shutting down\n", time.Now().Format("Mon Jan 02 15:04:05.000000 2006"))
		return 0
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}

func hpaExampleServe(r *request, w *response) {
	now := time.Now()
	x := 0.0001
	for i := 0; i <= 1000000; i++ {
		x += math.Sqrt(x)
	}
	w.header("Date", httpDate(now))
	w.header("Server", "Apache/2.4.10 (Debian)")
	w.header("X-Powered-By", "PHP/5.6.40")
	w.header("Vary", "Accept-Encoding")
	w.header("Content-Length", "3")
	w.header("Content-Type", "text/html")
	w.body = []byte("OK!")
	fmt.Fprintf(os.Stdout, "%s - - [%s] \"%s %s %s\" %d %d \"%s\" \"%s\"\n", r.remote, now.Format("02/Jan/2006:15:04:05 -0700"),
		r.method, r.target, r.proto, w.status, len(w.body), orDash(r.referer), orDash(r.userAgent))
}

// ownAddress is the pod's address, from /etc/hosts' last line.
func ownAddress() string {
	b, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return "127.0.0.1"
	}
	addr := "127.0.0.1"
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[1] == hostname() {
			addr = f[0]
		}
	}
	return addr
}

// grpcHealthChecking serves grpc.health.v1.Health/Check on --port: SERVING
// for --service ("" unless set), NOT_SERVING after --delay-unhealthy-sec
// (never when negative) or once /make-not-serving was called on
// --http-port (until /make-serving), NotFound for another service.
func grpcHealthChecking(args []string) int {
	fs := flag.NewFlagSet("grpc-health-checking", flag.ContinueOnError)
	port := fs.Int("port", 5000, "Port number.")
	httpPort := fs.Int("http-port", 8080, "Port number for the /make-serving and /make-not-serving.")
	delayUnhealthySec := fs.Int("delay-unhealthy-sec", -1, "Number of seconds to delay before start reporting NOT_SERVING, negative value indicates never.")
	service := fs.String("service", "", "Service name to register the health check for.")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	started := time.Now()
	var forceUnhealthy *bool
	go func() {
		addr := fmt.Sprintf(":%d", *httpPort)
		log.Printf("Http server starting to listen on %s", addr)
		l, err := kpnet.Listen("tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		log.Fatal(serveHTTP(l, func(r *request, w *response) {
			switch r.path {
			case "/make-not-serving", "/make-serving":
				if r.path == "/make-serving" {
					log.Printf("Mark as healthy")
				} else {
					log.Printf("Mark as unhealthy")
				}
				forceUnhealthy = new(bool)
				*forceUnhealthy = r.path == "/make-not-serving"
				text(w, time.Since(started).String())
			default:
				w.status = 404
				text(w, "404 page not found\n")
			}
		}))
	}()
	addr := fmt.Sprintf(":%d", *port)
	l, err := kpnet.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("Error while starting the listening service %v", err.Error())
	}
	log.Printf("gRPC server starting to listen on %s", addr)
	err = serveGRPC(l, func(method string, req []byte) ([]byte, int, string) {
		switch method {
		case "/grpc.health.v1.Health/Check":
		case "/grpc.health.v1.Health/Watch", "/grpc.health.v1.Health/List":
			return nil, codeUnimplemented, "unimplemented"
		default:
			svc, m, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
			if svc == "grpc.health.v1.Health" {
				return nil, codeUnimplemented, fmt.Sprintf("unknown method %s for service %s", m, svc)
			}
			return nil, codeUnimplemented, "unknown service " + svc
		}
		log.Printf("Serving the Check request for health check, started at %v", started)
		name, ok := protoString(req, 1)
		if !ok {
			return nil, codeInternal, "grpc: error unmarshalling request: proto: cannot parse invalid wire-format data"
		}
		if name != *service {
			return nil, codeNotFound, "unknown service"
		}
		if forceUnhealthy != nil && *forceUnhealthy || *delayUnhealthySec >= 0 && time.Since(started).Seconds() >= float64(*delayUnhealthySec) {
			return []byte{0x08, 0x02}, 0, "" // NOT_SERVING
		}
		return []byte{0x08, 0x01}, 0, "" // SERVING
	})
	log.Fatalf("Error while starting the gRPC server on the %s listen address %v", l.Addr(), err)
	return 1
}
