package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/interp"
)

var catTool = &tool{
	name:  "cat",
	usage: []string{"cat [OPTION]... [FILE]..."},
	about: "Concatenate FILE(s) to standard output. With no FILE, or when FILE is -, read standard input.",
	opts: []option{
		{short: 'A', long: "show-all", help: "equivalent to -vET"},
		{short: 'b', long: "number-nonblank", help: "number nonempty output lines, overrides -n"},
		{short: 'e', help: "equivalent to -vE"},
		{short: 'E', long: "show-ends", help: "display $ at end of each line"},
		{short: 'n', long: "number", help: "number all output lines"},
		{short: 's', long: "squeeze-blank", help: "suppress repeated empty output lines"},
		{short: 't', help: "equivalent to -vT"},
		{short: 'T', long: "show-tabs", help: "display TAB characters as ^I"},
		{short: 'u', help: "(ignored)"},
		{short: 'v', long: "show-nonprinting", help: "use ^ and M- notation, except for LFD and TAB"},
	},
	status: 1,
}

// catFlags are cat's options once parsed.
type catFlags struct{ number, nonblank, squeeze, ends, tabs, nonprinting bool }

func (s *Shell) cat(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := catTool.parse(hc, args)
	if done {
		return code
	}
	f := catFlags{
		number: o.has("n"), nonblank: o.has("b"), squeeze: o.has("s"),
		ends:        o.has("A") || o.has("e") || o.has("E"),
		tabs:        o.has("A") || o.has("t") || o.has("T"),
		nonprinting: o.has("A") || o.has("e") || o.has("t") || o.has("v"),
	}
	plain := f == catFlags{}
	out := &errWriter{w: hc.Stdout}
	line, blanks := 0, 0
	return s.inputs(hc, "cat", plainErrs, o.args, func(_ string, r io.Reader) bool {
		if plain {
			_, err := io.Copy(out, r)
			return err == nil || out.err == nil
		}
		lr := newLineReader(r)
		for {
			l, nl, ok := lr.next()
			if !ok {
				return out.err == nil
			}
			if l == "" && nl {
				blanks++
			} else {
				blanks = 0
			}
			if f.squeeze && blanks > 1 {
				continue
			}
			if f.nonblank && l != "" || f.number && !f.nonblank {
				line++
				out.printf("%6d\t", line)
			}
			out.printf("%s", f.show(l, nl))
		}
	})
}

// show renders a line as -v, -T and -E ask.
func (f catFlags) show(l string, nl bool) string {
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '\t' && f.tabs:
			b.WriteString("^I")
		case c == '\t' || !f.nonprinting:
			b.WriteByte(c)
		default:
			b.WriteString(nonprinting(c))
		}
	}
	if nl {
		if f.ends {
			b.WriteByte('$')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// nonprinting is cat -v's notation for a byte.
func nonprinting(c byte) string {
	prefix := ""
	if c >= 128 {
		prefix, c = "M-", c-128
	}
	switch {
	case c < 32:
		return prefix + "^" + string(rune(c+64))
	case c == 127:
		return prefix + "^?"
	}
	return prefix + string(rune(c))
}

var mkdirTool = &tool{
	name:  "mkdir",
	usage: []string{"mkdir [OPTION]... DIRECTORY..."},
	about: "Create the DIRECTORY(ies), if they do not already exist.",
	opts: []option{
		{short: 'm', long: "mode", arg: needArg, argName: "MODE", help: "set file mode (as in chmod, octal only here)"},
		{short: 'p', long: "parents", help: "no error if existing, make parent directories as needed"},
		{short: 'v', long: "verbose", help: "print a message for each created directory"},
	},
	status: 1,
}

func (s *Shell) mkdir(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := mkdirTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) == 0 {
		return mkdirTool.usageError(hc.Stderr, "missing operand")
	}
	perm := fs.FileMode(0o755)
	if m := o.value("m"); o.has("m") {
		p, err := strconv.ParseUint(m, 8, 32)
		if err != nil || p > 0o7777 {
			fmt.Fprintf(hc.Stderr, "mkdir: invalid mode '%s'\n", m)
			return 1
		}
		perm = fs.FileMode(p)
	}
	for _, n := range o.args {
		var err error
		if o.has("p") {
			err = s.mkdirAll(hc, n, perm, o.has("v"))
		} else {
			err = s.mkdirOne(hc, n, perm, o.has("v"))
		}
		if err != nil {
			fmt.Fprintf(hc.Stderr, "mkdir: cannot create directory '%s': %s\n", n, errText(err))
			code = 1
		}
	}
	return code
}

func (s *Shell) mkdirOne(hc interp.HandlerContext, name string, perm fs.FileMode, verbose bool) error {
	p := fsPath(abs(hc.Dir, name))
	if err := hackpadfs.Mkdir(s.cfg.FS, p, perm); err != nil {
		return err
	}
	s.stamp(p, true)
	if verbose {
		fmt.Fprintf(hc.Stdout, "mkdir: created directory '%s'\n", name)
	}
	return nil
}

// mkdirAll makes name and its missing parents, one at a time, so each
// gets the cluster's time and -v can name it.
func (s *Shell) mkdirAll(hc interp.HandlerContext, name string, perm fs.FileMode, verbose bool) error {
	parts := strings.Split(strings.TrimSuffix(name, "/"), "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		if sub == "" || sub == "." || sub == ".." {
			continue
		}
		info, err := hackpadfs.Stat(s.cfg.FS, fsPath(abs(hc.Dir, sub)))
		switch {
		case err == nil && info.IsDir():
			continue
		case err == nil && i < len(parts)-1:
			return hackpadfs.ErrNotDir
		case err == nil:
			return fs.ErrExist
		}
		if err := s.mkdirOne(hc, sub, perm, verbose); err != nil {
			return err
		}
	}
	return nil
}

var rmTool = &tool{
	name:  "rm",
	usage: []string{"rm [OPTION]... [FILE]..."},
	about: "Remove (unlink) the FILE(s).",
	opts: []option{
		{short: 'f', long: "force", help: "ignore nonexistent files and arguments, never prompt"},
		{short: 'r', long: "recursive", help: "remove directories and their contents recursively"},
		{short: 'R', same: "r", help: "same as -r"},
		{short: 'd', long: "dir", help: "remove empty directories"},
		{short: 'v', long: "verbose", help: "explain what is being done"},
	},
	status: 1,
}

func (s *Shell) rm(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := rmTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) == 0 && !o.has("f") {
		return rmTool.usageError(hc.Stderr, "missing operand")
	}
	recursive := o.has("r")
	for _, n := range o.args {
		p := abs(hc.Dir, n)
		base := path.Base(n)
		switch {
		case recursive && p == "/":
			fmt.Fprintf(hc.Stderr, "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n")
			code = 1
			continue
		case recursive && (base == "." || base == ".."):
			fmt.Fprintf(hc.Stderr, "rm: refusing to remove '.' or '..' directory: skipping '%s'\n", n)
			code = 1
			continue
		}
		err := s.remove(hc, n, fsPath(p), recursive, o.has("d"), o.has("v"))
		if err != nil && !(o.has("f") && errors.Is(err, fs.ErrNotExist)) {
			fmt.Fprintf(hc.Stderr, "rm: cannot remove '%s': %s\n", n, errText(err))
			code = 1
		}
	}
	return code
}

// remove removes one file, or a directory as -r and -d allow.
func (s *Shell) remove(hc interp.HandlerContext, name, p string, recursive, emptyDirs, verbose bool) error {
	info, err := hackpadfs.LstatOrStat(s.cfg.FS, p)
	if err != nil {
		return err
	}
	if info.IsDir() {
		if !recursive && !emptyDirs {
			return hackpadfs.ErrIsDir
		}
		if entries, err := hackpadfs.ReadDir(s.cfg.FS, p); err == nil && len(entries) > 0 && !recursive {
			return hackpadfs.ErrNotEmpty
		}
		if recursive {
			entries, err := hackpadfs.ReadDir(s.cfg.FS, p)
			if err != nil {
				return err
			}
			for _, e := range entries {
				sub := strings.TrimSuffix(name, "/") + "/" + e.Name()
				if err := s.remove(hc, sub, path.Join(p, e.Name()), true, false, verbose); err != nil {
					fmt.Fprintf(hc.Stderr, "rm: cannot remove '%s': %s\n", sub, errText(err))
				}
			}
		}
	}
	if err := hackpadfs.Remove(s.cfg.FS, p); err != nil {
		return err
	}
	s.stamp(fsPath(path.Dir("/"+p)), false)
	if verbose {
		what := ""
		if info.IsDir() {
			what = "directory "
		}
		fmt.Fprintf(hc.Stdout, "removed %s'%s'\n", what, name)
	}
	return nil
}

var rmdirTool = &tool{
	name:  "rmdir",
	usage: []string{"rmdir [OPTION]... DIRECTORY..."},
	about: "Remove the DIRECTORY(ies), if they are empty.",
	opts: []option{
		{long: "ignore-fail-on-non-empty", help: "ignore each failure to remove a non-empty directory"},
		{short: 'p', long: "parents", help: "remove DIRECTORY and its ancestors"},
		{short: 'v', long: "verbose", help: "output a diagnostic for every directory processed"},
	},
	status: 1,
}

func (s *Shell) rmdir(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := rmdirTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) == 0 {
		return rmdirTool.usageError(hc.Stderr, "missing operand")
	}
	for _, n := range o.args {
		for dir := strings.TrimSuffix(n, "/"); ; dir = path.Dir(dir) {
			if o.has("v") {
				fmt.Fprintf(hc.Stdout, "rmdir: removing directory, '%s'\n", dir)
			}
			if err := s.rmdirOne(hc, dir); err != nil {
				if !(o.has("ignore-fail-on-non-empty") && errors.Is(err, hackpadfs.ErrNotEmpty)) {
					fmt.Fprintf(hc.Stderr, "rmdir: failed to remove '%s': %s\n", dir, errText(err))
					code = 1
				}
				break
			}
			if !o.has("p") || !strings.Contains(dir, "/") {
				break
			}
		}
	}
	return code
}

func (s *Shell) rmdirOne(hc interp.HandlerContext, name string) error {
	p := fsPath(abs(hc.Dir, name))
	info, err := hackpadfs.Stat(s.cfg.FS, p)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return hackpadfs.ErrNotDir
	}
	if entries, err := hackpadfs.ReadDir(s.cfg.FS, p); err == nil && len(entries) > 0 {
		return hackpadfs.ErrNotEmpty
	}
	if err := hackpadfs.Remove(s.cfg.FS, p); err != nil {
		return err
	}
	s.stamp(fsPath(path.Dir("/"+p)), false)
	return nil
}

var touchTool = &tool{
	name:  "touch",
	usage: []string{"touch [OPTION]... FILE..."},
	about: "Update the modification time of each FILE to the cluster's current time.\nA FILE argument that does not exist is created empty, unless -c is supplied.",
	opts: []option{
		{short: 'a', help: "change only the access time (files here have none: no change)"},
		{short: 'c', long: "no-create", help: "do not create any files"},
		{short: 'd', long: "date", arg: needArg, argName: "STRING", help: "parse STRING and use it instead of current time"},
		{short: 'm', help: "change only the modification time"},
	},
	status: 1,
}

func (s *Shell) touch(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := touchTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) == 0 {
		return touchTool.usageError(hc.Stderr, "missing file operand")
	}
	now := s.now()
	when := now
	if o.has("d") {
		t, err := parseDate(o.value("d"), now)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "touch: invalid date format '%s'\n", o.value("d"))
			return 1
		}
		when = t
	}
	for _, n := range o.args {
		p := fsPath(abs(hc.Dir, n))
		_, err := hackpadfs.Stat(s.cfg.FS, p)
		switch {
		case errors.Is(err, fs.ErrNotExist) && o.has("c"):
			continue
		case errors.Is(err, fs.ErrNotExist):
			var f hackpadfs.File
			if f, err = hackpadfs.OpenFile(s.cfg.FS, p, hackpadfs.FlagReadWrite|hackpadfs.FlagCreate, 0o644); err == nil {
				f.Close()
				s.stamp(fsPath(path.Dir("/"+p)), false)
			}
		}
		if err == nil && !(o.has("a") && !o.has("m")) {
			err = hackpadfs.Chtimes(s.cfg.FS, p, when, when)
		}
		if err != nil {
			fmt.Fprintf(hc.Stderr, "touch: cannot touch '%s': %s\n", n, errText(err))
			code = 1
		}
	}
	return code
}
