package main

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// exit is a worker's end: its PID and status.
type exit struct {
	pid  int
	code int
}

// dispatch starts the workers round robin (cpu, io, vm, hdd), as stress
// forks them, and waits for them: until the timeout, whose alarm ends
// them normally, or until one fails, which ends the run. It returns the
// number of workers that failed.
func (s *stress) dispatch() int {
	o := s.opts
	exits := make(chan exit)
	start := s.now()
	pid, children := firstWorkerPID, 0
	kinds := []struct {
		name string
		left *int64
		hog  func(pid int) int
	}{
		{"hogcpu", &o.cpu, s.hogCPU},
		{"hogio", &o.io, s.hogIO},
		{"hogvm", &o.vm, s.hogVM},
		{"hoghdd", &o.hdd, s.hogHDD},
	}
	for forks := o.cpu + o.io + o.vm + o.hdd; forks > 0; forks = o.cpu + o.io + o.vm + o.hdd {
		backoff := time.Duration(o.backoff*forks) * time.Microsecond
		s.log("dbug", mainPID, 0, "using backoff sleep of "+itoa(o.backoff*forks)+"us")
		if o.timeout > 0 {
			left := o.timeout - int64(s.now().Sub(start)/time.Second)
			if left <= 0 {
				s.log("WARN", mainPID, 279, "used up time before all workers dispatched")
				break
			}
			s.log("dbug", mainPID, 0, "setting timeout to "+itoa(left)+"s")
		}
		for _, k := range kinds {
			if *k.left == 0 {
				continue
			}
			go s.fork(pid, backoff, k.hog, exits)
			s.log("dbug", mainPID, 0, "--> "+k.name+" worker "+itoa(*k.left)+" ["+strconv.Itoa(pid)+"] forked")
			pid++
			children++
			*k.left--
		}
	}
	return s.wait(children, exits, start)
}

// fork runs a worker as a forked child runs: after its backoff, unless
// this is a dry run.
func (s *stress) fork(pid int, backoff time.Duration, hog func(int) int, exits chan<- exit) {
	time.Sleep(backoff)
	code := 0
	if !s.opts.dryRun {
		code = hog(pid)
	}
	exits <- exit{pid, code}
}

// wait collects the workers' ends.
func (s *stress) wait(children int, exits <-chan exit, start time.Time) int {
	var alarm <-chan time.Time
	if s.opts.timeout > 0 {
		t := time.NewTimer(time.Duration(s.opts.timeout)*time.Second - s.now().Sub(start))
		defer t.Stop()
		alarm = t.C
	}
	for children > 0 {
		select {
		case e := <-exits:
			children--
			if e.code == 0 {
				s.log("dbug", mainPID, 0, "<-- worker "+strconv.Itoa(e.pid)+" returned normally")
				continue
			}
			s.log("FAIL", mainPID, 394, "<-- worker "+strconv.Itoa(e.pid)+" returned error "+strconv.Itoa(e.code))
			s.log("WARN", mainPID, 396, "now reaping child worker processes")
			return 1 // the others are killed with SIGUSR1 and reaped
		case <-alarm:
			// Every worker's alarm rang: they end normally.
			return 0
		}
	}
	return 0
}

// sink keeps the CPU hog's work from being optimised away.
var sink float64

// hogCPU spins on sqrt(rand()), yielding now and then as a preempted
// process would, so that timers run.
func (s *stress) hogCPU(pid int) int {
	x := uint64(pid)
	for {
		for i := 0; i < 4096; i++ {
			x = x*6364136223846793005 + 1442695040888963407
			sink += math.Sqrt(float64(x >> 33))
		}
		runtime.Gosched()
	}
}

// hogIO spins on sync(), which a WASI module has nothing to flush for.
func (s *stress) hogIO(pid int) int {
	for {
		os.Stdout.Sync()
		runtime.Gosched()
	}
}

// addressSpace is what a wasm32 module can address: a larger malloc
// fails, as it would on a machine without the memory.
const addressSpace = 4 << 30

// hogVM allocates vm-bytes, touches one byte every vm-stride, sleeps
// vm-hang seconds (forever for 0), checks the bytes and frees them, over
// and over (allocating once with --vm-keep). Freed memory goes back to the
// Go heap at once, so that the next round reuses it as malloc would.
func (s *stress) hogVM(pid int) int {
	o := s.opts
	var buf []byte
	for {
		if buf == nil {
			s.log("dbug", pid, 0, "allocating "+itoa(o.vmBytes)+" bytes ...")
			if o.vmBytes >= addressSpace {
				s.log("FAIL", pid, 494, "hogvm malloc failed: Cannot allocate memory")
				return 1
			}
			buf = make([]byte, o.vmBytes)
		}
		s.log("dbug", pid, 0, "touching bytes in strides of "+itoa(o.vmStride)+" bytes ...")
		for i := int64(0); i < o.vmBytes; i += o.vmStride {
			buf[i] = 'Z'
		}
		switch {
		case o.vmHang == 0:
			s.log("dbug", pid, 0, "sleeping forever with allocated memory")
			for {
				time.Sleep(1024 * time.Second)
			}
		case o.vmHang > 0:
			s.log("dbug", pid, 0, "sleeping for "+itoa(o.vmHang)+"s with allocated memory")
			time.Sleep(time.Duration(o.vmHang) * time.Second)
		}
		for i := int64(0); i < o.vmBytes; i += o.vmStride {
			if buf[i] != 'Z' {
				s.log("FAIL", pid, 522, "memory corruption at: "+strconv.FormatInt(i, 16))
				return 1
			}
		}
		if !o.vmKeep {
			buf = nil
			runtime.GC()
			s.log("dbug", pid, 0, "freed "+itoa(o.vmBytes)+" bytes")
		}
		runtime.Gosched()
	}
}

// hogHDD writes hdd-bytes to a new unlinked file in the working
// directory, over and over.
func (s *stress) hogHDD(pid int) int {
	const chunk = 1<<20 - 1
	buf := make([]byte, chunk)
	x := uint32(1)
	s.log("dbug", pid, 0, "seeding "+strconv.Itoa(chunk)+" byte buffer with random data")
	for i := 0; i < chunk-1; i++ {
		x = x*1103515245 + 12345
		buf[i] = byte(32 + (x>>16)%95)
	}
	buf[chunk-1] = '\n'
	for {
		f, err := os.CreateTemp(".", "stress.")
		if err != nil {
			s.log("FAIL", pid, 563, "mkstemp failed: "+strerror(err))
			return 1
		}
		name := f.Name()
		s.log("dbug", pid, 0, "opened "+name+" for writing "+itoa(s.opts.hddBytes)+" bytes")
		if err := os.Remove(name); err != nil {
			s.log("FAIL", pid, 572, "unlink of "+name+" failed: "+strerror(err))
			return 1
		}
		for j := int64(0); j < s.opts.hddBytes; j += chunk {
			n := min(int64(chunk), s.opts.hddBytes-j)
			if _, err := f.Write(buf[:n]); err != nil {
				s.log("FAIL", pid, 581, "write failed: "+strerror(err))
				return 1
			}
			runtime.Gosched()
		}
		s.log("dbug", pid, 0, "closing "+name+" after "+itoa(s.opts.hddBytes)+" bytes")
		f.Close()
	}
}

// strerror words an error as C's strerror.
func strerror(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	case errors.As(err, &errno):
		err = errno
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
	}
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
