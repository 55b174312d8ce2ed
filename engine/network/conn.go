package network

import (
	"net/netip"

	"github.com/kubeplay/kubeplay/engine/clock"
)

// Listener is a listening socket.
type Listener struct {
	ns     *Namespace
	port   uint16
	queue  []*Conn // connections not yet accepted
	closed bool
	// OnEvent is called when a connection arrives.
	OnEvent func()
}

func (l *Listener) notify() {
	if l.OnEvent != nil {
		l.OnEvent()
	}
}

// Addr is the listener's address.
func (l *Listener) Addr() netip.AddrPort { return netip.AddrPortFrom(l.ns.IP, l.port) }

// Accept returns the next connection, or EAGAIN.
func (l *Listener) Accept() (*Conn, error) {
	if l.closed {
		return nil, EBADF
	}
	if len(l.queue) == 0 {
		return nil, EAGAIN
	}
	c := l.queue[0]
	l.queue = l.queue[1:]
	return c, nil
}

// Close stops listening; connections not yet accepted are reset.
func (l *Listener) Close() {
	if l.closed {
		return
	}
	l.closed = true
	if l.ns.listeners[l.port] == l {
		delete(l.ns.listeners, l.port)
	}
	for _, c := range l.queue {
		c.Close()
	}
	l.queue = nil
}

// Conn is one end of a TCP connection.
type Conn struct {
	net           *Network
	local, remote netip.AddrPort
	peer          *Conn
	in            []byte // what the peer sent, unread
	eof           bool   // the peer shut its writing side
	err           error  // EINPROGRESS while connecting, then a failure
	shut          bool   // this end shut its writing side
	closed        bool
	wrote         bool // a write went to a peer that had gone, which reset it
	timer         *clock.Timer
	// OnEvent is called when something changed: data or EOF to read,
	// room to write, the connection established or failed.
	OnEvent func()
}

func (c *Conn) notify() {
	if c.OnEvent != nil {
		c.OnEvent()
	}
}

// LocalAddr and RemoteAddr are the connection's addresses; a client's
// remote address is what it dialed (a Service's), as conntrack shows it.
func (c *Conn) LocalAddr() netip.AddrPort  { return c.local }
func (c *Conn) RemoteAddr() netip.AddrPort { return c.remote }

// Err is the connection's state: nil once established, EINPROGRESS while
// it connects, else why it failed.
func (c *Conn) Err() error { return c.err }

// Read reads what the peer sent: EAGAIN when nothing is there yet, 0 bytes
// and no error at the end of the stream.
func (c *Conn) Read(b []byte) (int, error) {
	switch {
	case c.closed:
		return 0, EBADF
	case c.err != nil:
		return 0, c.err
	case len(c.in) > 0:
		n := copy(b, c.in)
		full := len(c.in) >= bufferSize
		c.in = c.in[n:]
		if len(c.in) == 0 {
			c.in = nil
		}
		if full && c.peer != nil {
			c.peer.notify() // room to write again
		}
		return n, nil
	case c.eof:
		return 0, nil
	}
	return 0, EAGAIN
}

// Write sends b to the peer, as much as its window takes: EAGAIN when it
// takes nothing. Writing to a peer that closed succeeds once (the peer's
// kernel answers with a reset), then fails with EPIPE.
func (c *Conn) Write(b []byte) (int, error) {
	switch {
	case c.closed:
		return 0, EBADF
	case c.err != nil:
		if c.err == EINPROGRESS {
			return 0, EAGAIN
		}
		return 0, c.err
	case c.shut:
		return 0, EPIPE
	case c.peer == nil || c.peer.closed:
		if c.wrote {
			return 0, EPIPE
		}
		// The peer's reset: in CLOSE_WAIT (the peer's FIN came first)
		// Linux reports it as EPIPE.
		c.wrote = true
		c.err = ECONNRESET
		if c.eof {
			c.err = EPIPE
		}
		return len(b), nil
	}
	room := bufferSize - len(c.peer.in)
	if room <= 0 {
		return 0, EAGAIN
	}
	n := min(room, len(b))
	c.peer.in = append(c.peer.in, b[:n]...)
	c.peer.notify()
	return n, nil
}

// CloseWrite shuts the writing side: the peer reads to the end, then EOF.
func (c *Conn) CloseWrite() {
	if c.shut || c.closed {
		return
	}
	c.shut = true
	if c.peer != nil {
		c.peer.eof = true
		c.peer.notify()
	}
}

// Close closes this end. With unread data it resets the connection, as
// Linux does; else the peer reads EOF.
func (c *Conn) Close() {
	if c.closed {
		return
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	reset := len(c.in) > 0
	c.CloseWrite()
	c.closed, c.in = true, nil
	if p := c.peer; p != nil && !p.closed {
		if reset {
			p.err, p.in = ECONNRESET, nil
		}
		p.notify()
	}
}

// Readable reports whether a Read would not return EAGAIN.
func (c *Conn) Readable() bool {
	return c.closed || c.err != EINPROGRESS && (c.err != nil || len(c.in) > 0 || c.eof)
}
