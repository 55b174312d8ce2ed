package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The process applets. A container is one WASI module: its program is
// PID 1, and the commands its shell runs are applets in the same module,
// numbered as the children a shell forks would be. Nothing else runs
// there (a pod's other containers are other modules, in their own PID
// namespaces), so ps lists PID 1 and itself, and a signal to PID 1 is
// ignored as Linux ignores it for a namespace's init without a handler.

// lastPID is the last PID handed out; the program is 1.
var lastPID atomic.Int32

func init() { lastPID.Store(1) }

// newPID is the PID of a command the shell starts.
func newPID() int { return int(lastPID.Add(1)) }

// The files where a Linux container learns its memory and CPUs; variables
// so that tests running natively do not read the host's.
var (
	cgroupMemoryMax = "/sys/fs/cgroup/memory.max"
	procMeminfo     = "/proc/meminfo"
	procCpuinfo     = "/proc/cpuinfo"
)

// mainArgs is PID 1's command line.
var mainArgs = os.Args

// psMain prints the container's processes in BusyBox's default format.
func psMain(p *proc) int {
	// Options (ps -ef, ps aux, -o ...) are accepted: the listing is the
	// same, and short.
	fmt.Fprintln(p.stdout, "PID   USER     TIME  COMMAND")
	fmt.Fprintf(p.stdout, "%5d %-8s %5s %s\n", 1, "root", "0:00", strings.Join(mainArgs, " "))
	if p.pid > 1 {
		fmt.Fprintf(p.stdout, "%5d %-8s %5s %s\n", p.pid, "root", "0:00", strings.Join(p.args, " "))
	}
	return 0
}

// signals are the names kill -l lists, by number.
var signals = []string{"", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
	"USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
	"XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS"}

// signalNumber reads a signal's name or number.
func signalNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 65 {
		return n, true
	}
	s = strings.TrimPrefix(strings.ToUpper(s), "SIG")
	for i, name := range signals {
		if name == s && i > 0 {
			return i, true
		}
	}
	return 0, false
}

// killMain sends signals. PID 1 ignores them, having no handlers; the
// container has no other process that outlives a command.
func killMain(p *proc) int {
	args := p.args[1:]
	if len(args) > 0 && args[0] == "-l" {
		for i := 1; i < len(signals); i++ {
			fmt.Fprintf(p.stdout, "%2d) %s\n", i, signals[i])
		}
		return 0
	}
	if len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "--" {
		name := args[0][1:]
		args = args[1:]
		if name == "s" && len(args) > 0 {
			name, args = args[0], args[1:]
		}
		if _, ok := signalNumber(name); !ok {
			p.errorf("bad signal name '%s'", name)
			return 1
		}
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return p.showUsage()
	}
	status := 0
	for _, a := range args {
		pid, err := strconv.Atoi(a)
		switch {
		case err != nil:
			p.errorf("invalid number '%s'", a)
			status = 1
		case pid != 1 && pid != p.pid:
			p.errorf("can't kill pid %d: No such process", pid)
			status = 1
		}
	}
	return status
}

// freeMain reports the container's memory: the total is its memory limit
// when the runtime says so (cgroup v2's memory.max, as in a container),
// else /proc/meminfo's, else the 4 GiB a wasm32 module can address; used
// is what the module's linear memory has grown to.
func freeMain(p *proc) int {
	o, err := getopt(p.args[1:], "bkmght")
	if err != nil {
		return p.usageError("%v", err)
	}
	unit, human := int64(1024), o.has('h')
	for flag, u := range map[byte]int64{'b': 1, 'm': 1 << 20, 'g': 1 << 30} {
		if o.has(flag) {
			unit = u
		}
	}
	total := memoryTotal()
	used := min(memoryUsed(), total)
	show := func(n int64) string {
		if human {
			return humanReadable(n)
		}
		return strconv.FormatInt(n/unit, 10)
	}
	fmt.Fprintf(p.stdout, "%19s%12s%12s%12s%12s%12s\n", "total", "used", "free", "shared", "buff/cache", "available")
	fmt.Fprintf(p.stdout, "%-4s%15s%12s%12s%12s%12s%12s\n", "Mem:", show(total), show(used), show(total-used), show(0), show(0), show(total-used))
	fmt.Fprintf(p.stdout, "%-5s%14s%12s%12s\n", "Swap:", show(0), show(0), show(0))
	if o.has('t') {
		fmt.Fprintf(p.stdout, "%-6s%13s%12s%12s\n", "Total:", show(total), show(used), show(total-used))
	}
	return 0
}

// memoryTotal is the memory the container may use, in bytes.
func memoryTotal() int64 {
	if b, err := os.ReadFile(cgroupMemoryMax); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			return n
		}
	}
	if kb, ok := meminfo("MemTotal"); ok {
		return kb * 1024
	}
	return 4 << 30
}

// meminfo reads a field of /proc/meminfo, in kB.
func meminfo(field string) (int64, bool) {
	f, err := os.Open(procMeminfo)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), ":")
		if name == field {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// memoryUsed is the memory the Go runtime has mapped: on wasm, the size
// of the linear memory it has grown.
func memoryUsed() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys)
}

// nprocMain prints the CPUs the container sees: /proc/cpuinfo's when the
// runtime provides one, else the module's own count.
func nprocMain(p *proc) int {
	n := runtime.NumCPU()
	if b, err := os.ReadFile(procCpuinfo); err == nil {
		if c := strings.Count(string(b), "\nprocessor") + boolInt(strings.HasPrefix(string(b), "processor")); c > 0 {
			n = c
		}
	}
	fmt.Fprintln(p.stdout, n)
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// timeoutMain runs PROG and stops it after SECS: its status is then the
// signal's, 128+15 for the default TERM, as BusyBox's (whose watcher
// kills the program it became) reports it.
func timeoutMain(p *proc) int {
	args := p.args[1:]
	sig := 15
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		opt := args[0]
		args = args[1:]
		if opt == "--" {
			break
		}
		val := opt[2:]
		if val == "" && (opt == "-s" || opt == "-k") {
			if len(args) == 0 {
				return p.usageError("option requires an argument -- '%c'", opt[1])
			}
			val, args = args[0], args[1:]
		}
		switch opt[1] {
		case 's':
			n, ok := signalNumber(val)
			if !ok {
				p.errorf("unknown signal '%s'", val)
				return 1
			}
			sig = n
		case 'k':
		default:
			return p.usageError("invalid option -- '%c'", opt[1])
		}
	}
	if len(args) < 2 {
		return p.showUsage()
	}
	d, err := parseSleep(args[0])
	if err != nil {
		p.errorf("invalid number '%s'", args[0])
		return 1
	}
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	child := *p
	child.ctx = ctx
	code := child.spawn(args[1:])
	if ctx.Err() == context.DeadlineExceeded && p.ctx.Err() == nil {
		return 128 + sig
	}
	return code
}

// watchMain runs a command through sh every -n seconds (2 by default),
// under a header with the time unless -t, clearing the screen first.
func watchMain(p *proc) int {
	args := p.args[1:]
	interval, header := 2*time.Second, true
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		opt := args[0]
		args = args[1:]
		switch {
		case opt == "--":
		case opt == "-t":
			header = false
		case strings.HasPrefix(opt, "-n"):
			val := opt[2:]
			if val == "" && len(args) > 0 {
				val, args = args[0], args[1:]
			}
			d, err := parseSleep(val)
			if err != nil {
				p.errorf("invalid number '%s'", val)
				return 1
			}
			interval = d
		default:
			return p.usageError("invalid option -- '%s'", strings.TrimPrefix(opt, "-"))
		}
		if opt == "--" {
			break
		}
	}
	if len(args) == 0 {
		return p.showUsage()
	}
	cmd := strings.Join(args, " ")
	for {
		fmt.Fprint(p.stdout, "\033[H\033[J")
		if header {
			now := p.now().UTC().Format("2006-01-02 15:04:05")
			left := fmt.Sprintf("Every %ss: %s", strconv.FormatFloat(interval.Seconds(), 'f', -1, 64), cmd)
			fmt.Fprintf(p.stdout, "%s%*s\n\n", left, max(80-len(left), len(now)+1), now)
		}
		p.spawn([]string{"sh", "-c", cmd})
		if !p.sleep(interval) {
			return 1
		}
	}
}
