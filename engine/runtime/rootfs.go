package runtime

import (
	"fmt"
	"io/fs"
	"path"
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
// the upper layer when the container is created; its mounts (volumes) are
// placed over the tree at their paths. Execs see the same tree.

// rootFS is a container's file system.
type rootFS struct {
	fs *vfs.FS
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
	return m
}()

func newRootFS(cfg ContainerConfig, now func() time.Time) (*rootFS, error) {
	upper, err := mem.NewFS()
	if err != nil {
		return nil, err
	}
	// mem stamps its root, and every directory MkdirAll makes, with the
	// host's clock: the container's start time stands in for it.
	if err := hackpadfs.Chtimes(upper, ".", now(), now()); err != nil {
		return nil, err
	}
	root := vfs.NewOverlay(imageFiles(cfg.Image.Config), upper, now)
	for name, data := range cfg.Files {
		if err := writeFile(root, strings.TrimPrefix(path.Clean("/"+name), "/"), data, now()); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	mounts := []vfs.Mount{{Path: "/", FS: root}}
	for _, m := range cfg.Mounts {
		vm, err := placeMount(root, m, now())
		if err != nil {
			return nil, fmt.Errorf("mount %s: %w", m.ContainerPath, err)
		}
		mounts = append(mounts, vm)
	}
	return &rootFS{fs: vfs.New(mounts, now)}, nil
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
// root: a directory, or an empty file for a file mounted by subPath.
func placeMount(root hackpadfs.FS, m Mount, at time.Time) (vfs.Mount, error) {
	dir := path.Clean("/" + m.SubPath)[1:]
	if dir == "" {
		dir = "."
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
		err = MkdirAt(root, point, at)
	} else if _, statErr := hackpadfs.Stat(root, point); statErr != nil {
		err = writeFile(root, point, nil, at)
	}
	if err != nil {
		return vfs.Mount{}, err
	}
	return vfs.Mount{Path: "/" + point, FS: m.Source, Dir: dir, ReadOnly: m.ReadOnly}, nil
}

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
