package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// ncMain is BusyBox's nc as the official image builds it, in its netcat
// 1.10 form (nc_bloaty.c): "nc HOST PORT" connects, "nc -l -p PORT"
// listens for one connection (-u: UDP, where the listener answers the
// first sender alone), and both then copy standard input to the network
// and what comes back to standard output until both have ended; with -w
// a connect or the first datagram waits that long, and once standard
// input has ended the network is given up after two quiet periods of
// that long (a UDP peer never ends). Failures to connect are told only
// with -v, as nc 1.10 tells them.
func ncMain(p *proc) int {
	o, err := getopt(p.args[1:], "np:s:uvw:lki:o:z")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) > 2 {
		return p.showUsage()
	}
	nc := &netcat{p: p, udp: o.has('u'), verbose: o.counts['v'], numeric: o.has('n')}
	if o.has('w') {
		w, err := strconv.ParseUint(o.value('w'), 10, 31)
		if err != nil {
			p.errorf("invalid number '%s'", o.value('w'))
			return 1
		}
		nc.wait = time.Duration(w) * time.Second
	}
	if o.has('p') {
		port, err := strconv.ParseUint(o.value('p'), 10, 16)
		if err != nil || port == 0 {
			p.errorf("bad local port '%s'", o.value('p'))
			return 1
		}
		nc.lport = int(port)
	}
	if len(o.args) > 0 {
		addrs, err := guestNetwork.LookupHost(p.ctx, o.args[0])
		if err != nil || len(addrs) == 0 {
			p.errorf("bad address '%s'", o.args[0])
			return 1
		}
		ip, _ := netip.ParseAddr(addrs[0])
		port := uint64(0)
		if len(o.args) > 1 {
			port, _ = strconv.ParseUint(o.args[1], 10, 16)
		}
		nc.them = netip.AddrPortFrom(ip, uint16(port))
	}
	var code int
	switch {
	case o.has('l') || o.has('k'):
		code = nc.listen()
	case !nc.them.IsValid():
		return p.showUsage()
	default:
		code = nc.connect(o.args[0], o.has('z'))
	}
	if nc.verbose > 1 && !nc.died {
		fmt.Fprintf(p.stderr, "sent %d, rcvd %d\n", nc.sent, nc.received)
	}
	return code
}

// netcat is one nc run.
type netcat struct {
	p       *proc
	udp     bool
	verbose int
	numeric bool
	wait    time.Duration // -w; 0 waits for ever
	lport   int
	them    netip.AddrPort // the peer given as operands, if any
	// sent and received count the bytes to the network and from it to
	// standard output; died is an error that ended nc at once.
	sent, received int
	died           bool
}

// die reports an error that ends nc at once, and returns its status.
func (nc *netcat) die(format string, args ...any) int {
	nc.p.errorf(format, args...)
	nc.died = true
	return 1
}

// connect connects to the peer, and copies both ways.
func (nc *netcat) connect(host string, zero bool) int {
	var conn io.ReadWriteCloser
	var err error
	if nc.udp {
		var u udpSocket
		if u, err = guestNetwork.ListenUDP(nc.lport); err == nil {
			conn = u
			if err = u.Connect(nc.them); err == nil && zero {
				err = nc.udpTest(u)
			}
		}
	} else {
		ctx := nc.p.ctx
		if nc.wait > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, nc.wait)
			defer cancel()
		}
		conn, err = guestNetwork.Dial(ctx, nc.them.String())
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			err = syscall.ETIMEDOUT
		}
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		if nc.verbose > 1 || nc.verbose > 0 && !errors.Is(err, syscall.ECONNREFUSED) {
			nc.p.errorf("%s (%s): %s", host, nc.them, errText(err))
		}
		return 1
	}
	defer conn.Close()
	if nc.verbose > 0 {
		fmt.Fprintf(nc.p.stderr, "%s (%s) open\n", host, nc.them)
	}
	if zero {
		return 0
	}
	return nc.readWrite(conn, nil)
}

// isTimeout reports whether err is a deadline that passed.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// udpTest is -z over UDP: a byte, a pause (the time a TCP connection to
// a closed port takes to be refused, unless -w is given), and another
// byte, which fails when the first brought back port unreachable.
func (nc *netcat) udpTest(u udpSocket) error {
	if _, err := u.Write([]byte{0}); err != nil {
		return err
	}
	if nc.wait > 0 {
		time.Sleep(nc.wait)
	} else {
		ctx, cancel := context.WithTimeout(nc.p.ctx, 5*time.Second)
		if c, err := guestNetwork.Dial(ctx, netip.AddrPortFrom(nc.them.Addr(), 31337).String()); err == nil {
			c.Close()
		}
		cancel()
	}
	_, err := u.Write([]byte{0})
	return err
}

// listen waits for one connection, or over UDP one first datagram,
// whose sender becomes the peer, and copies both ways.
func (nc *netcat) listen() int {
	if nc.udp {
		return nc.listenUDP()
	}
	l, err := guestNetwork.Listen(nc.lport)
	if err != nil {
		return nc.die("bind: %s", errText(err))
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if nc.verbose > 0 {
		fmt.Fprintf(nc.p.stderr, "listening on [::]:%d ...\n", port)
	}
	type accepted struct {
		c   net.Conn
		err error
	}
	got := make(chan accepted, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err == nil && nc.them.IsValid() && !nc.fromThem(addrPortOf(c.RemoteAddr())) {
				if nc.verbose > 0 {
					nc.p.errorf("connect from wrong ip/port %s ignored", mapped(addrPortOf(c.RemoteAddr())))
				}
				c.Close()
				continue
			}
			got <- accepted{c, err}
			return
		}
	}()
	var a accepted
	select {
	case a = <-got:
	case <-nc.timeout():
		return nc.die("timeout")
	}
	if a.err != nil {
		return nc.die("accept: %s", errText(a.err))
	}
	defer a.c.Close()
	nc.connected(addrPortOf(a.c.LocalAddr()), addrPortOf(a.c.RemoteAddr()))
	return nc.readWrite(a.c, nil)
}

// fromThem reports whether a peer is the one given as operands (any port
// when none was given).
func (nc *netcat) fromThem(from netip.AddrPort) bool {
	return from.Addr() == nc.them.Addr() && (nc.them.Port() == 0 || from.Port() == nc.them.Port())
}

func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort()
	case *net.UDPAddr:
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// mapped is an address as nc's IPv6 listening socket sees an IPv4 one.
func mapped(a netip.AddrPort) string {
	return fmt.Sprintf("[::ffff:%s]:%d", a.Addr(), a.Port())
}

// listenUDP waits for a first datagram; its sender becomes the peer.
func (nc *netcat) listenUDP() int {
	u, err := guestNetwork.ListenUDP(nc.lport)
	if err != nil {
		return nc.die("bind: %s", errText(err))
	}
	defer u.Close()
	if nc.verbose > 0 {
		fmt.Fprintf(nc.p.stderr, "listening on [::]:%d ...\n", u.LocalAddr().Port())
	}
	if nc.them.IsValid() && nc.them.Port() != 0 {
		if err := u.Connect(nc.them); err != nil {
			return nc.die("connect: %s", errText(err))
		}
	}
	type first struct {
		data []byte
		from netip.AddrPort
		err  error
	}
	got := make(chan first, 1)
	go func() {
		buf := make([]byte, 8192)
		n, from, err := u.ReadFrom(buf)
		got <- first{buf[:n], from, err}
	}()
	var f first
	select {
	case f = <-got:
	case <-nc.timeout():
		return nc.die("timeout")
	}
	if f.err != nil {
		return nc.die("recvfrom: %s", errText(f.err))
	}
	if !nc.them.IsValid() || nc.them.Port() == 0 {
		if err := u.Connect(f.from); err != nil {
			return nc.die("connect: %s", errText(err))
		}
	}
	nc.connected(u.LocalAddr(), f.from)
	return nc.readWrite(u, f.data)
}

// connected tells, with -v, who connected.
func (nc *netcat) connected(local, remote netip.AddrPort) {
	if nc.verbose == 0 {
		return
	}
	host := mapped(remote)
	if !nc.numeric {
		if name, rc := guestNetwork.QueryPTR(remote.Addr().String(), guestNetwork.Nameserver()); rc == 0 {
			host = name + ":" + strconv.Itoa(int(remote.Port()))
		}
	}
	fmt.Fprintf(nc.p.stderr, "connect to %s from %s (%s)\n", mapped(local), host, mapped(remote))
}

// send writes data to the network, trying again while a write fails (a
// UDP socket's write reports the ICMP error an earlier datagram brought
// back, once), as nc's loop does, up to its sanity count.
func (nc *netcat) send(conn io.Writer, data []byte) bool {
	for retry := 8200; len(data) > 0; retry-- {
		if retry == 0 {
			if nc.verbose > 0 {
				nc.p.errorf("too many output retries")
			}
			return false
		}
		n, _ := conn.Write(data)
		data = data[n:]
		nc.sent += n
	}
	return true
}

// timeout fires after -w, or never.
func (nc *netcat) timeout() <-chan time.Time {
	if nc.wait == 0 {
		return nil
	}
	return time.After(nc.wait)
}

// ncChunk is what nc reads at a time (BIGSIZ).
const ncChunk = 8192

// ncRead is one read of standard input (fromNet false) or the network.
type ncRead struct {
	fromNet bool
	data    []byte
	err     error // io.EOF at the end
}

// readWrite copies standard input to conn (one datagram a read over UDP)
// and conn to standard output until both have ended, as nc's select loop
// does: first is a datagram already received. A read of nothing or an
// error ends the network's side (-vv tells the error); the end of
// standard input shuts conn's writing side.
func (nc *netcat) readWrite(conn io.ReadWriteCloser, first []byte) int {
	if first != nil {
		n, _ := nc.p.stdout.Write(first)
		nc.received += n
	}
	reads := make(chan ncRead)
	done := make(chan struct{})
	defer close(done)
	send := func(r ncRead) bool {
		select {
		case reads <- r:
			return true
		case <-done:
			return false
		}
	}
	pump := func(r io.Reader, fromNet bool) {
		for {
			buf := make([]byte, ncChunk)
			n, err := r.Read(buf)
			if n == 0 && err == nil {
				if !fromNet {
					continue
				}
				err = io.EOF // a datagram of nothing ends it too
			}
			if n > 0 && !send(ncRead{fromNet, buf[:n], nil}) || err != nil && !send(ncRead{fromNet, nil, err}) || err != nil {
				return
			}
		}
	}
	go pump(conn, true)
	go pump(nc.p.stdinOrEmpty(), false)
	open, stdinOpen, netRetry := 2, true, 2
	for open > 0 {
		var r ncRead
		select {
		case r = <-reads:
		case <-nc.timeout():
			if !stdinOpen {
				if netRetry--; netRetry == 0 {
					if nc.verbose > 1 {
						fmt.Fprintf(nc.p.stderr, "net timeout\n")
					}
					return 0
				}
			}
			continue
		}
		switch {
		case r.fromNet && len(r.data) > 0:
			n, _ := nc.p.stdout.Write(r.data)
			nc.received += n
		case r.fromNet:
			if r.err != io.EOF && nc.verbose > 1 {
				nc.p.errorf("net read: %s", errText(r.err))
			}
			open--
		case len(r.data) > 0:
			if !nc.send(conn, r.data) {
				return 1
			}
		default:
			stdinOpen = false
			if cw, ok := conn.(interface{ CloseWrite() error }); ok {
				cw.CloseWrite()
			}
			open--
		}
	}
	return 0
}
