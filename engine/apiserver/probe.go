package apiserver

import "math/rand/v2"

// Probe runs f, whose writes must all be dry runs, with a random source of
// its own: a dry-run create draws a uid (and a Service its address) as the
// real one would, and the page checks a manifest each time the user stops
// typing, which must not change what the cluster draws afterwards. The
// cluster's history stays the same however often the page checks.
func (s *Server) Probe(f func()) {
	saved := s.rand
	s.rand = rand.New(rand.NewPCG(0, 0))
	defer func() { s.rand = saved }()
	f()
}
