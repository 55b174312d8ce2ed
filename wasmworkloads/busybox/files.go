package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// The file applets work on whatever filesystem the host gives the module
// (in kubeplay, possibly none, or a read-only one); errors are reported as
// BusyBox words them, and never stop the other operands.

// catMain copies FILEs (or stdin) to stdout; -n numbers the lines.
func catMain(p *proc) int {
	o, err := getopt(p.args[1:], "nbuvetA")
	if err != nil {
		return p.usageError("%v", err)
	}
	if !o.has('n') && !o.has('b') {
		return p.eachInput(o.args, func(_ string, r io.Reader) error {
			_, err := io.Copy(p.stdout, readErrors{r})
			return err
		})
	}
	out := newOutput(p.stdout)
	defer out.Flush()
	n := 0
	return p.eachInput(o.args, func(_ string, r io.Reader) error {
		return eachLine(readErrors{r}, out, func(line []byte) error {
			if o.has('b') && len(chomp(line)) == 0 {
				_, err := out.Write(line)
				return err
			}
			n++
			fmt.Fprintf(out, "%6d\t", n)
			_, err := out.Write(line)
			return err
		})
	})
}

// mkdirMain creates directories; -p creates parents and accepts existing
// ones.
func mkdirMain(p *proc) int {
	o, err := getopt(p.args[1:], "pm:v")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) == 0 {
		return p.usageError("missing operand")
	}
	mode := fs.FileMode(0o777)
	if m := o.value('m'); m != "" {
		v, err := strconv.ParseUint(m, 8, 32)
		if err != nil {
			p.errorf("invalid mode '%s'", m)
			return 1
		}
		mode = fs.FileMode(v)
	}
	status := 0
	for _, dir := range o.args {
		var err error
		if o.has('p') {
			err = os.MkdirAll(p.path(dir), mode)
		} else {
			err = os.Mkdir(p.path(dir), mode)
		}
		if err != nil {
			p.errorf("can't create directory '%s': %s", dir, errText(err))
			status = 1
		}
	}
	return status
}

// rmMain removes files; -r directories too, -f ignores missing operands.
func rmMain(p *proc) int {
	o, err := getopt(p.args[1:], "rRfiv")
	if err != nil {
		return p.usageError("%v", err)
	}
	force, recursive := o.has('f'), o.has('r') || o.has('R')
	if len(o.args) == 0 {
		if force {
			return 0
		}
		return p.usageError("missing operand")
	}
	status := 0
	for _, name := range o.args {
		if base := filepath.Base(name); base == "." || base == ".." {
			p.errorf("can't remove '%s' or '%s'", ".", "..")
			status = 1
			continue
		}
		if err := removePath(p.path(name), recursive); err != nil {
			if force && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			p.errorf("can't remove '%s': %s", name, errText(err))
			status = 1
		}
	}
	return status
}

// removePath removes one operand of rm.
func removePath(name string, recursive bool) error {
	fi, err := os.Lstat(name)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		if !recursive {
			return errIsDir
		}
		return os.RemoveAll(name)
	}
	return os.Remove(name)
}

var errIsDir = errors.New("is a directory")

// touchMain creates files or sets their times to now; -c does not create.
func touchMain(p *proc) int {
	o, err := getopt(p.args[1:], "cmah")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) == 0 {
		return p.usageError("missing operand")
	}
	status := 0
	now := p.now()
	for _, name := range o.args {
		full := p.path(name)
		err := os.Chtimes(full, now, now)
		if errors.Is(err, fs.ErrNotExist) && !o.has('c') {
			var f *os.File
			if f, err = os.OpenFile(full, os.O_WRONLY|os.O_CREATE, 0o666); err == nil {
				err = f.Close()
			}
		} else if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			status = 1
		}
	}
	return status
}

// lsOptions are the ls flags that shape the listing.
type lsOptions struct {
	all, almostAll, long, dirAsFile, classify bool
	now                                       time.Time
}

// lsMain lists files and directories, one name a line (as BusyBox does
// when stdout is not a terminal, which a container log never is), or in
// BusyBox's long format with -l.
func lsMain(p *proc) int {
	o, err := getopt(p.args[1:], "1aAlFdhC")
	if err != nil {
		return p.usageError("%v", err)
	}
	opts := lsOptions{all: o.has('a'), almostAll: o.has('A'), long: o.has('l'),
		dirAsFile: o.has('d'), classify: o.has('F'), now: p.now()}
	names := o.args
	if len(names) == 0 {
		names = []string{"."}
	}
	status := 0
	var files, dirs []string
	for _, name := range names {
		fi, err := os.Stat(p.path(name))
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			status = 1
			continue
		}
		if fi.IsDir() && !opts.dirAsFile {
			dirs = append(dirs, name)
		} else {
			files = append(files, name)
		}
	}
	slices.Sort(files)
	slices.Sort(dirs)
	for _, name := range files {
		fi, _ := lstatMode(p.path(name))
		if fi != nil {
			p.lsEntry(opts, name, p.path(name), fi)
		}
	}
	for i, dir := range dirs {
		if len(names) > 1 {
			if i > 0 || len(files) > 0 {
				fmt.Fprintln(p.stdout)
			}
			fmt.Fprintf(p.stdout, "%s:\n", dir)
		}
		if err := p.lsDir(opts, dir); err != nil {
			p.errorf("%s: %s", dir, errText(err))
			status = 1
		}
	}
	return status
}

// lsDir lists one directory's entries, sorted, hiding dot files unless
// -a (which adds . and ..) or -A.
func (p *proc) lsDir(opts lsOptions, dir string) error {
	full := p.path(dir)
	entries, err := os.ReadDir(full)
	if err != nil {
		return err
	}
	if opts.long {
		fmt.Fprintf(p.stdout, "total %d\n", totalBlocks(entries, opts))
	}
	if opts.all {
		for _, dot := range []string{".", ".."} {
			if fi, err := statMode(filepath.Join(full, dot)); err == nil {
				p.lsEntry(opts, dot, "", fi)
			}
		}
	}
	for _, e := range entries {
		if e.Name()[0] == '.' && !opts.all && !opts.almostAll {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		fi = withMode(filepath.Join(full, e.Name()), fi, false)
		p.lsEntry(opts, e.Name(), filepath.Join(full, e.Name()), fi)
	}
	return nil
}

// totalBlocks is ls -l's "total": the listed files' sizes in 1K blocks.
func totalBlocks(entries []fs.DirEntry, opts lsOptions) int64 {
	var total int64
	for _, e := range entries {
		if e.Name()[0] == '.' && !opts.all && !opts.almostAll {
			continue
		}
		if fi, err := e.Info(); err == nil && !fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 { // a link holds no blocks
			total += (fi.Size() + 1023) / 1024
		}
	}
	return total
}

// lsEntry prints one line of ls; full is the entry's path, to read a
// link's target.
func (p *proc) lsEntry(opts lsOptions, name, full string, fi fs.FileInfo) {
	mode := fi.Mode()
	if opts.classify {
		name += classify(mode)
	}
	if !opts.long {
		fmt.Fprintln(p.stdout, name)
		return
	}
	if mode&fs.ModeSymlink != 0 {
		// A link's permissions are always rwxrwxrwx on Linux (WASI does
		// not carry them); ls -l shows its target.
		mode |= 0o777
		if target, err := os.Readlink(full); err == nil && full != "" {
			name += " -> " + target
		}
	}
	// BusyBox: mode, links, owner, group, size, date, name.
	fmt.Fprintf(p.stdout, "%-10s %4d %-8s %-8s %9d %s %s\n",
		modeString(mode), 1, "root", "root", fi.Size(), lsTime(fi.ModTime(), opts.now), name)
}

// classify is -F's suffix.
func classify(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "/"
	case m&fs.ModeSymlink != 0:
		return "@"
	case m&fs.ModeNamedPipe != 0:
		return "|"
	case m&fs.ModeSocket != 0:
		return "="
	case m&0o111 != 0:
		return "*"
	}
	return ""
}

// modeString renders a mode as ls does: type letter, then rwx triplets.
func modeString(m fs.FileMode) string {
	b := []byte("----------")
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	case m&fs.ModeNamedPipe != 0:
		b[0] = 'p'
	case m&fs.ModeSocket != 0:
		b[0] = 's'
	case m&fs.ModeCharDevice != 0:
		b[0] = 'c'
	case m&fs.ModeDevice != 0:
		b[0] = 'b'
	}
	for i, c := range "rwxrwxrwx" {
		if m&(1<<uint(8-i)) != 0 {
			b[i+1] = byte(c)
		}
	}
	// setuid, setgid and sticky show in the x places: s or t over x, S
	// or T without it.
	for _, sp := range []struct {
		bit   fs.FileMode
		at    int
		on    byte
		alone byte
	}{{fs.ModeSetuid, 3, 's', 'S'}, {fs.ModeSetgid, 6, 's', 'S'}, {fs.ModeSticky, 9, 't', 'T'}} {
		if m&sp.bit != 0 {
			if b[sp.at] == 'x' {
				b[sp.at] = sp.on
			} else {
				b[sp.at] = sp.alone
			}
		}
	}
	return string(b)
}

// lsTime is ls -l's date: with the time for files of the last six months,
// with the year otherwise.
func lsTime(t, now time.Time) string {
	if d := now.Sub(t); d < 0 || d > 182*24*time.Hour {
		return t.UTC().Format("Jan _2  2006")
	}
	return t.UTC().Format("Jan _2 15:04")
}
