package shell

import (
	"io/fs"

	"github.com/hack-pad/hackpadfs"
)

// Lstat, ReadDir, MkdirAll and WriteFile give kubectl cp the shell's
// files, by paths relative to the working directory.
func (h kubectlHost) Lstat(name string) (fs.FileInfo, error) {
	info, err := hackpadfs.LstatOrStat(h.s.cfg.FS, h.path(name))
	return info, rename(err, name)
}

func (h kubectlHost) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := hackpadfs.ReadDir(h.s.cfg.FS, h.path(name))
	return entries, rename(err, name)
}

func (h kubectlHost) MkdirAll(name string, perm fs.FileMode) error {
	return rename(hackpadfs.MkdirAll(h.s.cfg.FS, h.path(name), perm), name)
}

func (h kubectlHost) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return rename(h.s.writeFile(h.path(name), data, perm), name)
}

func (h kubectlHost) path(name string) string { return fsPath(abs(h.s.runner.Dir, name)) }
