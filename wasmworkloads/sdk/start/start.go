// Package start lets a Go image start from a snapshot of its initialized
// memory instead of running the Go runtime's and its packages'
// initialization in every container.
//
// An image built with -buildmode=c-shared for wasip1 is a WASI reactor:
// its _initialize runs the runtime's start and every package's init, then
// returns. The kubeplay runtime runs it once per image and cluster, keeps
// the linear memory and the globals it left, and starts each container
// from a copy of them by calling the image's kubeplay_main export, which
// calls Main:
//
//	//go:wasmexport kubeplay_main
//	func kubeplayMain() { start.Main(main) }
//
// What the runtime's start read from the host is the snapshot's, not the
// container's: Main reads the command line, the environment and the
// working directory again and sets them before main runs. (The flag
// package's command line keeps the snapshot's name; no image uses it.) Whatever a
// package's init computed from them stays as the snapshot had it, so an
// image must read them in main, not in a package variable's initializer.
// The Go runtime's own random state (map order, math/rand's default
// source) is the same in every container of an image; crypto/rand reads
// the container's own random source.
package start

import (
	"os"
	"strconv"
	"strings"
)

// Main sets the process's arguments, environment and working directory
// from the container's, runs main and exits with 0 if main returns, as a
// Go program's _start does.
func Main(main func()) {
	if args, ok := hostArgs(); ok && len(args) > 0 {
		os.Args = args
	}
	if env, ok := hostEnv(); ok {
		os.Clearenv()
		for _, kv := range env {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				os.Setenv(k, v)
			}
		}
		applyRuntimeEnv()
	}
	behaveAsCommand()
	// Go emulates a working directory under WASI, starting at $PWD.
	dir := os.Getenv("PWD")
	if dir == "" {
		dir = "/"
	}
	_ = os.Chdir(dir)
	main()
	os.Exit(0)
}

// behaveAsCommand makes fatal errors and unrecovered panics end the
// process as a Go command's do (exit status 2, the traceback GOTRACEBACK
// asks for): a c-shared build aborts instead, "when C owns the process",
// which no container does.
func behaveAsCommand() {
	setCommandTraceback(os.Getenv("GOTRACEBACK"))
}

// applyRuntimeEnv applies what the Go runtime reads from the environment
// at its start (GOGC and GOMEMLIMIT; GODEBUG takes effect through
// os.Setenv).
func applyRuntimeEnv() {
	if v, ok := os.LookupEnv("GOGC"); ok {
		if v == "off" {
			setGCPercent(-1)
		} else if n, err := strconv.ParseInt(v, 10, 32); err == nil {
			setGCPercent(int32(n))
		}
	}
	if v, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		if n, ok := parseByteCount(v); ok {
			setMemoryLimit(n)
		}
	}
}

// parseByteCount parses GOMEMLIMIT's syntax: a number of bytes with an
// optional unit (B, KiB, MiB, GiB, TiB), or "off".
func parseByteCount(s string) (int64, bool) {
	if s == "off" {
		return 1<<63 - 1, true
	}
	units := []struct {
		suffix string
		n      int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = rest, u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<63-1)/mult {
		return 0, false
	}
	return n * mult, true
}
