package awk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Config is where a program runs.
type Config struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Open opens an input file (operands and getline < file).
	Open func(name string) (io.ReadCloser, error)
	// Create opens an output file for print > file (appending for >>).
	Create func(name string, append bool) (io.WriteCloser, error)
	Env    map[string]string
	Args   []string    // the operands: files and var=value assignments
	Vars   [][2]string // -v assignments
	FS     *string     // -F
}

// cell holds a variable: a scalar or an array.
type cell struct {
	v   value
	arr map[string]*value
}

type frame struct{ locals []*cell }

type interp struct {
	prog     *Program
	cfg      Config // Open and Create are never nil
	globals  []*cell
	frames   []*frame
	record   string
	fields   []string // $1..$NF once split
	split    bool
	nf       int
	out      *bufio.Writer
	files    map[string]io.WriteCloser
	readers  map[string]*recordReader
	main     *recordReader
	argIndex int
	rand     uint64
	regexps  map[string]*regexp.Regexp
}

// Control flow travels as errors.
var (
	errNext     = errors.New("next")
	errNextFile = errors.New("nextfile")
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

type exitError struct {
	code int
	set  bool // exit had a status
}

func (e exitError) Error() string { return "exit" }

type returnError struct{ v value }

func (returnError) Error() string { return "return" }

// RuntimeError is a fatal error while running, in gawk's words.
type RuntimeError struct{ Msg string }

func (e *RuntimeError) Error() string { return "awk: " + e.Msg }

func fatalf(format string, a ...any) error {
	return &RuntimeError{Msg: "fatal: " + fmt.Sprintf(format, a...)}
}

// Run runs the program and returns its exit status.
func (p *Program) Run(cfg Config) int {
	if cfg.Open == nil {
		cfg.Open = func(string) (io.ReadCloser, error) { return nil, errors.New("no files here") }
	}
	in := &interp{prog: p, cfg: cfg, out: bufio.NewWriter(cfg.Stdout), files: map[string]io.WriteCloser{},
		readers: map[string]*recordReader{}, rand: 1, regexps: map[string]*regexp.Regexp{}}
	defer in.closeAll()
	in.globals = make([]*cell, len(p.globals))
	for i := range in.globals {
		in.globals[i] = &cell{}
	}
	code, err := in.run()
	in.out.Flush()
	var rt *RuntimeError
	if errors.As(err, &rt) {
		fmt.Fprintln(cfg.Stderr, rt.Error())
		return 2
	}
	return code
}

func (in *interp) setup() error {
	defaults := map[int]string{vFS: " ", vOFS: " ", vORS: "\n", vRS: "\n", vSUBSEP: "\x1c", vCONVFMT: "%.6g", vOFMT: "%.6g"}
	for k, v := range defaults {
		in.globals[k].v = str(v)
	}
	in.globals[vNR].v, in.globals[vFNR].v, in.globals[vNF].v = num(0), num(0), num(0)
	env := map[string]*value{}
	for k, v := range in.cfg.Env {
		vv := strnum(v)
		env[k] = &vv
	}
	in.globals[vENVIRON].arr = env
	argv := map[string]*value{"0": ptr(str("awk"))}
	for i, a := range in.cfg.Args {
		argv[strconv.Itoa(i+1)] = ptr(strnum(a))
	}
	in.globals[vARGV].arr = argv
	in.globals[vARGC].v = num(float64(len(in.cfg.Args) + 1))
	if in.cfg.FS != nil {
		fs := *in.cfg.FS
		if fs == "t" {
			fs = "\t"
		}
		in.globals[vFS].v = str(unescapeString(fs))
	}
	for _, kv := range in.cfg.Vars {
		if err := in.assignVar(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

func ptr(v value) *value { return &v }

func unescapeString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i += unescape(s[i+1:], &b)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// assignVar does a command line's name=value.
func (in *interp) assignVar(name, val string) error {
	i, ok := in.prog.globals[name]
	if !ok {
		return nil // the program never uses it
	}
	if in.globals[i].arr != nil {
		return fatalf("cannot use array `%s' as a scalar", name)
	}
	in.globals[i].v = strnum(unescapeString(val))
	return nil
}

func (in *interp) run() (int, error) {
	if err := in.setup(); err != nil {
		return 2, err
	}
	code, skipMain := 0, false
	err := in.runItems(itemBegin)
	if ex, ok := err.(exitError); ok {
		code, skipMain, err = ex.code, true, nil
	}
	if err == nil && !skipMain && in.hasMain() {
		err = in.mainLoop()
		if ex, ok := err.(exitError); ok {
			code, err = ex.code, nil
		}
	}
	if err != nil {
		return 2, err
	}
	// exit in BEGIN or a rule still runs END, whose own exit wins.
	err = in.runItems(itemEnd)
	if ex, ok := err.(exitError); ok {
		if ex.set {
			code = ex.code
		}
		return code, nil
	}
	if err != nil {
		return 2, err
	}
	return code, nil
}

// runItems runs the BEGIN or END actions.
func (in *interp) runItems(kind itemKind) error {
	for _, it := range in.prog.items {
		if it.kind != kind {
			continue
		}
		err := in.block(it.action)
		if errors.Is(err, errNext) || errors.Is(err, errNextFile) {
			return fatalf("`next' used in %s action", map[itemKind]string{itemBegin: "BEGIN", itemEnd: "END"}[kind])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (in *interp) hasMain() bool {
	for _, it := range in.prog.items {
		if it.kind == itemMain || it.kind == itemEnd {
			return true
		}
	}
	return false
}

func (in *interp) mainLoop() error {
	for {
		rec, ok, err := in.nextMainRecord()
		if err != nil || !ok {
			return err
		}
		in.setRecord(rec)
		in.incr(vNR)
		in.incr(vFNR)
		err = in.rules()
		if errors.Is(err, errNextFile) {
			in.main.close()
			in.main = nil
			continue
		}
		if err != nil {
			return err
		}
	}
}

func (in *interp) incr(i int) { in.globals[i].v = num(in.globals[i].v.num() + 1) }

// rules runs the main items on the current record.
func (in *interp) rules() error {
	for _, it := range in.prog.items {
		if it.kind != itemMain {
			continue
		}
		ok, err := in.matches(it)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if it.action == nil {
			if err := in.printRecord(); err != nil {
				return err
			}
			continue
		}
		if err := in.block(it.action); err != nil {
			if errors.Is(err, errNext) {
				return nil
			}
			return err
		}
	}
	return nil
}

func (in *interp) printRecord() error {
	in.out.WriteString(in.getField(0).str(in.convfmt()) + in.globals[vORS].v.str(in.convfmt()))
	return nil
}

func (in *interp) matches(it *item) (bool, error) {
	if it.pat == nil {
		return true, nil
	}
	if !it.ranged {
		v, err := in.eval(it.pat)
		return v.bool(), err
	}
	if !it.inRange {
		v, err := in.eval(it.pat)
		if err != nil || !v.bool() {
			return false, err
		}
		it.inRange = true
	}
	v, err := in.eval(it.pat2)
	if v.bool() {
		it.inRange = false
	}
	return true, err
}

func (in *interp) convfmt() string { return in.globals[vCONVFMT].v.str("%.6g") }

func (in *interp) closeAll() {
	for _, f := range in.files {
		f.Close()
	}
	for _, r := range in.readers {
		r.close()
	}
	if in.main != nil {
		in.main.close()
	}
}

// Records and fields.

func (in *interp) setRecord(rec string) {
	in.record, in.split = rec, false
}

func (in *interp) splitRecord() {
	if in.split {
		return
	}
	in.fields = in.splitFields(in.record, in.globals[vFS].v.str(in.convfmt()))
	in.split = true
	in.nf = len(in.fields)
	in.globals[vNF].v = num(float64(in.nf))
}

// splitFields splits as FS says: " " at runs of blanks, one other
// character literally, anything longer as a regex.
func (in *interp) splitFields(s, fs string) []string {
	switch {
	case fs == " ":
		return strings.Fields(s)
	case s == "":
		return nil
	case len(fs) == 1 && fs != "\\":
		return strings.Split(s, fs)
	}
	re, err := in.regex(fs)
	if err != nil {
		return []string{s}
	}
	return re.Split(s, -1)
}

func (in *interp) getField(i int) value {
	if i == 0 {
		return strnum(in.record)
	}
	in.splitRecord()
	if i > len(in.fields) {
		return value{}
	}
	return strnum(in.fields[i-1])
}

func (in *interp) setField(i int, v string) error {
	if i == 0 {
		in.setRecord(v)
		return nil
	}
	if i < 0 {
		return fatalf("attempt to access field %d", i)
	}
	in.splitRecord()
	for len(in.fields) < i {
		in.fields = append(in.fields, "")
	}
	in.fields[i-1] = v
	in.nf = len(in.fields)
	in.globals[vNF].v = num(float64(in.nf))
	in.rebuild()
	return nil
}

// rebuild makes $0 of the fields, joined by OFS.
func (in *interp) rebuild() {
	in.record = strings.Join(in.fields, in.globals[vOFS].v.str(in.convfmt()))
}

// setNF changes NF: fields are dropped or added, and $0 rebuilt.
func (in *interp) setNF(n int) {
	in.splitRecord()
	if n < 0 {
		n = 0
	}
	for len(in.fields) < n {
		in.fields = append(in.fields, "")
	}
	in.fields = in.fields[:n]
	in.nf = n
	in.globals[vNF].v = num(float64(n))
	in.rebuild()
}

// regex compiles a dynamic regex, caching it.
func (in *interp) regex(src string) (*regexp.Regexp, error) {
	if re, ok := in.regexps[src]; ok {
		return re, nil
	}
	re, err := in.prog.regexp(src)
	if err != nil {
		return nil, fatalf("invalid regexp: %s: /%s/", err, src)
	}
	in.regexps[src] = re
	return re, nil
}

// Input.

// recordReader reads records as RS says: lines, paragraphs (RS = ""),
// or records ended by one character.
type recordReader struct {
	r      *bufio.Reader
	closer io.Closer
}

func newRecordReader(r io.Reader) *recordReader {
	rr := &recordReader{r: bufio.NewReaderSize(r, 64*1024)}
	rr.closer, _ = r.(io.Closer)
	return rr
}

func (rr *recordReader) close() {
	if rr.closer != nil {
		rr.closer.Close()
	}
}

func (rr *recordReader) read(rs string) (string, bool) {
	switch {
	case rs == "":
		return rr.paragraph()
	case len(rs) > 1:
		return rr.readUntil(rs[0]) // a regex RS is gawk's; only its first character counts here
	}
	return rr.readUntil(rs[0])
}

func (rr *recordReader) readUntil(sep byte) (string, bool) {
	s, err := rr.r.ReadString(sep)
	if s == "" && err != nil {
		return "", false
	}
	return strings.TrimSuffix(s, string(sep)), true
}

func (rr *recordReader) paragraph() (string, bool) {
	var lines []string
	for {
		l, ok := rr.readUntil('\n')
		if !ok {
			break
		}
		if l == "" {
			if len(lines) == 0 {
				continue
			}
			break
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), len(lines) > 0
}

// nextMainRecord reads the next record of the operands (or stdin),
// doing var=value operands as they come.
func (in *interp) nextMainRecord() (string, bool, error) {
	for {
		if in.main != nil {
			if rec, ok := in.main.read(in.globals[vRS].v.str(in.convfmt())); ok {
				return rec, true, nil
			}
			in.main.close()
			in.main = nil
		}
		ok, err := in.openNextInput()
		if err != nil || !ok {
			return "", false, err
		}
	}
}

func (in *interp) openNextInput() (bool, error) {
	argc := int(in.globals[vARGC].v.num())
	argv := in.globals[vARGV].arr
	for in.argIndex < argc-1 {
		in.argIndex++
		v, ok := argv[strconv.Itoa(in.argIndex)]
		if !ok {
			continue
		}
		arg := v.str(in.convfmt())
		if arg == "" {
			continue
		}
		if name, val, ok := strings.Cut(arg, "="); ok && isName(name) {
			if err := in.assignVar(name, val); err != nil {
				return false, err
			}
			continue
		}
		return true, in.openMain(arg)
	}
	if in.argIndex == argc-1 && !in.usedFile() {
		in.argIndex++
		return true, in.openMain("-")
	}
	return false, nil
}

func (in *interp) usedFile() bool { return in.globals[vFILENAME].v.kind != kNone }

func (in *interp) openMain(name string) error {
	in.globals[vFNR].v = num(0)
	if name == "-" || name == "/dev/stdin" {
		in.globals[vFILENAME].v = str("")
		if name != "-" {
			in.globals[vFILENAME].v = str(name)
		}
		if in.cfg.Stdin == nil {
			in.main = newRecordReader(strings.NewReader(""))
		} else {
			in.main = newRecordReader(in.cfg.Stdin)
		}
		in.globals[vFILENAME].v.kind = kStr
		return nil
	}
	in.globals[vFILENAME].v = str(name)
	r, err := in.cfg.Open(name)
	if err != nil {
		return fatalf("cannot open file `%s' for reading: %s", name, errText(err))
	}
	in.main = newRecordReader(r)
	return nil
}

func isName(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// errText is the C library's text of an error from the file system.
func errText(err error) string {
	var t interface{ Text() string }
	if errors.As(err, &t) {
		return t.Text()
	}
	return err.Error()
}

// Arrays.

func (in *interp) cellOf(v *varRef) *cell {
	if v.local {
		return in.frames[len(in.frames)-1].locals[v.idx]
	}
	return in.globals[v.idx]
}

func (in *interp) array(v *varRef) (map[string]*value, error) {
	c := in.cellOf(v)
	if c.arr == nil {
		if c.v.kind != kNone {
			return nil, fatalf("attempt to use scalar `%s' as an array", v.name)
		}
		c.arr = map[string]*value{}
	}
	return c.arr, nil
}

func (in *interp) subscript(index []expr) (string, error) {
	parts := make([]string, len(index))
	for i, x := range index {
		v, err := in.eval(x)
		if err != nil {
			return "", err
		}
		parts[i] = v.str(in.convfmt())
	}
	return strings.Join(parts, in.globals[vSUBSEP].v.str(in.convfmt())), nil
}

// sortedKeys orders an array's keys for "for (k in a)": numbers first, in
// numeric order, then strings; awk leaves the order open, this makes it
// the same every run.
func sortedKeys(arr map[string]*value) []string {
	keys := make([]string, 0, len(arr))
	for k := range arr {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ni, iok := looksNumeric(keys[i])
		nj, jok := looksNumeric(keys[j])
		switch {
		case iok && jok && ni != nj:
			return ni < nj
		case iok != jok:
			return iok
		}
		return keys[i] < keys[j]
	})
	return keys
}

// Output.

func (in *interp) writer(dest expr, mode string) (io.Writer, error) {
	if dest == nil {
		return in.out, nil
	}
	v, err := in.eval(dest)
	if err != nil {
		return nil, err
	}
	name := v.str(in.convfmt())
	switch name {
	case "/dev/stdout", "-":
		return in.out, nil
	case "/dev/stderr":
		in.out.Flush()
		return in.cfg.Stderr, nil
	}
	if f, ok := in.files[name]; ok {
		return f, nil
	}
	if in.cfg.Create == nil {
		return nil, fatalf("can't redirect to `%s': no files here", name)
	}
	f, err := in.cfg.Create(name, mode == ">>")
	if err != nil {
		return nil, fatalf("can't redirect to `%s': %s", name, errText(err))
	}
	in.files[name] = f
	return f, nil
}

func (in *interp) randFloat() float64 {
	// xorshift64*, seeded by srand: the same numbers every run.
	in.rand ^= in.rand >> 12
	in.rand ^= in.rand << 25
	in.rand ^= in.rand >> 27
	return float64((in.rand*2685821657736338717)>>11) / float64(1<<53)
}
