// Command serve serves the kubeplay site: the playground runs entirely in the
// browser, so all a server has to do is hand out the built files.
//
// By default it serves the site embedded at compile time (package web, made
// by `make build`); -dir serves a directory from disk instead, which is handy
// while working on the site.
//
//	serve [-addr localhost:8080] [-dir web/site] [-quiet] [-stdin]
//
// Once listening it prints "kubeplay: serving http://HOST:PORT" on stderr,
// with the address actually bound, so -addr 127.0.0.1:0 picks a free port
// that scripts and tests can read back. SIGINT or SIGTERM shut it down
// cleanly, exiting 0. With -stdin it also shuts down when its standard
// input ends: a parent that gives it a pipe stops it by exiting, even when
// it is killed and cannot signal (a test binary that `go test` kills on
// its timeout would otherwise leave the server running, holding whatever
// it inherited).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kubeplay/kubeplay/web"
	"github.com/kubeplay/kubeplay/web/static"
)

// shutdownTimeout bounds how long in-flight requests may take to finish once
// a signal asks the server to stop.
const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Once the first signal arrived, a second one should kill the process
	// at once, as if nothing caught it, rather than wait for the shutdown.
	context.AfterFunc(ctx, stop)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2) // reported already, with the usage
	case err != nil:
		fmt.Fprintf(os.Stderr, "kubeplay: %v\n", err)
		os.Exit(1)
	}
}

// config is what the command line asks for.
type config struct {
	addr  string
	dir   string
	quiet bool
	stdin bool
}

// errUsage marks a bad command line, which has been reported on stderr
// together with the usage already.
var errUsage = errors.New("bad command line")

// parseFlags parses the command line, reporting mistakes on stderr.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.StringVar(&cfg.addr, "addr", "localhost:8080", "listen on this `address`")
	fset.StringVar(&cfg.dir, "dir", "", "serve this `directory` instead of the embedded site")
	fset.BoolVar(&cfg.quiet, "quiet", false, "do not log requests")
	fset.BoolVar(&cfg.stdin, "stdin", false, "shut down when standard input ends (its parent exits)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %q\n", fset.Args())
		fset.Usage()
		return config{}, fmt.Errorf("%w: unexpected arguments %q", errUsage, fset.Args())
	}
	return cfg, nil
}

// run serves until ctx is done (or, with -stdin, stdin ends), then shuts
// the server down.
func run(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.stdin {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			_, _ = io.Copy(io.Discard, stdin)
			cancel()
		}()
	}
	files, err := siteFiles(cfg.dir)
	if err != nil {
		return err
	}
	var opts static.Options
	if !cfg.quiet {
		opts.Logger = log.New(stderr, "", log.LstdFlags)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           static.New(files, opts),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(stderr, "kubeplay: ", 0),
	}
	fmt.Fprintf(stderr, "kubeplay: serving http://%s\n", ln.Addr())
	return serve(ctx, srv, ln, stderr)
}

// siteFiles is the site to serve: the directory dir, or the embedded site
// when dir is empty. A directory that is not there is an error now rather
// than a 503 on every request.
func siteFiles(dir string) (fs.FS, error) {
	if dir == "" {
		return web.Files(), nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	return os.DirFS(dir), nil
}

// serve runs srv on ln until ctx is done, then gives in-flight requests
// shutdownTimeout to finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, stderr io.Writer) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "kubeplay: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
