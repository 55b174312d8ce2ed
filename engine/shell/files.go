package shell

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

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

// fileRW adapts a hackpadfs file to what the interpreter expects.
type fileRW struct{ hackpadfs.File }

func (f fileRW) Write(p []byte) (int, error) {
	w, ok := f.File.(io.Writer)
	if !ok {
		return 0, errors.New("file is not writable")
	}
	return w.Write(p)
}

func (s *Shell) open(ctx context.Context, p string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	p = abs(interp.HandlerCtx(ctx).Dir, p) // the interpreter passes paths as written
	if p == "/dev/null" {
		return discard{}, nil
	}
	f, err := hackpadfs.OpenFile(s.cfg.FS, fsPath(p), flag, perm)
	if err != nil {
		return nil, rename(err, p)
	}
	return fileRW{f}, nil
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
