package runtime

import (
	"errors"
	"slices"
	"strings"
)

// Tmpfs is the account of a memory-backed volume (an emptyDir of medium
// Memory), shared by the containers of its pod that mount it. Its files
// are memory: each byte a write adds is charged to the container that
// wrote it, as the kernel charges a tmpfs page to the memory cgroup of
// the process that first touched it, and counts toward that container's
// memory limit until the file shrinks or goes. A write that takes the
// container past its limit is an OOM kill of the writing process (137),
// and the container's OOMKilled when that is its main process. A
// container that restarts starts with nothing charged (a new cgroup),
// while the files stay.
type Tmpfs struct {
	files map[string][]tmpfsChunk // by path in the volume: what each writer added, oldest first
}

type tmpfsChunk struct {
	c *container
	n int64
}

// NewTmpfs returns the account of an empty memory-backed volume.
func NewTmpfs() *Tmpfs { return &Tmpfs{files: map[string][]tmpfsChunk{}} }

// tmpfsMount is a container's view of a Tmpfs: what it writes is charged
// to it.
type tmpfsMount struct {
	t *Tmpfs
	c *container
}

// errNoMemory refuses a write that no running process of the container
// made (none is to be killed).
var errNoMemory = errors.New("cannot allocate memory")

func (m tmpfsMount) Grow(rel string, n int64) error {
	c := m.c
	if c.memoryUsed()+uint64(n) > c.memoryLimit() {
		for _, p := range c.procs {
			if p.running {
				p.outOfMemory()
			}
		}
		return errNoMemory
	}
	chunks := m.t.files[rel]
	if k := len(chunks); k > 0 && chunks[k-1].c == c {
		chunks[k-1].n += n
	} else {
		chunks = append(chunks, tmpfsChunk{c, n})
	}
	m.t.files[rel] = chunks
	c.tmpfs += n
	return nil
}

// Shrink frees the file's last bytes first: those a truncation takes off
// were written last.
func (m tmpfsMount) Shrink(rel string, n int64) {
	chunks := m.t.files[rel]
	for n > 0 && len(chunks) > 0 {
		last := &chunks[len(chunks)-1]
		d := min(n, last.n)
		last.n -= d
		last.c.tmpfs -= d
		n -= d
		if last.n == 0 {
			chunks = chunks[:len(chunks)-1]
		}
	}
	if len(chunks) == 0 {
		delete(m.t.files, rel)
	} else {
		m.t.files[rel] = chunks
	}
}

// Move follows a rename: of the file itself, or of a directory above it.
func (m tmpfsMount) Move(from, to string) {
	keys := make([]string, 0, len(m.t.files))
	for k := range m.t.files {
		if k == from || strings.HasPrefix(k, from+"/") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		chunks := m.t.files[k]
		delete(m.t.files, k)
		m.t.files[to+strings.TrimPrefix(k, from)] = chunks
	}
}
