package main

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// tarUsage is BusyBox tar's --help, for the options this applet has.
const tarUsage = "c|x|t [-zhmvokO] [-f TARFILE] [-C DIR] [LONGOPT]... [FILE]...\n" +
	"Create, extract, or list files from a tar file\n\n" +
	"\tc\tCreate\n\tx\tExtract\n\tt\tList\n" +
	"\t-f FILE\tName of TARFILE ('-' for stdin/out)\n\t-C DIR\tChange to DIR before operation\n" +
	"\t-v\tVerbose\n\t-O\tExtract to stdout\n\t-m\tDon't restore mtime\n\t-o\tDon't restore user:group\n" +
	"\t-k\tDon't replace existing files\n\t-z\t(De)compress using gzip\n\t-h\tFollow symlinks\n" +
	"\t--no-recursion\t\tDon't descend in directories\n\t--no-same-permissions\tDon't restore access permissions"

// tarOptions are what tar was asked to do.
type tarOptions struct {
	file, dir                        string
	verbose, toStdout, keepMtime     bool
	keepOld, gzip, follow, noRecurse bool
	noPerms                          bool
	operands                         []string
	warnedPrefix, failed             bool
}

// tarMain is BusyBox's tar: c, x or t an archive on a file or on standard
// input or output. As BusyBox, the first argument may be the option letters
// without a dash (tar cf - dir), and leading "/" and "../" are taken off
// member names with a warning.
func tarMain(p *proc) int {
	args := slices.Clone(p.args[1:])
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		args[0] = "-" + args[0]
	}
	o := &tarOptions{}
	var short []string
	for _, a := range args {
		switch a {
		case "--no-recursion":
			o.noRecurse = true
		case "--no-same-permissions":
			o.noPerms = true
		case "--no-same-owner", "--numeric-owner", "--overwrite", "--same-owner":
		default:
			short = append(short, a)
		}
	}
	opts, err := getopt(short, "ctxf:C:vOmokhz")
	if err != nil {
		return p.usageError("%v", err)
	}
	modes := opts.counts['c'] + opts.counts['t'] + opts.counts['x']
	if modes != 1 {
		return p.showUsage()
	}
	o.file, o.dir, o.operands = opts.value('f'), opts.value('C'), opts.args
	o.verbose, o.toStdout, o.keepMtime = opts.has('v'), opts.has('O'), opts.has('m')
	o.keepOld, o.gzip, o.follow = opts.has('k'), opts.has('z'), opts.has('h')
	if o.dir != "" {
		if fi, err := os.Stat(p.path(o.dir)); err != nil || !fi.IsDir() {
			if err == nil {
				err = errors.New("Not a directory")
			}
			p.errorf("can't change directory to '%s': %s", o.dir, errText(err))
			return 1
		}
	}
	if opts.has('c') {
		return p.tarCreate(o)
	}
	return p.tarRead(o, opts.has('x'))
}

// base is where member names are relative to: -C's directory, else the
// working directory.
func (p *proc) tarBase(o *tarOptions) string {
	if o.dir == "" {
		return p.path(".")
	}
	return p.path(o.dir)
}

// memberName is BusyBox's skip_unsafe_prefix: leading "/" and "../"
// go, with a warning the first time.
func (p *proc) memberName(o *tarOptions, name string) string {
	cut := name
	for {
		switch {
		case strings.HasPrefix(cut, "/"):
			cut = cut[1:]
			continue
		case strings.HasPrefix(cut, "../"):
			cut = cut[3:]
			continue
		}
		if i := strings.Index(cut, "/../"); i >= 0 {
			cut = cut[i+4:]
			continue
		}
		break
	}
	if cut != name && !o.warnedPrefix {
		o.warnedPrefix = true
		p.errorf("removing leading '%s' from member names", name[:len(name)-len(cut)])
	}
	return cut
}

func (p *proc) tarCreate(o *tarOptions) int {
	if len(o.operands) == 0 {
		p.errorf("empty archive")
		return 1
	}
	var out io.Writer = p.stdout
	if o.file != "" && o.file != "-" {
		f, err := os.OpenFile(p.path(o.file), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			p.errorf("can't open '%s': %s", o.file, errText(err))
			return 1
		}
		defer f.Close()
		out = f
	}
	var gz *gzip.Writer
	if o.gzip {
		gz = gzip.NewWriter(out)
		out = gz
	}
	tw := tar.NewWriter(out)
	for _, name := range o.operands {
		p.tarAdd(o, tw, name)
	}
	err := tw.Close()
	if gz != nil && err == nil {
		err = gz.Close()
	}
	if err != nil {
		p.errorf("%s", errText(err))
		return 1
	}
	if o.failed {
		p.errorf("error exit delayed from previous errors")
		return 1
	}
	return 0
}

// tarAdd writes one file, and a directory's contents after it.
func (p *proc) tarAdd(o *tarOptions, tw *tar.Writer, name string) {
	full := name
	if !filepath.IsAbs(name) {
		full = filepath.Join(p.tarBase(o), name)
	}
	stat := lstatMode
	if o.follow {
		stat = statMode
	}
	fi, err := stat(full)
	if err != nil {
		p.errorf("%s: %s", name, errText(err))
		o.failed = true
		return
	}
	if err := p.tarHeader(o, tw, name, full, fi); err != nil {
		p.errorf("%s: %s", name, errText(err))
		o.failed = true
		return
	}
	if !fi.IsDir() || o.noRecurse {
		return
	}
	entries, err := os.ReadDir(full)
	if err != nil {
		p.errorf("%s: %s", name, errText(err))
		o.failed = true
		return
	}
	for _, e := range entries {
		p.tarAdd(o, tw, path.Join(name, e.Name()))
	}
}

// tarHeader writes a member's header and, for a regular file, its data.
func (p *proc) tarHeader(o *tarOptions, tw *tar.Writer, name, full string, fi fs.FileInfo) error {
	member := p.memberName(o, name)
	if member == "" {
		return nil
	}
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(full); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	hdr.Name, hdr.Uname, hdr.Gname, hdr.Uid, hdr.Gid = member, "root", "root", 0, 0
	if fi.IsDir() {
		hdr.Name = strings.TrimSuffix(member, "/") + "/"
	}
	if o.verbose {
		verbose := p.stdout
		if o.file == "" || o.file == "-" {
			verbose = p.stderr
		}
		fmt.Fprintln(verbose, hdr.Name)
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(full)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

// tarRead lists (t) or extracts (x) an archive.
func (p *proc) tarRead(o *tarOptions, extract bool) int {
	var in io.Reader = p.stdinOrEmpty()
	if o.file != "" && o.file != "-" {
		f, err := os.Open(p.path(o.file))
		if err != nil {
			p.errorf("can't open '%s': %s", o.file, errText(err))
			return 1
		}
		defer f.Close()
		in = f
	}
	if o.gzip {
		gz, err := gzip.NewReader(in)
		if err != nil {
			p.errorf("invalid magic")
			return 1
		}
		in = gz
	}
	tr := tar.NewReader(in)
	found := map[string]bool{}
	for {
		hdr, err := tr.Next()
		switch {
		case errors.Is(err, io.EOF):
			return p.tarNotFound(o, found)
		case errors.Is(err, io.ErrUnexpectedEOF):
			p.errorf("short read")
			return 1
		case err != nil:
			p.errorf("invalid tar magic")
			return 1
		}
		name := p.memberName(o, hdr.Name)
		if name == "" || !tarSelected(o, name, found) {
			continue
		}
		if !extract || o.verbose && !o.toStdout {
			fmt.Fprintln(p.stdout, name)
		}
		if !extract {
			continue
		}
		if err := p.tarExtract(o, tr, hdr, name); err != nil {
			p.errorf("%v", err)
			return 1
		}
	}
}

// tarSelected tells whether a member is one the operands name (or is
// under one), noting which operands matched; no operands select all.
func tarSelected(o *tarOptions, name string, found map[string]bool) bool {
	if len(o.operands) == 0 {
		return true
	}
	clean := strings.TrimSuffix(name, "/")
	for _, op := range o.operands {
		op = strings.TrimSuffix(op, "/")
		if clean == op || strings.HasPrefix(clean, op+"/") {
			found[op] = true
			return true
		}
	}
	return false
}

// tarNotFound reports the operands no member matched.
func (p *proc) tarNotFound(o *tarOptions, found map[string]bool) int {
	status := 0
	for _, op := range o.operands {
		if !found[strings.TrimSuffix(op, "/")] {
			p.errorf("%s: not found in archive", op)
			status = 1
		}
	}
	return status
}

// tarExtract writes one member under the base directory, making the
// directories that lead to it.
func (p *proc) tarExtract(o *tarOptions, tr *tar.Reader, hdr *tar.Header, name string) error {
	if o.toStdout {
		if hdr.Typeflag == tar.TypeReg {
			_, err := io.Copy(p.stdout, tr)
			return err
		}
		return nil
	}
	target := filepath.Join(p.tarBase(o), name)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("can't create directory '%s': %s", filepath.Dir(name), errText(err))
	}
	perm := fs.FileMode(hdr.Mode).Perm()
	if o.noPerms {
		perm &^= 0o022
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := os.Mkdir(target, perm|0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("can't create directory '%s': %s", name, errText(err))
		}
	case tar.TypeSymlink:
		if o.keepOld && exists(target) {
			return nil
		}
		os.Remove(target)
		if err := os.Symlink(hdr.Linkname, target); err != nil {
			return fmt.Errorf("can't create symlink '%s' to '%s': %s", name, hdr.Linkname, errText(err))
		}
		return nil
	case tar.TypeReg:
		if o.keepOld && exists(target) {
			return nil
		}
		if fi, err := os.Lstat(target); err == nil && !fi.IsDir() {
			os.Remove(target)
		}
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return fmt.Errorf("can't open '%s': %s", name, errText(err))
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("short read")
		}
	default:
		return nil
	}
	_ = chmodMode(target, perm|specialBits(uint32(hdr.Mode)))
	if !o.keepMtime {
		os.Chtimes(target, hdr.ModTime, hdr.ModTime)
	}
	return nil
}
