package net

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"
	"unsafe"
)

// Listen listens on a TCP address, ":80" or "0.0.0.0:8080"; the host
// part, if any, must be an address of the pod (it has one, and loopback).
func Listen(network, address string) (net.Listener, error) {
	h, err := bind(network, address, "tcp", hostListen)
	if err != nil {
		return nil, err
	}
	l := &listener{h: h}
	l.addr, _ = addrs(h)
	return l, nil
}

// bind makes a socket of the protocol proto on address's port with
// call: a handle, or the error of a listen on network.
func bind(network, address, proto string, call func(port int32) int32) (int32, error) {
	if network != proto && network != proto+"4" {
		return 0, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	_, portText, err := net.SplitHostPort(address)
	if err != nil {
		return 0, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return 0, &net.OpError{Op: "listen", Net: network, Err: &net.AddrError{Err: "invalid port", Addr: address}}
	}
	h := call(int32(port))
	if h < 0 {
		return 0, &net.OpError{Op: "listen", Net: network, Err: os.NewSyscallError("bind", errno(h))}
	}
	return h, nil
}

type listener struct {
	h         int32
	addr      *net.TCPAddr
	closed    bool
	heartbeat bool // see Heartbeat
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		if l.closed {
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
		}
		h := hostAccept(l.h)
		switch {
		case h >= 0:
			return newConn(h), nil
		case h != eagain:
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: os.NewSyscallError("accept", errno(h))}
		}
		_ = wait(l.h, time.Time{}, l.heartbeat)
	}
}

func (l *listener) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	hostClose(l.h)
	if l.heartbeat {
		poll.mu.Lock()
		poll.heartbeats--
		if poll.parked > 0 {
			startPoller() // no accept comes back to wait for them now
		}
		poll.mu.Unlock()
	}
	wakeSocket(l.h)
	return nil
}

func (l *listener) Addr() net.Addr { return l.addr }

// addrs returns a socket's local and remote addresses.
func addrs(h int32) (*net.TCPAddr, *net.TCPAddr) {
	local, remote := addrPorts(h)
	return net.TCPAddrFromAddrPort(local), net.TCPAddrFromAddrPort(remote)
}

// addrPorts returns a socket's local and remote addresses, as values.
func addrPorts(h int32) (local, remote netip.AddrPort) {
	var b [12]byte
	hostAddr(h, unsafe.Pointer(&b[0]))
	at := func(b []byte) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), binary.BigEndian.Uint16(b[4:]))
	}
	return at(b[0:6]), at(b[6:12])
}

// Dial connects to address, "host:port", over "tcp" or "udp" (a UDP
// socket whose peer is address, a *UDPConn); a name is resolved with
// LookupHost.
func Dial(network, address string) (net.Conn, error) {
	return DialContext(context.Background(), network, address)
}

// DialTimeout is Dial that gives up after timeout.
func DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return DialContext(ctx, network, address)
}

// DialContext is Dial with a context's deadline; it fits
// http.Transport.DialContext.
func DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.AddrError{Err: "invalid port", Addr: address}}
	}
	ips, err := LookupHost(host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ip, _ := netip.ParseAddr(ips[0])
	switch network {
	case "udp", "udp4":
		return DialUDP(netip.AddrPortFrom(ip, uint16(port)))
	case "tcp", "tcp4":
	default:
		return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
	}
	deadline, _ := ctx.Deadline()
	return DialAddr(netip.AddrPortFrom(ip, uint16(port)), deadline)
}

// DialAddr connects to an address, waiting until deadline (zero: as long
// as the kernel tries).
func DialAddr(to netip.AddrPort, deadline time.Time) (net.Conn, error) {
	raddr := net.TCPAddrFromAddrPort(to)
	fail := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Addr: raddr, Err: err}
	}
	if !to.Addr().Is4() {
		return nil, fail(os.NewSyscallError("connect", errno(-40)))
	}
	ip := to.Addr().As4()
	h := hostConnect(binary.BigEndian.Uint32(ip[:]), int32(to.Port()))
	if h < 0 {
		return nil, fail(os.NewSyscallError("connect", errno(h)))
	}
	for {
		st := hostStatus(h)
		if st == 0 {
			return newConn(h), nil
		}
		if st != -26 { // EINPROGRESS
			hostClose(h)
			return nil, fail(os.NewSyscallError("connect", errno(st)))
		}
		if err := wait(h, deadline, false); err != nil {
			hostClose(h)
			return nil, fail(err)
		}
	}
}

// Conn is a TCP connection.
type Conn struct {
	h              int32
	laddr, raddr   *net.TCPAddr // asked of the host when first needed
	rdl, wdl       time.Time
	closed, broken bool
	onWait         func()
}

// OnWait has f called once, before the connection's next read or write
// waits: a server serving the connection in its accept loop hands the
// accepting over then.
func (c *Conn) OnWait(f func()) { c.onWait = f }

// waiting calls the OnWait function, if any, once.
func (c *Conn) waiting() {
	if f := c.onWait; f != nil {
		c.onWait = nil
		f()
	}
}

func newConn(h int32) *Conn { return &Conn{h: h} }

// addrs asks the host for the connection's addresses, once (a client
// such as wget never needs them); once closed, the connection has those
// it was asked for, if any.
func (c *Conn) addrs() {
	if c.laddr == nil && !c.closed {
		c.laddr, c.raddr = addrs(c.h)
	}
}

func (c *Conn) opError(op string, err error) error {
	c.addrs()
	return &net.OpError{Op: op, Net: "tcp", Source: c.laddr, Addr: c.raddr, Err: err}
}

// Read reads what the peer sent; io.EOF at the end.
func (c *Conn) Read(b []byte) (int, error) {
	if len(b) == 0 && !c.closed {
		return 0, nil
	}
	for {
		if c.closed {
			return 0, c.opError("read", net.ErrClosed)
		}
		n := hostRecv(c.h, unsafe.Pointer(&b[0]), int32(min(len(b), 1<<30)))
		switch {
		case n > 0:
			return int(n), nil
		case n == 0:
			return 0, io.EOF
		case n != eagain:
			return 0, c.opError("read", os.NewSyscallError("read", errno(n)))
		}
		c.waiting()
		if err := wait(c.h, c.rdl, false); err != nil {
			return 0, c.opError("read", err)
		}
	}
}

// Write writes all of b, waiting while the peer's window is full.
func (c *Conn) Write(b []byte) (int, error) {
	if c.closed {
		return 0, c.opError("write", net.ErrClosed)
	}
	done := 0
	for done < len(b) {
		if c.closed {
			return done, c.opError("write", net.ErrClosed)
		}
		n := hostSend(c.h, unsafe.Pointer(&b[done]), int32(min(len(b)-done, 1<<30)))
		switch {
		case n >= 0:
			done += int(n)
			continue
		case n != eagain:
			return done, c.opError("write", os.NewSyscallError("write", errno(n)))
		}
		c.waiting()
		if err := wait(c.h, c.wdl, false); err != nil {
			return done, c.opError("write", err)
		}
	}
	return done, nil
}

// Close closes the connection.
func (c *Conn) Close() error {
	if c.closed {
		return c.opError("close", net.ErrClosed)
	}
	c.closed = true
	hostClose(c.h)
	wakeSocket(c.h)
	return nil
}

// CloseWrite shuts the writing side: the peer reads EOF.
func (c *Conn) CloseWrite() error {
	if c.closed {
		return c.opError("close", net.ErrClosed)
	}
	hostShutdown(c.h)
	return nil
}

func (c *Conn) LocalAddr() net.Addr {
	c.addrs()
	return c.laddr
}

func (c *Conn) RemoteAddr() net.Addr {
	c.addrs()
	return c.raddr
}

// RemoteAddrPort is the peer's address as a value, as a server's access
// log wants it, without RemoteAddr's allocations.
func (c *Conn) RemoteAddrPort() netip.AddrPort {
	if c.raddr != nil || c.closed {
		return c.RemoteAddr().(*net.TCPAddr).AddrPort()
	}
	_, remote := addrPorts(c.h)
	return remote
}

func (c *Conn) SetDeadline(t time.Time) error {
	c.rdl, c.wdl = t, t
	return nil
}
func (c *Conn) SetReadDeadline(t time.Time) error  { c.rdl = t; return nil }
func (c *Conn) SetWriteDeadline(t time.Time) error { c.wdl = t; return nil }

// IsTimeout reports whether err is a deadline that passed.
func IsTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
