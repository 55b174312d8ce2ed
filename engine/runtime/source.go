package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"sync"
)

// FSSource serves modules from a file system holding NAME.wasm files, such
// as the modules embedded in the native binary.
// Clusters side by side (the tests') may share one.
type FSSource struct {
	fsys  fs.FS
	mu    sync.Mutex
	stats map[string]Module
}

// NewFSSource returns a source over fsys.
func NewFSSource(fsys fs.FS) *FSSource {
	return &FSSource{fsys: fsys, stats: map[string]Module{}}
}

// Stat implements ModuleSource; it hashes the module once.
func (s *FSSource) Stat(name string) (Module, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.stats[name]; ok {
		return m, true
	}
	b, err := fs.ReadFile(s.fsys, name+".wasm")
	if err != nil {
		return Module{}, false
	}
	sum := sha256.Sum256(b)
	m := Module{Name: name, Size: int64(len(b)), Digest: "sha256:" + hex.EncodeToString(sum[:])}
	s.stats[name] = m
	return m, true
}

// Fetch implements ModuleSource.
func (s *FSSource) Fetch(name string) ([]byte, error) {
	return fs.ReadFile(s.fsys, name+".wasm")
}
