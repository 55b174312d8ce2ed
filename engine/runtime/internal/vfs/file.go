package vfs

import (
	"io"
	"io/fs"
	"time"

	"github.com/hack-pad/hackpadfs"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// Open files are plain io/fs files (reader, writer, seeker, ReadDirFile)
// handed to wazero's own adapter, which turns them into WASI files: the
// file system opens them with the guest's flags, wazero does the rest.

// adapt wraps an opened file for wazero; open reopens it (a directory is
// reopened to rewind it).
func adapt(name string, open func() (fs.File, error)) (experimentalsys.File, experimentalsys.Errno) {
	return (&sysfs.AdaptFS{FS: openerFS(open)}).OpenFile(name, experimentalsys.O_RDONLY, 0)
}

type openerFS func() (fs.File, error)

func (o openerFS) Open(string) (fs.File, error) { return o() }

// file is an open regular file of a mount.
type file struct {
	fs      *FS
	m       *Mount
	rel     string
	guest   string // its path as the guest sees it, for its inode
	f       hackpadfs.File
	append  bool
	written bool
}

func (f *file) Stat() (fs.FileInfo, error) {
	fi, err := f.f.Stat()
	if err != nil {
		return nil, err
	}
	return info{fi, stat(f.guest, fi)}, nil
}

func (f *file) Read(b []byte) (int, error)              { return f.f.Read(b) }
func (f *file) ReadAt(b []byte, off int64) (int, error) { return hackpadfs.ReadAtFile(f.f, b, off) }
func (f *file) Seek(off int64, whence int) (int64, error) {
	return hackpadfs.SeekFile(f.f, off, whence)
}
func (f *file) WriteAt(b []byte, off int64) (int, error) {
	if err := f.grow(off + int64(len(b))); err != nil {
		return 0, err
	}
	f.written = true
	return hackpadfs.WriteAtFile(f.f, b, off)
}

// Truncate shrinks or extends the file. Extending it charges nothing: a
// tmpfs file's hole takes no memory until it is written (and a write into
// a hole below the file's end is not charged here either).
func (f *file) Truncate(size int64) error {
	var before int64 = -1
	if f.m.Memory != nil {
		if fi, err := f.f.Stat(); err == nil {
			before = fi.Size()
		}
	}
	f.written = true
	if err := hackpadfs.TruncateFile(f.f, size); err != nil {
		return err
	}
	if before > size {
		f.m.Memory.Shrink(f.rel, before-size)
	}
	return nil
}

// grow tells a memory-backed mount that a write is to make the file end
// at end.
func (f *file) grow(end int64) error {
	if f.m.Memory == nil {
		return nil
	}
	fi, err := f.f.Stat()
	if err != nil {
		return err
	}
	if end <= fi.Size() {
		return nil
	}
	return f.m.Memory.Grow(f.rel, end-fi.Size())
}
func (f *file) Chtimes(atime, mtime time.Time) error {
	return hackpadfs.Chtimes(f.m.FS, f.rel, atime, mtime)
}
func (f *file) Sync() error { return nil }

func (f *file) Write(b []byte) (int, error) {
	if f.append {
		if _, err := hackpadfs.SeekFile(f.f, 0, io.SeekEnd); err != nil {
			return 0, err
		}
	}
	if f.m.Memory != nil {
		off, err := hackpadfs.SeekFile(f.f, 0, io.SeekCurrent)
		if err != nil {
			return 0, err
		}
		if err := f.grow(off + int64(len(b))); err != nil {
			return 0, err
		}
	}
	f.written = true
	return hackpadfs.WriteFile(f.f, b)
}

func (f *file) Close() error {
	err := f.f.Close()
	if f.written {
		f.touch()
	}
	return err
}

// touch sets the file's times to the guest's clock: the file systems
// would take the host's.
func (f *file) touch() {
	now := f.fs.now()
	_ = hackpadfs.Chtimes(f.m.FS, f.rel, now, now)
}

// dirFile is an open directory, listed when opened.
type dirFile struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	pos     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error)   { return 0, hackpadfs.ErrIsDir }
func (d *dirFile) Close() error               { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.pos:]
	if n <= 0 {
		d.pos = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	d.pos += len(rest)
	return rest, nil
}

// info is file info carrying the stat wazero reports (with our inode).
type info struct {
	fs.FileInfo
	st sys.Stat_t
}

func (i info) Sys() any { return &i.st }
