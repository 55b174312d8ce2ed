package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// findExpr is a node of find's expression: it tells whether a file
// matches, and may act on it.
type findExpr func(f *found) bool

// found is the file being looked at.
type found struct {
	path  string // as printed: the starting point joined with the rest
	full  string // resolved against the working directory
	info  fs.FileInfo
	depth int
	prune bool
}

// findState is one find's options and parser state.
type findState struct {
	p          *proc
	args       []string
	maxDepth   int
	minDepth   int
	follow     bool
	depthFirst bool // -depth, -delete: a directory after its contents
	hasAction  bool
	status     int
	quit       bool
	batches    map[int]*findBatch // -exec ... {} + in progress, by position
	batchOrder []int
	now        time.Time
}

// findBatch gathers the files of one -exec ... {} +.
type findBatch struct {
	cmd   []string
	files []string
}

// findMain walks each PATH (. by default) and evaluates the expression on
// every file; with no action in it, files that match are printed. Entries
// are visited in name order, so that the output does not depend on the
// file system's.
func findMain(p *proc) int {
	f := &findState{p: p, maxDepth: -1, now: p.now(), batches: map[int]*findBatch{}}
	args := p.args[1:]
	for len(args) > 0 && (args[0] == "-H" || args[0] == "-L") {
		f.follow = f.follow || args[0] == "-L"
		args = args[1:]
	}
	var roots []string
	for len(args) > 0 && !isFindOperator(args[0]) {
		roots, args = append(roots, args[0]), args[1:]
	}
	if len(roots) == 0 {
		roots = []string{"."}
	}
	f.args = args
	expr, err := f.parseOr()
	if err == nil && len(f.args) > 0 {
		err = fmt.Errorf("unrecognized: %s", f.args[0])
	}
	if err != nil {
		p.errorf("%v", err)
		if strings.HasPrefix(err.Error(), "unrecognized") {
			p.printUsage(p.stderr, "find")
		}
		return 1
	}
	if !f.hasAction {
		inner := expr
		expr = func(x *found) bool {
			if inner(x) {
				fmt.Fprintln(p.stdout, x.path)
			}
			return true
		}
	}
	for _, root := range roots {
		if f.quit {
			break
		}
		f.walk(root, p.path(root), 0, expr)
	}
	f.flushBatches()
	return f.status
}

// isFindOperator tells an expression's first word from a path.
func isFindOperator(a string) bool {
	return (strings.HasPrefix(a, "-") && len(a) > 1) || a == "!" || a == "(" || a == ")"
}

// walk visits a file and, for a directory, what is below it.
func (f *findState) walk(name, full string, depth int, expr findExpr) {
	stat := lstatMode
	if f.follow {
		stat = statMode
	}
	info, err := stat(full)
	if err != nil {
		f.p.errorf("%s: %s", name, errText(err))
		f.status = 1
		return
	}
	x := &found{path: name, full: full, info: info, depth: depth}
	visit := depth >= f.minDepth && (f.maxDepth < 0 || depth <= f.maxDepth)
	if visit && !f.depthFirst {
		expr(x)
	}
	if visit && f.depthFirst {
		defer func() {
			if !f.quit {
				expr(x)
			}
		}()
	}
	if !info.IsDir() || x.prune || f.quit || (f.maxDepth >= 0 && depth >= f.maxDepth) {
		return
	}
	entries, err := os.ReadDir(full)
	if err != nil {
		f.p.errorf("%s: %s", name, errText(err))
		f.status = 1
		return
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	slices.Sort(names)
	for _, n := range names {
		if f.quit {
			return
		}
		f.walk(strings.TrimSuffix(name, "/")+"/"+n, filepath.Join(full, n), depth+1, expr)
	}
}

// parseOr reads EXPR -o EXPR ...
func (f *findState) parseOr() (findExpr, error) {
	left, err := f.parseAnd()
	if err != nil {
		return nil, err
	}
	for len(f.args) > 0 && (f.args[0] == "-o" || f.args[0] == "-or") {
		f.args = f.args[1:]
		right, err := f.parseAnd()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(x *found) bool { return l(x) || right(x) }
	}
	return left, nil
}

// parseAnd reads EXPR [-a] EXPR ...
func (f *findState) parseAnd() (findExpr, error) {
	left, err := f.parseNot()
	if err != nil {
		return nil, err
	}
	for len(f.args) > 0 && f.args[0] != "-o" && f.args[0] != "-or" && f.args[0] != ")" {
		if f.args[0] == "-a" || f.args[0] == "-and" {
			f.args = f.args[1:]
		}
		right, err := f.parseNot()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(x *found) bool { return l(x) && right(x) }
	}
	return left, nil
}

// parseNot reads [!] PRIMARY or ( EXPR ).
func (f *findState) parseNot() (findExpr, error) {
	if len(f.args) == 0 {
		return func(*found) bool { return true }, nil
	}
	switch f.args[0] {
	case "!", "-not":
		f.args = f.args[1:]
		inner, err := f.parseNot()
		if err != nil {
			return nil, err
		}
		return func(x *found) bool { return !inner(x) }, nil
	case "(":
		f.args = f.args[1:]
		inner, err := f.parseOr()
		if err != nil {
			return nil, err
		}
		if len(f.args) == 0 || f.args[0] != ")" {
			return nil, errors.New("unterminated (")
		}
		f.args = f.args[1:]
		return inner, nil
	}
	return f.parsePrimary()
}

// value takes a primary's argument.
func (f *findState) value(name string) (string, error) {
	if len(f.args) == 0 {
		return "", fmt.Errorf("%s requires an argument", name)
	}
	v := f.args[0]
	f.args = f.args[1:]
	return v, nil
}

// parsePrimary reads one test or action.
func (f *findState) parsePrimary() (findExpr, error) {
	name := f.args[0]
	f.args = f.args[1:]
	switch name {
	case "-print", "-print0":
		f.hasAction = true
		end := "\n"
		if name == "-print0" {
			end = "\x00"
		}
		return func(x *found) bool { fmt.Fprint(f.p.stdout, x.path+end); return true }, nil
	case "-delete":
		f.hasAction, f.depthFirst = true, true
		return f.delete, nil
	case "-prune":
		return func(x *found) bool { x.prune = true; return true }, nil
	case "-quit":
		return func(x *found) bool { f.quit = true; return true }, nil
	case "-exec":
		return f.parseExec()
	case "-empty":
		return findEmpty, nil
	case "-true":
		return func(*found) bool { return true }, nil
	case "-false":
		return func(*found) bool { return false }, nil
	case "-maxdepth", "-mindepth":
		return f.parseDepth(name)
	case "-xdev", "-depth", "-follow":
		f.follow = f.follow || name == "-follow"
		f.depthFirst = f.depthFirst || name == "-depth"
		return func(*found) bool { return true }, nil
	}
	v, err := f.value(name)
	if err != nil {
		if !isFindTest(name) {
			return nil, fmt.Errorf("unrecognized: %s", name)
		}
		return nil, err
	}
	return f.parseTest(name, v)
}

func isFindTest(name string) bool {
	switch name {
	case "-name", "-iname", "-path", "-wholename", "-ipath", "-iwholename", "-type", "-newer", "-mtime", "-mmin", "-size", "-perm", "-user", "-group", "-regex", "-links":
		return true
	}
	return false
}

// parseTest reads a test that takes a value.
func (f *findState) parseTest(name, v string) (findExpr, error) {
	switch name {
	case "-name", "-iname":
		return globTest(v, name == "-iname", func(x *found) string { return path.Base(x.path) }), nil
	case "-path", "-wholename", "-ipath", "-iwholename":
		return globTest(v, strings.HasPrefix(name, "-i"), func(x *found) string { return x.path }), nil
	case "-type":
		return typeTest(v)
	case "-newer":
		fi, err := os.Stat(f.p.path(v))
		if err != nil {
			return nil, fmt.Errorf("%s: %s", v, errText(err))
		}
		return func(x *found) bool { return x.info.ModTime().After(fi.ModTime()) }, nil
	case "-mtime", "-mmin":
		unit := 24 * time.Hour
		if name == "-mmin" {
			unit = time.Minute
		}
		return f.ageTest(v, unit)
	case "-size":
		return sizeTest(v)
	case "-perm":
		return permTest(v)
	case "-user", "-group":
		return func(*found) bool { return v == "root" || v == "0" }, nil
	}
	return nil, fmt.Errorf("unrecognized: %s", name)
}

// permTest is -perm: exactly MODE, all of -MODE's bits, or any of
// +MODE's (or /MODE's); MODE octal or symbolic, as chmod reads it.
func permTest(v string) (findExpr, error) {
	kind, spec := byte(0), v
	if v != "" && strings.IndexByte("-+/", v[0]) >= 0 {
		kind, spec = v[0], v[1:]
	}
	if !validMode(spec) {
		return nil, fmt.Errorf("invalid mode '%s'", v)
	}
	mask := unixMode(applyModeFrom(spec, 0)) & 0o7777
	return func(x *found) bool {
		m := unixMode(x.info.Mode()) & 0o7777
		switch kind {
		case '-':
			return m&mask == mask
		case '+', '/':
			return m&mask != 0
		}
		return m == mask
	}, nil
}

func (f *findState) parseDepth(name string) (findExpr, error) {
	v, err := f.value(name)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("invalid number '%s'", v)
	}
	if name == "-maxdepth" {
		f.maxDepth = n
	} else {
		f.minDepth = n
	}
	return func(*found) bool { return true }, nil
}

// globTest matches a shell pattern against part of the file's name.
func globTest(pattern string, fold bool, part func(*found) string) findExpr {
	if fold {
		pattern = strings.ToLower(pattern)
	}
	return func(x *found) bool {
		s := part(x)
		if fold {
			s = strings.ToLower(s)
		}
		ok, _ := path.Match(pattern, s)
		return ok
	}
}

func typeTest(v string) (findExpr, error) {
	modes := map[byte]func(fs.FileMode) bool{
		'f': fs.FileMode.IsRegular,
		'd': fs.FileMode.IsDir,
		'l': func(m fs.FileMode) bool { return m&fs.ModeSymlink != 0 },
		'p': func(m fs.FileMode) bool { return m&fs.ModeNamedPipe != 0 },
		's': func(m fs.FileMode) bool { return m&fs.ModeSocket != 0 },
		'c': func(m fs.FileMode) bool { return m&fs.ModeCharDevice != 0 },
		'b': func(m fs.FileMode) bool { return m&fs.ModeDevice != 0 && m&fs.ModeCharDevice == 0 },
	}
	test, ok := modes[v[0]]
	if len(v) != 1 || !ok {
		return nil, fmt.Errorf("invalid argument '%s' to '-type'", v)
	}
	return func(x *found) bool { return test(x.info.Mode()) }, nil
}

// ageTest compares the file's age in units, rounded down, with [+-]N.
func (f *findState) ageTest(v string, unit time.Duration) (findExpr, error) {
	cmp, n, err := signedNumber(v)
	if err != nil {
		return nil, err
	}
	return func(x *found) bool {
		age := int64(f.now.Sub(x.info.ModTime()) / unit)
		return compareSigned(cmp, age, n)
	}, nil
}

// sizeTest compares the size in blocks of 512 bytes (or c, k, M, G).
func sizeTest(v string) (findExpr, error) {
	unit := int64(512)
	if k := len(v); k > 0 {
		if u, ok := map[byte]int64{'c': 1, 'w': 2, 'b': 512, 'k': 1024, 'M': 1 << 20, 'G': 1 << 30}[v[k-1]]; ok {
			unit, v = u, v[:k-1]
		}
	}
	cmp, n, err := signedNumber(v)
	if err != nil {
		return nil, err
	}
	return func(x *found) bool {
		return compareSigned(cmp, (x.info.Size()+unit-1)/unit, n)
	}, nil
}

func signedNumber(v string) (byte, int64, error) {
	cmp := byte('=')
	if v != "" && (v[0] == '+' || v[0] == '-') {
		cmp, v = v[0], v[1:]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("invalid number '%s'", v)
	}
	return cmp, n, nil
}

func compareSigned(cmp byte, got, want int64) bool {
	switch cmp {
	case '+':
		return got > want
	case '-':
		return got < want
	}
	return got == want
}

func findEmpty(x *found) bool {
	if x.info.IsDir() {
		entries, err := os.ReadDir(x.full)
		return err == nil && len(entries) == 0
	}
	return x.info.Mode().IsRegular() && x.info.Size() == 0
}

func (f *findState) delete(x *found) bool {
	if x.path == "." {
		return true
	}
	if err := os.Remove(x.full); err != nil {
		f.p.errorf("%s: %s", x.path, errText(err))
		f.status = 1
		return false
	}
	return true
}

// parseExec reads -exec CMD ARGS... ; (once per file, {} replaced) or
// -exec CMD ARGS... {} + (files gathered into few runs).
func (f *findState) parseExec() (findExpr, error) {
	f.hasAction = true
	var cmd []string
	for len(f.args) > 0 {
		a := f.args[0]
		f.args = f.args[1:]
		if a == ";" {
			return f.execEach(cmd), nil
		}
		if a == "+" && len(cmd) > 0 && cmd[len(cmd)-1] == "{}" {
			return f.execBatch(cmd[:len(cmd)-1]), nil
		}
		cmd = append(cmd, a)
	}
	return nil, errors.New("-exec requires an argument")
}

func (f *findState) execEach(cmd []string) findExpr {
	return func(x *found) bool {
		argv := replaceAll(cmd, "{}", x.path)
		if len(argv) == 0 {
			return false
		}
		return f.p.spawn(argv) == 0
	}
}

func (f *findState) execBatch(cmd []string) findExpr {
	id := len(f.batchOrder)
	f.batchOrder = append(f.batchOrder, id)
	f.batches[id] = &findBatch{cmd: cmd}
	return func(x *found) bool {
		b := f.batches[id]
		b.files = append(b.files, x.path)
		if len(b.files) >= 1000 {
			f.runBatch(b)
		}
		return true
	}
}

func (f *findState) flushBatches() {
	for _, id := range f.batchOrder {
		if b := f.batches[id]; len(b.files) > 0 {
			f.runBatch(b)
		}
	}
}

func (f *findState) runBatch(b *findBatch) {
	if code := f.p.spawn(append(append([]string(nil), b.cmd...), b.files...)); code != 0 {
		f.status = 1
	}
	b.files = nil
}
