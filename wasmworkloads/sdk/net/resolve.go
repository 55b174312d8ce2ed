package net

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"unsafe"
)

// Rcode is a DNS answer's response code; Timeout is no answer at all.
type Rcode int

// Response codes.
const (
	NoError  Rcode = 0
	ServFail Rcode = 2
	NXDomain Rcode = 3
	Timeout  Rcode = 100
)

// Query asks server for the IPv4 addresses of a fully qualified name.
func Query(name string, server netip.Addr) ([]netip.Addr, Rcode) {
	if name == "" || !server.Is4() {
		return nil, NXDomain
	}
	var out [64]byte
	b := []byte(name)
	s := server.As4()
	n := hostLookup(unsafe.Pointer(&b[0]), int32(len(b)), binary.BigEndian.Uint32(s[:]), unsafe.Pointer(&out[0]), int32(len(out)))
	if n < 0 {
		if n == enosys {
			return nil, Timeout
		}
		if n <= -1000 {
			return nil, Rcode(-n - 1000)
		}
		return nil, ServFail
	}
	addrs := make([]netip.Addr, n)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte(out[4*i : 4*i+4]))
	}
	return addrs, NoError
}

// QueryPTR asks server for the name of an IPv4 address.
func QueryPTR(ip, server netip.Addr) (string, Rcode) {
	if !ip.Is4() || !server.Is4() {
		return "", NXDomain
	}
	var out [256]byte
	a, s := ip.As4(), server.As4()
	n := hostLookupPTR(binary.BigEndian.Uint32(a[:]), binary.BigEndian.Uint32(s[:]), unsafe.Pointer(&out[0]), int32(len(out)))
	switch {
	case n == enosys:
		return "", Timeout
	case n <= -1000:
		return "", Rcode(-n - 1000)
	case n < 0:
		return "", ServFail
	}
	return string(out[:n]), NoError
}

// Resolver is /etc/resolv.conf as the stub resolver reads it.
type Resolver struct {
	Nameservers []netip.Addr
	Search      []string
	Ndots       int
}

// ReadResolvConf reads a resolv.conf; defaults are glibc's (ndots 1, the
// local server).
func ReadResolvConf(path string) Resolver {
	r := Resolver{Ndots: 1}
	f, err := os.Open(path)
	if err != nil {
		r.Nameservers = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
		return r
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch fields[0] {
		case "nameserver":
			if ip, err := netip.ParseAddr(fields[1]); err == nil {
				r.Nameservers = append(r.Nameservers, ip)
			}
		case "search", "domain":
			r.Search = fields[1:]
		case "options":
			for _, o := range fields[1:] {
				if v, ok := strings.CutPrefix(o, "ndots:"); ok {
					r.Ndots, _ = strconv.Atoi(v)
				}
			}
		}
	}
	if len(r.Nameservers) == 0 {
		r.Nameservers = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}
	return r
}

// Candidates are the names a lookup of name tries, in order: with the
// search domains first when it has fewer than ndots dots, then as given.
func (r Resolver) Candidates(name string) []string {
	if strings.HasSuffix(name, ".") {
		return []string{strings.TrimSuffix(name, ".")}
	}
	var out []string
	withSearch := make([]string, 0, len(r.Search))
	for _, s := range r.Search {
		withSearch = append(withSearch, name+"."+s)
	}
	if strings.Count(name, ".") >= r.Ndots {
		out = append(append(out, name), withSearch...)
	} else {
		out = append(withSearch, name)
	}
	return out
}

// Resolve looks name up with the search list; it returns the name that
// answered and its addresses, or the last failure.
func (r Resolver) Resolve(name string) (string, []netip.Addr, Rcode) {
	last := NXDomain
	for _, c := range r.Candidates(name) {
		addrs, rc := Query(c, r.Nameservers[0])
		if rc == NoError && len(addrs) > 0 {
			return c, addrs, NoError
		}
		if rc == Timeout {
			return c, nil, Timeout
		}
		last = rc
	}
	return name, nil, last
}

// LookupHost returns a host's IPv4 addresses: an address as it is, else
// from /etc/hosts, else from DNS through /etc/resolv.conf. The errors are
// Go's: "lookup NAME on SERVER:53: no such host".
func LookupHost(host string) ([]string, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []string{ip.String()}, nil
	}
	if addrs := HostsFile("/etc/hosts", host); len(addrs) > 0 {
		return addrs, nil
	}
	r := ReadResolvConf("/etc/resolv.conf")
	_, addrs, rc := r.Resolve(host)
	server := r.Nameservers[0].String() + ":53"
	switch rc {
	case NoError:
		out := make([]string, len(addrs))
		for i, a := range addrs {
			out[i] = a.String()
		}
		return out, nil
	case Timeout:
		return nil, &net.DNSError{Err: "i/o timeout", Name: host, Server: server, IsTimeout: true}
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, Server: server, IsNotFound: true}
}

// IsNotFound reports whether err is a name that does not exist.
func IsNotFound(err error) bool {
	var d *net.DNSError
	return errors.As(err, &d) && d.IsNotFound
}

// HostsFile returns the addresses a hosts file gives a name.
func HostsFile(file, host string) []string {
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
			if strings.EqualFold(name, host) {
				if ip.Is4() {
					v4 = append(v4, ip.String())
				} else {
					v6 = append(v6, ip.String())
				}
				break
			}
		}
	}
	return append(v4, v6...)
}
