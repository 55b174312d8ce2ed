package shell

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/interp"
)

// fsPath turns an absolute shell path into a path of the FS.
func fsPath(p string) string {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

// abs resolves a path against the working directory.
func abs(dir, p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

type discard struct{}

func (discard) Read([]byte) (int, error)    { return 0, io.EOF }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Close() error                { return nil }

// fileRW adapts a hackpadfs file to what the interpreter expects. A file
// written to, created or truncated gets the cluster's time when closed.
type fileRW struct {
	hackpadfs.File
	s       *Shell
	name    string // the FS path
	changed bool
	created bool
	dir     bool // a directory, opened to read (a redirection from it)
}

// Read reads the file; a directory's read fails with EISDIR, as read(2)
// does (hackpadfs's directories cannot be read and panicked).
func (f *fileRW) Read(p []byte) (int, error) {
	if f.dir {
		var err error = &fs.PathError{Op: "read", Path: path.Join("/", f.name), Err: hackpadfs.ErrIsDir}
		f.s.dirRead.Store(&err)
		return 0, err
	}
	return f.File.Read(p)
}

func (f *fileRW) Write(p []byte) (int, error) {
	w, ok := f.File.(io.Writer)
	if !ok {
		return 0, errors.New("file is not writable")
	}
	f.changed = f.changed || len(p) > 0
	return w.Write(p)
}

func (f *fileRW) Close() error {
	err := f.File.Close()
	if f.changed || f.created {
		f.s.stamp(f.name, f.created)
	}
	return err
}

func (s *Shell) open(ctx context.Context, p string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	p = abs(interp.HandlerCtx(ctx).Dir, p) // the interpreter passes paths as written
	if p == "/dev/null" {
		return discard{}, nil
	}
	f, err := s.openFile(fsPath(p), flag, perm)
	if err != nil {
		return nil, rename(err, p)
	}
	return f, nil
}

// openFile opens a file of the FS (an FS path) that gets the cluster's
// time when closed if it was written to, created or truncated.
func (s *Shell) openFile(name string, flag int, perm os.FileMode) (*fileRW, error) {
	created := false
	if flag&os.O_CREATE != 0 {
		_, err := hackpadfs.Stat(s.cfg.FS, name)
		created = errors.Is(err, fs.ErrNotExist)
	}
	f, err := hackpadfs.OpenFile(s.cfg.FS, name, flag, perm)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	dir := err == nil && fi.IsDir()
	return &fileRW{File: f, s: s, name: name, changed: flag&os.O_TRUNC != 0, created: created, dir: dir}, nil
}

// writeFile replaces a file's contents (an FS path).
func (s *Shell) writeFile(name string, data []byte, perm os.FileMode) error {
	f, err := s.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// now is the cluster's time as the shell last read it: when the command
// line started, and after each wait, the only places where time moves
// in a way a command can see. Reading it takes no lock, so that a
// command writing a file in a pipeline never waits for the kubectl
// feeding it, which holds the cluster while it writes.
func (s *Shell) now() time.Time { return *s.clock.Load() }

// readClock reads the cluster's clock; the caller holds the cluster.
func (s *Shell) readClock() {
	t := s.cfg.Now()
	s.clock.Store(&t)
}

// stamp gives a file the cluster's time as its modification time, and
// its directory too when the file was created or removed, as a real file
// system does: `ls -l` then shows the same times every run.
func (s *Shell) stamp(name string, dirToo bool) {
	t := s.now()
	_ = hackpadfs.Chtimes(s.cfg.FS, name, t, t)
	if dirToo {
		_ = hackpadfs.Chtimes(s.cfg.FS, fsPath(path.Dir("/"+name)), t, t)
	}
}

func (s *Shell) readDir(ctx context.Context, p string) ([]fs.DirEntry, error) {
	p = abs(interp.HandlerCtx(ctx).Dir, p) // the interpreter passes paths as written
	entries, err := hackpadfs.ReadDir(s.cfg.FS, fsPath(p))
	if err != nil {
		return nil, rename(err, p)
	}
	return entries, nil
}

func (s *Shell) stat(ctx context.Context, p string, followSymlinks bool) (fs.FileInfo, error) {
	p = abs(interp.HandlerCtx(ctx).Dir, p) // the interpreter passes paths as written
	if followSymlinks {
		info, err := hackpadfs.Stat(s.cfg.FS, fsPath(p))
		return info, rename(err, p)
	}
	info, err := hackpadfs.LstatOrStat(s.cfg.FS, fsPath(p))
	return info, rename(err, p)
}

// access checks a path as root would: everything is allowed but running
// a file that has no execute bit. cd and test -r/-w/-x ask.
func (s *Shell) access(ctx context.Context, p string, mode interp.AccessMode) error {
	info, err := hackpadfs.Stat(s.cfg.FS, fsPath(p))
	if err != nil {
		return rename(err, p)
	}
	if mode&interp.AccessExec != 0 && !info.IsDir() && info.Mode()&0o111 == 0 {
		return &fs.PathError{Op: "access", Path: p, Err: fs.ErrPermission}
	}
	return nil
}

// rename makes a path error name the shell's path, not the FS's.
func rename(err error, p string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: p, Err: pe.Err}
	}
	return err
}

// ReadFile reads a file by shell path, relative to the working directory.
func (s *Shell) ReadFile(name string) ([]byte, error) {
	return hackpadfs.ReadFile(s.cfg.FS, fsPath(abs(s.runner.Dir, name)))
}
