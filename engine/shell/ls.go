package shell

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/interp"
)

var lsTool = &tool{
	name:  "ls",
	usage: []string{"ls [OPTION]... [FILE]..."},
	about: "List information about the FILEs (the current directory by default), one a line.\nEntries are sorted by name, byte by byte (the C locale).",
	opts: []option{
		{short: 'a', long: "all", help: "do not ignore entries starting with ."},
		{short: 'A', long: "almost-all", help: "do not list implied . and .."},
		{long: "color", arg: optArg, argName: "WHEN", help: "accepted; the output is never coloured"},
		{short: 'd', long: "directory", help: "list directories themselves, not their contents"},
		{short: 'F', long: "classify", help: "append indicator (one of */) to entries"},
		{short: 'h', long: "human-readable", help: "with -l, print sizes like 1K 234M 2G etc."},
		{short: 'l', help: "use a long listing format"},
		{short: 'n', long: "numeric-uid-gid", help: "like -l, but list numeric user and group IDs"},
		{short: 'p', help: "append / indicator to directories"},
		{short: 'r', long: "reverse", help: "reverse order while sorting"},
		{short: 'R', long: "recursive", help: "list subdirectories recursively"},
		{short: 'S', help: "sort by file size, largest first"},
		{short: 't', help: "sort by time, newest first"},
		{short: '1', help: "list one file per line (always the case here)"},
	},
	status: 2,
}

// lsEntry is a file to list under the name to show.
type lsEntry struct {
	name  string
	info  fs.FileInfo
	links int
}

type lsRun struct {
	s     *Shell
	hc    interp.HandlerContext
	o     parsed
	now   time.Time
	out   *errWriter
	first bool // nothing printed yet
	code  int
}

func (s *Shell) ls(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := lsTool.parse(hc, args)
	if done {
		return code
	}
	l := &lsRun{s: s, hc: hc, o: o, now: s.now(), out: &errWriter{w: hc.Stdout}, first: true}
	names := o.args
	if len(names) == 0 {
		names = []string{"."}
	}
	var files, dirs []lsEntry
	for _, n := range names {
		info, err := hackpadfs.Stat(s.cfg.FS, fsPath(abs(hc.Dir, n)))
		switch {
		case err != nil:
			fmt.Fprintf(hc.Stderr, "ls: cannot access '%s': %s\n", n, errText(err))
			l.code = 2
		case info.IsDir() && !o.has("d"):
			dirs = append(dirs, l.entry(n, info, n))
		default:
			files = append(files, l.entry(n, info, n))
		}
	}
	l.sort(files)
	l.sort(dirs)
	if len(files) > 0 {
		l.print(files, false)
	}
	header := len(names) > 1 || o.has("R")
	for _, d := range dirs {
		l.dir(d.name, header)
	}
	return l.code
}

func (l *lsRun) long() bool { return l.o.has("l") || l.o.has("n") }

// entry makes the lsEntry of a file; p is its path as the user wrote it.
func (l *lsRun) entry(name string, info fs.FileInfo, p string) lsEntry {
	e := lsEntry{name: name, info: info, links: 1}
	if info.IsDir() && l.long() {
		e.links = 2
		if sub, err := hackpadfs.ReadDir(l.s.cfg.FS, fsPath(abs(l.hc.Dir, p))); err == nil {
			for _, d := range sub {
				if d.IsDir() {
					e.links++
				}
			}
		}
	}
	return e
}

// dir lists a directory, and with -R its subdirectories after it.
func (l *lsRun) dir(p string, header bool) {
	fp := fsPath(abs(l.hc.Dir, p))
	entries, err := hackpadfs.ReadDir(l.s.cfg.FS, fp)
	if err != nil {
		fmt.Fprintf(l.hc.Stderr, "ls: cannot open directory '%s': %s\n", p, errText(err))
		l.code = 2
		return
	}
	var list []lsEntry
	if l.o.has("a") && !l.o.has("A") {
		for _, dot := range []string{".", ".."} {
			if info, err := hackpadfs.Stat(l.s.cfg.FS, fsPath(abs(l.hc.Dir, p+"/"+dot))); err == nil {
				list = append(list, l.entry(dot, info, p+"/"+dot))
			}
		}
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && !l.o.has("a") && !l.o.has("A") {
			continue
		}
		if info, err := e.Info(); err == nil {
			list = append(list, l.entry(e.Name(), info, p+"/"+e.Name()))
		}
	}
	l.sort(list)
	if header {
		if !l.first {
			l.out.printf("\n")
		}
		l.out.printf("%s:\n", p)
	}
	l.print(list, true)
	if !l.o.has("R") {
		return
	}
	for _, e := range list {
		if e.info.IsDir() && e.name != "." && e.name != ".." {
			l.dir(strings.TrimSuffix(p, "/")+"/"+e.name, true)
		}
	}
}

func (l *lsRun) sort(list []lsEntry) {
	less := func(a, b lsEntry) bool { return a.name < b.name }
	switch {
	case l.o.has("S"):
		less = func(a, b lsEntry) bool {
			if sa, sb := lsSize(a.info), lsSize(b.info); sa != sb {
				return sa > sb
			}
			return a.name < b.name
		}
	case l.o.has("t"):
		less = func(a, b lsEntry) bool {
			if !a.info.ModTime().Equal(b.info.ModTime()) {
				return a.info.ModTime().After(b.info.ModTime())
			}
			return a.name < b.name
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if l.o.has("r") {
			return less(list[j], list[i])
		}
		return less(list[i], list[j])
	})
}

// print lists entries, one a line or as -l says; inDir adds -l's total.
func (l *lsRun) print(list []lsEntry, inDir bool) {
	l.first = false
	if !l.long() {
		for _, e := range list {
			l.out.printf("%s\n", e.name+l.suffix(e.info))
		}
		return
	}
	var total int64
	rows := make([][]string, len(list))
	widths := make([]int, 4)
	for i, e := range list {
		total += blocks(e.info)
		owner := "root"
		if l.o.has("n") {
			owner = "0"
		}
		rows[i] = []string{strconv.Itoa(e.links), owner, owner, l.size(lsSize(e.info))}
		for c, v := range rows[i] {
			widths[c] = max(widths[c], len(v))
		}
	}
	if inDir && l.o.has("h") {
		l.out.printf("total %s\n", humanSize(total*1024))
	} else if inDir {
		l.out.printf("total %d\n", total)
	}
	for i, e := range list {
		r := rows[i]
		l.out.printf("%s %*s %-*s %-*s %*s %s %s\n", e.info.Mode(), widths[0], r[0], widths[1], r[1], widths[2], r[2],
			widths[3], r[3], l.date(e.info.ModTime()), e.name+l.suffix(e.info))
	}
}

func (l *lsRun) suffix(info fs.FileInfo) string {
	switch {
	case info.IsDir() && (l.o.has("F") || l.o.has("p")):
		return "/"
	case l.o.has("F") && info.Mode().IsRegular() && info.Mode()&0o111 != 0:
		return "*"
	}
	return ""
}

// lsSize is a file's size; a directory's is 4096 as on ext4, whatever
// the FS says.
func lsSize(info fs.FileInfo) int64 {
	if info.IsDir() {
		return 4096
	}
	return info.Size()
}

// blocks is how many 1K blocks a file takes on a file system of 4K
// blocks; a directory takes one.
func blocks(info fs.FileInfo) int64 {
	if info.IsDir() {
		return 4
	}
	return (info.Size() + 4095) / 4096 * 4
}

func (l *lsRun) size(n int64) string {
	if !l.o.has("h") {
		return strconv.FormatInt(n, 10)
	}
	return humanSize(n)
}

// humanSize prints a size as ls -h does: powers of 1024, rounded up,
// with one decimal below 10.
func humanSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10)
	}
	f := float64(n)
	for _, unit := range "KMGTPE" {
		f /= 1024
		if f < 10 {
			if v := ceilTenth(f); v < 10 {
				return strconv.FormatFloat(v, 'f', 1, 64) + string(unit)
			}
			return "10" + string(unit)
		}
		if f < 1024 {
			if v := ceil(f); v < 1024 {
				return strconv.FormatFloat(v, 'f', 0, 64) + string(unit)
			}
		}
	}
	return strconv.FormatFloat(ceil(f), 'f', 0, 64) + "E"
}

func ceilTenth(f float64) float64 { return ceil(f*10-1e-9) / 10 }

func ceil(f float64) float64 {
	i := float64(int64(f))
	if f > i {
		return i + 1
	}
	return i
}

// date is -l's time: the day and time for the last six months, the day
// and year before that or in the future.
func (l *lsRun) date(t time.Time) string {
	t = t.UTC()
	halfYear := time.Duration(31556952/2) * time.Second
	if t.After(l.now) || l.now.Sub(t) > halfYear {
		return t.Format("Jan _2  2006")
	}
	return t.Format("Jan _2 15:04")
}
