package runtime

import (
	"errors"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/clock"
)

// container is a created, running or exited container.
type container struct {
	r       *Runtime
	id      string
	cfg     ContainerConfig
	state   State
	created time.Time
	started time.Time
	ended   time.Time
	code    int32
	reason  string
	message string
	log     *containerLog
	root    *rootFS
	tmpfs   int64 // bytes of memory-backed volumes' files it wrote (Tmpfs)

	main      *process
	stdin     *Stdin        // the main process's input, with cfg.Stdin
	attached  []*attachment // clients that see the main process's output
	procs     []*process    // live processes: the container's own, then execs
	killTimer *clock.Timer

	cpu        int64     // CPU nanoseconds booked by all its processes
	busyUntil  time.Time // when the work booked in cpu is done
	fuel       int64     // the work they did
	tokens     int64     // the host's fuel left to lend (see Options.BurstFuel)
	refilled   time.Time
	lastSample struct {
		at  time.Time
		cpu int64
		// rate is the last rate computed, for a second look at the same instant.
		rate uint64
	}
}

func (c *container) status() ContainerStatus {
	return ContainerStatus{
		ID: Name + "://" + c.id, Name: c.cfg.Name, State: c.state, ExitCode: c.code, Reason: c.reason, Message: c.message,
		CreatedAt: c.created, StartedAt: c.started, FinishedAt: c.ended, Image: c.cfg.Image,
	}
}

// StartContainer starts a created container. The module runs as a
// coroutine: it gets the loop until it sleeps, runs out of its slice or
// exits.
func (r *Runtime) StartContainer(id string) error {
	c, ok := r.containers[id]
	if !ok {
		return ErrNotFound
	}
	if c.state != Created {
		return fmt.Errorf("container %s is not in created state", id)
	}
	mod, args, err := c.cfg.Image.Config.process(argv(c.cfg))
	if a := argv(c.cfg); err == nil && len(a) > 0 && c.denied(a[0]) {
		err = ErrExecNotFound{Command: a[0], Denied: true}
	}
	var notFound ErrExecNotFound
	if errors.As(err, &notFound) {
		// runc fails the container's init: it ends at once, as StartError
		// with exit code 128, and the kubelet restarts it with backoff.
		msg := fmt.Sprintf("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: %q: %s", notFound.Command, notFound.reason())
		c.started = time.Unix(0, 0).UTC() // containerd's start of a task that never ran
		c.finish(128, "StartError", msg)
		r.notify(c)
		return errors.New(msg + ": unknown")
	}
	if err != nil {
		return err
	}
	compiled, err := r.engine.load(mod)
	if err != nil {
		return err
	}
	c.state, c.started = Running, r.loop.Now()
	c.main = c.newMain(args)
	c.main.exited = func(code int32, msg string) {
		c.drop(c.main)
		c.endAttached()
		if c.state != Running {
			return // killed: the killer has set the end
		}
		reason := exitReason(code)
		if c.main.oom {
			code, reason = 137, "OOMKilled"
		}
		c.finish(code, reason, msg)
		c.killAll()
		r.notify(c)
	}
	c.lastSample.at = c.started
	c.tokens, c.refilled = r.engine.opts.BurstFuel, c.started
	c.main.start(compiled)
	return nil
}

// newMain is the container's own process: its output goes to the log and
// to the attached clients; with a terminal, stderr is stdout.
func (c *container) newMain(args []string) *process {
	env := c.env()
	if c.cfg.TTY {
		env = append(env, "TERM=xterm")
	}
	out, errOut := mainOutput{c, 0}, mainOutput{c, 1}
	if c.cfg.TTY {
		errOut = out
	}
	if !c.cfg.Stdin {
		return c.newProcess(args, env, nil, out, errOut)
	}
	c.stdin = NewStdin()
	return c.newProcess(args, env, c.stdin, out, errOut)
}

func (c *container) newProcess(args, env []string, stdin interface{ Read([]byte) (int, error) }, stdout, stderr interface{ Write([]byte) (int, error) }) *process {
	p := &process{r: c.r, c: c, args: args, env: env, stdin: stdin, stdout: stdout, stderr: stderr}
	c.procs = append(c.procs, p)
	return p
}

// drop forgets an ended process.
func (c *container) drop(p *process) {
	for i, q := range c.procs {
		if q == p {
			c.procs = append(c.procs[:i], c.procs[i+1:]...)
			return
		}
	}
}

// env is the container's environment: the kubelet's, plus PWD for the
// working directory (a wasip1 guest's os.Getwd reads it).
func (c *container) env() []string {
	env := append([]string(nil), c.cfg.Env...)
	wd := c.cfg.WorkingDir
	if wd == "" {
		wd = c.cfg.Image.Config.WorkingDir
	}
	if wd != "" {
		env = append(env, "PWD="+wd)
	}
	return env
}

// kill ends a running container's processes; the caller has set how it
// ended.
func (c *container) kill() {
	if c.killTimer != nil {
		c.killTimer.Stop()
	}
	c.killAll()
}

// killAll ends every live process, execs first.
func (c *container) killAll() {
	for len(c.procs) > 0 {
		p := c.procs[len(c.procs)-1]
		c.drop(p)
		p.kill(137, ErrContainerStopped)
	}
}

func (c *container) finish(code int32, reason, msg string) {
	c.state, c.code, c.reason, c.message = Exited, code, reason, msg
	c.ended = c.r.loop.Now()
	if c.main != nil {
		c.ended = c.main.now()
	}
	c.log.close()
}

// clock is the container's time for its log: its main process's clock
// while it runs.
func (c *container) clock() time.Time {
	if c.main != nil && !c.main.done {
		return c.main.now()
	}
	return c.r.loop.Now()
}

// run accounts for work done and returns the virtual time it takes: the
// work at the container's CPU share, or longer when the host's loan is
// spent and the container must wait for it to refill. The whole time
// counts as CPU time at the share.
func (c *container) run(fuel int64) time.Duration {
	opts := c.r.engine.opts
	now := c.r.loop.Now()
	if elapsed := now.Sub(c.refilled); elapsed > 0 {
		full := time.Duration(opts.BurstFuel * int64(time.Second) / opts.HostFuelPerSecond)
		if elapsed >= full {
			c.tokens = opts.BurstFuel
		} else {
			c.tokens = min(opts.BurstFuel, c.tokens+int64(elapsed)*opts.HostFuelPerSecond/int64(time.Second))
		}
		c.refilled = now
	}
	c.tokens -= fuel
	c.fuel += fuel
	d := c.workTime(fuel)
	if c.tokens < 0 {
		d = max(d, time.Duration(-c.tokens*int64(time.Second)/opts.HostFuelPerSecond))
	}
	c.cpu += int64(d) * c.shareMillis() / 1000
	c.busyUntil = later(c.busyUntil, now).Add(d)
	return d
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// cpuAt is the CPU time used by now: what run booked, less the part of
// the last work that runs after now.
func (c *container) cpuAt(now time.Time) int64 {
	if ahead := c.busyUntil.Sub(now); ahead > 0 {
		return c.cpu - int64(ahead)*c.shareMillis()/1000
	}
	return c.cpu
}

// shareMillis is the container's CPU share in millicores.
func (c *container) shareMillis() int64 {
	if l := c.cfg.Resources.CPUMillis; l > 0 && l < 1000 {
		return l
	}
	return 1000
}

// workTime is the virtual time fuel takes at the container's CPU share: a
// core, or its CPU limit if lower. A guest is one thread, so it never uses
// more than a core.
func (c *container) workTime(fuel int64) time.Duration {
	return time.Duration(fuel * int64(time.Second) / fuelPerSecond * 1000 / c.shareMillis())
}

// stats reports the container's usage; the CPU rate is over the time
// since the previous look, as cAdvisor's is over its sampling window.
func (c *container) stats(now time.Time) ContainerStats {
	s := &c.lastSample
	cpu := c.cpuAt(now)
	if now.After(s.at) {
		if !s.at.IsZero() {
			s.rate = uint64(float64(cpu-s.cpu) / now.Sub(s.at).Seconds())
		}
		s.at, s.cpu = now, cpu
	}
	return ContainerStats{Timestamp: now, UsageCoreNanoSeconds: uint64(cpu), UsageNanoCores: s.rate, WorkingSetBytes: c.memoryUsed(), Instructions: uint64(c.fuel)}
}
