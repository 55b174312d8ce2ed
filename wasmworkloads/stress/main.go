// Command stress is kubeplay's polinux/stress (and progrium/stress)
// image: stress 1.0.4, the tool the Kubernetes documentation's resource
// examples run, with its options, log lines and exit statuses.
//
//	stress --vm 1 --vm-bytes 250M --vm-hang 1
//
// allocates and touches 250 MiB for real in the container's memory, so
// that a memory limit below that ends the container as OOMKilled; --cpu
// workers spin on sqrt() for real, so that CPU limits throttle them. The
// workers stress forks are goroutines here (a WASI module is one
// process); they yield now and then, as a preempted process would, so
// that --timeout's alarm comes on time. It is a WASI module:
//
//	go run ./wasmworkloads/build -ldflags='-s -w' -o wasmworkloads/bin/stress.wasm ./wasmworkloads/stress
package main

import (
	"io"
	"os"
	"path"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) > 0 && path.Base(os.Args[0]) != "stress" {
		// The image is stress alone: no shell, no other programs.
		io.WriteString(os.Stderr, "kubeplay: the stress image has stress only: exec: \""+os.Args[0]+"\": executable file not found in $PATH\n")
		os.Exit(127)
	}
	os.Exit(newStress(os.Args, os.Stdout, os.Stderr, time.Now).run())
}

// version is stress's.
const version = "1.0.4"

// Options of a run, with stress's defaults.
type options struct {
	dryRun            bool
	backoff           int64 // microseconds per fork
	timeout           int64 // seconds; 0 is none
	cpu, io, vm, hdd  int64
	vmBytes, vmStride int64
	vmHang            int64 // seconds; -1 none, 0 forever
	vmKeep            bool
	hddBytes          int64
}

// stress is one run of the program.
type stress struct {
	args     []string
	out, err io.Writer
	now      func() time.Time
	name     string // basename(argv[0])
	debug    int    // 0 quiet, 2 info (default), 3 verbose
	opts     options
}

func newStress(argv []string, out, err io.Writer, now func() time.Time) *stress {
	name, args := "stress", []string(nil)
	if len(argv) > 0 {
		name, args = path.Base(argv[0]), argv[1:]
	}
	s := &stress{args: args, out: out, err: err, now: now, name: name, debug: 2}
	s.opts = options{backoff: 3000, vmBytes: 256 << 20, vmStride: 4096, vmHang: -1, hddBytes: 1 << 30}
	return s
}

// The process IDs stress logs: it is PID 1 of its container, and its
// workers are the children it forks, which start at 7 in a container as
// stress is usually run (`worker 7 got signal 9`).
const (
	mainPID        = 1
	firstWorkerPID = 7
)

// log writes one of stress's messages: info and dbug on stdout, WARN and
// FAIL on stderr with the source line stress reports.
func (s *stress) log(level string, pid int, line int, msg string) {
	need := map[string]int{"dbug": 3, "info": 2, "WARN": 1, "FAIL": 0}[level]
	if s.debug < need {
		return
	}
	w, prefix := s.out, s.name+": "+level+": ["+strconv.Itoa(pid)+"] "
	if level == "WARN" || level == "FAIL" {
		w = s.err
		prefix += "(" + strconv.Itoa(line) + ") "
	}
	io.WriteString(w, prefix+msg+"\n")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// run is stress's main: it returns the exit status.
func (s *stress) run() int {
	start := s.now().Unix()
	if status, done := s.parse(); done {
		return status
	}
	o := s.opts
	if o.cpu+o.io+o.vm+o.hdd == 0 {
		s.usage()
		return 0
	}
	s.log("info", mainPID, 0, "dispatching hogs: "+itoa(o.cpu)+" cpu, "+itoa(o.io)+" io, "+itoa(o.vm)+" vm, "+itoa(o.hdd)+" hdd")
	failed := s.dispatch()
	runtime := s.now().Unix() - start
	if failed > 0 {
		s.log("FAIL", mainPID, 451, "failed run completed in "+itoa(runtime)+"s")
		return failed
	}
	s.log("info", mainPID, 0, "successful run completed in "+itoa(runtime)+"s")
	return 0
}
