package session

import (
	"context"
	"io"
	"sync"
)

// Terminal is what the user types while a command runs, for the commands
// that read it (kubectl exec -it). The page writes keystrokes as they
// come and never waits; the command reads, waiting for them.
type Terminal struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	closed bool
	onRead func() // called at the first read, then nil
}

// NewTerminal returns an open terminal with nothing typed.
func NewTerminal() *Terminal {
	t := &Terminal{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

// Write adds typed input; it never blocks.
func (t *Terminal) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, io.ErrClosedPipe
	}
	t.buf = append(t.buf, b...)
	t.cond.Broadcast()
	return len(b), nil
}

// Close ends the input (Ctrl-D, or the command was interrupted): a reader
// gets what is left, then EOF.
func (t *Terminal) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	t.cond.Broadcast()
	return nil
}

// OnRead sets f to be called once, when a command first reads the
// terminal: the page then sends what the user types to the command rather
// than keeping it for the next prompt.
func (t *Terminal) OnRead(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onRead = f
}

// Read waits for input.
func (t *Terminal) Read(b []byte) (int, error) {
	t.mu.Lock()
	if f := t.onRead; f != nil {
		t.onRead = nil
		t.mu.Unlock()
		f()
		t.mu.Lock()
	}
	defer t.mu.Unlock()
	for len(t.buf) == 0 && !t.closed {
		t.cond.Wait()
	}
	if len(t.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(b, t.buf)
	t.buf = t.buf[n:]
	return n, nil
}

// ExecTerminal is Exec with a terminal: term reads what the user types
// while the line runs (nil: nothing can be typed).
func (s *Session) ExecTerminal(ctx context.Context, line string, term io.Reader, stdout, stderr io.Writer) int {
	return s.exec(ctx, line, term, stdout, stderr, true)
}
