package main

import (
	"fmt"
	"os"
	"strings"
)

// The identity applets describe the container as kubeplay runs it: a Linux
// machine of the node's architecture (kubeplay's nodes say linux/amd64, so
// that manifests selecting on it schedule), named after the pod, where
// everything runs as root. The kernel says what it really is, as the
// node's status does (nodeInfo.kernelVersion).

// kernelRelease is what `uname -r` reports: the node's kernelVersion.
const kernelRelease = "6.1.0-kubeplay"

// kernelVersion is `uname -v`: the build of a kernel, here the truth.
const kernelVersion = "#1 SMP kubeplay WebAssembly (wasip1 on wazero)"

// machine is `uname -m`: what amd64 nodes print.
const machine = "x86_64"

// hostnameFile is where the kubelet writes the container's host name; a
// variable so that tests running natively do not read the host's.
var hostnameFile = "/etc/hostname"

func trueMain(p *proc) int  { return 0 }
func falseMain(p *proc) int { return 1 }

// pwdMain prints the working directory. It is sh's, not the process's.
func pwdMain(p *proc) int {
	fmt.Fprintln(p.stdout, p.dir)
	return 0
}

// hostname is the container's host name: WASI has no UTS name, so it is
// what the kubelet writes in /etc/hostname (the pod's name, or
// spec.hostname), else $HOSTNAME, which the kubelet sets alike.
func (p *proc) hostname() string {
	if b, err := os.ReadFile(hostnameFile); err == nil {
		if h := strings.TrimSpace(string(b)); h != "" {
			return h
		}
	}
	if h, ok := p.getenv("HOSTNAME"); ok && h != "" {
		return h
	}
	return "localhost"
}

func hostnameMain(p *proc) int {
	o, err := getopt(p.args[1:], "sfdi")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) > 0 {
		p.errorf("sethostname: Operation not permitted")
		return 1
	}
	name := p.hostname()
	if o.has('s') {
		name, _, _ = strings.Cut(name, ".")
	}
	fmt.Fprintln(p.stdout, name)
	return 0
}

func whoamiMain(p *proc) int {
	fmt.Fprintln(p.stdout, "root")
	return 0
}

// idMain supports the usual options on the only user there is.
func idMain(p *proc) int {
	o, err := getopt(p.args[1:], "ugGnr")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) > 0 && o.args[0] != "root" && o.args[0] != "0" {
		p.errorf("unknown user %s", o.args[0])
		return 1
	}
	value := "0"
	if o.has('n') {
		value = "root"
	}
	switch {
	case o.has('u'), o.has('g'), o.has('G'):
		fmt.Fprintln(p.stdout, value)
	default:
		fmt.Fprintln(p.stdout, "uid=0(root) gid=0(root) groups=0(root)")
	}
	return 0
}

// unameMain prints the fields BusyBox's uname knows, in its order.
func unameMain(p *proc) int {
	o, err := getopt(p.args[1:], "amnrspvio")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) > 0 {
		return p.usageError("extra operand '%s'", o.args[0])
	}
	fields := []struct {
		flag  byte
		value string
	}{
		{'s', "Linux"},
		{'n', p.hostname()},
		{'r', kernelRelease},
		{'v', kernelVersion},
		{'m', machine},
		{'p', "unknown"},
		{'i', "unknown"},
		{'o', "GNU/Linux"},
	}
	all := o.has('a')
	var out []string
	for _, f := range fields {
		if o.has(f.flag) || (all && f.flag != 'p' && f.flag != 'i') {
			out = append(out, f.value)
		}
	}
	if len(out) == 0 {
		out = []string{"Linux"}
	}
	fmt.Fprintln(p.stdout, strings.Join(out, " "))
	return 0
}

// basenameMain strips the directory and an optional suffix, with POSIX's
// rules: trailing slashes go first, and a suffix equal to the whole name
// stays.
func basenameMain(p *proc) int {
	args := p.args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) < 1 || len(args) > 2 {
		return p.usageError("needs one or two operands")
	}
	name := strings.TrimRight(args[0], "/")
	if name == "" {
		if args[0] != "" {
			name = "/"
		}
		fmt.Fprintln(p.stdout, name)
		return 0
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if len(args) == 2 && args[1] != name {
		name = strings.TrimSuffix(name, args[1])
	}
	fmt.Fprintln(p.stdout, name)
	return 0
}

// dirnameMain prints what basename strips, again by POSIX's rules.
func dirnameMain(p *proc) int {
	args := p.args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) != 1 {
		return p.usageError("needs one operand")
	}
	fmt.Fprintln(p.stdout, dirname(args[0]))
	return 0
}

func dirname(name string) string {
	name = strings.TrimRight(name, "/")
	if name == "" {
		return "/"
	}
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "."
	}
	name = strings.TrimRight(name[:i], "/")
	if name == "" {
		return "/"
	}
	return name
}
