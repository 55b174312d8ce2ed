package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// obsoleteCount rewrites the old `head -5` / `tail -5` / `tail +5` forms,
// which BusyBox still accepts, into -n.
func obsoleteCount(args []string) []string {
	if len(args) > 0 && len(args[0]) > 1 && (args[0][0] == '-' || args[0][0] == '+') {
		if _, err := strconv.Atoi(args[0][1:]); err == nil {
			n := args[0][1:]
			if args[0][0] == '+' {
				n = "+" + n
			}
			return append([]string{"-n", n}, args[1:]...)
		}
	}
	return args
}

// countArg parses -n/-c's value, with BusyBox's size suffixes (b k m) and,
// for tail, a leading + meaning "starting at".
func countArg(s string) (n int64, fromStart bool, err error) {
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		s, fromStart = rest, true
	}
	s = strings.TrimPrefix(s, "-")
	mult := int64(1)
	if k := len(s); k > 0 {
		switch s[k-1] {
		case 'b':
			mult, s = 512, s[:k-1]
		case 'k':
			mult, s = 1024, s[:k-1]
		case 'm':
			mult, s = 1024*1024, s[:k-1]
		}
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("invalid number '%s'", s)
	}
	return n * mult, fromStart, nil
}

// headerWriter prints "==> NAME <==" before each file when there are
// several (or -v), as head and tail do.
type headerWriter struct {
	p     *proc
	show  bool
	first bool
}

func (h *headerWriter) header(w io.Writer, name string) {
	if !h.show {
		return
	}
	if !h.first {
		fmt.Fprintln(w)
	}
	h.first = false
	if name == "-" {
		name = "standard input"
	}
	fmt.Fprintf(w, "==> %s <==\n", name)
}

// headMain prints the first lines (-n, 10 by default) or bytes (-c). It
// stops reading once it has them, so `yes | head -n 3` ends.
func headMain(p *proc) int {
	o, err := getopt(obsoleteCount(p.args[1:]), "n:c:qv")
	if err != nil {
		return p.usageError("%v", err)
	}
	count, bytesMode := int64(10), o.has('c')
	spec := o.value('n')
	if bytesMode {
		spec = o.value('c')
	}
	if spec != "" {
		if count, _, err = countArg(spec); err != nil {
			p.errorf("%v", err)
			return 1
		}
	}
	out := newOutput(p.stdout)
	defer out.Flush()
	h := &headerWriter{p: p, show: (len(o.args) > 1 || o.has('v')) && !o.has('q'), first: true}
	return p.eachInput(o.args, func(name string, r io.Reader) error {
		h.header(out, name)
		if bytesMode {
			_, err := io.CopyN(out, r, count)
			if err == io.EOF {
				err = nil
			}
			return err
		}
		left := count
		if left == 0 {
			return nil
		}
		return eachLine(r, out, func(line []byte) error {
			if _, err := out.Write(line); err != nil {
				return err
			}
			if left--; left == 0 {
				return errStop
			}
			return nil
		})
	})
}

// tailMain prints the last lines (-n N, 10 by default) or bytes (-c), or
// everything from line (byte) N on with -n +N. With -f it then follows a
// regular file, polling it each second as GNU tail does without inotify;
// anything else (`tail -f /dev/null`, the classic way to keep a container
// running) just never ends.
func tailMain(p *proc) int {
	o, err := getopt(obsoleteCount(p.args[1:]), "n:c:qvfFs:")
	if err != nil {
		return p.usageError("%v", err)
	}
	count, fromStart, bytesMode := int64(10), false, o.has('c')
	spec := o.value('n')
	if bytesMode {
		spec = o.value('c')
	}
	if spec != "" {
		if count, fromStart, err = countArg(spec); err != nil {
			p.errorf("%v", err)
			return 1
		}
	}
	out := newOutput(p.stdout)
	h := &headerWriter{p: p, show: (len(o.args) > 1 || o.has('v')) && !o.has('q'), first: true}
	status := p.eachInput(o.args, func(name string, r io.Reader) error {
		h.header(out, name)
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		_, err = out.Write(tailOf(data, count, fromStart, bytesMode))
		return err
	})
	out.Flush()
	if o.has('f') || o.has('F') {
		p.follow(o.args)
		return 1 // only reached when stopped
	}
	return status
}

// tailOf selects tail's part of data.
func tailOf(data []byte, n int64, fromStart, bytesMode bool) []byte {
	if bytesMode {
		if fromStart {
			return data[min(int64(len(data)), max(n-1, 0)):]
		}
		return data[int64(len(data))-min(n, int64(len(data))):]
	}
	if fromStart {
		for i := int64(1); i < n && len(data) > 0; i++ {
			k := bytes.IndexByte(data, '\n')
			if k < 0 {
				return nil
			}
			data = data[k+1:]
		}
		return data
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end-- // the final newline does not start a line
	}
	for i := int64(0); i < n; i++ {
		k := bytes.LastIndexByte(data[:end], '\n')
		if k < 0 {
			return data
		}
		if i+1 == n {
			return data[k+1:]
		}
		end = k
	}
	return data[len(data):]
}

// follow prints what is appended to the one regular file named, until the
// applet's context ends; with no such file it only waits.
func (p *proc) follow(names []string) {
	var f *os.File
	if len(names) == 1 {
		if fi, err := os.Stat(p.path(names[0])); err == nil && fi.Mode().IsRegular() {
			if f, err = os.Open(p.path(names[0])); err == nil {
				defer f.Close()
				f.Seek(0, io.SeekEnd)
			}
		}
	}
	if f == nil {
		for p.sleep(24 * time.Hour) {
		}
		return
	}
	for p.sleep(time.Second) {
		if _, err := io.Copy(p.stdout, f); err != nil {
			return
		}
	}
}
