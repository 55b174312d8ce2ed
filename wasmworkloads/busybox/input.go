package main

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// errText renders an error the way BusyBox does, from strerror: "No such
// file or directory" rather than Go's "open x: no such file or directory".
// Go's own text is used for errors without an errno, capitalised alike.
func errText(err error) string {
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno) && errno != syscall.ENOENT && errno != syscall.EEXIST && errno != syscall.EACCES:
		// The errno's own words: ENOTEMPTY is also an fs.ErrExist.
		err = errno
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrExist):
		return "File exists"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	case errors.As(err, &errno):
		err = errno
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
	}
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// open opens an input operand; "-" is standard input, and the usual /dev
// files exist even when the module has no filesystem.
func (p *proc) open(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(p.stdinOrEmpty()), nil
	}
	if dev, ok := openDevice(name, p.stdin, p.stdout, p.stderr); ok {
		return dev, nil
	}
	f, err := os.Open(p.path(name))
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, syscall.EISDIR
	}
	return f, nil
}

// eachInput calls fn with each input operand, or with standard input when
// there are none, as text utilities do. Files that cannot be read are
// reported ("applet: NAME: No such file or directory") and make the result 1,
// as does an error from fn; fn returning errStop ends the walk early.
func (p *proc) eachInput(names []string, fn func(name string, r io.Reader) error) int {
	if len(names) == 0 {
		names = []string{"-"}
	}
	status := 0
	for _, name := range names {
		r, err := p.open(name)
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			status = 1
			continue
		}
		err = fn(name, r)
		r.Close()
		if errors.Is(err, errStop) {
			break
		}
		if isBrokenPipe(err) {
			return exitBrokenPipe
		}
		var re readError
		switch {
		case errors.As(err, &re):
			// bb_copyfd's words for a failed read(2), as of standard
			// input redirected from a directory (`cat < /etc`).
			p.errorf("read error: %s", errText(re.err))
			status = 1
		case err != nil:
			p.errorf("%s: %s", name, errText(err))
			status = 1
		}
	}
	return status
}

// readError is an error of a read, which busybox reports without the
// file's name.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// readErrors marks the errors of reading r (but its end) as readErrors.
type readErrors struct{ r io.Reader }

func (r readErrors) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// exitBrokenPipe is the status of a process killed by SIGPIPE (128+13),
// which is what happens to a writer whose reader went away, as in
// `cat big | head -1`: quietly.
const exitBrokenPipe = 141

// isBrokenPipe reports a write to a pipe nobody reads any more: EPIPE from
// an OS pipe (native builds), io.ErrClosedPipe from sh's in-process pipes.
func isBrokenPipe(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe)
}

// errStop ends eachInput or eachLine early without being an error.
var errStop = errors.New("stop")

// output is a buffered standard output that streams: filters flush it
// whenever they are about to wait for more input, so a pipeline shows its
// lines as they come (a container's log is read live) without a write per
// line when input is plentiful.
type output struct {
	*bufio.Writer
}

// newOutput buffers w.
func newOutput(w io.Writer) output { return output{bufio.NewWriterSize(w, 32<<10)} }

// eachLine calls fn with each line of r, the newline included (the last
// line may have none). It flushes out before every read that may block.
// fn returning errStop ends the loop early with a nil error.
func eachLine(r io.Reader, out output, fn func(line []byte) error) error {
	br := bufio.NewReaderSize(r, 32<<10)
	for {
		if br.Buffered() == 0 && out.Writer != nil {
			if err := out.Flush(); err != nil {
				return err
			}
		}
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: gather it whole.
			rest, err2 := br.ReadBytes('\n')
			line, err = append(append([]byte(nil), line...), rest...), err2
		}
		if len(line) > 0 {
			if ferr := fn(line); ferr != nil {
				if errors.Is(ferr, errStop) {
					return nil
				}
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// chomp drops a line's trailing newline.
func chomp(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		return line[:n-1]
	}
	return line
}
