package vfs

import (
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
)

// Symbolic links. hackpadfs's stores (mem, IndexedDB) have none: a link
// is kept in them as a regular file holding its target, marked by a mode
// no file is given otherwise (set-user-ID, set-group-ID and sticky, all
// permissions: only the host can set such bits, WASI has no chmod). A
// store with links of its own (hackpadfs.SymlinkFS, the OS) keeps them as
// they are. This file system shows a marked file as the link it stands
// for: lstat says ModeSymlink, readlink gives its target, and paths
// through it resolve to the target.

// linkMark is the mode of a file standing for a link.
const linkMark = fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky | fs.ModePerm

// MaxLinks is how many links a path may go through, as Linux's
// MAXSYMLINKS; one more fails with ELOOP.
const MaxLinks = 40

// isLink reports whether file info of a store is a link.
func isLink(fi fs.FileInfo) bool {
	m := fi.Mode()
	return m&fs.ModeSymlink != 0 || m.IsRegular() && m&linkMark == linkMark
}

// Symlink makes name a link to target in a store, with the time given.
func Symlink(fsys hackpadfs.FS, target, name string, at time.Time) error {
	if _, err := hackpadfs.Lstat(fsys, name); err == nil {
		return &fs.PathError{Op: "symlink", Path: name, Err: fs.ErrExist}
	} else if _, err := hackpadfs.Stat(fsys, name); err == nil {
		return &fs.PathError{Op: "symlink", Path: name, Err: fs.ErrExist}
	}
	if _, ok := fsys.(hackpadfs.SymlinkFS); ok {
		return hackpadfs.Symlink(fsys, target, name)
	}
	if err := hackpadfs.WriteFullFile(fsys, name, []byte(target), 0o777); err != nil {
		return err
	}
	if err := hackpadfs.Chmod(fsys, name, linkMark); err != nil {
		_ = hackpadfs.Remove(fsys, name)
		return err
	}
	return hackpadfs.Chtimes(fsys, name, at, at)
}

// Readlink is a link's target; fs.ErrInvalid when name is not a link.
func Readlink(fsys hackpadfs.FS, name string) (string, error) {
	fi, err := lstat(fsys, name)
	if err != nil {
		return "", err
	}
	if !isLink(fi) {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return readLink(fsys, name, fi)
}

func readLink(fsys hackpadfs.FS, name string, fi fs.FileInfo) (string, error) {
	if fi.Mode()&fs.ModeSymlink != 0 {
		if l, ok := fsys.(interface{ Readlink(string) (string, error) }); ok {
			return l.Readlink(name)
		}
		return "", &fs.PathError{Op: "readlink", Path: name, Err: hackpadfs.ErrNotImplemented}
	}
	b, err := hackpadfs.ReadFile(fsys, name)
	return string(b), err
}

// lstat is a store's file info without following a link.
func lstat(fsys hackpadfs.FS, name string) (fs.FileInfo, error) {
	if _, ok := fsys.(hackpadfs.LstatFS); ok {
		return hackpadfs.Lstat(fsys, name)
	}
	return hackpadfs.Stat(fsys, name)
}

// Lstat is a store's file info of name, a link shown as one (its mode
// ModeSymlink|0777, its size its target's length).
func Lstat(fsys hackpadfs.FS, name string) (fs.FileInfo, error) {
	fi, err := lstat(fsys, name)
	if err != nil || !isLink(fi) || fi.Mode()&fs.ModeSymlink != 0 {
		return fi, err
	}
	return linkInfo{fi}, nil
}

// linkInfo is a marked file shown as a link.
type linkInfo struct{ fs.FileInfo }

func (l linkInfo) Mode() fs.FileMode { return fs.ModeSymlink | fs.ModePerm }
func (l linkInfo) IsDir() bool       { return false }
func (l linkInfo) Sys() any          { return nil }

// linkEntry is a directory entry of a marked file, shown as a link.
type linkEntry struct{ fs.DirEntry }

func (l linkEntry) Type() fs.FileMode { return fs.ModeSymlink }
func (l linkEntry) IsDir() bool       { return false }
func (l linkEntry) Info() (fs.FileInfo, error) {
	fi, err := l.DirEntry.Info()
	if err != nil {
		return nil, err
	}
	return linkInfo{fi}, nil
}

// showLinks shows a directory's marked files as links.
func showLinks(entries []fs.DirEntry) []fs.DirEntry {
	for i, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && isLink(fi) {
			entries[i] = linkEntry{e}
		}
	}
	return entries
}

// EvalLinks resolves the links along a path of a store, as the kernel
// resolves a subPath: the result is a path of the store without links,
// which need not exist when only its last element is missing. A link out
// of the store (an absolute target, or one climbing above its root) fails.
func EvalLinks(fsys hackpadfs.FS, name string) (string, error) {
	return linkWalk{root: ".", follow: true, locate: func(p string) (hackpadfs.FS, string) { return fsys, p }}.resolve(name)
}

// linkWalk resolves the links along paths, as the kernel does: each
// element that is a link is replaced by its target, the last only when
// follow is set, at most MaxLinks times. A missing last element is not an
// error: the caller may create it.
type linkWalk struct {
	root   string                                // "/" for a guest's paths: links may start there; "." for a store's: they may not leave it
	follow bool                                  // resolve a link at the end
	locate func(p string) (hackpadfs.FS, string) // the store holding a path and the path in it; nil when none
}

func (w linkWalk) resolve(name string) (string, error) {
	todo := splitPath(name)
	cur, links := w.root, 0
	outside := &fs.PathError{Op: "open", Path: name, Err: errOutside}
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		if c == ".." {
			if cur == "." {
				return "", outside
			}
			cur = path.Dir(cur)
			continue
		}
		next, last := path.Join(cur, c), len(todo) == 0
		if last && !w.follow {
			return next, nil
		}
		fsys, rel := w.locate(next)
		if fsys == nil {
			return "", &fs.PathError{Op: "open", Path: next, Err: fs.ErrNotExist}
		}
		fi, err := lstat(fsys, rel)
		switch {
		case err != nil && last:
			return next, nil
		case err != nil:
			return "", err
		case !isLink(fi):
			if !last && !fi.IsDir() {
				return "", &fs.PathError{Op: "open", Path: next, Err: hackpadfs.ErrNotDir}
			}
			cur = next
			continue
		}
		if links++; links > MaxLinks {
			return "", &fs.PathError{Op: "open", Path: name, Err: errLoop}
		}
		target, err := readLink(fsys, rel, fi)
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			if w.root == "." {
				return "", outside
			}
			cur = "/"
		}
		todo = append(splitPath(target), todo...)
	}
	return cur, nil
}

// splitPath is a path's elements, without empty ones and ".".
func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}
