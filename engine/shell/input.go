package shell

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/interp"
)

// fileErrs are how a tool words a file it cannot open or read, as formats
// of the file name and the error's text, after "tool: ".
type fileErrs struct{ open, read string }

var plainErrs = fileErrs{open: "%s: %s", read: "%s: %s"}

// inputs calls each with every operand's contents in turn, standard input
// for "-" or when there are none, until each returns false. It reports the
// files that cannot be read and returns 1 if there were any.
func (s *Shell) inputs(hc interp.HandlerContext, cmd string, errs fileErrs, names []string, each func(name string, r io.Reader) bool) int {
	if len(names) == 0 {
		names = []string{"-"}
	}
	code := 0
	for _, n := range names {
		r, err := s.openInput(hc, n)
		if err != nil {
			format := errs.open
			if errors.Is(err, hackpadfs.ErrIsDir) {
				format = errs.read
			}
			fmt.Fprintf(hc.Stderr, "%s: "+format+"\n", cmd, n, errText(err))
			code = 1
			continue
		}
		rr := &readErrs{r: r}
		more := each(n, rr)
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
		if n == "-" && rr.err == nil && rr.n == 0 {
			if failed := s.dirRead.Swap(nil); failed != nil {
				rr.err = *failed
			}
		}
		if rr.err != nil {
			// A read that failed, as of standard input redirected from
			// a directory (`cat < dir`), which opens.
			name := n
			if n == "-" && strings.Contains(errs.read, "'%s'") {
				name = "standard input"
			}
			fmt.Fprintf(hc.Stderr, "%s: "+errs.read+"\n", cmd, name, errText(rr.err))
			code = 1
		}
		if !more {
			break
		}
	}
	return code
}

// readErrs keeps the first error of reading r but its end, and counts
// what it read.
type readErrs struct {
	r   io.Reader
	n   int
	err error
}

func (r *readErrs) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.n += n
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// openInput opens a file operand for reading ("-" is standard input).
func (s *Shell) openInput(hc interp.HandlerContext, name string) (io.Reader, error) {
	if name == "-" {
		if hc.Stdin == nil {
			return strings.NewReader(""), nil
		}
		return io.NopCloser(hc.Stdin), nil
	}
	p := fsPath(abs(hc.Dir, name))
	if abs(hc.Dir, name) == "/dev/null" {
		return strings.NewReader(""), nil
	}
	f, err := s.cfg.FS.Open(p)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err == nil && info.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "read", Path: name, Err: hackpadfs.ErrIsDir}
	}
	return f, nil
}

func errText(err error) string {
	switch { // the errnos first: ENOTEMPTY is also an fs.ErrExist
	case errors.Is(err, hackpadfs.ErrIsDir):
		return "Is a directory"
	case errors.Is(err, hackpadfs.ErrNotDir):
		return "Not a directory"
	case errors.Is(err, hackpadfs.ErrNotEmpty):
		return "Directory not empty"
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrExist):
		return "File exists"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if strings.Contains(pe.Err.Error(), "directory") {
			return "Is a directory"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

// lineReader reads lines as the text tools do: the last line may lack
// its newline, and the tools that copy lines keep it that way.
type lineReader struct{ r *bufio.Reader }

func newLineReader(r io.Reader) *lineReader { return &lineReader{bufio.NewReaderSize(r, 64*1024)} }

// next returns the next line without its newline, whether it had one,
// and false at the end of the input.
func (l *lineReader) next() (line string, nl bool, ok bool) {
	s, err := l.r.ReadString('\n')
	if s == "" && err != nil {
		return "", false, false
	}
	if strings.HasSuffix(s, "\n") {
		return s[:len(s)-1], true, true
	}
	return s, false, true
}

// readLines reads all the lines of r.
func readLines(r io.Reader) []string {
	var lines []string
	lr := newLineReader(r)
	for {
		l, _, ok := lr.next()
		if !ok {
			return lines
		}
		lines = append(lines, l)
	}
}

// errWriter remembers the first error writing, so that a tool that
// prints much (seq, yes-like loops, watch) stops once its reader is gone.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) { fmt.Fprintf(e, format, a...) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
