package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The applets that copy, move, link and remove files, and change their
// modes, with BusyBox's messages. A WASI file system has no owners, and
// permissions are not enforced (everything runs as root).

// cpOptions are cp's flags once parsed.
type cpOptions struct {
	recursive, noDeref, preserve, noClobber, verbose bool
}

// mode is a copy's mode: the source's, less the umask unless -p.
func (c cpOptions) mode(src fs.FileInfo) fs.FileMode {
	if c.preserve {
		return src.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	}
	return src.Mode().Perm() &^ umask
}

// cpMain copies SOURCEs to DEST, or into the directory DEST.
func cpMain(p *proc) int {
	o, err := getopt(p.args[1:], "arRdPLHpfinlsTuvt:")
	if err != nil {
		return p.usageError("%v", err)
	}
	c := cpOptions{
		recursive: o.has('a') || o.has('r') || o.has('R'),
		noDeref:   o.has('a') || o.has('d') || o.has('P') || ((o.has('r') || o.has('R')) && !o.has('L')),
		preserve:  o.has('a') || o.has('p'),
		noClobber: o.has('n'),
		verbose:   o.has('v'),
	}
	srcs, dest, ok := p.sourcesAndDest(o)
	if !ok {
		return p.showUsage()
	}
	into, status := p.intoDirectory(dest, len(srcs), o.has('T'))
	if status != 0 {
		return status
	}
	for _, src := range srcs {
		target := dest
		if into {
			target = filepath.Join(dest, filepath.Base(strings.TrimRight(src, "/")))
		}
		if !p.copyPath(c, src, target, 0) {
			status = 1
		}
	}
	return status
}

// sourcesAndDest splits cp's and mv's operands: -t DIR names the
// destination, else it is the last operand.
func (p *proc) sourcesAndDest(o options) ([]string, string, bool) {
	if t := o.value('t'); t != "" {
		return o.args, t, len(o.args) > 0
	}
	if len(o.args) < 2 {
		return nil, "", false
	}
	return o.args[:len(o.args)-1], o.args[len(o.args)-1], true
}

// intoDirectory tells whether sources go into dest: a directory, or any
// dest for several sources (each then fails on its own if it is not one,
// as BusyBox reports it).
func (p *proc) intoDirectory(dest string, sources int, noTargetDir bool) (bool, int) {
	fi, err := os.Stat(p.path(dest))
	isDir := err == nil && fi.IsDir() && !noTargetDir
	return isDir || sources > 1, 0
}

// copyPath copies one file or tree, reporting errors; it returns false on
// failure.
func (p *proc) copyPath(c cpOptions, src, dst string, depth int) bool {
	stat := statMode
	if c.noDeref {
		stat = lstatMode
	}
	fi, err := stat(p.path(src))
	if err != nil {
		p.errorf("can't stat '%s': %s", src, errText(err))
		return false
	}
	if same(p.path(src), p.path(dst)) {
		p.errorf("'%s' and '%s' are the same file", src, dst)
		return false
	}
	switch {
	case fi.IsDir():
		return p.copyDir(c, src, dst, fi, depth)
	case fi.Mode()&fs.ModeSymlink != 0:
		return p.copySymlink(c, src, dst)
	}
	return p.copyFile(c, src, dst, fi)
}

// same reports whether two paths name the same existing file.
func same(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

func (p *proc) copyDir(c cpOptions, src, dst string, fi fs.FileInfo, depth int) bool {
	if !c.recursive {
		p.errorf("omitting directory '%s'", src)
		return false
	}
	abs, target := filepath.Clean(p.path(src)), filepath.Clean(p.path(dst))
	if strings.HasPrefix(target+"/", abs+"/") && depth == 0 {
		p.errorf("recursion detected, omitting directory '%s'", src)
		return false
	}
	if err := os.Mkdir(target, fi.Mode().Perm()|0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		p.errorf("can't create directory '%s': %s", dst, errText(err))
		return false
	}
	_ = chmodMode(target, c.mode(fi))
	if c.verbose {
		fmt.Fprintf(p.stdout, "'%s' -> '%s'\n", src, dst)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		p.errorf("can't open '%s': %s", src, errText(err))
		return false
	}
	ok := true
	for _, e := range entries {
		ok = p.copyPath(c, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()), depth+1) && ok
	}
	if c.preserve {
		os.Chtimes(target, fi.ModTime(), fi.ModTime())
	}
	return ok
}

func (p *proc) copySymlink(c cpOptions, src, dst string) bool {
	link, err := os.Readlink(p.path(src))
	if err == nil {
		if c.noClobber && exists(p.path(dst)) {
			return true
		}
		os.Remove(p.path(dst))
		err = os.Symlink(link, p.path(dst))
	}
	if err != nil {
		p.errorf("can't create symlink '%s': %s", dst, errText(err))
		return false
	}
	return true
}

func (p *proc) copyFile(c cpOptions, src, dst string, fi fs.FileInfo) bool {
	if c.noClobber && exists(p.path(dst)) {
		return true
	}
	in, err := p.open(src)
	if err != nil {
		p.errorf("can't open '%s': %s", src, errText(err))
		return false
	}
	defer in.Close()
	out, err := os.OpenFile(p.path(dst), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		p.errorf("can't create '%s': %s", dst, errText(err))
		return false
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = chmodMode(p.path(dst), c.mode(fi))
	}
	if err != nil {
		p.errorf("error writing to '%s': %s", dst, errText(err))
		return false
	}
	if c.preserve {
		os.Chtimes(p.path(dst), fi.ModTime(), fi.ModTime())
	}
	if c.verbose {
		fmt.Fprintf(p.stdout, "'%s' -> '%s'\n", src, dst)
	}
	return true
}

func exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

// mvMain renames SOURCE to DEST, or moves SOURCEs into a directory; across
// file systems (a volume and the root, say) it copies and removes.
func mvMain(p *proc) int {
	o, err := getopt(p.args[1:], "finvTt:")
	if err != nil {
		return p.usageError("%v", err)
	}
	srcs, dest, ok := p.sourcesAndDest(o)
	if !ok {
		return p.showUsage()
	}
	into, status := p.intoDirectory(dest, len(srcs), o.has('T'))
	if status != 0 {
		return status
	}
	for _, src := range srcs {
		target := dest
		if into {
			target = filepath.Join(dest, filepath.Base(strings.TrimRight(src, "/")))
		}
		if o.has('n') && exists(p.path(target)) {
			continue
		}
		if !p.move(src, target) {
			status = 1
			continue
		}
		if o.has('v') {
			fmt.Fprintf(p.stdout, "'%s' -> '%s'\n", src, target)
		}
	}
	return status
}

func (p *proc) move(src, dst string) bool {
	err := os.Rename(p.path(src), p.path(dst))
	if errors.Is(err, syscall.EXDEV) {
		c := cpOptions{recursive: true, noDeref: true, preserve: true}
		if !p.copyPath(c, src, dst, 0) {
			return false
		}
		err = os.RemoveAll(p.path(src))
	}
	if err != nil {
		p.errorf("can't rename '%s': %s", src, errText(err))
		return false
	}
	return true
}

// lnMain makes hard links, or symbolic ones with -s.
func lnMain(p *proc) int {
	o, err := getopt(p.args[1:], "sfnbvTS:t:")
	if err != nil {
		return p.usageError("%v", err)
	}
	targets, link := o.args, ""
	switch {
	case o.value('t') != "":
		link = o.value('t')
	case len(o.args) == 1:
		link = "."
	case len(o.args) >= 2:
		targets, link = o.args[:len(o.args)-1], o.args[len(o.args)-1]
	default:
		return p.showUsage()
	}
	fi, err := os.Stat(p.path(link))
	into := err == nil && fi.IsDir() && !o.has('T') && !(o.has('n') && isSymlink(p.path(link)))
	if len(targets) > 1 && !into {
		p.errorf("'%s' is not a directory", link)
		return 1
	}
	status := 0
	for _, target := range targets {
		name := link
		if into {
			name = filepath.Join(link, filepath.Base(target))
		}
		if o.has('f') {
			os.Remove(p.path(name))
		}
		if o.has('s') {
			err = os.Symlink(target, p.path(name))
		} else {
			err = os.Link(p.path(target), p.path(name))
		}
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			status = 1
		}
	}
	return status
}

func isSymlink(name string) bool {
	fi, err := os.Lstat(name)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// rmdirMain removes empty directories; -p their parents too.
func rmdirMain(p *proc) int {
	o, err := getopt(p.args[1:], "pv")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) == 0 {
		return p.showUsage()
	}
	status := 0
	for _, dir := range o.args {
		for {
			if err := os.Remove(p.path(dir)); err != nil {
				p.errorf("'%s': %s", dir, errText(err))
				status = 1
				break
			}
			dir = strings.TrimRight(filepath.Dir(strings.TrimRight(dir, "/")), "/")
			if !o.has('p') || dir == "." || dir == "" {
				break
			}
		}
	}
	return status
}

// chmodMain sets files' modes (the runtime keeps them: see modes.go),
// octal or symbolic, -R through directories.
func chmodMain(p *proc) int {
	args := p.args[1:]
	recursive := false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && strings.Trim(args[0][1:], "Rcvf") == "" && len(args[0]) > 1 {
		recursive = recursive || strings.Contains(args[0], "R")
		args = args[1:]
	}
	if len(args) < 2 {
		return p.showUsage()
	}
	if !validMode(args[0]) {
		p.errorf("invalid mode '%s'", args[0])
		return 1
	}
	status := 0
	for _, name := range args[1:] {
		if !p.chmodPath(args[0], name, p.path(name), recursive) {
			status = 1
		}
	}
	return status
}

// chmodPath changes one file's mode, and with recursive what is below
// a directory (links are not followed there).
func (p *proc) chmodPath(spec, name, full string, recursive bool) bool {
	fi, err := statMode(full)
	if err == nil {
		err = chmodMode(full, applyMode(spec, fi.Mode()))
	}
	if err != nil && !errors.Is(err, syscall.ENOSYS) {
		p.errorf("%s: %s", name, errText(err))
		return false
	}
	ok := true
	if recursive && fi.IsDir() {
		entries, _ := os.ReadDir(full)
		for _, e := range entries {
			if e.Type()&fs.ModeSymlink == 0 {
				ok = p.chmodPath(spec, filepath.Join(name, e.Name()), filepath.Join(full, e.Name()), true) && ok
			}
		}
	}
	return ok
}

// umask is the containers' file mode creation mask.
const umask = 0o022

// applyModeFrom is a mode made from bits by a chmod mode, the umask not
// applied (find -perm's MASK).
func applyModeFrom(spec string, bits fs.FileMode) fs.FileMode { return applyModeMask(spec, bits, 0) }

// applyMode is old changed by a chmod mode: octal, or symbolic clauses
// ([ugoa]*[-+=][rwxXst]*), where no who means all but the umask's bits.
func applyMode(spec string, old fs.FileMode) fs.FileMode { return applyModeMask(spec, old, umask) }

func applyModeMask(spec string, old fs.FileMode, mask uint32) fs.FileMode {
	if m, ok := octalMode(spec); ok {
		v, _ := strconv.ParseUint(spec, 8, 32)
		return old&^(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) | m | specialBits(uint32(v))
	}
	mode := uint32(old.Perm()) | specialFromMode(old)
	for _, clause := range strings.Split(spec, ",") {
		who := uint32(0)
		for clause != "" && strings.IndexByte("ugoa", clause[0]) >= 0 {
			who |= map[byte]uint32{'u': 0o4700, 'g': 0o2070, 'o': 0o0007, 'a': 0o6777}[clause[0]]
			clause = clause[1:]
		}
		masked := who == 0
		if masked {
			who = 0o6777
		}
		for clause != "" {
			op := clause[0]
			clause = clause[1:]
			var bits uint32
			for clause != "" && strings.IndexByte("rwxXst", clause[0]) >= 0 {
				switch clause[0] {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x':
					bits |= 0o111
				case 'X':
					if old.IsDir() || mode&0o111 != 0 {
						bits |= 0o111
					}
				case 's':
					bits |= 0o6000
				case 't':
					bits |= 0o1000
				}
				clause = clause[1:]
			}
			bits &= who | 0o1000
			if masked {
				bits &^= mask
			}
			switch op {
			case '+':
				mode |= bits
			case '-':
				mode &^= bits
			case '=':
				mode = mode&^(who&0o6777) | bits
			}
		}
	}
	return old&^(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) | fs.FileMode(mode&0o777) | specialBits(mode)
}

// specialBits and specialFromMode convert setuid, setgid and sticky.
func specialBits(v uint32) fs.FileMode {
	var m fs.FileMode
	if v&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if v&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if v&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

func specialFromMode(m fs.FileMode) uint32 { return unixMode(m) & 0o7000 }

// validMode accepts octal modes and symbolic ones ([ugoa]*[-+=][rwxXst]*,
// comma separated).
func validMode(m string) bool {
	if _, ok := octalMode(m); ok {
		return true
	}
	for _, clause := range strings.Split(m, ",") {
		clause = strings.TrimLeft(clause, "ugoa")
		if clause == "" {
			return false
		}
		for clause != "" {
			if strings.IndexByte("+-=", clause[0]) < 0 {
				return false
			}
			clause = strings.TrimLeft(clause[1:], "rwxXstugo")
		}
	}
	return true
}

func octalMode(m string) (fs.FileMode, bool) {
	v, err := strconv.ParseUint(m, 8, 32)
	if err != nil || v > 0o7777 {
		return 0, false
	}
	return fs.FileMode(v) & fs.ModePerm, true
}

// readlinkMain prints a symbolic link's target; -f the canonical path.
func readlinkMain(p *proc) int {
	o, err := getopt(p.args[1:], "fenqsv")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) != 1 {
		return p.showUsage()
	}
	var out string
	if o.has('f') || o.has('e') {
		out, err = p.canonical(o.args[0])
	} else {
		out, err = os.Readlink(p.path(o.args[0]))
	}
	if err != nil {
		if o.has('v') {
			p.errorf("%s: %s", o.args[0], errText(err))
		}
		return 1
	}
	fmt.Fprint(p.stdout, out)
	if !o.has('n') {
		fmt.Fprintln(p.stdout)
	}
	return 0
}

// realpathMain prints canonical absolute paths.
func realpathMain(p *proc) int {
	if len(p.args) < 2 {
		return p.showUsage()
	}
	status := 0
	for _, name := range p.args[1:] {
		out, err := p.canonical(name)
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			status = 1
			continue
		}
		fmt.Fprintln(p.stdout, out)
	}
	return status
}

// canonical resolves name to an absolute path without symbolic links.
func (p *proc) canonical(name string) (string, error) {
	full := p.path(name)
	if !filepath.IsAbs(full) {
		full = "/" + full
	}
	resolved, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", err
	}
	return filepath.Clean(resolved), nil
}
