package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"

	"github.com/kubeplay/kubeplay/engine/runtime/internal/vfs"
)

// Each container has its own writable root: its image's files as a
// read-only lower layer, and an upper layer in memory (hackpadfs's mem)
// that takes its writes, copy on write, as overlayfs does. The kubelet's
// files (/etc/hosts, /etc/hostname, /etc/resolv.conf) are written into
// the upper layer as of the container's creation (on the file system's
// first use when they are sure to succeed); its mounts (volumes) are
// placed over the tree at their paths. Execs see the same tree.

// rootFS is a container's file system.
type rootFS struct {
	fs       *vfs.FS
	deferred int // changes to the root left for its first use
	upper    *freshUpper
}

// imageFiles is an image's file system, the lower layer of its
// containers' roots. Every image has the directories of a Linux root and
// the root user.
func imageFiles(cfg ImageConfig) fs.FS { return withLayer(cfg.Layer) }

// baseBuilt is when the base layer's files were made, as an image's files
// carry their build's time (busybox 1.37.0's image was built then).
var baseBuilt = time.Date(2024, 9, 26, 21, 31, 42, 0, time.UTC)

var baseImage = func() fstest.MapFS {
	m := fstest.MapFS{
		"etc/passwd":   {Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"), Mode: 0o644, ModTime: baseBuilt},
		"etc/group":    {Data: []byte("root:x:0:\nnobody:x:65534:\n"), Mode: 0o644, ModTime: baseBuilt},
		"etc/hostname": {Data: []byte("localhost\n"), Mode: 0o644, ModTime: baseBuilt},
	}
	for _, d := range []string{"bin", "dev", "etc", "home", "proc", "root", "sys", "usr", "usr/bin", "usr/local", "var", "var/log"} {
		m[d] = &fstest.MapFile{Mode: fs.ModeDir | 0o755, ModTime: baseBuilt}
	}
	m["tmp"] = &fstest.MapFile{Mode: fs.ModeDir | fs.ModeSticky | 0o777, ModTime: baseBuilt}
	// root's home is its own; /proc and /sys are read-only, as their
	// mounts show them
	m["root"].Mode = fs.ModeDir | 0o700
	m["proc"].Mode = fs.ModeDir | 0o555
	m["sys"].Mode = fs.ModeDir | 0o555
	return m
}()

func newRootFS(cfg ContainerConfig, now func() time.Time, c *container) (*rootFS, error) {
	return buildRootFS(cfg, now, true, c)
}

// buildRootFS builds a container's root. With lazy set, the changes the
// kubelet makes to the root itself (its files, the mount points) are
// left for the guest's first use of its file system whenever they are
// sure to succeed, and made then as they would have been at creation,
// stamped with the creation's time: the pause container, one in every
// pod, never looks at its file system. Everything that can fail or that
// touches a volume is done at once, so a container that cannot be
// created fails here as before.
//
// c is the container the root is for: what it writes to a memory-backed
// volume is charged to it.
func buildRootFS(cfg ContainerConfig, now func() time.Time, lazy bool, c *container) (*rootFS, error) {
	at := now()
	pinned := false
	clock := func() time.Time {
		if pinned {
			return at
		}
		return now()
	}
	upper := &freshUpper{at: at}
	lower := imageFiles(cfg.Image.Config)
	root := vfs.NewOverlay(lower, upper, clock)
	plan := rootPlan{lower: lower, made: map[string]bool{}}
	var pending []func() error
	// step makes one change to the root: later if plan found it safe and
	// nothing before it was made at once, else now (with those before it).
	step := func(safe bool, op func() error) error {
		if lazy && safe {
			pending = append(pending, op)
			return nil
		}
		if lazy {
			lazy = false
			for _, p := range pending {
				if err := p(); err != nil {
					return err
				}
			}
			pending = nil
		}
		return op()
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Files)) {
		data := cfg.Files[name]
		rel := strings.TrimPrefix(path.Clean("/"+name), "/")
		if err := step(lazy && plan.file(rel), func() error { return writeFile(root, rel, data, at) }); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	mounts := []vfs.Mount{{Path: "/", FS: root}}
	for _, m := range cfg.Mounts {
		vm, err := placeMount(root, m, at, func(safe func() bool, op func() error) error {
			return step(lazy && safe(), op)
		}, &plan)
		if err != nil {
			return nil, fmt.Errorf("mount %s: %w", m.ContainerPath, err)
		}
		if m.Memory != nil && c != nil {
			vm.Memory = tmpfsMount{m.Memory, c}
		}
		mounts = append(mounts, vm)
	}
	fsys := vfs.New(mounts, now)
	if len(pending) > 0 {
		fsys.BeforeFirstUse(func() error {
			pinned = true
			defer func() { pinned = false }()
			for _, p := range pending {
				if err := p(); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return &rootFS{fs: fsys, deferred: len(pending), upper: upper}, nil
}

// freshUpper is a root's upper layer, a memory file system (hackpadfs's
// mem) made on its first use: until then it is empty but for its root,
// and a stat answers as that empty tree would, so that the overlay's
// looks at the upper layer before the root's first use (the check of a
// command's x bits) do not make it.
type freshUpper struct {
	fs *mem.FS
	at time.Time // the root's time
}

// made is the memory file system, made with its root stamped with the
// container's start time (mem stamps it with the host's clock) and mode
// 0755 (mem's is 0666).
func (u *freshUpper) made() *mem.FS {
	if u.fs == nil {
		m, err := mem.NewFS()
		if err == nil {
			err = hackpadfs.Chtimes(m, ".", u.at, u.at)
		}
		if err == nil {
			err = hackpadfs.Chmod(m, ".", fs.ModeDir|0o755)
		}
		if err != nil {
			panic("runtime: making a container's upper layer: " + err.Error())
		}
		u.fs = m
	}
	return u.fs
}

func (u *freshUpper) Stat(name string) (hackpadfs.FileInfo, error) {
	if u.fs == nil && fs.ValidPath(name) {
		if name == "." {
			return RootInfo{Perm: 0o755, At: u.at}, nil
		}
		return nil, &hackpadfs.PathError{Op: "stat", Path: name, Err: hackpadfs.ErrNotExist} // as mem's
	}
	return u.made().Stat(name)
}

// RootInfo is the file info of the root of a memory file system
// (hackpadfs's mem) with the mode and time given and nothing made in it,
// for a tree made on first use.
type RootInfo struct {
	Perm fs.FileMode
	At   time.Time
}

func (RootInfo) Name() string         { return "." }
func (RootInfo) Size() int64          { return 0 }
func (r RootInfo) Mode() fs.FileMode  { return fs.ModeDir | r.Perm }
func (r RootInfo) ModTime() time.Time { return r.At }
func (RootInfo) IsDir() bool          { return true }
func (RootInfo) Sys() any             { return nil }

// mem.FS's other methods make the layer first.

func (u *freshUpper) Open(name string) (hackpadfs.File, error) { return u.made().Open(name) }
func (u *freshUpper) OpenFile(name string, flag int, perm hackpadfs.FileMode) (hackpadfs.File, error) {
	return u.made().OpenFile(name, flag, perm)
}
func (u *freshUpper) Mkdir(name string, perm hackpadfs.FileMode) error {
	return u.made().Mkdir(name, perm)
}
func (u *freshUpper) MkdirAll(name string, perm hackpadfs.FileMode) error {
	return u.made().MkdirAll(name, perm)
}
func (u *freshUpper) Remove(name string) error     { return u.made().Remove(name) }
func (u *freshUpper) Rename(from, to string) error { return u.made().Rename(from, to) }
func (u *freshUpper) Chmod(name string, mode hackpadfs.FileMode) error {
	return u.made().Chmod(name, mode)
}
func (u *freshUpper) Chtimes(name string, atime, mtime time.Time) error {
	return u.made().Chtimes(name, atime, mtime)
}

// rootPlan foresees whether the kubelet's changes to a fresh root will
// succeed: a path whose parents are all directories (of the image or
// made by an earlier change) or missing (made on the way).
type rootPlan struct {
	lower fs.FS
	made  map[string]bool // path made by an earlier change: is it a directory
}

func (p *rootPlan) kind(name string) (dir, ok bool) {
	if d, ok := p.made[name]; ok {
		return d, true
	}
	if m, ok := p.lower.(fstest.MapFS); ok {
		// A name the map holds is what its entry says: fstest's Stat of a
		// directory lists the whole map to find its children.
		if f := m[name]; f != nil {
			return f.Mode.IsDir(), true
		}
	}
	fi, err := fs.Stat(p.lower, name)
	if err != nil {
		return false, false
	}
	return fi.IsDir(), true
}

// parents reports whether name's parents are or can be made directories,
// and records the ones to make.
func (p *rootPlan) parents(name string) bool {
	if name == "." || name == "" || !fs.ValidPath(name) {
		return false
	}
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		if isDir, ok := p.kind(d); ok {
			return isDir
		}
		p.made[d] = true
	}
	return true
}

// file reports whether writing the file name will succeed, and records it.
func (p *rootPlan) file(name string) bool {
	if !p.parents(name) {
		return false
	}
	if isDir, ok := p.kind(name); ok && isDir {
		return false
	}
	p.made[name] = false
	return true
}

// dir reports whether MkdirAt of name will succeed, and records it.
func (p *rootPlan) dir(name string) bool {
	if _, ok := p.kind(name); ok {
		return fs.ValidPath(name)
	}
	if !p.parents(name) {
		return false
	}
	p.made[name] = true
	return true
}

// exists reports whether name is in the root once the changes before are made.
func (p *rootPlan) exists(name string) bool {
	_, ok := p.kind(name)
	return ok
}

func writeFile(fsys hackpadfs.FS, name string, data []byte, at time.Time) error {
	if err := MkdirAt(fsys, path.Dir(name), at); err != nil {
		return err
	}
	if err := hackpadfs.WriteFullFile(fsys, name, data, 0o644); err != nil {
		return err
	}
	return hackpadfs.Chtimes(fsys, name, at, at)
}

// placeMount checks a mount's source and makes its mount point in the
// root: a directory, or an empty file for a file mounted by subPath. The
// source is checked (and a missing subPath made) at once; the mount
// point is made through step, which may leave it for later when plan
// says it will succeed.
func placeMount(root hackpadfs.FS, m Mount, at time.Time, step func(safe func() bool, op func() error) error, plan *rootPlan) (vfs.Mount, error) {
	dir := path.Clean("/" + m.SubPath)[1:]
	if dir == "" {
		dir = "."
	}
	// A subPath's links are resolved when it is mounted, inside the
	// volume; a missing one is made below in a writable volume.
	resolved, err := vfs.EvalLinks(m.Source, dir)
	switch {
	case err == nil:
		dir = resolved
	case m.ReadOnly || !errors.Is(err, fs.ErrNotExist):
		return vfs.Mount{}, err
	}
	fi, err := hackpadfs.Stat(m.Source, dir)
	if err != nil && !m.ReadOnly && dir != "." {
		// The kubelet makes a missing subPath in a writable volume.
		err = MkdirAt(m.Source, dir, at)
		if err == nil {
			fi, err = hackpadfs.Stat(m.Source, dir)
		}
	}
	if err != nil {
		return vfs.Mount{}, err
	}
	point := strings.TrimPrefix(path.Clean("/"+m.ContainerPath), "/")
	if point == "" {
		return vfs.Mount{}, fmt.Errorf("cannot mount over /")
	}
	if fi.IsDir() {
		err = step(func() bool { return plan.dir(point) }, func() error { return MkdirAt(root, point, at) })
	} else {
		err = step(func() bool { return plan.exists(point) || plan.file(point) }, func() error {
			if _, statErr := hackpadfs.Stat(root, point); statErr != nil {
				return writeFile(root, point, nil, at)
			}
			return nil
		})
	}
	if err != nil {
		return vfs.Mount{}, err
	}
	return vfs.Mount{Path: "/" + point, FS: m.Source, Dir: dir, ReadOnly: m.ReadOnly}, nil
}

// Symlink makes name a symbolic link to target in a volume's tree, made
// at the time given (hackpadfs's stores have no links: see vfs).
func Symlink(fsys hackpadfs.FS, target, name string, at time.Time) error {
	return vfs.Symlink(fsys, target, name, at)
}

// Readlink is the target of a link of a volume's tree.
func Readlink(fsys hackpadfs.FS, name string) (string, error) { return vfs.Readlink(fsys, name) }

// EvalLinks resolves the links along a path of a volume's tree, staying
// inside it.
func EvalLinks(fsys hackpadfs.FS, name string) (string, error) { return vfs.EvalLinks(fsys, name) }

// MkdirAt makes a directory of a volume and its missing parents, stamped
// with the virtual time given: hackpadfs stamps them with the host's
// clock, which a guest must not see.
func MkdirAt(fsys hackpadfs.FS, dir string, at time.Time) error {
	if dir == "." || dir == "" {
		return nil
	}
	if _, err := hackpadfs.Stat(fsys, dir); err == nil {
		return nil
	}
	if err := MkdirAt(fsys, path.Dir(dir), at); err != nil {
		return err
	}
	if err := hackpadfs.Mkdir(fsys, dir, 0o755); err != nil {
		return err
	}
	return hackpadfs.Chtimes(fsys, dir, at, at)
}

func (c *container) fsConfig() wazero.FSConfig {
	return wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(c.root.fs, "/")
}
