// Package net gives Go programs running as kubeplay containers TCP and
// UDP sockets over the kubeplay_net host module: Listen returns a
// net.Listener and Dial a net.Conn, so a server is plain net/http
// (http.Serve(l, handler)) and a client is http.Client with DialContext;
// ListenPacket returns a net.PacketConn and Dial("udp", ...) a connected
// UDP socket (UDPConn, udp.go).
// LookupHost resolves names as a pod's libc does, from /etc/hosts and
// /etc/resolv.conf (search domains, ndots) through the cluster's DNS.
//
// The host's calls never block. A goroutine whose call would wait parks
// on a channel of its own, and one poller goroutine waits in the host for
// news on any socket of the process, then wakes the goroutines parked on
// the sockets the host says had news (as epoll_wait returns the ready
// descriptors), or whose deadline passed, to try again. The poller first
// yields to every goroutine that can run, so the module blocks in the host
// only when nothing else in it can make progress. A goroutine that would
// wait while no poller runs (a client such as wget, alone in its program)
// waits in the host itself, the same way, rather than start a poller for
// one wait.
package net

import (
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var poll struct {
	mu      sync.Mutex
	waiting []*waiter // goroutines parked until their socket has news
	free    []*waiter
	parked  int // goroutines waiting for a waiter (see Parked)
	running bool
	onWake  func()
	// heartbeats counts the open listeners whose accepting goroutines
	// come back to wait for as long as they are open (Heartbeat).
	heartbeats int
	closes     int       // sockets closed by the program (wakeSocket), ever
	ready      [64]int32 // the handles the host said had news
}

// waiter is a goroutine parked on socket h until deadline (zero: none).
type waiter struct {
	h         int32
	deadline  time.Time
	heartbeat bool          // a Heartbeat listener's accept
	ch        chan struct{} // one slot: the poller never blocks on it
}

// idleTick bounds the poller's wait while goroutines other than socket
// waiters exist: they may wait for a timer the poller cannot see.
const idleTick = 10 * time.Millisecond

// wait parks the calling goroutine until something happens on socket h,
// or deadline (zero: none) passes. A heartbeat's wait is a Heartbeat
// listener's accept.
func wait(h int32, deadline time.Time, heartbeat bool) error {
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		return os.ErrDeadlineExceeded
	}
	poll.mu.Lock()
	if !poll.running && (poll.parked == 0 || heartbeat) {
		// Nothing waits in the host: this goroutine does, itself,
		// rather than start a poller goroutine for one wait.
		poll.running = true
		closes := poll.closes
		poll.mu.Unlock()
		if runtime.NumGoroutine() > 1 {
			yield()
		}
		poll.mu.Lock()
		closed := poll.closes != closes
		poll.mu.Unlock()
		if !closed {
			// (A goroutine that ran meanwhile may have closed this
			// one's socket, which no news would end the wait for: the
			// caller tries its call again first.)
			pollOnce(deadline)
		}
		poll.mu.Lock()
		poll.running = false
		if len(poll.waiting) > 0 || poll.parked > 0 && (!heartbeat || poll.heartbeats == 0) {
			// Goroutines came to wait meanwhile, on other sockets or
			// for a waiter: they need the poller (a heartbeat's
			// goroutine comes back to wait for those of the latter).
			startPoller()
		}
		poll.mu.Unlock()
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return os.ErrDeadlineExceeded
		}
		return nil
	}
	startPoller()
	var w *waiter
	if n := len(poll.free); n > 0 {
		w, poll.free = poll.free[n-1], poll.free[:n-1]
	} else {
		w = &waiter{ch: make(chan struct{}, 1)}
	}
	w.h, w.deadline, w.heartbeat = h, deadline, heartbeat
	poll.waiting = append(poll.waiting, w)
	poll.mu.Unlock()
	<-w.ch
	poll.mu.Lock()
	poll.free = append(poll.free, w)
	poll.mu.Unlock()
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		return os.ErrDeadlineExceeded
	}
	return nil
}

// wakeSocket wakes the goroutines waiting on socket h, which the program
// closed: their calls fail as on a closed descriptor.
func wakeSocket(h int32) {
	poll.mu.Lock()
	poll.closes++
	wakeWaiters(func(w *waiter) bool { return w.h == h })
	poll.mu.Unlock()
}

// wakeWaiters wakes the waiters that match, and forgets them (poll.mu
// held).
func wakeWaiters(match func(*waiter) bool) {
	keep := poll.waiting[:0]
	for _, w := range poll.waiting {
		if match(w) {
			w.ch <- struct{}{}
		} else {
			keep = append(keep, w)
		}
	}
	clear(poll.waiting[len(keep):])
	poll.waiting = keep
}

// startPoller starts the poller if it is not running (poll.mu held).
func startPoller() {
	if !poll.running {
		poll.running = true
		go poller()
	}
}

// poller waits in the host for the parked goroutines, until none is
// left, or none but a Heartbeat listener's accepting goroutines: those it
// wakes, to wait in the host themselves from their next accept.
func poller() {
	for {
		yield()
		poll.mu.Lock()
		beats := poll.heartbeats > 0
		for _, w := range poll.waiting {
			beats = beats && w.heartbeat
		}
		if beats || len(poll.waiting) == 0 && poll.parked == 0 {
			wakeWaiters(func(*waiter) bool { return true })
			poll.running = false
			poll.mu.Unlock()
			return
		}
		poll.mu.Unlock()
		pollOnce(time.Time{})
	}
}

// yield lets every other goroutine that can run run, before the caller
// waits in the host: once, and again unless every other goroutine now
// waits on a socket or for a waiter (the goroutines readied by those
// that ran may be queued behind the caller).
func yield() {
	runtime.Gosched()
	poll.mu.Lock()
	blocked := len(poll.waiting) + poll.parked + 1
	poll.mu.Unlock()
	if runtime.NumGoroutine() > blocked {
		runtime.Gosched()
	}
}

// pollOnce waits in the host once, for news on the process's sockets,
// the nearest deadline of the waiters (and own, if not zero), or idleTick
// while goroutines other than the waiters exist, then wakes the waiters
// whose socket had news or whose deadline passed. Its caller, the poller
// or a goroutine that waits itself, is the only one to wait in the host
// (poll.running), once every other goroutine that can run has run.
func pollOnce(own time.Time) {
	poll.mu.Lock()
	timeout := time.Duration(-1)
	if runtime.NumGoroutine() > len(poll.waiting)+poll.parked+1 {
		timeout = idleTick
	}
	deadlines := !own.IsZero()
	for _, w := range poll.waiting {
		deadlines = deadlines || !w.deadline.IsZero()
	}
	var now time.Time
	if deadlines {
		now = time.Now()
		for _, w := range poll.waiting {
			if !w.deadline.IsZero() {
				timeout = nearer(timeout, w.deadline.Sub(now))
			}
		}
		if !own.IsZero() {
			timeout = nearer(timeout, own.Sub(now))
		}
	}
	onWake := poll.onWake
	poll.mu.Unlock()
	n := int(hostWaitReady(int64(timeout), unsafe.Pointer(&poll.ready[0]), int32(len(poll.ready))))
	if onWake != nil {
		onWake()
	}
	poll.mu.Lock()
	if deadlines {
		now = time.Now()
	}
	all := n < 0 || n > len(poll.ready) // no network (a stub), or too much news
	ready := poll.ready[:max(0, min(n, len(poll.ready)))]
	wakeWaiters(func(w *waiter) bool {
		return all || slices.Contains(ready, w.h) || !w.deadline.IsZero() && !now.Before(w.deadline)
	})
	poll.mu.Unlock()
}

// nearer is the shorter of a timeout (negative: none) and what is left
// until a deadline (at least 1ns: zero would not wait).
func nearer(timeout, left time.Duration) time.Duration {
	left = max(left, 1)
	if timeout < 0 || left < timeout {
		return left
	}
	return timeout
}

// enosys is a host without kubeplay_net (its calls are stubs): a
// container with no network.
const enosys = -52

// errno is a host result's error, as the syscall package names it.
func errno(n int32) error {
	if n == enosys {
		return syscall.ENETUNREACH
	}
	if e, ok := errnos[-n]; ok {
		return e
	}
	return syscall.Errno(-n)
}

var errnos = map[int32]syscall.Errno{
	3: syscall.EADDRINUSE, 4: syscall.EADDRNOTAVAIL, 6: syscall.EAGAIN, 8: syscall.EBADF,
	14: syscall.ECONNREFUSED, 15: syscall.ECONNRESET, 17: syscall.EDESTADDRREQ, 23: syscall.EHOSTUNREACH, 26: syscall.EINPROGRESS,
	33: syscall.EMFILE, 35: syscall.EMSGSIZE,
	28: syscall.EINVAL, 40: syscall.ENETUNREACH, 53: syscall.ENOTCONN, 64: syscall.EPIPE, 73: syscall.ETIMEDOUT,
}

const eagain = -6

// Parked counts goroutines (delta 1 before, -1 after) that wait for
// nothing but a goroutine parked in this package (a socket waiter, or
// WaitEvent's caller): a server's main goroutine waiting on a channel
// that its signal receiver or its accept loop fills. Without the count
// the poller would take them for goroutines waiting on a timer it
// cannot see and wake every idleTick, which costs an idle server CPU.
func Parked(delta int) {
	poll.mu.Lock()
	poll.parked += delta
	if poll.parked > 0 {
		startPoller()
	}
	poll.mu.Unlock()
}

// Heartbeat tells that the program accepts on l for as long as it is
// open, a goroutine always coming back to Accept (as a server's accept
// loop does): the goroutines parked for a waiter (Parked) may count on
// it to wait in the host and take the signals, so while nothing else
// waits on a socket the accepting goroutine waits in the host itself,
// without a poller goroutine and its round trip on every connection.
func Heartbeat(l net.Listener) {
	if l, ok := l.(*listener); ok && !l.heartbeat && !l.closed {
		l.heartbeat = true
		poll.mu.Lock()
		poll.heartbeats++
		poll.mu.Unlock()
	}
}

// OnWake has f run by the poller each time it returns from the host, as
// wasmworkloads/sdk/signal takes the signals that interrupt its wait.
func OnWake(f func()) {
	poll.mu.Lock()
	poll.onWake = f
	poll.mu.Unlock()
}
