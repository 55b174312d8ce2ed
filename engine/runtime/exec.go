package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubeplay/kubeplay/engine/clock"
)

// ExecSync runs a command in a running container's context, as `kubectl
// exec` and exec probes do: a new instance of the container's module with
// the command as its arguments, the same root file system and mounts, the
// same environment, the same pod sandbox. Its memory counts toward the
// container's limit and its CPU toward the container's usage. The command
// runs as a coroutine of the loop like the container itself; req.Done gets
// how it ended. Stopping the container, canceling ctx or the timeout
// passing ends it with exit code 137 and the reason in ExecResult.Err.
func (r *Runtime) ExecSync(ctx context.Context, id string, req ExecRequest) error {
	c, ok := r.containers[id]
	if !ok {
		return ErrNotFound
	}
	if c.state != Running {
		return ErrNotRunning
	}
	if len(req.Cmd) == 0 {
		return errors.New("exec: no command")
	}
	mod, args, err := c.cfg.Image.Config.process(req.Cmd)
	if err == nil && c.denied(req.Cmd[0]) {
		err = ErrExecNotFound{Command: req.Cmd[0], Denied: true}
	}
	if err != nil {
		return err
	}
	compiled, err := r.engine.load(mod)
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	env := c.env()
	if req.TTY {
		env = append(env[:len(env):len(env)], "TERM=xterm")
	}
	p := c.newProcess(args, env, req.Stdin, req.Stdout, req.Stderr)
	p.ctx = ctx
	var timeout *clock.Timer
	if req.Timeout > 0 {
		timeout = r.loop.After(req.Timeout, func() { p.kill(137, ErrExecTimeout) })
	}
	p.exited = func(code int32, _ string) {
		c.drop(p)
		if timeout != nil {
			timeout.Stop()
		}
		res := ExecResult{ExitCode: code}
		switch {
		case p.killed:
			res.ExitCode, res.Err = p.killCode, p.killErr
		case p.oom:
			res.ExitCode = 137
			// The container's cgroup is one unit for the OOM killer (the
			// kubelet sets memory.oom.group on cgroup v2 since 1.28): all
			// of its processes are killed, and it ends OOMKilled.
			r.end(c, 137, "OOMKilled")
		}
		if req.Done != nil {
			r.loop.Post(func() { req.Done(res) })
		}
	}
	p.start(compiled)
	return nil
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
