package main

import (
	"io/fs"
	"os"
	"path/filepath"
)

// File modes. Under wasip1 a stat carries no permission bits (the Go
// runtime shows 0600 for files and 0700 for directories) and chmod does
// nothing, so the applets that show or set modes (ls, stat, find -perm,
// test -r/-w/-x, cp -p, tar, chmod) ask the runtime, which keeps them:
// modeHost and chmodHost (modes_wasip1.go; natively, the OS's).

// modeInfo is file info with the mode the host keeps.
type modeInfo struct {
	fs.FileInfo
	mode fs.FileMode
}

func (m modeInfo) Mode() fs.FileMode { return m.mode }

// withMode gives fi, the info of the file at name (followed if follow),
// the host's permission bits.
func withMode(name string, fi fs.FileInfo, follow bool) fs.FileInfo {
	if fi == nil || !hostModes {
		return fi
	}
	perm, ok := modeHost(absPath(name), follow)
	if !ok {
		return fi
	}
	return modeInfo{fi, fi.Mode()&^(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) | perm}
}

// statMode and lstatMode are os.Stat and os.Lstat with the host's modes.
func statMode(name string) (fs.FileInfo, error) {
	fi, err := os.Stat(name)
	return withMode(name, fi, true), err
}

func lstatMode(name string) (fs.FileInfo, error) {
	fi, err := os.Lstat(name)
	return withMode(name, fi, false), err
}

// chmodMode sets a file's mode (following a link), as chmod(2).
func chmodMode(name string, mode fs.FileMode) error {
	if !hostModes {
		return os.Chmod(name, mode)
	}
	if err := chmodHost(absPath(name), mode); err != nil {
		return &fs.PathError{Op: "chmod", Path: name, Err: err}
	}
	return nil
}

func absPath(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if wd, err := os.Getwd(); err == nil {
		return filepath.Join(wd, name)
	}
	return name
}
