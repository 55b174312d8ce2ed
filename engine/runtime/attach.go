package runtime

import "io"

// AttachRequest is a client attaching to a container's main process (the
// CRI's Attach, behind `kubectl attach` and `kubectl run -i`).
type AttachRequest struct {
	Stdout, Stderr io.Writer // nil discards; with a terminal all goes to Stdout
	// Done is called when the main process ends, which ends the attachment.
	Done func()
}

// attachment is an attached client's view of the output.
type attachment struct {
	out  [2]io.Writer
	done func()
}

// endAttached ends the attachments: the main process has ended.
func (c *container) endAttached() {
	attached := c.attached
	c.attached = nil
	for _, a := range attached {
		if a.done != nil {
			a.done()
		}
	}
}

// mainOutput is a stream of the main process: the log, and each attached
// client as it is written.
type mainOutput struct {
	c      *container
	stream int
}

func (w mainOutput) Write(p []byte) (int, error) {
	w.c.log.write(w.stream, p)
	for _, a := range w.c.attached {
		if o := a.out[w.stream]; o != nil {
			_, _ = o.Write(p)
		}
	}
	return len(p), nil
}

// Attach connects a client to a running container's main process: from
// now on what it writes goes to the request's writers too, starting with
// the line it is writing (a shell's prompt), which the log does not hold
// yet. The container's input (a container with Stdin) is returned for the
// client to write to; nil without one. detach ends the attachment; with
// StdinOnce the first detach closes the input, as the CRI does.
func (r *Runtime) Attach(id string, req AttachRequest) (stdin *Stdin, detach func(), err error) {
	c, ok := r.containers[id]
	if !ok {
		return nil, nil, ErrNotFound
	}
	if c.state != Running {
		return nil, nil, ErrNotRunning
	}
	a := &attachment{out: [2]io.Writer{req.Stdout, req.Stderr}, done: req.Done}
	if c.cfg.TTY {
		a.out[1] = req.Stdout
	}
	for i, o := range a.out {
		if part := c.log.partial[i]; o != nil && len(part) > 0 {
			_, _ = o.Write(part)
		}
	}
	c.attached = append(c.attached, a)
	detach = func() {
		for i, b := range c.attached {
			if b == a {
				c.attached = append(c.attached[:i:i], c.attached[i+1:]...)
				break
			}
		}
		if c.cfg.StdinOnce && c.stdin != nil {
			_ = c.stdin.Close()
		}
	}
	return c.stdin, detach, nil
}
