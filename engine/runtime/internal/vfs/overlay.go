package vfs

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
)

// Overlay is a copy-on-write file system: a writable upper layer over a
// read-only lower one, as overlayfs gives a container its root. Reading
// sees the upper layer where it has the path, else the lower; writing a
// lower file first copies it up; removing a lower path leaves a whiteout
// that hides it (and, for a directory, everything under it) from then on.
type Overlay struct {
	lower    fs.FS
	upper    hackpadfs.FS
	whiteout map[string]bool
	now      func() time.Time
}

// NewOverlay returns an overlay of upper over lower.
func NewOverlay(lower fs.FS, upper hackpadfs.FS, now func() time.Time) *Overlay {
	return &Overlay{lower: lower, upper: upper, whiteout: map[string]bool{}, now: now}
}

// lowerVisible reports whether a lower path shows through.
func (o *Overlay) lowerVisible(name string) bool {
	for p := name; ; p = path.Dir(p) {
		if o.whiteout[p] {
			return false
		}
		if p == "." || p == "/" {
			return true
		}
	}
}

func (o *Overlay) inUpper(name string) bool {
	_, err := hackpadfs.Stat(o.upper, name)
	return err == nil
}

func (o *Overlay) inLower(name string) (fs.FileInfo, bool) {
	if !o.lowerVisible(name) {
		return nil, false
	}
	fi, err := fs.Stat(o.lower, name)
	return fi, err == nil
}

// Stat implements hackpadfs.StatFS.
func (o *Overlay) Stat(name string) (fs.FileInfo, error) {
	if fi, err := hackpadfs.Stat(o.upper, name); err == nil {
		return fi, nil
	}
	if fi, ok := o.inLower(name); ok {
		return fi, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// Open implements fs.FS.
func (o *Overlay) Open(name string) (fs.File, error) {
	return o.OpenFile(name, hackpadfs.FlagReadOnly, 0)
}

// OpenFile implements hackpadfs.OpenFileFS.
func (o *Overlay) OpenFile(name string, flag int, perm fs.FileMode) (hackpadfs.File, error) {
	fi, err := o.Stat(name)
	if err == nil && fi.IsDir() {
		if flag&(hackpadfs.FlagWriteOnly|hackpadfs.FlagReadWrite) != 0 {
			return nil, &fs.PathError{Op: "open", Path: name, Err: hackpadfs.ErrIsDir}
		}
		return o.openDir(name, fi)
	}
	if flag&(hackpadfs.FlagWriteOnly|hackpadfs.FlagReadWrite|hackpadfs.FlagCreate|hackpadfs.FlagTruncate|hackpadfs.FlagAppend) == 0 {
		if o.inUpper(name) {
			return o.upper.Open(name)
		}
		if _, ok := o.inLower(name); ok {
			return o.lower.Open(name)
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if err := o.copyUp(name, flag&hackpadfs.FlagTruncate == 0); err != nil {
		return nil, err
	}
	return hackpadfs.OpenFile(o.upper, name, flag, perm)
}

// copyUp makes name's parents, and name itself if it is in the lower
// layer (with its contents when data is set), present in the upper.
func (o *Overlay) copyUp(name string, data bool) error {
	if dir := path.Dir(name); dir != "." && !o.inUpper(dir) {
		fi, err := o.Stat(dir)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return &fs.PathError{Op: "open", Path: name, Err: hackpadfs.ErrNotDir}
		}
		if err := o.copyUp(dir, true); err != nil {
			return err
		}
	}
	if o.inUpper(name) {
		return nil
	}
	fi, ok := o.inLower(name)
	if !ok {
		return nil
	}
	if fi.IsDir() {
		return o.mkdirUpper(name, fi.Mode().Perm())
	}
	var contents []byte
	if data {
		var err error
		if contents, err = fs.ReadFile(o.lower, name); err != nil {
			return err
		}
	}
	if err := hackpadfs.WriteFullFile(o.upper, name, contents, fi.Mode().Perm()); err != nil {
		return err
	}
	return hackpadfs.Chtimes(o.upper, name, fi.ModTime(), fi.ModTime())
}

func (o *Overlay) mkdirUpper(name string, perm fs.FileMode) error {
	if err := hackpadfs.Mkdir(o.upper, name, perm); err != nil {
		return err
	}
	now := o.now()
	return hackpadfs.Chtimes(o.upper, name, now, now)
}

// Mkdir implements hackpadfs.MkdirFS.
func (o *Overlay) Mkdir(name string, perm fs.FileMode) error {
	if _, err := o.Stat(name); err == nil {
		return &fs.PathError{Op: "mkdir", Path: name, Err: fs.ErrExist}
	}
	if err := o.copyUp(path.Dir(name), true); err != nil && path.Dir(name) != "." {
		return err
	}
	return o.mkdirUpper(name, perm)
}

// MkdirAll implements hackpadfs.MkdirAllFS.
func (o *Overlay) MkdirAll(name string, perm fs.FileMode) error {
	if name == "." || name == "/" {
		return nil
	}
	if fi, err := o.Stat(name); err == nil {
		if fi.IsDir() {
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: name, Err: hackpadfs.ErrNotDir}
	}
	if err := o.MkdirAll(path.Dir(name), perm); err != nil {
		return err
	}
	return o.Mkdir(name, perm)
}

// Remove implements hackpadfs.RemoveFS.
func (o *Overlay) Remove(name string) error {
	fi, err := o.Stat(name)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		entries, err := o.ReadDir(name)
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			return &fs.PathError{Op: "remove", Path: name, Err: hackpadfs.ErrNotEmpty}
		}
	}
	if o.inUpper(name) {
		if err := hackpadfs.RemoveAll(o.upper, name); err != nil {
			return err
		}
	}
	if _, ok := o.inLower(name); ok {
		o.whiteout[name] = true
	}
	return nil
}

// Rename implements hackpadfs.RenameFS: the source is copied up whole,
// then renamed in the upper layer.
func (o *Overlay) Rename(oldname, newname string) error {
	if _, err := o.Stat(oldname); err != nil {
		return err
	}
	if err := o.copyUpTree(oldname); err != nil {
		return err
	}
	if err := o.copyUp(path.Dir(newname), true); err != nil && path.Dir(newname) != "." {
		return err
	}
	if err := hackpadfs.Rename(o.upper, oldname, newname); err != nil {
		return err
	}
	if _, ok := o.inLower(oldname); ok {
		o.whiteout[oldname] = true
	}
	return nil
}

func (o *Overlay) copyUpTree(name string) error {
	if err := o.copyUp(name, true); err != nil {
		return err
	}
	fi, err := o.Stat(name)
	if err != nil || !fi.IsDir() {
		return err
	}
	entries, err := o.ReadDir(name)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := o.copyUpTree(path.Join(name, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// Chmod implements hackpadfs.ChmodFS.
func (o *Overlay) Chmod(name string, mode fs.FileMode) error {
	if err := o.copyUp(name, true); err != nil {
		return err
	}
	return hackpadfs.Chmod(o.upper, name, mode)
}

// Chtimes implements hackpadfs.ChtimesFS.
func (o *Overlay) Chtimes(name string, atime, mtime time.Time) error {
	if err := o.copyUp(name, true); err != nil {
		return err
	}
	return hackpadfs.Chtimes(o.upper, name, atime, mtime)
}

// ReadDir implements hackpadfs.ReadDirFS: both layers merged, whiteouts
// left out, sorted by name.
func (o *Overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	byName := map[string]fs.DirEntry{}
	found := false
	if _, ok := o.inLower(name); ok {
		if entries, err := fs.ReadDir(o.lower, name); err == nil {
			found = true
			for _, e := range entries {
				if o.lowerVisible(path.Join(name, e.Name())) {
					byName[e.Name()] = e
				}
			}
		}
	}
	if entries, err := hackpadfs.ReadDir(o.upper, name); err == nil {
		found = true
		for _, e := range entries {
			byName[e.Name()] = e
		}
	}
	if !found {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// openDir returns a directory of the merged view.
func (o *Overlay) openDir(name string, fi fs.FileInfo) (hackpadfs.File, error) {
	entries, err := o.ReadDir(name)
	if err != nil {
		return nil, err
	}
	return &dirFile{info: fi, entries: entries}, nil
}

var (
	errNotSupported = errors.New("not supported")
	errLoop         = errors.New("too many levels of symbolic links")
	errOutside      = errors.New("link leads out of the file system")
)
