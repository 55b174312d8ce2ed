package net

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// ListenPacket opens a UDP socket on address, ":8081" or
// "0.0.0.0:8081" (the host part, if any, must be an address of the pod,
// as Listen's); it is a *UDPConn.
func ListenPacket(network, address string) (net.PacketConn, error) {
	h, err := bind(network, address, "udp", hostUDPBind)
	if err != nil {
		return nil, err
	}
	return &UDPConn{h: h}, nil
}

// DialUDP opens a UDP socket whose peer is to: it sends there, and
// receives only from there.
func DialUDP(to netip.AddrPort) (*UDPConn, error) {
	raddr := net.UDPAddrFromAddrPort(to)
	fail := func(call string, n int32) error {
		return &net.OpError{Op: "dial", Net: "udp", Addr: raddr, Err: os.NewSyscallError(call, errno(n))}
	}
	if !to.Addr().Is4() {
		return nil, fail("connect", -40)
	}
	h := hostUDPBind(0)
	if h < 0 {
		return nil, fail("socket", h)
	}
	ip := to.Addr().As4()
	if r := hostUDPConnect(h, binary.BigEndian.Uint32(ip[:]), int32(to.Port())); r < 0 {
		hostClose(h)
		return nil, fail("connect", r)
	}
	return &UDPConn{h: h}, nil
}

// UDPConn is a UDP socket, as *net.UDPConn is: a net.PacketConn, and a
// net.Conn once it has a peer (DialUDP). Sends never wait; a receive
// waits for a datagram, as the TCP sockets wait, until its deadline.
type UDPConn struct {
	h            int32
	laddr, raddr *net.UDPAddr // asked of the host when first needed
	rdl, wdl     time.Time
	closed       bool
}

// addrs asks the host for the socket's addresses, once.
func (c *UDPConn) addrs() {
	if c.laddr == nil && !c.closed {
		local, remote := addrPorts(c.h)
		c.laddr = net.UDPAddrFromAddrPort(local)
		if remote.Port() != 0 {
			c.raddr = net.UDPAddrFromAddrPort(remote)
		}
	}
}

func (c *UDPConn) opError(op string, addr net.Addr, err error) error {
	c.addrs()
	if addr == nil && c.raddr != nil {
		addr = c.raddr
	}
	return &net.OpError{Op: op, Net: "udp", Source: c.laddr, Addr: addr, Err: err}
}

// ReadFromUDPAddrPort reads one datagram (what does not fit in b is
// lost) and its sender.
func (c *UDPConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	return c.recv(b, "recvfrom")
}

func (c *UDPConn) recv(b []byte, call string) (int, netip.AddrPort, error) {
	var from [6]byte
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	for {
		if c.closed {
			return 0, netip.AddrPort{}, c.opError("read", nil, net.ErrClosed)
		}
		n := hostRecvFrom(c.h, p, int32(min(len(b), 1<<30)), unsafe.Pointer(&from[0]))
		switch {
		case n >= 0:
			addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte(from[:4])), binary.BigEndian.Uint16(from[4:]))
			return int(n), addr, nil
		case n != eagain:
			return 0, netip.AddrPort{}, c.opError("read", nil, os.NewSyscallError(call, errno(n)))
		}
		if err := wait(c.h, c.rdl, false); err != nil {
			return 0, netip.AddrPort{}, c.opError("read", nil, err)
		}
	}
}

// ReadFrom implements net.PacketConn.
func (c *UDPConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromUDPAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// Read implements net.Conn: a datagram from the peer.
func (c *UDPConn) Read(b []byte) (int, error) {
	n, _, err := c.recv(b, "read")
	return n, err
}

// WriteToUDPAddrPort sends b as one datagram to addr.
func (c *UDPConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if !addr.Addr().Is4() {
		return 0, c.opError("write", net.UDPAddrFromAddrPort(addr), os.NewSyscallError("sendto", syscall.ENETUNREACH))
	}
	ip := addr.Addr().As4()
	return c.send(b, binary.BigEndian.Uint32(ip[:]), int32(addr.Port()), net.UDPAddrFromAddrPort(addr), "sendto")
}

func (c *UDPConn) send(b []byte, ip uint32, port int32, to net.Addr, call string) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	for {
		if c.closed {
			return 0, c.opError("write", to, net.ErrClosed)
		}
		n := hostSendTo(c.h, p, int32(min(len(b), 1<<30)), ip, port)
		switch {
		case n >= 0:
			return int(n), nil
		case n != eagain:
			return 0, c.opError("write", to, os.NewSyscallError(call, errno(n)))
		}
		if err := wait(c.h, c.wdl, false); err != nil {
			return 0, c.opError("write", to, err)
		}
	}
}

// WriteTo implements net.PacketConn.
func (c *UDPConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	a, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, c.opError("write", addr, syscall.EINVAL)
	}
	return c.WriteToUDPAddrPort(b, a.AddrPort())
}

// Write implements net.Conn: a datagram to the peer.
func (c *UDPConn) Write(b []byte) (int, error) { return c.send(b, 0, 0, nil, "write") }

// Close closes the socket.
func (c *UDPConn) Close() error {
	if c.closed {
		return c.opError("close", nil, net.ErrClosed)
	}
	c.addrs()
	c.closed = true
	hostClose(c.h)
	wakeSocket(c.h)
	return nil
}

// LocalAddr is the socket's address.
func (c *UDPConn) LocalAddr() net.Addr {
	c.addrs()
	return c.laddr
}

// RemoteAddr is its peer's, or nil.
func (c *UDPConn) RemoteAddr() net.Addr {
	c.addrs()
	if c.raddr == nil {
		return nil
	}
	return c.raddr
}

func (c *UDPConn) SetDeadline(t time.Time) error {
	c.rdl, c.wdl = t, t
	return nil
}
func (c *UDPConn) SetReadDeadline(t time.Time) error  { c.rdl = t; return nil }
func (c *UDPConn) SetWriteDeadline(t time.Time) error { c.wdl = t; return nil }

// Connect gives the socket a peer, as connect(2) on a UDP socket does:
// Write and Read go to and come from it alone (a listener that answers
// its first client, as nc -u -l does).
func (c *UDPConn) Connect(to netip.AddrPort) error {
	if c.closed {
		return c.opError("connect", nil, net.ErrClosed)
	}
	raddr := net.UDPAddrFromAddrPort(to)
	if !to.Addr().Is4() {
		return c.opError("connect", raddr, os.NewSyscallError("connect", syscall.ENETUNREACH))
	}
	ip := to.Addr().As4()
	if r := hostUDPConnect(c.h, binary.BigEndian.Uint32(ip[:]), int32(to.Port())); r < 0 {
		return c.opError("connect", raddr, os.NewSyscallError("connect", errno(r)))
	}
	c.laddr, c.raddr = nil, nil
	return nil
}
