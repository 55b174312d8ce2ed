package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The file-status applets. WASI reports no owners, inodes or devices, so
// those print as on a fresh overlay file system where root owns
// everything: uid and gid 0, one link.

// statMain prints what stat(2) says of each file, in BusyBox's layout, or
// as -c FORMAT asks.
func statMain(p *proc) int {
	o, err := getopt(p.args[1:], "c:fLt")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) == 0 {
		return p.showUsage()
	}
	stat := lstatMode
	if o.has('L') {
		stat = statMode
	}
	status := 0
	for _, name := range o.args {
		fi, err := stat(p.path(name))
		if err != nil {
			p.errorf("can't stat '%s': %s", name, errText(err))
			status = 1
			continue
		}
		switch {
		case o.has('c'):
			fmt.Fprintln(p.stdout, statFormat(o.value('c'), name, fi))
		case o.has('t'):
			fmt.Fprintln(p.stdout, statFormat("%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %o", name, fi))
		default:
			p.statLong(name, fi)
		}
	}
	return status
}

// statLong is stat's default output.
func (p *proc) statLong(name string, fi fs.FileInfo) {
	w := p.stdout
	if link, err := os.Readlink(p.path(name)); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		fmt.Fprintf(w, "  File: '%s' -> '%s'\n", name, link)
	} else {
		fmt.Fprintf(w, "  File: %s\n", name)
	}
	fmt.Fprintf(w, "  Size: %-10d\tBlocks: %-10d IO Block: %-6d %s\n", fi.Size(), blocks512(fi), 4096, fileType(fi.Mode()))
	fmt.Fprintf(w, "Device: %xh/%dd\tInode: %-10d  Links: %d\n", 0x2e, 0x2e, 0, 1)
	fmt.Fprintf(w, "Access: (%04o/%10.10s)  Uid: (%5d/%8s)   Gid: (%5d/%8s)\n", unixMode(fi.Mode())&0o7777, modeString(fi.Mode()), 0, "root", 0, "root")
	t := statTime(fi.ModTime())
	fmt.Fprintf(w, "Access: %s\nModify: %s\nChange: %s\n", t, t, t)
}

// statTime is how stat prints a time.
func statTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000000000 -0700")
}

// blocks512 is the file's size in the 512-byte blocks stat counts, as a
// file system of 4 KiB blocks allocates them.
func blocks512(fi fs.FileInfo) int64 {
	if fi.IsDir() {
		return 8
	}
	return (fi.Size() + 4095) / 4096 * 8
}

// fileType names the kind of file as stat does.
func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "fifo"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character special file"
	case m&fs.ModeDevice != 0:
		return "block special file"
	}
	return "regular file"
}

// unixMode turns Go's mode bits into st_mode's.
func unixMode(m fs.FileMode) uint32 {
	mode := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	switch {
	case m.IsDir():
		mode |= 0o040000
	case m&fs.ModeSymlink != 0:
		mode |= 0o120000
	case m&fs.ModeNamedPipe != 0:
		mode |= 0o010000
	case m&fs.ModeSocket != 0:
		mode |= 0o140000
	case m&fs.ModeCharDevice != 0:
		mode |= 0o020000
	case m&fs.ModeDevice != 0:
		mode |= 0o060000
	default:
		mode |= 0o100000
	}
	return mode
}

// statFormat expands stat -c's directives.
func statFormat(format, name string, fi fs.FileInfo) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		b.WriteString(statDirective(format[i], name, fi))
	}
	return b.String()
}

func statDirective(c byte, name string, fi fs.FileInfo) string {
	mtime := fi.ModTime().Unix()
	switch c {
	case 'n':
		return name
	case 'N':
		if link, err := os.Readlink(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return "'" + name + "' -> '" + link + "'"
		}
		return "'" + name + "'"
	case 's':
		return strconv.FormatInt(fi.Size(), 10)
	case 'b':
		return strconv.FormatInt(blocks512(fi), 10)
	case 'B':
		return "512"
	case 'o':
		return "4096"
	case 'F':
		return fileType(fi.Mode())
	case 'a':
		return strconv.FormatUint(uint64(unixMode(fi.Mode())&0o7777), 8)
	case 'A':
		return modeString(fi.Mode())
	case 'f':
		return strconv.FormatUint(uint64(unixMode(fi.Mode())), 16)
	case 'u', 'g', 'i', 'd', 't', 'T':
		return "0"
	case 'D':
		return "2e"
	case 'U', 'G':
		return "root"
	case 'h':
		return "1"
	case 'X', 'Y', 'Z':
		return strconv.FormatInt(mtime, 10)
	case 'x', 'y', 'z':
		return statTime(fi.ModTime())
	case '%':
		return "%"
	}
	return "?"
}

// duOptions are du's flags once parsed.
type duOptions struct {
	all, summary, total, human bool
	unit                       int64 // bytes per printed unit
	maxDepth                   int   // -d; -1 is none
}

// duMain prints the disk space used by each FILE and, for directories,
// below it, in 1K blocks (or -m, -h), as a file system of 4 KiB blocks
// allocates them.
func duMain(p *proc) int {
	o, err := getopt(p.args[1:], "aschkmlxLHd:")
	if err != nil {
		return p.usageError("%v", err)
	}
	d := duOptions{all: o.has('a'), summary: o.has('s'), total: o.has('c'), human: o.has('h'), unit: 1024, maxDepth: -1}
	if o.has('m') {
		d.unit = 1 << 20
	}
	if v := o.value('d'); v != "" {
		if d.maxDepth, err = strconv.Atoi(v); err != nil || d.maxDepth < 0 {
			p.errorf("invalid number '%s'", v)
			return 1
		}
	}
	if d.summary {
		d.maxDepth = 0
	}
	names := o.args
	if len(names) == 0 {
		names = []string{"."}
	}
	status := 0
	var grand int64
	for _, name := range names {
		size, ok := p.du(d, name, p.path(name), 0)
		if !ok {
			status = 1
		}
		grand += size
	}
	if d.total {
		p.duLine(d, grand, "total")
	}
	return status
}

// du prints and returns the usage of one file or tree, in bytes.
func (p *proc) du(d duOptions, name, full string, depth int) (int64, bool) {
	fi, err := os.Lstat(full)
	if err != nil {
		p.errorf("%s: %s", name, errText(err))
		return 0, false
	}
	size, ok := blocks512(fi)*512, true
	if fi.IsDir() {
		entries, err := os.ReadDir(full)
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			ok = false
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		slices.Sort(names)
		for _, n := range names {
			s, subOK := p.du(d, filepath.Join(name, n), filepath.Join(full, n), depth+1)
			size += s
			ok = ok && subOK
		}
	}
	if (fi.IsDir() || d.all || depth == 0) && (d.maxDepth < 0 || depth <= d.maxDepth) {
		p.duLine(d, size, name)
	}
	return size, ok
}

func (p *proc) duLine(d duOptions, bytes int64, name string) {
	if d.human {
		fmt.Fprintf(p.stdout, "%s\t%s\n", humanReadable(bytes), name)
		return
	}
	fmt.Fprintf(p.stdout, "%d\t%s\n", (bytes+d.unit-1)/d.unit, name)
}
