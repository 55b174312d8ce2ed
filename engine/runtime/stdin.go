package runtime

import "io"

// Stdin is a standard input that arrives over time, as a terminal's does
// for `kubectl exec -i`: the writer adds what the user types, and a guest
// that reads with nothing there waits (its coroutine parks and the loop
// runs on) until more comes or the input is closed. Use it, as the rest
// of the runtime, under the loop's lock.
type Stdin struct {
	buf    []byte
	closed bool
	wake   func() // the parked reader's
}

// NewStdin returns an empty, open input.
func NewStdin() *Stdin { return &Stdin{} }

// Write adds input and wakes a reader waiting for it.
func (s *Stdin) Write(b []byte) (int, error) {
	if s.closed {
		return 0, io.ErrClosedPipe
	}
	s.buf = append(s.buf, b...)
	s.wakeReader()
	return len(b), nil
}

// Close ends the input: a reader gets what is left, then EOF.
func (s *Stdin) Close() error {
	s.closed = true
	s.wakeReader()
	return nil
}

// Starved reports whether a reader waits for input that has not come.
func (s *Stdin) Starved() bool { return s.wake != nil }

func (s *Stdin) wakeReader() {
	if w := s.wake; w != nil {
		s.wake = nil
		w()
	}
}

// Read reads what is there without waiting, for a reader that is not a
// guest: (0, nil) when nothing has come yet.
func (s *Stdin) Read(b []byte) (int, error) {
	if len(s.buf) == 0 && s.closed {
		return 0, io.EOF
	}
	n := copy(b, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// read is a process's read of its input: it parks the process until
// there is something to read.
func (s *Stdin) read(p *process, b []byte) (int, error) {
	for len(s.buf) == 0 && !s.closed {
		p.block(func(wake func()) { s.wake = wake })
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(b, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// stdinReader binds a Stdin to the process reading it.
type stdinReader struct {
	s *Stdin
	p *process
}

func (r stdinReader) Read(b []byte) (int, error) { return r.s.read(r.p, b) }
