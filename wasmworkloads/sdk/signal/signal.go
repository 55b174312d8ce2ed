// Package signal gives Go programs running as kubeplay containers the
// signals the runtime sends, as os/signal does on Linux (on wasip1,
// os/signal receives nothing): Notify relays them to a channel.
//
// A container's program is PID 1 of its PID namespace, which the kernel
// gives no default action: a signal nobody handles is ignored. A Go
// program is different, because the Go runtime installs its own
// handlers: a SIGTERM, SIGINT or SIGHUP that no Notify asked for makes
// it try to die of the signal, which PID 1 cannot, and then exit with
// status 2. GoRuntime makes a program behave so, as the real Go images
// (agnhost, http-echo, hello-app) do.
//
// Signals arrive through the kubeplay_proc host module: a signal
// interrupts the wait of the sockets' poller of wasmworkloads/sdk/net,
// which takes them each time it returns from the host. So a program gets
// signals while it has sockets or goroutines waiting in Wait.
package signal

import (
	"fmt"
	"os"
	"sync"
	"syscall"

	kpnet "github.com/kubeplay/kubeplay/wasmworkloads/sdk/net"
)

var state struct {
	mu        sync.Mutex
	handlers  map[syscall.Signal][]chan<- os.Signal
	goRuntime bool
	started   bool
}

// goDefault are the signals the Go runtime's handler ends a program on.
var goDefault = []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM}

// Notify relays the signals sig to c, without blocking, as os/signal's
// Notify does.
func Notify(c chan<- os.Signal, sig ...os.Signal) {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.handlers == nil {
		state.handlers = map[syscall.Signal][]chan<- os.Signal{}
	}
	for _, s := range sig {
		if n, ok := s.(syscall.Signal); ok {
			state.handlers[n] = append(state.handlers[n], c)
		}
	}
	update()
}

// Wait receives from c, a channel given to Notify, telling the sockets'
// poller that this goroutine waits only for a signal, so that it does
// not wake to look for timers while nothing happens.
func Wait(c <-chan os.Signal) os.Signal {
	kpnet.Parked(1)
	defer kpnet.Parked(-1)
	return <-c
}

// GoRuntime makes the program handle signals as the Go runtime does when
// it is PID 1: SIGHUP, SIGINT, SIGQUIT and SIGTERM that no Notify asked
// for end it with exit status 2 (SIGQUIT after its goroutine dump).
func GoRuntime() {
	state.mu.Lock()
	defer state.mu.Unlock()
	state.goRuntime = true
	update()
}

// update tells the host what the program handles and starts the
// goroutine that takes signals.
func update() {
	var mask uint32
	for n := range state.handlers {
		mask |= 1 << n
	}
	if state.goRuntime {
		for _, n := range goDefault {
			mask |= 1 << n
		}
	}
	hostSignalMask(int32(mask))
	if !state.started && available {
		state.started = true
		kpnet.OnWake(take)
	}
}

// take delivers the signals that came since the last take.
func take() {
	if m := uint32(hostSignalTake()); m != 0 {
		deliver(m)
	}
}

// deliver relays each signal in mask, lowest first.
func deliver(mask uint32) {
	for n := syscall.Signal(1); n < 32; n++ {
		if mask&(1<<n) == 0 {
			continue
		}
		state.mu.Lock()
		chans := state.handlers[n]
		dflt := state.goRuntime
		state.mu.Unlock()
		if len(chans) == 0 && dflt {
			if n == syscall.SIGQUIT {
				fmt.Fprintf(os.Stderr, "SIGQUIT: quit\n")
			}
			os.Exit(2)
		}
		for _, c := range chans {
			select {
			case c <- n:
			default:
			}
		}
	}
}
