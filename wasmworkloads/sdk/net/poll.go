// Package net gives Go programs running as kubeplay containers TCP
// sockets over the kubeplay_net host module: Listen returns a
// net.Listener and Dial a net.Conn, so a server is plain net/http
// (http.Serve(l, handler)) and a client is http.Client with DialContext.
// LookupHost resolves names as a pod's libc does, from /etc/hosts and
// /etc/resolv.conf (search domains, ndots) through the cluster's DNS.
//
// The host's calls never block. A goroutine whose call would wait parks
// on a channel, and one poller goroutine waits in the host for news on
// any socket of the process, then wakes every parked goroutine to try
// again. The poller first yields to every goroutine that can run, so the
// module blocks in the host only when nothing else in it can make
// progress. A goroutine that would wait while no poller runs (a client
// such as wget, alone in its program) waits in the host itself, the
// same way, rather than start a poller for one wait.
package net

import (
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

var poll struct {
	mu        sync.Mutex
	gen       chan struct{}
	waiters   int
	parked    int // goroutines waiting for a waiter (see Parked)
	deadlines map[*waiter]time.Time
	running   bool
	onWake    func()
}

type waiter struct{}

// idleTick bounds the poller's wait while goroutines other than socket
// waiters exist: they may wait for a timer the poller cannot see.
const idleTick = 10 * time.Millisecond

// wait parks the calling goroutine until something happens on the
// process's sockets, or deadline (zero: none) passes.
func wait(deadline time.Time) error {
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		return os.ErrDeadlineExceeded
	}
	poll.mu.Lock()
	if !poll.running && poll.parked == 0 {
		// Nothing waits in the host: this goroutine does, itself,
		// rather than start a poller goroutine for one wait.
		poll.running = true
		if poll.gen == nil {
			poll.gen = make(chan struct{})
			poll.deadlines = map[*waiter]time.Time{}
		}
		poll.mu.Unlock()
		if runtime.NumGoroutine() > 1 {
			runtime.Gosched()
			runtime.Gosched()
		}
		pollOnce(deadline)
		poll.mu.Lock()
		poll.running = false
		if poll.parked > 0 {
			// Goroutines came to wait for a waiter meanwhile: they
			// need the poller (the waiters woken retry, and wait again).
			startPoller()
		}
		poll.mu.Unlock()
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return os.ErrDeadlineExceeded
		}
		return nil
	}
	startPoller()
	ch := poll.gen
	w := &waiter{}
	poll.waiters++
	if !deadline.IsZero() {
		poll.deadlines[w] = deadline
	}
	poll.mu.Unlock()
	<-ch
	poll.mu.Lock()
	poll.waiters--
	delete(poll.deadlines, w)
	poll.mu.Unlock()
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		return os.ErrDeadlineExceeded
	}
	return nil
}

// startPoller starts the poller if it is not running (poll.mu held).
func startPoller() {
	if poll.gen == nil {
		poll.gen = make(chan struct{})
		poll.deadlines = map[*waiter]time.Time{}
	}
	if !poll.running {
		poll.running = true
		go poller()
	}
}

// poller waits in the host for the parked goroutines, until none is left.
func poller() {
	for {
		runtime.Gosched()
		runtime.Gosched()
		poll.mu.Lock()
		if poll.waiters == 0 && poll.parked == 0 {
			poll.running = false
			poll.mu.Unlock()
			return
		}
		poll.mu.Unlock()
		pollOnce(time.Time{})
	}
}

// pollOnce waits in the host once, for news on the process's sockets,
// the nearest deadline of the waiters (and own, if not zero), or idleTick
// while goroutines other than the waiters exist, then wakes the waiters.
// Its caller, the poller or a goroutine that waits itself, is the only
// one to wait in the host (poll.running), once every other goroutine
// that can run has run.
func pollOnce(own time.Time) {
	poll.mu.Lock()
	timeout := time.Duration(-1)
	if runtime.NumGoroutine() > poll.waiters+poll.parked+1 {
		timeout = idleTick
	}
	now := time.Now()
	if !own.IsZero() {
		if left := max(own.Sub(now), 1); timeout < 0 || left < timeout {
			timeout = left
		}
	}
	for _, d := range poll.deadlines {
		if left := max(d.Sub(now), 1); timeout < 0 || left < timeout {
			timeout = left
		}
	}
	onWake := poll.onWake
	poll.mu.Unlock()
	hostWait(int64(timeout))
	if onWake != nil {
		onWake()
	}
	poll.mu.Lock()
	close(poll.gen)
	poll.gen = make(chan struct{})
	poll.mu.Unlock()
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
	14: syscall.ECONNREFUSED, 15: syscall.ECONNRESET, 23: syscall.EHOSTUNREACH, 26: syscall.EINPROGRESS,
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

// OnWake has f run by the poller each time it returns from the host, as
// wasmworkloads/sdk/signal takes the signals that interrupt its wait.
func OnWake(f func()) {
	poll.mu.Lock()
	poll.onWake = f
	poll.mu.Unlock()
}
