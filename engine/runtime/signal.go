package runtime

import (
	"context"

	"github.com/tetratelabs/wazero/api"
)

// Signals. WASI has none, so the runtime delivers them itself through its
// kubeplay_proc host module, which a guest imports to handle them:
//
//	signal_mask(mask i32) -> i32   the signals the process handles (bit n
//	                               for signal n), returning the old mask
//	signal_take() -> i32           the handled signals delivered since the
//	                               last take, cleared
//
// A delivered signal the process handles interrupts the host call it
// waits in (a sleep, kubeplay_net's wait), as a signal interrupts a
// system call with EINTR, and the guest takes it on its way back. A
// signal it does not handle is ignored: a container's process is PID 1
// of its PID namespace, and the kernel gives PID 1 no default action, so
// SIGTERM does nothing to `sleep 3600` and only SIGKILL ends it.
// wasmworkloads/sdk/signal is the guest's side.
const procModule = "kubeplay_proc"

// Signal numbers, as Linux's on amd64 (and WASI's, for these).
const (
	SIGHUP  = 1
	SIGINT  = 2
	SIGQUIT = 3
	SIGKILL = 9
	SIGTERM = 15
)

// signalNames are the names of the signals an image may stop with.
var signalNames = map[string]int{"SIGHUP": SIGHUP, "SIGINT": SIGINT, "SIGQUIT": SIGQUIT, "SIGKILL": SIGKILL, "SIGTERM": SIGTERM,
	"SIGUSR1": 10, "SIGUSR2": 12, "SIGWINCH": 28}

// stopSignal is the signal that stops a container of the image: its
// config's StopSignal, SIGTERM by default, as containerd reads it.
func (c ImageConfig) stopSignal() int {
	if n, ok := signalNames[c.StopSignal]; ok {
		return n
	}
	return SIGTERM
}

func (e *Engine) mustInstantiateProc() {
	i32 := api.ValueTypeI32
	b := e.rt.NewHostModuleBuilder(procModule)
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, st []uint64) {
		p := processFrom(ctx)
		old := p.sigMask
		p.sigMask = uint32(st[0]) &^ (1<<SIGKILL | 1)
		st[0] = uint64(old)
	}), []api.ValueType{i32}, []api.ValueType{i32}).Export("signal_mask")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, st []uint64) {
		p := processFrom(ctx)
		st[0] = uint64(p.sigPending)
		p.sigPending = 0
	}), nil, []api.ValueType{i32}).Export("signal_take")
	if _, err := b.Instantiate(e.ctx); err != nil {
		panic(err)
	}
}

// handles reports whether the process has a handler for sig.
func (p *process) handles(sig int) bool { return p.sigMask&(1<<sig) != 0 }

// signal delivers sig to a process that handles it, interrupting the
// host call it waits in.
func (p *process) signal(sig int) {
	if p.done || !p.handles(sig) {
		return
	}
	p.sigPending |= 1 << sig
	switch {
	case p.parked:
		p.parked = false
		p.blocks++ // the wake armed for the block is stale now
		p.r.loop.Post(p.resume)
	case p.wake != nil && p.sleeping:
		p.wake.Stop()
		p.wake = nil
		p.r.loop.Post(p.resume)
	}
}

// interrupted reports whether a signal waits to be taken: until the
// guest takes it, its waits return at once.
func (p *process) interrupted() bool { return p.sigPending != 0 }
