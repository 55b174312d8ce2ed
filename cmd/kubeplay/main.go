// Command kubeplay runs the playground's cluster natively: the same engine,
// images and shell as the browser, for scripts, tests and documentation
// authors.
//
//	kubeplay shell [--workers N] [--zones Z,...] [--node-cpu CPUS] [--node-memory Q] [--seed N] [--data DIR]
//
// reads command lines from standard input;
//
//	kubeplay test [-v] SCENARIO.yaml...
//
// runs scenario files headless and fails when a step's check does not hold;
//
//	kubeplay apiserver [--addr 127.0.0.1:6443] [--speed X] [--kubeconfig FILE] [--tls] [--data DIR] ...
//
// serves the Kubernetes HTTP API, for the real kubectl and client-go.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/hack-pad/hackpadfs"
	hackos "github.com/hack-pad/hackpadfs/os"
	"golang.org/x/term"

	"github.com/kubeplay/kubeplay/engine/cloud"
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/engine/share"
	"github.com/kubeplay/kubeplay/engine/shell"
	"github.com/kubeplay/kubeplay/wasmworkloads"
)

const usage = `kubeplay runs a Kubernetes playground cluster.

Usage:
  kubeplay shell [--workers N] [--zones Z,...] [--node-cpu CPUS] [--node-memory Q]
                 [--seed N] [--data DIR] [--url URL]
                      run command lines from standard input; with --data the
                      cluster is kept in DIR and the next run carries on
  kubeplay test [-v] SCENARIO.yaml...
                      run scenarios headless: each step's code, then a wait
                      on virtual time for its check; exit 1 if one fails
  kubeplay apiserver [--addr 127.0.0.1:6443] [--speed X] [--kubeconfig FILE]
                     [--tls] [--data DIR] [--workers N] [--seed N]
                      serve the Kubernetes HTTP API, with virtual time paced
                      by the wall clock, for the real kubectl and client-go

Run 'kubeplay COMMAND --help' for the flags of a command.
`

// The container images' modules; tests may swap them.
var (
	modules        = wasmworkloads.Modules
	missingModules = wasmworkloads.Missing
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	switch args[0] {
	case "shell":
		return shellCmd(args[1:], stdin, stdout, stderr)
	case "test":
		return testCmd(args[1:], stdout, stderr)
	case "apiserver":
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer cancel()
		return apiserverCmd(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "kubeplay: unknown command %q\n%s", args[0], usage)
	return 2
}

func shellCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kubeplay shell", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClusterFlags(fs)
	url := fs.String("url", "http://localhost:8080/", "the playground's address, for the links kubeplay share prints")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s, code := cf.start(fs, stderr)
	if s == nil {
		return code
	}
	defer s.Close()
	s.SetSharer(&share.Sharer{Session: s, URL: *url})
	return repl(s, stdin, stdout, stderr)
}

// clusterFlags are the flags that shape the cluster, common to the
// commands that start one.
type clusterFlags struct {
	shape cluster.Config
	zones *string
	seed  *uint64
	data  *string
}

func addClusterFlags(fs *flag.FlagSet) *clusterFlags {
	cf := &clusterFlags{}
	fs.IntVar(&cf.shape.Workers, "workers", 2, "worker nodes besides the control plane")
	fs.IntVar(&cf.shape.FakeNodes, "fake-nodes", 0, "fake worker nodes besides (kwok's kind: their pods run no program)")
	cf.zones = fs.String("zones", strings.Join(cloud.DefaultZones, ","), "the cloud's zones; the control plane is in the first, the workers go round them")
	fs.StringVar(&cf.shape.NodeCPU, "node-cpu", "2", "CPUs of each node")
	fs.StringVar(&cf.shape.NodeMemory, "node-memory", "4Gi", "memory of each node")
	cf.seed = fs.Uint64("seed", 1, "seed of the cluster's random choices")
	cf.data = fs.String("data", "", "keep the cluster in this directory; a later run with the same directory carries on")
	return cf
}

// start checks the parsed flags and starts the cluster; on failure it
// returns a nil session and the exit code.
func (cf *clusterFlags) start(fs *flag.FlagSet, stderr io.Writer) (*session.Session, int) {
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return nil, 2
	}
	if cf.shape.Workers < 0 || cf.shape.FakeNodes < 0 {
		fmt.Fprintf(stderr, "%s: --workers and --fake-nodes must not be negative\n", fs.Name())
		return nil, 2
	}
	if code := checkModules(stderr); code != 0 {
		return nil, code
	}
	if *cf.zones != "" {
		cf.shape.Zones = strings.Split(*cf.zones, ",")
	}
	cf.shape.Seed = *cf.seed
	s, err := newSession(cf.shape, *cf.data)
	if err != nil {
		fmt.Fprintf(stderr, "kubeplay: %v\n", err)
		return nil, 1
	}
	for _, d := range s.Cluster().Restored().Dropped {
		fmt.Fprintf(stderr, "kubeplay: warning: %s\n", d)
	}
	return s, 0
}

// checkModules refuses to run without the container images.
func checkModules(stderr io.Writer) int {
	if missing := missingModules(); len(missing) > 0 {
		fmt.Fprintf(stderr, "kubeplay: this binary was built without the container images (%s); run 'make build'\n", strings.Join(missing, ", "))
		return 1
	}
	return 0
}

// newSession starts a cluster of the given shape, kept in data if set.
func newSession(cfg cluster.Config, data string) (*session.Session, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cfg.Modules = runtime.NewFSSource(modules())
	if data != "" {
		if cfg.Data, err = dataDir(data); err != nil {
			return nil, err
		}
	}
	return session.New(session.Config{Cluster: cfg, FS: hackos.NewFS(), Dir: dir, Env: os.Environ()})
}

// dataDir opens a host directory as the cluster's data file system.
func dataDir(dir string) (hackpadfs.FS, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	return hackos.NewFS().Sub(strings.TrimPrefix(filepath.ToSlash(abs), "/"))
}

// repl runs each line of stdin through the shell; Ctrl-C stops the
// running command, as in an interactive shell.
func repl(s *session.Session, stdin io.Reader, stdout, stderr io.Writer) int {
	interactive := isTerminal(stdin)
	var mu sync.Mutex
	var cancel context.CancelFunc
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		for range sig {
			mu.Lock()
			if cancel != nil {
				cancel()
			}
			mu.Unlock()
		}
	}()
	in := bufio.NewReader(stdin)
	code, prompt := 0, "$ "
	for {
		if interactive {
			fmt.Fprint(stdout, prompt)
		}
		line, err := in.ReadString('\n')
		if line == "" && err != nil {
			break
		}
		ctx, c := context.WithCancel(context.Background())
		mu.Lock()
		cancel = c
		mu.Unlock()
		var term io.Reader
		if interactive {
			term = in // kubectl exec -it reads what is typed next
		}
		status := s.ExecTerminal(ctx, strings.TrimSuffix(line, "\n"), term, stdout, stderr)
		c()
		if status == shell.Incomplete {
			prompt = "> "
			continue
		}
		code, prompt = status, "$ "
		if s.Shell().Exited() {
			return code
		}
	}
	if prompt == "> " {
		fmt.Fprintln(stderr, "kubeplay: syntax error: unexpected end of file")
		return 2
	}
	return code
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
