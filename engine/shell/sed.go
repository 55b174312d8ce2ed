package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/interp"
)

var sedTool = &tool{
	name:  "sed",
	usage: []string{"sed [OPTION]... {script-only-if-no-other-script} [input-file]..."},
	about: "Commands: s/RE/REPL/[gpiNw], y/SRC/DST/, d D p P n N q Q = l a i c r w\nh H g G x z F, { }, :label b t T; addresses N, $, /RE/[I], \\%RE%,\nFIRST~STEP, ADDR1,ADDR2, ADDR1,+N, ADDR1,~N, 0,/RE/, and ! after them.\nRegular expressions are POSIX's with GNU's extensions, without back-references.",
	opts: []option{
		{short: 'n', long: "quiet", help: "suppress automatic printing of pattern space"},
		{long: "silent", same: "n", help: "same as --quiet"},
		{short: 'e', long: "expression", arg: needArg, argName: "script", help: "add the script to the commands to be executed"},
		{short: 'f', long: "file", arg: needArg, argName: "script-file", help: "add the contents of script-file to the commands to be executed"},
		{short: 'i', long: "in-place", arg: optArg, argName: "SUFFIX", help: "edit files in place (makes backup if SUFFIX supplied)"},
		{short: 'E', long: "regexp-extended", help: "use extended regular expressions in the script"},
		{short: 'r', same: "E", help: "same as -E"},
		{short: 's', long: "separate", help: "consider files as separate rather than as a single continuous long stream"},
		{short: 'u', long: "unbuffered", help: "accepted; output is never held back"},
	},
	fail:   fullUsage,
	status: 1,
}

func (s *Shell) sed(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := sedTool.parse(hc, args)
	if done {
		return code
	}
	scripts, files, code := s.sedScripts(hc, o)
	if code != 0 {
		return code
	}
	cmds, err := parseSed(scripts, o.has("E"))
	if err != nil {
		fmt.Fprintf(hc.Stderr, "sed: %s\n", err)
		return 1
	}
	quiet := o.has("n") || len(scripts) > 0 && strings.HasPrefix(scripts[0].text, "#n\n")
	r := &sedRun{s: s, hc: hc, cmds: cmds, quiet: quiet, wfiles: map[string]*fileRW{}}
	defer r.closeFiles()
	if err := r.openWFiles(); err != nil {
		fmt.Fprintf(hc.Stderr, "sed: couldn't open file %s\n", err)
		return 4
	}
	if o.has("i") {
		if len(files) == 0 {
			fmt.Fprintln(hc.Stderr, "sed: no input files")
			return 1
		}
		return r.inPlace(files, o.value("i"))
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	r.out = &errWriter{w: hc.Stdout}
	if o.has("s") {
		for _, f := range files {
			if r.run([]string{f}) {
				break
			}
		}
	} else {
		r.run(files)
	}
	return r.status
}

// sedScripts gathers the scripts from -e and -f, or the first operand.
func (s *Shell) sedScripts(hc interp.HandlerContext, o parsed) ([]sedScript, []string, int) {
	var scripts []sedScript
	n := 0
	for _, so := range o.set {
		switch so.key {
		case "e":
			n++
			scripts = append(scripts, sedScript{fmt.Sprintf("-e expression #%d", n), so.val})
		case "f":
			data, err := s.readInput(hc, so.val)
			if err != nil {
				fmt.Fprintf(hc.Stderr, "sed: couldn't open file %s: %s\n", so.val, errText(err))
				return nil, nil, 1
			}
			scripts = append(scripts, sedScript{"file " + so.val, strings.TrimSuffix(string(data), "\n")})
		}
	}
	files := o.args
	if len(scripts) == 0 {
		if len(files) == 0 {
			return nil, nil, sedTool.usageError(hc.Stderr, "")
		}
		scripts, files = []sedScript{{"-e expression #1", files[0]}}, files[1:]
	}
	return scripts, files, 0
}

// sedRun is the state of one sed: its program, pattern and hold spaces,
// and input.
type sedRun struct {
	s       *Shell
	hc      interp.HandlerContext
	cmds    []*sedCmd
	quiet   bool
	out     *errWriter
	in      *sedInput
	ps, hs  string
	nl      bool // the current line ended with a newline
	line    int
	appends []string // text to print at the end of the cycle
	lastRE  *regexp.Regexp
	subst   bool // an s succeeded since the last line or t
	// missingNL: the last output was a last line without its newline
	missingNL bool
	status    int
	wfiles    map[string]*fileRW
}

// inPlace edits each file, writing the output back to it.
func (r *sedRun) inPlace(files []string, suffix string) int {
	for _, f := range files {
		p := fsPath(abs(r.hc.Dir, f))
		data, err := r.s.readInput(r.hc, f)
		switch {
		case f == "-" || errors.Is(err, hackpadfs.ErrIsDir):
			fmt.Fprintf(r.hc.Stderr, "sed: couldn't edit %s: not a regular file\n", f)
			r.status = 4
			continue
		case err != nil:
			fmt.Fprintf(r.hc.Stderr, "sed: can't read %s: %s\n", f, errText(err))
			r.status = 2
			continue
		}
		var buf bytes.Buffer
		r.out, r.missingNL = &errWriter{w: &buf}, false
		r.line = 0
		r.in = nil
		quit := r.runData(f, data)
		if suffix != "" {
			backup := strings.ReplaceAll(suffix, "*", baseName(f))
			if !strings.Contains(suffix, "*") {
				backup = f + suffix
			}
			_ = r.s.writeFile(fsPath(abs(r.hc.Dir, backup)), data, 0o644)
		}
		if err := r.s.writeFile(p, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(r.hc.Stderr, "sed: couldn't edit %s: %s\n", f, errText(err))
			r.status = 4
		}
		if quit {
			break
		}
	}
	return r.status
}

func (r *sedRun) runData(name string, data []byte) bool {
	r.in = &sedInput{s: r.s, hc: r.hc, cur: newLineReader(bytes.NewReader(data)), curName: name}
	return r.loop()
}

// run processes files as one stream; it returns true when q ended it.
func (r *sedRun) run(files []string) bool {
	r.in = &sedInput{s: r.s, hc: r.hc, names: files}
	r.line = 0
	return r.loop()
}

func (r *sedRun) loop() bool {
	for r.out.err == nil {
		l, nl, ok := r.in.next()
		if !ok {
			break
		}
		if r.in.failed {
			r.status = 2
		}
		r.ps, r.nl, r.subst = l, nl, false
		r.line++
		if quit := r.cycle(); quit {
			return true
		}
	}
	if r.in.failed {
		r.status = 2
	}
	return false
}

// cycle runs the program over the pattern space; true means quit.
func (r *sedRun) cycle() bool {
	for pc := 0; pc < len(r.cmds); {
		c := r.cmds[pc]
		if !r.selects(c) {
			if c.name == '{' {
				pc = c.jump
			} else {
				pc++
			}
			continue
		}
		next, action := r.exec(c, pc)
		switch action {
		case sedQuit:
			r.endCycle(true)
			r.status = c.exit
			return true
		case sedQuitSilent:
			r.status = c.exit
			return true
		case sedDelete:
			r.flushAppends()
			return false
		case sedRestart:
			r.flushAppends()
			pc = 0
			continue
		case sedStop:
			r.endCycle(!r.quiet)
			return true
		}
		pc = next
	}
	r.endCycle(!r.quiet)
	return false
}

type sedAction uint8

const (
	sedNext       sedAction = iota
	sedQuit                 // q: print, then stop
	sedQuitSilent           // Q
	sedDelete               // d: end the cycle without printing
	sedRestart              // D: start the cycle again without reading
	sedStop                 // n or N at the end of the input
)

func (r *sedRun) endCycle(print bool) {
	if print {
		r.printPS()
	}
	r.flushAppends()
}

func (r *sedRun) printPS() {
	r.emit(r.ps + newline(r.nl))
	r.missingNL = !r.nl
}

// emit writes output; after a last line that had no newline, whatever
// follows starts on a line of its own, as in GNU sed.
func (r *sedRun) emit(s string) {
	if r.missingNL && s != "" {
		r.out.printf("\n")
		r.missingNL = false
	}
	r.out.printf("%s", s)
}

func (r *sedRun) flushAppends() {
	for _, a := range r.appends {
		r.emit(a)
	}
	r.appends = r.appends[:0]
}

// exec runs one command and says what comes next.
func (r *sedRun) exec(c *sedCmd, pc int) (int, sedAction) {
	switch c.name {
	case 's':
		r.substitute(c)
	case 'y':
		r.ps = strings.Map(func(x rune) rune {
			if y, ok := c.ymap[x]; ok {
				return y
			}
			return x
		}, r.ps)
	case 'p':
		r.printPS()
	case 'P':
		first, _, _ := strings.Cut(r.ps, "\n")
		r.emit(first + "\n")
	case 'd':
		return 0, sedDelete
	case 'D':
		i := strings.IndexByte(r.ps, '\n')
		if i < 0 {
			return 0, sedDelete
		}
		r.ps = r.ps[i+1:]
		return 0, sedRestart
	case 'n', 'N':
		return r.nextLine(c, pc)
	case 'q':
		return 0, sedQuit
	case 'Q':
		return 0, sedQuitSilent
	case '=':
		r.emit(fmt.Sprintf("%d\n", r.line))
	case 'a':
		r.appends = append(r.appends, c.text+"\n")
	case 'i':
		r.emit(c.text + "\n")
	case 'c':
		if c.a2 == nil || !c.inRange || c.neg {
			r.emit(c.text + "\n")
		}
		return 0, sedDelete
	case 'r':
		if data, err := r.s.readInput(r.hc, c.text); err == nil {
			r.appends = append(r.appends, string(data))
		}
	case 'w':
		r.wfiles[c.text].Write([]byte(r.ps + "\n"))
	case 'l':
		r.emit(sedL(r.ps))
	case 'F':
		r.emit(r.in.name() + "\n")
	case 'z':
		r.ps = ""
	case 'h':
		r.hs = r.ps
	case 'H':
		r.hs += "\n" + r.ps
	case 'g':
		r.ps = r.hs
	case 'G':
		r.ps += "\n" + r.hs
	case 'x':
		r.ps, r.hs = r.hs, r.ps
	case 'b':
		return c.jump, sedNext
	case 't', 'T':
		if r.subst == (c.name == 't') {
			r.subst = false
			return c.jump, sedNext
		}
		r.subst = false
	}
	return pc + 1, sedNext
}

// nextLine is n (print, then read the next line) and N (append it).
func (r *sedRun) nextLine(c *sedCmd, pc int) (int, sedAction) {
	if r.in.last() {
		return 0, sedStop // GNU sed prints the pattern space, then stops
	}
	if c.name == 'n' && !r.quiet {
		r.printPS()
	}
	r.flushAppends()
	l, nl, _ := r.in.next()
	r.line++
	r.nl = nl
	if c.name == 'n' {
		r.ps = l
	} else {
		r.ps += "\n" + l
	}
	return pc + 1, sedNext
}

// substitute runs an s command on the pattern space.
func (r *sedRun) substitute(c *sedCmd) {
	re := r.regexp(c.re)
	if re == nil {
		return
	}
	matches := re.FindAllStringSubmatchIndex(r.ps, -1)
	var b strings.Builder
	last, n, did := 0, 0, false
	for _, m := range matches {
		n++
		if n < c.nth || n > c.nth && !c.global {
			continue
		}
		b.WriteString(r.ps[last:m[0]])
		b.WriteString(expandRepl(c.repl, r.ps, m))
		last, did = m[1], true
	}
	if !did {
		return
	}
	b.WriteString(r.ps[last:])
	r.ps, r.subst = b.String(), true
	for i := 0; i < c.printS; i++ {
		r.printPS()
	}
	if c.wfile != "" {
		r.wfiles[c.wfile].Write([]byte(r.ps + "\n"))
	}
}

// regexp returns re, or for // the last regex used.
func (r *sedRun) regexp(re *regexp.Regexp) *regexp.Regexp {
	if re == nil {
		if r.lastRE == nil {
			fmt.Fprintln(r.hc.Stderr, "sed: no previous regular expression")
			r.status = 1
		}
		return r.lastRE
	}
	r.lastRE = re
	return re
}

// expandRepl builds a replacement from its parts and a match.
func expandRepl(parts []sedRepl, src string, m []int) string {
	var b strings.Builder
	mode, once := byte(0), byte(0)
	write := func(s string) {
		switch mode {
		case 'U':
			s = strings.ToUpper(s)
		case 'L':
			s = strings.ToLower(s)
		}
		if once != 0 && s != "" {
			first := []rune(s)
			if once == 'u' {
				first[0] = unicode.ToUpper(first[0])
			} else {
				first[0] = unicode.ToLower(first[0])
			}
			s, once = string(first), 0
		}
		b.WriteString(s)
	}
	for _, p := range parts {
		switch {
		case p.conv == 'U' || p.conv == 'L':
			mode = p.conv
		case p.conv == 'E':
			mode = 0
		case p.conv != 0:
			once = p.conv
		case p.group >= 0:
			if 2*p.group < len(m) && m[2*p.group] >= 0 {
				write(src[m[2*p.group]:m[2*p.group+1]])
			}
		default:
			write(p.text)
		}
	}
	return b.String()
}

// selects tells whether a command applies to the current line.
func (r *sedRun) selects(c *sedCmd) bool {
	return r.addressed(c) != c.neg
}

func (r *sedRun) addressed(c *sedCmd) bool {
	switch {
	case c.a1 == nil:
		return true
	case c.a2 == nil:
		return r.match(c.a1)
	case c.inRange:
		return r.rangeGoesOn(c)
	case c.a1.kind == 'n' && c.a1.line == 0 || r.match(c.a1):
		c.inRange = true
		if c.a1.kind == 'n' && c.a1.line == 0 && r.match(c.a2) {
			c.inRange = false // 0,/re/ ends on the first line that matches
			return true
		}
		switch {
		case c.a2mode == '+':
			c.rangeTo = r.line + c.a2.line
		case c.a2mode == '~':
			c.rangeTo = r.line
			if c.a2.line > 0 {
				c.rangeTo = (r.line/c.a2.line + boolInt(r.line%c.a2.line != 0)) * c.a2.line
			}
		case c.a2.kind == 'n':
			c.rangeTo = c.a2.line
		}
		if (c.a2mode != ',' || c.a2.kind == 'n') && c.rangeTo <= r.line {
			c.inRange = false
		}
		return true
	}
	return false
}

// rangeGoesOn tells whether an active range covers the current line,
// ending it on its last.
func (r *sedRun) rangeGoesOn(c *sedCmd) bool {
	if c.a2mode != ',' || c.a2.kind == 'n' {
		if r.line >= c.rangeTo {
			c.inRange = false
			return r.line == c.rangeTo || c.a2mode == ','
		}
		return true
	}
	if r.match(c.a2) {
		c.inRange = false
	}
	return true
}

func (r *sedRun) match(a *sedAddr) bool {
	switch a.kind {
	case 'n':
		return r.line == a.line
	case '$':
		return r.in.last()
	case '~':
		if a.step <= 0 {
			return r.line == a.line
		}
		return r.line >= a.line && (r.line-a.line)%a.step == 0
	}
	re := r.regexp(a.re)
	return re != nil && re.MatchString(r.ps)
}

func (r *sedRun) openWFiles() error {
	for _, c := range r.cmds {
		names := []string{c.wfile}
		if c.name == 'w' {
			names = append(names, c.text)
		}
		for _, name := range names {
			if name == "" || r.wfiles[name] != nil {
				continue
			}
			f, err := r.s.openFile(fsPath(abs(r.hc.Dir, name)), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
			if err != nil {
				return fmt.Errorf("%s: %s", name, errText(err))
			}
			r.wfiles[name] = f
		}
	}
	return nil
}

func (r *sedRun) closeFiles() {
	for _, f := range r.wfiles {
		f.Close()
	}
}

// sedL is the l command's unambiguous form of a line, wrapped at 70.
func sedL(s string) string {
	var b, line strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		var piece string
		switch {
		case c == '\\':
			piece = `\\`
		case strings.IndexByte("\a\b\f\n\r\t\v", c) >= 0:
			piece = `\` + string("abfnrtv"[strings.IndexByte("\a\b\f\n\r\t\v", c)])
		case c < 32 || c >= 127:
			piece = fmt.Sprintf(`\%03o`, c)
		default:
			piece = string(c)
		}
		if line.Len()+len(piece) > 68 {
			b.WriteString(line.String() + "\\\n")
			line.Reset()
		}
		line.WriteString(piece)
	}
	b.WriteString(line.String() + "$\n")
	return b.String()
}

// sedInput reads the input files as one stream of lines, looking one
// line ahead so that $ knows the last line.
type sedInput struct {
	s       *Shell
	hc      interp.HandlerContext
	names   []string
	cur     *lineReader
	curName string
	closer  io.Closer
	ahead   *aheadLine
	failed  bool // a file could not be read
}

type aheadLine struct {
	text string
	nl   bool
}

func (in *sedInput) name() string { return in.curName }

// read reads the next line from the files, opening them in turn.
func (in *sedInput) read() (string, bool, bool) {
	for {
		if in.cur != nil {
			if l, nl, ok := in.cur.next(); ok {
				return l, nl, true
			}
			if in.closer != nil {
				in.closer.Close()
			}
			in.cur, in.closer = nil, nil
		}
		if len(in.names) == 0 {
			return "", false, false
		}
		n := in.names[0]
		in.names = in.names[1:]
		r, err := in.s.openInput(in.hc, n)
		if err != nil {
			fmt.Fprintf(in.hc.Stderr, "sed: can't read %s: %s\n", n, errText(err))
			in.failed = true
			continue
		}
		in.cur, in.curName = newLineReader(r), n
		in.closer, _ = r.(io.Closer)
	}
}

func (in *sedInput) next() (string, bool, bool) {
	if in.ahead != nil {
		a := in.ahead
		in.ahead = nil
		return a.text, a.nl, true
	}
	return in.read()
}

func (in *sedInput) last() bool {
	if in.ahead != nil {
		return false
	}
	l, nl, ok := in.read()
	if !ok {
		return true
	}
	in.ahead = &aheadLine{l, nl}
	return false
}
