package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/kubeplay/kubeplay/engine/clock"
	"github.com/kubeplay/kubeplay/engine/runtime/internal/meter"
)

// process is one instance of a container's module, run as a coroutine of
// the loop: the container's own, or an exec's.
//
// The guest runs until it sleeps, blocks in a host module, uses up its
// slice of fuel or exits; then the coroutine yields how long the loop
// should wait before resuming it. Work is time: the fuel a guest used
// since it last handed the loop back, at its CPU share, is added to that
// wait, and its clock runs ahead by the same amount while it works.
type process struct {
	r      *Runtime
	c      *container
	args   []string
	env    []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	ctx    context.Context // an exec's, to cancel it
	values map[any]any

	next   func() (time.Duration, bool)
	stop   func()
	yield  func(time.Duration) bool
	wake   *clock.Timer
	parked bool
	done   bool
	// killCode is the exit code a killed process ends with; killErr why.
	killed   bool
	killCode int32
	killErr  error

	fuel    api.MutableGlobal
	given   int64 // the fuel given at the last refill
	pending int64 // fuel used since the process last handed the loop back
	running bool  // the guest is executing: a failed allocation kills it
	oom     bool
	mems    []*linearMemory
	// snap is the snapshot a reactor's process starts from; its memory
	// is allocated as a copy of the snapshot's (allocate).
	snap *snapshot

	exited func(code int32, msg string)

	// Signals (signal.go): those the process handles, those delivered
	// and not yet taken, and a count of its blocks, so that a wake armed
	// before an interruption does not resume a later block.
	sigMask, sigPending uint32
	sleeping            bool // its wait is a sleep or a block, not a yield
	blocks              uint64
}

// park is the wait of a process blocked until something wakes it.
const park = time.Duration(-1)

// fuelPerSecond is how much metered work a core does in a second of
// virtual time: one instruction a nanosecond.
const fuelPerSecond = int64(time.Second)

// start runs the process's module as a coroutine, from the next loop task.
func (p *process) start(compiled *module) {
	seed := p.r.rand.Uint64()
	for _, h := range p.r.engine.hosts {
		if h.Started != nil {
			h.Started(&Guest{p})
		}
	}
	e := p.r.engine
	e.seq++
	e.live[p] = e.seq
	p.next, p.stop = iter.Pull(func(yield func(time.Duration) bool) {
		p.yield = yield
		code, msg := p.run(compiled, seed)
		p.done = true
		delete(e.live, p)
		p.hostsExited()
		p.exited(code, msg)
	})
	p.r.loop.Post(p.resume)
}

// resume gives the process the loop until it waits again or ends.
func (p *process) resume() {
	p.wake, p.parked = nil, false
	if p.done {
		return
	}
	if p.ctx != nil && p.ctx.Err() != nil {
		p.kill(137, p.ctx.Err())
		return
	}
	d, ok := p.next()
	switch {
	case !ok:
	case d < 0:
		p.parked = true
	default:
		p.wake = p.r.loop.After(d, p.resume)
	}
}

// kill ends the process: the host call it waits in fails with an exit of
// the given code. It runs the coroutine to its end, so the process has
// exited when kill returns.
func (p *process) kill(code int32, why error) {
	if p.done {
		return
	}
	p.killed, p.killCode, p.killErr = true, code, why
	if p.wake != nil {
		p.wake.Stop()
	}
	if p.stop != nil {
		p.stop()
	}
	if !p.done { // never started: the coroutine never ran
		p.done = true
		delete(p.r.engine.live, p)
		p.hostsExited()
		p.exited(code, "")
	}
}

// hostsExited tells the host modules that the process ended.
func (p *process) hostsExited() {
	for _, h := range p.r.engine.hosts {
		if h.Exited != nil {
			h.Exited(&Guest{p})
		}
	}
}

// pause hands the loop back for d plus the CPU time worked since the last
// pause; park waits for a wake instead.
func (p *process) pause(d time.Duration) {
	work := p.settle()
	if d != 0 && p.interrupted() {
		d = 0
	}
	p.sleeping = d != 0
	if d != park {
		d += work
	}
	p.running = false
	ok := p.yield(d)
	p.running = true
	if !ok {
		panic(sys.NewExitError(uint32(p.killCode)))
	}
}

// block parks the process until the wake given to arm is called.
func (p *process) block(arm func(wake func())) {
	woken := false
	p.blocks++
	n := p.blocks
	arm(func() {
		if woken {
			return
		}
		woken = true
		if p.parked && p.blocks == n {
			p.parked = false
			p.r.loop.Post(p.resume)
		}
	})
	if !woken {
		p.pause(park)
	}
}

// outOfFuel is the metered module's call when its fuel ran out.
func (p *process) outOfFuel() {
	if p.fuel == nil { // the module's start function, before _start
		return
	}
	p.pause(0)
}

// used is the fuel used since the last refill.
func (p *process) used() int64 {
	if p.fuel == nil {
		return 0
	}
	return p.given - int64(p.fuel.Get())
}

// settle counts the fuel used as the container's CPU time, refills it and
// returns the virtual time the work since the last pause took.
func (p *process) settle() time.Duration {
	p.pending += p.used()
	if p.fuel != nil {
		p.given = p.r.engine.opts.SliceFuel
		p.fuel.Set(uint64(p.given))
	}
	d := p.c.run(p.pending)
	p.pending = 0
	return d
}

// charge counts host work done for the guest.
func (p *process) charge(fuel int64) {
	if p.fuel != nil {
		p.fuel.Set(uint64(int64(p.fuel.Get()) - fuel))
	}
}

// now is the guest's clock: the loop's, plus the work not yet handed back.
func (p *process) now() time.Time {
	return p.r.loop.Now().Add(p.c.workTime(p.pending + p.used()))
}

// run instantiates the module and runs it to the end (a command's
// _start, a reactor's main from its snapshot); it returns the exit code
// and, for a crash, a message.
func (p *process) run(m *module, seed uint64) (int32, string) {
	ctx := context.WithValue(context.Background(), processKey{}, p)
	ctx = experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(p.allocate))
	if m.reactor != nil {
		p.snap = p.r.engine.snapshot(m.reactor, m.compiled)
	}
	mod, err := p.r.engine.rt.InstantiateModule(ctx, m.compiled, p.moduleConfig(seed, m.readsEnv))
	if err != nil {
		if p.oom {
			return 137, ""
		}
		// The module does not link: it imports what the host does not
		// provide, or with another signature. The dynamic loader of a
		// Linux program that needs a symbol no library has says so and
		// ends it with 127; so does the runtime.
		fmt.Fprintf(p.stderr, "error while loading the module: %v\n", err)
		return 127, "error while loading the module: " + err.Error()
	}
	defer mod.Close(context.Background())
	if p.oom {
		return 137, ""
	}
	p.fuel = mod.ExportedGlobal(meter.FuelExport).(api.MutableGlobal)
	entry := "_start"
	snap := p.snap
	if re := m.reactor; re != nil {
		entry = meter.MainExport
		if snap != nil {
			err = snap.restore(mod, re.globals)
		} else {
			err = writeSegments(mod.Memory(), re.data)
		}
		if p.oom {
			return 137, ""
		}
		if err != nil {
			fmt.Fprintf(p.stderr, "error while loading the module: %v\n", err)
			return 127, "error while loading the module: " + err.Error()
		}
	}
	p.settle()
	p.running = true
	switch {
	case snap != nil:
		p.charge(snap.fuel) // the work of _initialize, done once for every container
	case m.reactor != nil:
		_, err = mod.ExportedFunction(meter.InitializeExport).Call(ctx)
	}
	if err == nil {
		_, err = mod.ExportedFunction(entry).Call(ctx)
	}
	p.running = false
	if !p.killed {
		// The work before the exit takes its time too.
		if d := p.settle(); d > 0 {
			p.yield(d)
		}
	}
	if err == nil {
		return 0, ""
	}
	return p.failed(err)
}

func (p *process) failed(err error) (int32, string) {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		// proc_exit takes 32 bits; a Linux parent sees the low 8 of
		// exit(2)'s status, so exit(256) is 0 and exit(-1) is 255.
		return int32(exit.ExitCode() & 0xff), ""
	}
	fmt.Fprintf(p.stderr, "%v\n", err)
	return 139, err.Error()
}

// moduleConfig is the process's configuration for wazero; env is whether
// it carries the environment (module.readsEnv).
func (p *process) moduleConfig(seed uint64, env bool) wazero.ModuleConfig {
	stdin := p.stdin
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	if s, ok := stdin.(*Stdin); ok {
		stdin = stdinReader{s, p}
	}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(p.args...).
		WithStdin(stdin).
		WithStdout(chargedWriter{p, p.stdout}).
		WithStderr(chargedWriter{p, p.stderr}).
		WithWalltime(func() (int64, int32) {
			now := p.now()
			return now.Unix(), int32(now.Nanosecond())
		}, sys.ClockResolution(time.Microsecond)).
		WithNanotime(func() int64 { return int64(p.now().Sub(p.r.boot)) }, sys.ClockResolution(1)).
		WithNanosleep(func(ns int64) { p.pause(time.Duration(ns)) }).
		WithOsyield(func() { p.pause(0) }).
		WithRandSource(&seededReader{rand.New(rand.NewPCG(seed, seed>>1|1))}).
		WithFSConfig(p.c.fsConfig()).
		WithStartFunctions()
	if !env {
		return cfg
	}
	for _, kv := range p.env {
		k, v, _ := strings.Cut(kv, "=")
		cfg = cfg.WithEnv(k, v)
	}
	return cfg
}

// writeCost is the fuel a write to standard output or error costs: a
// system call and the runtime's log handling, and the bytes.
func writeCost(n int) int64 { return 2000 + int64(n) }

// chargedWriter charges the guest for its writes.
type chargedWriter struct {
	p *process
	w io.Writer
}

func (w chargedWriter) Write(b []byte) (int, error) {
	w.p.charge(writeCost(len(b)))
	if w.w == nil {
		return len(b), nil
	}
	return w.w.Write(b)
}

type seededReader struct{ r *rand.Rand }

func (s *seededReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(s.r.UintN(256))
	}
	return len(p), nil
}
