package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
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
	// Query asks server for a fully qualified name's IPv4 addresses; the
	// int is the response code (3 NXDOMAIN), 100 when no server answered.
	Query(name, server string) ([]string, int)
	// QueryPTR asks server for an address's name, with the same codes.
	QueryPTR(ip, server string) (string, int)
	// Listen opens a TCP listener on port of the pod's addresses.
	Listen(port int) (net.Listener, error)
	// ListenUDP opens a UDP socket on port (0: any free one).
	ListenUDP(port int) (udpSocket, error)
}

// udpSocket is a UDP socket: reads and writes are datagrams, to and from
// its peer once it has one (Connect).
type udpSocket interface {
	io.ReadWriteCloser
	ReadFrom(b []byte) (int, netip.AddrPort, error)
	Connect(to netip.AddrPort) error
	LocalAddr() netip.AddrPort
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

// Listen has no address to listen on.
func (n isolated) Listen(port int) (net.Listener, error) { return nil, syscall.EADDRNOTAVAIL }

// ListenUDP has none either.
func (n isolated) ListenUDP(port int) (udpSocket, error) { return nil, syscall.EADDRNOTAVAIL }

// Query gets no answer: there is no network to reach a server on.
func (n isolated) Query(name, server string) ([]string, int) { return nil, rcodeTimeout }

// QueryPTR gets none either.
func (n isolated) QueryPTR(ip, server string) (string, int) { return "", rcodeTimeout }

const (
	rcodeNXDomain = 3
	rcodeTimeout  = 100
)

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
func lookupHostsFile(file, host string) []string { return kpnet.HostsFile(file, host) }

// nslookupMain looks a name up as BusyBox's nslookup (1.36) does against
// CoreDNS: the server, then the name that answered (the search domains
// of /etc/resolv.conf tried as the resolver tries them) and its
// addresses, or "server can't find".
func nslookupMain(p *proc) int {
	args := p.args[1:]
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		args = args[1:] // -type=a and the like: A records are what it asks
	}
	if len(args) == 0 || len(args) > 2 {
		return p.showUsage()
	}
	server := guestNetwork.Nameserver()
	if len(args) == 2 {
		server = args[1]
	}
	name := args[0]
	if ip, err := netip.ParseAddr(name); err == nil && ip.Is4() {
		host, rc := guestNetwork.QueryPTR(ip.String(), server)
		if rc == rcodeTimeout {
			p.printf(";; connection timed out; no servers could be reached\n\n")
			return 1
		}
		p.printf("Server:\t\t%s\nAddress:\t%s:53\n\n", server, server)
		if rc != 0 {
			p.printf("** server can't find %s.in-addr.arpa: NXDOMAIN\n\n", reverse(ip))
			return 1
		}
		p.printf("%s.in-addr.arpa\tname = %s\n\n", reverse(ip), host)
		return 0
	}
	rc := rcodeNXDomain
	for _, fqdn := range searchCandidates(name) {
		var addrs []string
		addrs, rc = guestNetwork.Query(fqdn, server)
		if rc == rcodeTimeout {
			p.printf(";; connection timed out; no servers could be reached\n\n")
			return 1
		}
		if rc == 0 && len(addrs) > 0 {
			p.printf("Server:\t\t%s\nAddress:\t%s:53\n\n", server, server)
			p.printf("Name:\t%s\n", fqdn)
			for _, a := range addrs {
				p.printf("Address: %s\n", a)
			}
			p.printf("\n")
			return 0
		}
	}
	p.printf("Server:\t\t%s\nAddress:\t%s:53\n\n", server, server)
	p.printf("** server can't find %s: NXDOMAIN\n\n", name)
	return 1
}

// reverse is an address's in-addr.arpa name without the suffix.
func reverse(ip netip.Addr) string {
	b := ip.As4()
	return fmt.Sprintf("%d.%d.%d.%d", b[3], b[2], b[1], b[0])
}

// searchCandidates are the names a lookup tries, in order, from
// /etc/resolv.conf's search and ndots, as the stub resolver orders them.
func searchCandidates(name string) []string {
	if strings.HasSuffix(name, ".") {
		return []string{strings.TrimSuffix(name, ".")}
	}
	search, ndots := resolvSearch("/etc/resolv.conf")
	var with []string
	for _, d := range search {
		with = append(with, name+"."+d)
	}
	if strings.Count(name, ".") >= ndots {
		return append([]string{name}, with...)
	}
	return append(with, name)
}

// resolvSearch reads a resolv.conf's search list and ndots (1 unless set).
func resolvSearch(file string) ([]string, int) {
	ndots := 1
	var search []string
	f, err := os.Open(file)
	if err != nil {
		return nil, ndots
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "search", "domain":
			search = fields[1:]
		case "options":
			for _, o := range fields[1:] {
				if v, ok := strings.CutPrefix(o, "ndots:"); ok {
					ndots, _ = strconv.Atoi(v)
				}
			}
		}
	}
	return search, ndots
}
