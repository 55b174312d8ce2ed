package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"strings"
	"syscall"
)

// network is how the network applets reach other pods: name lookups and
// TCP connections. It is all they use, so that kubeplay's network layer
// can plug in here (a package giving guests sockets through a host
// module) without touching wget or nslookup.
type network interface {
	// LookupHost returns the addresses of a host name, or errNoSuchHost.
	LookupHost(ctx context.Context, host string) ([]string, error)
	// Dial connects to addr, "IP:port".
	Dial(ctx context.Context, addr string) (io.ReadWriteCloser, error)
	// Nameserver is the DNS server lookups ask.
	Nameserver() string
}

// guestNetwork is the network the applets use.
var guestNetwork network = isolated{hosts: "/etc/hosts", resolv: "/etc/resolv.conf"}

// errNoSuchHost is a name that does not resolve.
var errNoSuchHost = errors.New("no such host")

// isolated is a container without a network, which is what kubeplay's
// guests have until its network layer lands: names resolve only from
// /etc/hosts (the kubelet writes localhost and the pod's own name there),
// nothing is reachable, and the loopback interface has nothing listening.
// A kernel answers so: ENETUNREACH, and ECONNREFUSED on loopback.
type isolated struct{ hosts, resolv string }

func (n isolated) LookupHost(ctx context.Context, host string) ([]string, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []string{ip.String()}, nil
	}
	if addrs := lookupHostsFile(n.hosts, host); len(addrs) > 0 {
		return addrs, nil
	}
	return nil, errNoSuchHost
}

func (n isolated) Dial(ctx context.Context, addr string) (io.ReadWriteCloser, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err == nil && ap.Addr().IsLoopback() {
		return nil, syscall.ECONNREFUSED
	}
	return nil, syscall.ENETUNREACH
}

func (n isolated) Nameserver() string {
	f, err := os.Open(n.resolv)
	if err != nil {
		return "127.0.0.1"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == "nameserver" {
			return fields[1]
		}
	}
	return "127.0.0.1"
}

// lookupHostsFile returns the addresses a hosts file gives a name, IPv4
// first, as getaddrinfo orders them.
func lookupHostsFile(file, host string) []string {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	var v4, v6 []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		ip, err := netip.ParseAddr(fields[0])
		if err != nil {
			continue
		}
		for _, name := range fields[1:] {
			if !strings.EqualFold(name, host) {
				continue
			}
			if ip.Is4() {
				v4 = append(v4, ip.String())
			} else {
				v6 = append(v6, ip.String())
			}
			break
		}
	}
	return append(v4, v6...)
}

// nslookupMain looks a name up as BusyBox 1.28's nslookup does (the
// version the documentation's init containers use): the server first,
// then the name's addresses, or "can't resolve".
func nslookupMain(p *proc) int {
	args := p.args[1:]
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		args = args[1:] // -type=... and the like: one kind of answer here
	}
	if len(args) == 0 || len(args) > 2 {
		return p.showUsage()
	}
	server := guestNetwork.Nameserver()
	if len(args) == 2 {
		server = args[1]
	}
	p.printf("Server:    %s\nAddress 1: %s\n\n", server, server)
	addrs, err := guestNetwork.LookupHost(p.ctx, args[0])
	if err != nil {
		p.errorf("can't resolve '%s'", args[0])
		return 1
	}
	p.printf("Name:      %s\n", args[0])
	for i, a := range addrs {
		p.printf("Address %d: %s\n", i+1, a)
	}
	return 0
}

// ncMain connects to HOST PORT and copies standard input to it and what
// comes back to standard output; -z only checks that it connects.
func ncMain(p *proc) int {
	o, err := getopt(p.args[1:], "zvnw:i:q:")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) != 2 {
		return p.showUsage()
	}
	host, port := o.args[0], o.args[1]
	addrs, err := guestNetwork.LookupHost(p.ctx, host)
	if err != nil || len(addrs) == 0 {
		p.errorf("bad address '%s'", host)
		return 1
	}
	conn, err := guestNetwork.Dial(p.ctx, netJoin(addrs[0], port))
	if err != nil {
		p.errorf("can't connect to remote host (%s): %s", addrs[0], errText(err))
		return 1
	}
	defer conn.Close()
	if o.has('z') {
		return 0
	}
	go func() {
		io.Copy(conn, p.stdinOrEmpty())
		if cw, ok := conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}()
	io.Copy(p.stdout, conn)
	return 0
}
