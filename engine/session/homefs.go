package session

import (
	"sync/atomic"
	"time"

	"github.com/hack-pad/hackpadfs"
)

// changeFS is the shell's file system with a note of whether anything may
// have been written since the note was last taken. The journal records
// the home files a command changed; reading the whole home directory
// after every command costs a walk and a read per file (in the browser,
// IndexedDB transactions: tens of milliseconds a command), so it reads
// it only when something may have been written. Every writer goes through
// it: the shell, and the page's editor (Session.FS). A file opened for
// writing counts as written when it is opened; what a background job
// writes into it after the next command started is seen only with a later
// change, which is harmless to a replay: the job's command runs again.
type changeFS struct {
	fs      hackpadfs.FS
	changed atomic.Bool
}

func newChangeFS(fs hackpadfs.FS) *changeFS {
	c := &changeFS{fs: fs}
	c.changed.Store(true)
	return c
}

// take reports whether anything may have been written since the last take.
func (c *changeFS) take() bool { return c.changed.Swap(false) }

func (c *changeFS) touch() { c.changed.Store(true) }

func (c *changeFS) Open(name string) (hackpadfs.File, error) { return c.fs.Open(name) }

func (c *changeFS) OpenFile(name string, flag int, perm hackpadfs.FileMode) (hackpadfs.File, error) {
	if flag&(hackpadfs.FlagWriteOnly|hackpadfs.FlagReadWrite|hackpadfs.FlagCreate|hackpadfs.FlagTruncate|hackpadfs.FlagAppend) != 0 {
		c.touch()
	}
	return hackpadfs.OpenFile(c.fs, name, flag, perm)
}

func (c *changeFS) Create(name string) (hackpadfs.File, error) {
	c.touch()
	return hackpadfs.Create(c.fs, name)
}

func (c *changeFS) Mkdir(name string, perm hackpadfs.FileMode) error {
	c.touch()
	return hackpadfs.Mkdir(c.fs, name, perm)
}

func (c *changeFS) MkdirAll(name string, perm hackpadfs.FileMode) error {
	c.touch()
	return hackpadfs.MkdirAll(c.fs, name, perm)
}

func (c *changeFS) Remove(name string) error {
	c.touch()
	return hackpadfs.Remove(c.fs, name)
}

func (c *changeFS) RemoveAll(name string) error {
	c.touch()
	return hackpadfs.RemoveAll(c.fs, name)
}

func (c *changeFS) Rename(oldname, newname string) error {
	c.touch()
	return hackpadfs.Rename(c.fs, oldname, newname)
}

func (c *changeFS) Symlink(oldname, newname string) error {
	c.touch()
	return hackpadfs.Symlink(c.fs, oldname, newname)
}

func (c *changeFS) WriteFile(name string, data []byte, perm hackpadfs.FileMode) error {
	c.touch()
	return hackpadfs.WriteFullFile(c.fs, name, data, perm)
}

func (c *changeFS) Chmod(name string, mode hackpadfs.FileMode) error {
	c.touch()
	return hackpadfs.Chmod(c.fs, name, mode)
}

func (c *changeFS) Chown(name string, uid, gid int) error {
	return hackpadfs.Chown(c.fs, name, uid, gid)
}

func (c *changeFS) Chtimes(name string, atime, mtime time.Time) error {
	return hackpadfs.Chtimes(c.fs, name, atime, mtime)
}

func (c *changeFS) Stat(name string) (hackpadfs.FileInfo, error) { return hackpadfs.Stat(c.fs, name) }

func (c *changeFS) Lstat(name string) (hackpadfs.FileInfo, error) {
	return hackpadfs.Lstat(c.fs, name)
}

func (c *changeFS) ReadDir(name string) ([]hackpadfs.DirEntry, error) {
	return hackpadfs.ReadDir(c.fs, name)
}

func (c *changeFS) ReadFile(name string) ([]byte, error) { return hackpadfs.ReadFile(c.fs, name) }
