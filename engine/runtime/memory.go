package runtime

import (
	"bytes"

	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"
)

// A guest's memory is its linear memory: the container's limit
// (resources.limits.memory) caps the linear memories of its processes
// together, its own and its execs'. A Go guest's runtime overhead counts,
// as a real container's page cache and runtime do: a Go wasip1 program
// starts with a few MiB. Linear memory never shrinks, so what a guest once
// used stays counted, as RSS a process never returns would.
//
// A memory.grow past the limit ends the process at once with exit code
// 137, as the kernel's OOM killer does with SIGKILL; the container's
// reason is OOMKilled.

// linearMemory backs one module instance's memory.
type linearMemory struct {
	p   *process
	buf []byte
}

func (p *process) allocate(_, _ uint64) experimental.LinearMemory {
	m := &linearMemory{p: p}
	if p.snap != nil && len(p.mems) == 0 {
		// A process started from a snapshot: its memory is a copy of the
		// snapshot's from the start (restore grows it to the snapshot's
		// size), one copy instead of zeroing, growing and writing.
		m.buf = bytes.Clone(p.snap.memory)[:0]
	}
	p.mems = append(p.mems, m)
	return m
}

// Reallocate implements experimental.LinearMemory.
func (m *linearMemory) Reallocate(size uint64) []byte {
	c := m.p.c
	if c.memoryUsed()-uint64(len(m.buf))+size > c.memoryLimit() {
		m.p.outOfMemory() // at instantiation the process ends before it starts
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	grown := max(size, min(2*uint64(cap(m.buf)), c.memoryLimit()))
	buf := make([]byte, size, grown)
	copy(buf, m.buf)
	m.buf = buf
	return buf
}

// Free implements experimental.LinearMemory.
func (m *linearMemory) Free() {
	m.buf = nil
	m.p.mems = nil
}

// outOfMemory is the OOM killer's verdict on the process: a running one
// ends at once with 137 (its host call or memory.grow does not return);
// one being instantiated is marked, and ends before it starts.
func (p *process) outOfMemory() {
	p.oom = true
	if p.running {
		panic(sys.NewExitError(137))
	}
}

// memoryUsed is the linear memory of the container's live processes and
// the files it wrote to memory-backed volumes (Tmpfs).
func (c *container) memoryUsed() uint64 {
	n := uint64(c.tmpfs)
	for _, p := range c.procs {
		for _, m := range p.mems {
			n += uint64(len(m.buf))
		}
	}
	return n
}

// memoryLimit is the container's limit, or the engine's cap.
func (c *container) memoryLimit() uint64 {
	limit := c.r.engine.opts.MaxMemory
	if l := c.cfg.Resources.MemoryBytes; l > 0 && l < limit {
		limit = l
	}
	return uint64(limit)
}

var _ experimental.LinearMemory = (*linearMemory)(nil)
