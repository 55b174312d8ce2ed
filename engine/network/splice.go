package network

// Stream is one end of a byte stream on the loop, as a Conn is: reads and
// writes never block (EAGAIN), and the function given to Notify is
// called when something changed.
type Stream interface {
	Read(b []byte) (int, error)
	Write(b []byte) (int, error)
	CloseWrite()
	Close()
	Notify(f func())
}

// Notify sets the function called when something changed (OnEvent).
func (c *Conn) Notify(f func()) { c.OnEvent = f }

// spliceChunk is how much one direction of a splice reads at a time.
const spliceChunk = 32 << 10

// Splice copies a's bytes to b and b's to a until both have ended (a
// read's end of stream shuts the other's writing side, as a proxy that
// half-closes does) or one fails, which closes both (the other end sees
// its connection reset if it had unread data). done, if set, is called
// once, after both are closed.
func Splice(a, b Stream, done func()) {
	s := &splice{ends: [2]Stream{a, b}, done: done}
	a.Notify(s.pump)
	b.Notify(s.pump)
	s.pump()
}

type splice struct {
	ends    [2]Stream
	pending [2][]byte // read from ends[i], not yet written to the other
	eof     [2]bool   // ends[i] has ended and the other's writing side is shut
	over    bool
	done    func()
}

// pump moves what can be moved in both directions.
func (s *splice) pump() {
	for !s.over {
		moved := false
		for i := range 2 {
			m, failed := s.move(i)
			if failed {
				s.finish()
				return
			}
			moved = moved || m
		}
		if s.eof[0] && s.eof[1] {
			s.finish()
			return
		}
		if !moved {
			return
		}
	}
}

// move copies from ends[i] to the other end; it reports whether anything
// moved, and a failure of either end.
func (s *splice) move(i int) (moved, failed bool) {
	src, dst := s.ends[i], s.ends[1-i]
	for {
		if len(s.pending[i]) > 0 {
			n, err := dst.Write(s.pending[i])
			switch {
			case err == EAGAIN || err == EINPROGRESS:
				return moved, false
			case err != nil:
				return moved, true
			}
			s.pending[i], moved = s.pending[i][n:], moved || n > 0
			continue
		}
		if s.eof[i] {
			return moved, false
		}
		buf := make([]byte, spliceChunk)
		n, err := src.Read(buf)
		switch {
		case err == EAGAIN || err == EINPROGRESS:
			return moved, false
		case err != nil:
			return moved, true
		case n == 0:
			s.eof[i] = true
			dst.CloseWrite()
			return true, false
		}
		s.pending[i], moved = buf[:n], true
	}
}

func (s *splice) finish() {
	s.over = true
	for _, e := range s.ends {
		e.Notify(nil)
		e.Close()
	}
	if s.done != nil {
		s.done()
	}
}
