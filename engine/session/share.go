package session

import (
	"errors"

	"github.com/kubeplay/kubeplay/engine/shell"
)

// SetSharer tells the session how to make its share links and exports
// (package share does; it needs the session, so it cannot be built in).
func (s *Session) SetSharer(sh shell.Sharer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sharer = sh
}

var errNoSharer = errors.New("this session cannot be shared")

func (s *Session) getSharer() (shell.Sharer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sharer == nil {
		return nil, errNoSharer
	}
	return s.sharer, nil
}

// The shell's host forwards kubeplay share and export to the sharer.

func (h host) Link() (string, error) {
	sh, err := h.s.getSharer()
	if err != nil {
		return "", err
	}
	return sh.Link()
}

func (h host) ScenarioFile() ([]byte, error) {
	sh, err := h.s.getSharer()
	if err != nil {
		return nil, err
	}
	return sh.ScenarioFile()
}

func (h host) Export() ([]byte, error) {
	sh, err := h.s.getSharer()
	if err != nil {
		return nil, err
	}
	return sh.Export()
}

// HistoryDigest is kubeplay hash: the digest of every revision the
// cluster's store committed.
func (h host) HistoryDigest() (string, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	d := h.s.cluster.API().Store().Digest()
	if d == "" {
		return "", errors.New("this cluster keeps no digest of its history")
	}
	return d, nil
}

// HistoryRevisions is kubeplay hash --revisions.
func (h host) HistoryRevisions() []string {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.s.cluster.API().Store().Revisions()
}
