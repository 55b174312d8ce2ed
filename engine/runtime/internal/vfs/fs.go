// Package vfs is a container's file system as a guest sees it: one tree
// made of a root (a copy-on-write Overlay of the image) and mounts at
// paths (hackpadfs directory trees the kubelet provides), served to wazero
// as an experimental sys.FS preopened at "/".
//
// Paths are resolved to the mount with the longest matching prefix, so a
// guest lists, opens and walks across mount points as on Linux; a rename
// between mounts fails (ENOTSUP: WASI has no EXDEV) and any write to a read-only mount with
// EROFS. File times come from the guest's virtual clock.
package vfs

import (
	"errors"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// Mount is a tree placed at a path.
type Mount struct {
	Path     string // absolute, "/" for the root
	FS       hackpadfs.FS
	Dir      string // the directory of FS mounted, "." for its root
	ReadOnly bool
	// Memory, when set, is told of every change in the size of the
	// mount's files: a memory-backed mount (a tmpfs) charges them.
	Memory Memory
}

// Memory keeps the account of a memory-backed mount's files, by their
// path in the mount's FS.
type Memory interface {
	// Grow comes before a write makes a file larger by n bytes; an error
	// refuses the write (or it does not return: an OOM kill).
	Grow(rel string, n int64) error
	// Shrink comes after a file got smaller by n bytes (truncated,
	// removed, replaced by a rename).
	Shrink(rel string, n int64)
	// Move comes after a file or directory was renamed.
	Move(from, to string)
}

// FS is a container's file system.
type FS struct {
	experimentalsys.UnimplementedFS
	mounts []Mount // longest path first
	now    func() time.Time
	first  func() error // run before the first operation, then dropped
}

// New returns a file system of the mounts; one must be the root "/".
func New(mounts []Mount, now func() time.Time) *FS {
	ms := append([]Mount(nil), mounts...)
	for i := range ms {
		ms[i].Path = path.Clean("/" + ms[i].Path)
		if ms[i].Dir == "" {
			ms[i].Dir = "."
		}
	}
	slices.SortStableFunc(ms, func(a, b Mount) int { return len(b.Path) - len(a.Path) })
	return &FS{mounts: ms, now: now}
}

// BeforeFirstUse has first run before the file system's first operation
// (a container's root is finished on first use). It must not fail: an
// error from it is a bug and panics.
func (f *FS) BeforeFirstUse(first func() error) { f.first = first }

// Unfinished tells whether the file system has not been used yet (its
// BeforeFirstUse has not run).
func (f *FS) Unfinished() bool { return f.first != nil }

// StatUnfinished stats p as the file system is now, without finishing it
// first: for a look at the image's files that the changes left for the
// first use cannot alter (the runtime's check of a command's x bits, which
// would otherwise finish every pause container's root).
func (f *FS) StatUnfinished(p string) (sys.Stat_t, experimentalsys.Errno) {
	first := f.first
	f.first = nil
	defer func() { f.first = first }()
	return f.stat(p, true)
}

// resolve finds the mount of a guest path and the path inside its FS.
func (f *FS) resolve(p string) (*Mount, string) {
	if first := f.first; first != nil {
		f.first = nil
		if err := first(); err != nil {
			panic("vfs: finishing the file system: " + err.Error())
		}
	}
	p = path.Clean("/" + p)
	for i := range f.mounts {
		m := &f.mounts[i]
		if rest, ok := strings.CutPrefix(p, m.Path); ok && (m.Path == "/" || rest == "" || rest[0] == '/') {
			return m, path.Join(m.Dir, strings.TrimPrefix(rest, "/"))
		}
	}
	return nil, ""
}

// CreateMode and DirMode are the modes of the files and directories a
// guest makes. WASI's path_open and path_create_directory carry no mode
// (wazero asks for 0600 and 0700), so the guest's request is unknown;
// these are what the usual requests (open with 0666, mkdir with 0777)
// give under a container's umask of 022. A guest sets others with
// kubeplay_fs's chmod (see engine/runtime/fsmode.go).
const (
	CreateMode fs.FileMode = 0o644
	DirMode    fs.FileMode = 0o755
)

const writeFlags = experimentalsys.O_WRONLY | experimentalsys.O_RDWR | experimentalsys.O_CREAT | experimentalsys.O_TRUNC | experimentalsys.O_APPEND

// OpenFile implements sys.FS.
func (f *FS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	guest, m, rel, e := f.lookup(p, flag&experimentalsys.O_NOFOLLOW == 0)
	if e != 0 {
		return nil, e
	}
	write := flag&writeFlags != 0
	fi, statErr := lstat(m.FS, rel)
	if statErr == nil && isLink(fi) {
		return nil, experimentalsys.ELOOP // O_NOFOLLOW on a link
	}
	if write && m.ReadOnly && (statErr == nil || flag&experimentalsys.O_CREAT != 0) {
		return nil, experimentalsys.EROFS
	}
	if statErr == nil && fi.IsDir() {
		if write {
			return nil, experimentalsys.EISDIR
		}
		return adapt(rel, func() (fs.File, error) {
			entries, err := hackpadfs.ReadDir(m.FS, rel)
			if err != nil {
				return nil, err
			}
			return &dirFile{info: info{fi, stat(guest, fi)}, entries: showLinks(entries)}, nil
		})
	}
	if flag&experimentalsys.O_DIRECTORY != 0 {
		if statErr != nil {
			return nil, errno(statErr)
		}
		return nil, experimentalsys.ENOTDIR
	}
	if statErr == nil && flag&experimentalsys.O_CREAT != 0 && flag&experimentalsys.O_EXCL != 0 {
		return nil, experimentalsys.EEXIST
	}
	var size int64 // read before the open: a file's info may follow its changes
	if statErr == nil {
		size = fi.Size()
	}
	hf, err := hackpadfs.OpenFile(m.FS, rel, osFlags(flag), CreateMode)
	if err != nil {
		return nil, errno(err)
	}
	if m.Memory != nil && flag&experimentalsys.O_TRUNC != 0 && size > 0 {
		m.Memory.Shrink(rel, size)
	}
	out := &file{fs: f, m: m, rel: rel, guest: guest, f: hf, append: flag&experimentalsys.O_APPEND != 0, written: write && statErr != nil}
	if out.written {
		out.touch()
	}
	opened := false
	return adapt(rel, func() (fs.File, error) {
		if opened {
			return nil, errNotSupported
		}
		opened = true
		return out, nil
	})
}

func osFlags(flag experimentalsys.Oflag) int {
	var out int
	switch {
	case flag&experimentalsys.O_RDWR != 0:
		out = hackpadfs.FlagReadWrite
	case flag&experimentalsys.O_WRONLY != 0:
		out = hackpadfs.FlagWriteOnly
	}
	for _, f := range []struct {
		from experimentalsys.Oflag
		to   int
	}{{experimentalsys.O_CREAT, hackpadfs.FlagCreate}, {experimentalsys.O_TRUNC, hackpadfs.FlagTruncate}, {experimentalsys.O_EXCL, hackpadfs.FlagExclusive}} {
		if flag&f.from != 0 {
			out |= f.to
		}
	}
	return out
}

// Stat implements sys.FS.
func (f *FS) Stat(p string) (sys.Stat_t, experimentalsys.Errno) { return f.stat(p, true) }

// Lstat implements sys.FS: a link is described, not followed.
func (f *FS) Lstat(p string) (sys.Stat_t, experimentalsys.Errno) { return f.stat(p, false) }

func (f *FS) stat(p string, follow bool) (sys.Stat_t, experimentalsys.Errno) {
	// a trailing slash resolves a link, as path resolution does on Linux
	guest, m, rel, e := f.lookup(p, follow || strings.HasSuffix(p, "/"))
	if e != 0 {
		return sys.Stat_t{}, e
	}
	fi, err := Lstat(m.FS, rel)
	if err != nil {
		return sys.Stat_t{}, errno(err)
	}
	return stat(guest, fi), 0
}

// Readlink implements sys.FS.
func (f *FS) Readlink(p string) (string, experimentalsys.Errno) {
	_, m, rel, e := f.lookup(p, false)
	if e != 0 {
		return "", e
	}
	target, err := Readlink(m.FS, rel)
	return target, errno(err)
}

// Symlink implements sys.FS: link becomes a link to target.
func (f *FS) Symlink(target, link string) experimentalsys.Errno {
	_, m, rel, e := f.lookupWritable(link, false)
	if e != 0 {
		return e
	}
	return errno(Symlink(m.FS, target, rel, f.now()))
}

// lookup resolves a guest path through its links (the last one only when
// follow is set) to the path, its mount and the path inside the mount.
func (f *FS) lookup(p string, follow bool) (string, *Mount, string, experimentalsys.Errno) {
	guest, err := linkWalk{root: "/", follow: follow, locate: f.store}.resolve(p)
	if err != nil {
		return "", nil, "", errno(err)
	}
	m, rel := f.resolve(guest)
	if m == nil {
		return "", nil, "", experimentalsys.ENOENT
	}
	return guest, m, rel, 0
}

// store is the tree of a guest path and the path in it.
func (f *FS) store(p string) (hackpadfs.FS, string) {
	if m, rel := f.resolve(p); m != nil {
		return m.FS, rel
	}
	return nil, ""
}

func (f *FS) lookupWritable(p string, follow bool) (string, *Mount, string, experimentalsys.Errno) {
	guest, m, rel, e := f.lookup(p, follow)
	if e == 0 && m.ReadOnly {
		e = experimentalsys.EROFS
	}
	return guest, m, rel, e
}

// Mkdir implements sys.FS.
func (f *FS) Mkdir(p string, perm fs.FileMode) experimentalsys.Errno {
	_, m, rel, e := f.lookupWritable(p, false)
	if e != 0 {
		return e
	}
	if err := hackpadfs.Mkdir(m.FS, rel, DirMode); err != nil {
		return errno(err)
	}
	now := f.now()
	return errno(hackpadfs.Chtimes(m.FS, rel, now, now))
}

// Chmod implements sys.FS.
func (f *FS) Chmod(p string, perm fs.FileMode) experimentalsys.Errno {
	_, m, rel, e := f.lookupWritable(p, true)
	if e != 0 {
		return e
	}
	if perm&linkMark == linkMark {
		// A regular file with every bit set would read as a link in a
		// store without links of its own (link.go): it keeps all but
		// the sticky bit, which Linux ignores on a regular file.
		if fi, err := Lstat(m.FS, rel); err == nil && fi.Mode().IsRegular() {
			perm &^= fs.ModeSticky
		}
	}
	return errno(hackpadfs.Chmod(m.FS, rel, perm))
}

// Rename implements sys.FS.
func (f *FS) Rename(from, to string) experimentalsys.Errno {
	_, m1, rel1, e := f.lookupWritable(from, false)
	if e != 0 {
		return e
	}
	_, m2, rel2, e := f.lookupWritable(to, false)
	if e != 0 {
		return e
	}
	if m1 != m2 {
		return experimentalsys.ENOTSUP // Linux says EXDEV, which WASI lacks
	}
	if fi, err := lstat(m1.FS, rel2); err == nil && !fi.IsDir() {
		size, regular := fi.Size(), fi.Mode().IsRegular()
		if hackpadfs.Remove(m1.FS, rel2) == nil && m1.Memory != nil && regular { // rename replaces a file or link
			m1.Memory.Shrink(rel2, size)
		}
	}
	if err := hackpadfs.Rename(m1.FS, rel1, rel2); err != nil {
		return errno(err)
	}
	if m1.Memory != nil {
		m1.Memory.Move(rel1, rel2)
	}
	return 0
}

// Rmdir implements sys.FS.
func (f *FS) Rmdir(p string) experimentalsys.Errno { return f.remove(p, true) }

// Unlink implements sys.FS.
func (f *FS) Unlink(p string) experimentalsys.Errno { return f.remove(p, false) }

func (f *FS) remove(p string, isDir bool) experimentalsys.Errno {
	_, m, rel, e := f.lookupWritable(p, false)
	if e != 0 {
		return e
	}
	fi, err := Lstat(m.FS, rel)
	if err != nil {
		return errno(err)
	}
	switch {
	case isDir && !fi.IsDir():
		return experimentalsys.ENOTDIR
	case !isDir && fi.IsDir():
		return experimentalsys.EISDIR
	case rel == m.Dir:
		return experimentalsys.EPERM // a mount point: Linux says EBUSY, which WASI lacks
	}
	size, regular := fi.Size(), fi.Mode().IsRegular()
	if err := hackpadfs.Remove(m.FS, rel); err != nil {
		return errno(err)
	}
	if m.Memory != nil && regular && size > 0 {
		m.Memory.Shrink(rel, size)
	}
	return 0
}

// Utimens implements sys.FS.
func (f *FS) Utimens(p string, atim, mtim int64) experimentalsys.Errno {
	_, m, rel, e := f.lookupWritable(p, true)
	if e != 0 {
		return e
	}
	return errno(chtimes(m.FS, rel, atim, mtim, f.now()))
}

func chtimes(fsys hackpadfs.FS, rel string, atim, mtim int64, now time.Time) error {
	fi, err := hackpadfs.Stat(fsys, rel)
	if err != nil {
		return err
	}
	pick := func(ns int64, old time.Time) time.Time {
		switch ns {
		case experimentalsys.UTIME_OMIT:
			return old
		}
		return time.Unix(0, ns)
	}
	return hackpadfs.Chtimes(fsys, rel, pick(atim, fi.ModTime()), pick(mtim, fi.ModTime()))
}

// stat converts file info; the inode is a hash of the guest path, so it
// is the same on every run.
func stat(p string, fi fs.FileInfo) sys.Stat_t {
	t := fi.ModTime().UnixNano()
	return sys.Stat_t{Dev: 1, Ino: inode(p), Mode: fi.Mode(), Nlink: 1, Size: fi.Size(), Atim: t, Mtim: t, Ctim: t}
}

func inode(p string) sys.Inode {
	h := fnv.New64a()
	h.Write([]byte(p))
	return h.Sum64()
}

// errno maps hackpadfs's errors to WASI's.
func errno(err error) experimentalsys.Errno {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, fs.ErrNotExist):
		return experimentalsys.ENOENT
	case errors.Is(err, fs.ErrExist):
		return experimentalsys.EEXIST
	case errors.Is(err, hackpadfs.ErrIsDir):
		return experimentalsys.EISDIR
	case errors.Is(err, hackpadfs.ErrNotDir):
		return experimentalsys.ENOTDIR
	case errors.Is(err, hackpadfs.ErrNotEmpty):
		return experimentalsys.ENOTEMPTY
	case errors.Is(err, fs.ErrPermission):
		return experimentalsys.EPERM
	case errors.Is(err, hackpadfs.ErrNotImplemented), errors.Is(err, errNotSupported):
		return experimentalsys.ENOSYS
	case errors.Is(err, fs.ErrInvalid):
		return experimentalsys.EINVAL
	case errors.Is(err, errLoop):
		return experimentalsys.ELOOP
	case errors.Is(err, errOutside):
		return experimentalsys.EPERM
	}
	return experimentalsys.EIO
}
