package kubelet

import (
	"bytes"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"

	"github.com/kubeplay/kubeplay/engine/runtime"
)

// writtenTree is the tree of a volume the kubelet writes (configMap,
// secret, downwardAPI, projected). Its first write, at the volume's
// mount, is left for the first operation on the tree when it is sure to
// succeed, and made then exactly as it would have been at the mount,
// stamped with the mount's time: most pods' service account volume is
// never read (a pause container never opens a file), and writing its
// AtomicWriter layout into hackpadfs's mem was a seventh of the CPU of a
// 10,000-pod Deployment. The tree has mem's methods, each finishing the
// tree first, so the runtime and hackpadfs's helpers take the same paths
// through it as through mem; only a stat of the root does not finish it,
// as the write never changes the root (the runtime stats it to place the
// mount). The memory file system itself is made on first use too, its
// root as newTree makes it, and a stat of the root before then answers
// what that root's would.
type writtenTree struct {
	fs      *mem.FS   // nil until first used
	at      time.Time // the tree's making: its root's time
	pending *treeWrite
	written bool // the tree has been written, or its write left for the first use
}

// treeWrite is a write of the files of a volume as writeVolume makes it.
type treeWrite struct {
	files map[string]volumeFile
	at    time.Time
	salt  string
}

func newWrittenTree(now time.Time) *writtenTree { return &writtenTree{at: now} }

// tree is the memory file system, made on first use.
func (t *writtenTree) tree() *mem.FS {
	if t.fs == nil {
		fsys, err := newTree(t.at)
		if err != nil {
			panic("kubelet: making a volume's tree: " + err.Error())
		}
		t.fs = fsys
	}
	return t.fs
}

// write makes the tree hold exactly files, as writeVolume does; the
// tree's first write is left for its first use when it cannot fail.
func (t *writtenTree) write(files map[string]volumeFile, at time.Time, salt string) error {
	if w := t.pending; w != nil && sameFiles(w.files, files) {
		// writeVolume would find the payload unchanged and do nothing
		return nil
	}
	if !t.written && writeCannotFail(files) {
		t.pending, t.written = &treeWrite{files: files, at: at, salt: salt}, true
		return nil
	}
	t.finish()
	t.written = true
	return writeVolume(t.tree(), files, at, salt)
}

// deferred tells whether the tree's write is left for its first use.
func (t *writtenTree) deferred() bool { return t.pending != nil }

// finish makes the tree and the write left for the first use.
func (t *writtenTree) finish() {
	fsys, w := t.tree(), t.pending
	if w == nil {
		return
	}
	t.pending = nil
	if err := writeVolume(fsys, w.files, w.at, w.salt); err != nil {
		panic("kubelet: writing a volume on its first use: " + err.Error())
	}
}

// sameFiles reports whether new has old's paths with the same contents:
// writeVolume leaves a tree written with old as it is (it looks at the
// contents, not the modes).
func sameFiles(old, new map[string]volumeFile) bool {
	if len(old) != len(new) {
		return false
	}
	for p, f := range new {
		o, ok := old[p]
		switch {
		case !ok:
			return false
		case o.token != nil && o.token == f.token:
			// the same token: its bytes need not be made
		case !bytes.Equal(o.contents(), f.contents()):
			return false
		}
	}
	return true
}

// writeCannotFail reports whether writeVolume of files into a fresh tree
// will succeed: every path valid, none of its elements named like the
// layout's own entries (..data, the timestamped directory), and no file
// where another's directory must be.
func writeCannotFail(files map[string]volumeFile) bool {
	for p := range files {
		if p == "." || !fs.ValidPath(p) {
			return false
		}
		for _, e := range strings.Split(p, "/") {
			if strings.HasPrefix(e, "..") {
				return false
			}
		}
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := files[d]; ok {
				return false
			}
		}
	}
	return true
}

// mem.FS's methods, each finishing the tree first.

func (t *writtenTree) Open(name string) (hackpadfs.File, error) {
	t.finish()
	return t.fs.Open(name)
}

func (t *writtenTree) OpenFile(name string, flag int, perm hackpadfs.FileMode) (hackpadfs.File, error) {
	t.finish()
	return t.fs.OpenFile(name, flag, perm)
}

func (t *writtenTree) Mkdir(name string, perm hackpadfs.FileMode) error {
	t.finish()
	return t.fs.Mkdir(name, perm)
}

func (t *writtenTree) MkdirAll(name string, perm hackpadfs.FileMode) error {
	t.finish()
	return t.fs.MkdirAll(name, perm)
}

func (t *writtenTree) Remove(name string) error {
	t.finish()
	return t.fs.Remove(name)
}

func (t *writtenTree) Rename(from, to string) error {
	t.finish()
	return t.fs.Rename(from, to)
}

func (t *writtenTree) Stat(name string) (hackpadfs.FileInfo, error) {
	switch {
	case name != ".":
		t.finish()
	case t.fs == nil:
		return runtime.RootInfo{Perm: 0o777, At: t.at}, nil // newTree's root
	}
	return t.fs.Stat(name)
}

func (t *writtenTree) Chmod(name string, mode hackpadfs.FileMode) error {
	t.finish()
	return t.fs.Chmod(name, mode)
}

func (t *writtenTree) Chtimes(name string, atime, mtime time.Time) error {
	t.finish()
	return t.fs.Chtimes(name, atime, mtime)
}
