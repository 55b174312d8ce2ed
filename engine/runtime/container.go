package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"math/rand/v2"
	"path"
	"strings"
	"testing/fstest"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"
)

// container is a running or finished module instance.
type container struct {
	id      string
	cfg     ContainerConfig
	state   State
	created time.Time
	started time.Time
	ended   time.Time
	code    int32
	reason  string
	message string
	log     *logBuffer

	next      func() (time.Duration, bool)
	stop      func()
	wake      interface{ Stop() bool }
	killTimer interface{ Stop() bool }
	killCode  int32
}

func (c *container) status() ContainerStatus {
	return ContainerStatus{
		ID: Name + "://" + c.id, Name: c.cfg.Name, State: c.state, ExitCode: c.code, Reason: c.reason, Message: c.message,
		CreatedAt: c.created, StartedAt: c.started, FinishedAt: c.ended, Image: c.cfg.Image,
	}
}

// StartContainer starts a created container. The module runs as a
// coroutine: it gets the loop until it sleeps or exits.
func (r *Runtime) StartContainer(id string) error {
	c, ok := r.containers[id]
	if !ok {
		return ErrNotFound
	}
	if c.state != Created {
		return fmt.Errorf("container %s is not in created state", id)
	}
	compiled, err := r.engine.load(c.cfg.Image.Config.Module)
	if err != nil {
		return err
	}
	c.state, c.started = Running, r.loop.Now()
	seed := r.rand.Uint64()
	c.next, c.stop = iter.Pull(func(yield func(time.Duration) bool) {
		code, msg := r.run(c, compiled, seed, yield)
		if c.state == Running {
			c.finish(code, exitReason(code), msg)
			r.notify(c)
		}
	})
	r.loop.Post(func() { r.resume(c) })
	return nil
}

// resume gives the container the loop until it sleeps again or exits.
func (r *Runtime) resume(c *container) {
	if c.state != Running {
		return
	}
	d, ok := c.next()
	if !ok {
		return
	}
	c.wake = r.loop.After(d, func() { r.resume(c) })
}

// kill ends a running module: a sleeping guest's sleep fails with an exit
// of the given code.
func (c *container) kill(code int32) {
	c.killCode = code
	if c.wake != nil {
		c.wake.Stop()
	}
	if c.killTimer != nil {
		c.killTimer.Stop()
	}
	if c.stop != nil {
		c.stop()
	}
}

func (c *container) finish(code int32, reason, msg string) {
	c.state, c.code, c.reason, c.message = Exited, code, reason, msg
	c.ended = c.log.now()
}

// run instantiates the module and runs its _start to the end; it returns
// the exit code and, for a crash, a message.
func (r *Runtime) run(c *container, compiled wazero.CompiledModule, seed uint64, yield func(time.Duration) bool) (int32, string) {
	sleep := func(ns int64) {
		if !yield(time.Duration(ns)) {
			panic(sys.NewExitError(uint32(c.killCode)))
		}
	}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(argv(c.cfg)...).
		WithStdout(streamWriter{c.log, 0}).
		WithStderr(streamWriter{c.log, 1}).
		WithStdin(strings.NewReader("")).
		WithWalltime(func() (int64, int32) {
			now := r.loop.Now()
			return now.Unix(), int32(now.Nanosecond())
		}, sys.ClockResolution(time.Microsecond)).
		WithNanotime(func() int64 { return int64(r.loop.Now().Sub(r.boot)) }, sys.ClockResolution(1)).
		WithNanosleep(sleep).
		WithOsyield(func() { sleep(0) }).
		WithRandSource(&seededReader{rand.New(rand.NewPCG(seed, seed>>1|1))}).
		WithFSConfig(wazero.NewFSConfig().WithFSMount(rootFS(c.cfg), "/")).
		WithStartFunctions("_start")
	for _, kv := range c.cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		cfg = cfg.WithEnv(k, v)
	}
	mod, err := r.engine.rt.InstantiateModule(context.Background(), compiled, cfg)
	if mod != nil {
		defer mod.Close(context.Background())
	}
	var exit *sys.ExitError
	switch {
	case err == nil:
		return 0, ""
	case errors.As(err, &exit):
		return int32(exit.ExitCode()), ""
	}
	fmt.Fprintf(streamWriter{c.log, 1}, "%v\n", err)
	return 139, err.Error()
}

// argv resolves the command line as Docker does: the pod's command replaces
// the image's entrypoint (and drops its cmd), the pod's args replace the cmd.
func argv(cfg ContainerConfig) []string {
	img := cfg.Image.Config
	entry, cmd := img.Entrypoint, img.Cmd
	if len(cfg.Command) > 0 {
		entry, cmd = cfg.Command, nil
	}
	if len(cfg.Args) > 0 {
		cmd = cfg.Args
	}
	return append(append([]string(nil), entry...), cmd...)
}

// rootFS is the container's file system: the files the kubelet provides.
func rootFS(cfg ContainerConfig) fs.FS {
	m := fstest.MapFS{}
	for name, data := range cfg.Files {
		m[strings.TrimPrefix(path.Clean(name), "/")] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
}

type seededReader struct{ r *rand.Rand }

func (s *seededReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(s.r.UintN(256))
	}
	return len(p), nil
}
