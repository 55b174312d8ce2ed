package runtime

import (
	"context"
	"time"

	"github.com/tetratelabs/wazero"
)

// HostModule is an extension point: host functions guests may import, for
// what WASI lacks. The network layer implements its sockets as one
// ("kubeplay_net"), without the runtime knowing about sockets.
//
// The module is instantiated once per engine. Its functions learn which
// guest called them from the context they are given: GuestFrom(ctx) is
// the calling process, with its container, its pod's sandbox (the network
// namespace) and a place for per-process state; the api.Module wazero
// passes is the caller's, so its memory is the guest's. A function that
// must wait (accept, read) parks the guest with Guest.Block, which hands
// the loop back until a loop task wakes it: the guest's host call simply
// returns later in virtual time.
type HostModule struct {
	Name string
	// Define exports the module's functions on b.
	Define func(b wazero.HostModuleBuilder)
	// Started, if set, is called when a process starts, before it runs
	// (the network joins it to its pod's namespace, so that the pod's
	// address answers even before the process opens a socket).
	Started func(g *Guest)
	// Exited, if set, is called when a process that may have used the
	// module ends, to release what it held (its sockets).
	Exited func(g *Guest)
}

type hostModule struct {
	HostModule
}

func (e *Engine) mustCompileHost(h HostModule) {
	b := e.rt.NewHostModuleBuilder(h.Name)
	h.Define(b)
	if _, err := b.Instantiate(e.ctx); err != nil {
		panic(err)
	}
	e.hosts = append(e.hosts, hostModule{h})
}

// Guest is a running module instance as host functions see it.
type Guest struct {
	p *process
}

type processKey struct{}

// GuestFrom returns the guest whose call ctx belongs to, or nil.
func GuestFrom(ctx context.Context) *Guest {
	if p := processFrom(ctx); p != nil {
		return &Guest{p}
	}
	return nil
}

func processFrom(ctx context.Context) *process {
	p, _ := ctx.Value(processKey{}).(*process)
	return p
}

// ContainerID is the container the guest runs in.
func (g *Guest) ContainerID() string { return g.p.c.id }

// Sandbox is the guest's pod sandbox.
func (g *Guest) Sandbox() Sandbox { return g.p.c.cfg.Sandbox }

// Node is the node the guest runs on.
func (g *Guest) Node() string { return g.p.r.node }

// Now is the guest's clock: the loop's time plus the CPU time it has used
// since it last handed the loop back.
func (g *Guest) Now() time.Time { return g.p.now() }

// Charge counts work a host function did for the guest, in fuel (one unit
// is a nanosecond of CPU), as a system call's time counts for a process.
func (g *Guest) Charge(fuel int64) { g.p.charge(fuel) }

// Sleep parks the guest for d of virtual time.
func (g *Guest) Sleep(d time.Duration) { g.p.pause(d) }

// Block parks the guest until wake is called from a loop task. arm is
// given wake at once; calling it more than once does nothing.
func (g *Guest) Block(arm func(wake func())) { g.p.block(arm) }

// Value returns per-process state kept under key.
func (g *Guest) Value(key any) any { return g.p.values[key] }

// SetValue keeps per-process state under key.
func (g *Guest) SetValue(key, v any) {
	if g.p.values == nil {
		g.p.values = map[any]any{}
	}
	g.p.values[key] = v
}
