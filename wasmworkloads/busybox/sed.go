package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// sedMain is BusyBox's sed: -n, -e, -f, -i[SUFFIX], -r/-E, -s; the
// commands { } = a b c d D F g G h H i l n N p P q Q r s t T w x y z and
// :label; addresses N, $, /RE/[I], \cREc, FIRST~STEP, and ranges ending
// in an address, +N or ~N, with ! after them. Regular expressions are
// POSIX's (basic unless -r), matched leftmost-longest, without
// back-references in patterns (Go's regexp has none); replacements have
// & and \1 to \9.
func sedMain(p *proc) int {
	o, err := getopt(p.args[1:], "ne:f:i:rEsuz")
	if err != nil {
		return p.usageError("%v", err)
	}
	script, files, code := sedScript(p, o)
	if code >= 0 {
		return code
	}
	cmds, err := parseSedScript(script, o.has('r') || o.has('E'))
	if err != nil {
		p.errorf("%v", err)
		return 1
	}
	r := &sedRun{p: p, cmds: cmds, quiet: o.has('n') || strings.HasPrefix(script, "#n\n"), wfiles: map[string]*os.File{}}
	defer r.closeFiles()
	if o.has('i') || hasInPlace(p.args[1:]) {
		return r.inPlace(files, o.value('i'))
	}
	out := newOutput(p.stdout)
	defer out.Flush()
	r.out = out
	if len(files) == 0 {
		files = []string{"-"}
	}
	if o.has('s') {
		for _, f := range files {
			if r.run([]string{f}) {
				break
			}
		}
		return r.status
	}
	r.run(files)
	return r.status
}

// hasInPlace tells a bare -i (no suffix), which getopt reads as taking
// the next word.
func hasInPlace(args []string) bool {
	for _, a := range args {
		if a == "-i" {
			return true
		}
	}
	return false
}

// sedScript gathers -e and -f scripts, or takes the first operand; a code
// >= 0 ends sed.
func sedScript(p *proc, o options) (string, []string, int) {
	var parts []string
	parts = append(parts, o.values['e']...)
	for _, f := range o.values['f'] {
		data, err := os.ReadFile(p.path(f))
		if err != nil {
			p.errorf("can't open '%s': %s", f, errText(err))
			return "", nil, 1
		}
		parts = append(parts, strings.TrimSuffix(string(data), "\n"))
	}
	files := o.args
	if hasInPlace(p.args[1:]) && o.value('i') != "" {
		// getopt took the script (or a file) as -i's value.
		files = append([]string{o.value('i')}, files...)
	}
	if len(parts) == 0 {
		if len(files) == 0 {
			p.printUsage(p.stderr, "sed")
			return "", nil, 1
		}
		parts, files = files[:1], files[1:]
	}
	return strings.Join(parts, "\n"), files, -1
}

// sedRun is one sed's state.
type sedRun struct {
	p       *proc
	cmds    []*sedCmd
	quiet   bool
	out     output
	in      *sedInput
	ps, hs  string
	lineNo  int
	lastRE  *regexp.Regexp
	subst   bool
	appends []string
	wfiles  map[string]*os.File
	status  int
	quit    bool
	noNL    bool // the current line had no newline (the input's last)
}

// inPlace edits each file, writing the result back.
func (r *sedRun) inPlace(files []string, suffix string) int {
	if len(files) == 0 {
		r.p.errorf("no input files")
		return 1
	}
	for _, f := range files {
		data, err := os.ReadFile(r.p.path(f))
		if err != nil {
			r.p.errorf("can't open '%s': %s", f, errText(err))
			r.status = 1
			continue
		}
		var buf bytes.Buffer
		r.out = newOutput(&buf)
		r.in = &sedInput{p: r.p, cur: bufio.NewReader(bytes.NewReader(data)), name: f}
		r.lineNo = 0
		r.loop()
		r.out.Flush()
		if suffix != "" {
			os.WriteFile(r.p.path(f)+suffix, data, 0o644)
		}
		if err := os.WriteFile(r.p.path(f), buf.Bytes(), 0o644); err != nil {
			r.p.errorf("can't create '%s': %s", f, errText(err))
			r.status = 1
		}
		if r.quit {
			break
		}
	}
	return r.status
}

// run processes files as one stream; it reports whether q ended it.
func (r *sedRun) run(files []string) bool {
	r.in = &sedInput{p: r.p, names: files}
	r.lineNo = 0
	r.loop()
	if r.in.failed {
		r.status = 2
	}
	return r.quit
}

func (r *sedRun) loop() {
	for !r.quit {
		line, nl, ok := r.in.next()
		if !ok {
			break
		}
		r.ps, r.noNL, r.subst = line, !nl, false
		r.lineNo++
		r.cycle(0)
	}
}

// cycle runs the script from pc on the pattern space, then prints it.
func (r *sedRun) cycle(pc int) {
	autoprint := !r.quiet
	for pc < len(r.cmds) && !r.quit {
		c := r.cmds[pc]
		if !r.selected(c) {
			if c.cmd == '{' {
				pc = c.target
			}
			pc++
			continue
		}
		next, restart, print := r.exec(c, pc)
		if restart >= 0 {
			r.flushAppends()
			r.cycle(restart)
			return
		}
		if !print {
			autoprint = false
			break
		}
		pc = next
	}
	if autoprint {
		r.printPS()
	}
	r.flushAppends()
}

// printPS writes the pattern space and its newline (none after a last
// line that had none).
func (r *sedRun) printPS() {
	r.out.WriteString(r.ps)
	if !r.noNL || !r.in.atEnd() {
		r.out.WriteByte('\n')
	}
}

func (r *sedRun) flushAppends() {
	for _, a := range r.appends {
		r.out.WriteString(a)
	}
	r.appends = r.appends[:0]
}

// exec runs one selected command. It returns the next pc; restart >= 0
// to start a new cycle there without reading (D); print false to end the
// cycle without printing (d, D, Q, c).
func (r *sedRun) exec(c *sedCmd, pc int) (next, restart int, print bool) {
	next, restart, print = pc+1, -1, true
	switch c.cmd {
	case '{', '}':
	case '=':
		fmt.Fprintf(r.out, "%d\n", r.lineNo)
	case 'a':
		r.appends = append(r.appends, c.text+"\n")
	case 'i':
		r.out.WriteString(c.text + "\n")
	case 'c':
		if c.a2.kind == 0 || !c.inRange || c.negate {
			r.out.WriteString(c.text + "\n")
		}
		return next, -1, false
	case 'd':
		return next, -1, false
	case 'D':
		i := strings.IndexByte(r.ps, '\n')
		if i < 0 {
			return next, -1, false
		}
		r.ps = r.ps[i+1:]
		return next, 0, true
	case 'b':
		return r.jump(c), -1, true
	case 't', 'T':
		if r.subst == (c.cmd == 't') {
			r.subst = false
			return r.jump(c), -1, true
		}
		r.subst = false
	case 'F':
		r.out.WriteString(r.in.current() + "\n")
	case 'g':
		r.ps = r.hs
	case 'G':
		r.ps += "\n" + r.hs
	case 'h':
		r.hs = r.ps
	case 'H':
		r.hs += "\n" + r.ps
	case 'x':
		r.ps, r.hs = r.hs, r.ps
	case 'z':
		r.ps = ""
	case 'l':
		r.list()
	case 'n', 'N':
		return r.nextLine(c, next)
	case 'p':
		r.out.WriteString(r.ps + "\n")
	case 'P':
		first, _, _ := strings.Cut(r.ps, "\n")
		r.out.WriteString(first + "\n")
	case 'q':
		r.quit, r.status = true, c.status
	case 'Q':
		r.quit, r.status = true, c.status
		return next, -1, false
	case 'r':
		if data, err := os.ReadFile(r.p.path(c.text)); err == nil {
			r.appends = append(r.appends, string(data))
		}
	case 'w':
		r.write(c.text, r.ps)
	case 's':
		r.substitute(c)
	case 'y':
		r.ps = strings.Map(func(x rune) rune {
			if y, ok := c.ymap[x]; ok {
				return y
			}
			return x
		}, r.ps)
	}
	return next, restart, print
}

func (r *sedRun) jump(c *sedCmd) int {
	if c.target < 0 {
		return len(r.cmds)
	}
	return c.target
}

// nextLine is n (print, then replace the pattern space with the next
// line) and N (append it). Without a next line, sed prints the pattern
// space (unless -n) and ends, as GNU and BusyBox do.
func (r *sedRun) nextLine(c *sedCmd, next int) (int, int, bool) {
	if r.in.atEnd() {
		r.quit = true
		return len(r.cmds), -1, true
	}
	if c.cmd == 'n' && !r.quiet {
		r.printPS()
	}
	r.flushAppends()
	line, nl, _ := r.in.next()
	r.lineNo++
	r.noNL = !nl
	if c.cmd == 'N' {
		r.ps += "\n" + line
	} else {
		r.ps = line
	}
	return next, -1, true
}

// list is l: the pattern space with escapes, lines wrapped at 69
// characters with a backslash, ended by $.
func (r *sedRun) list() {
	var b strings.Builder
	width := 0
	for i := 0; i < len(r.ps); i++ {
		c := r.ps[i]
		s := string(c)
		switch {
		case c == '\\':
			s = `\\`
		case c == '\n':
			s = `\n`
		case c == '\t':
			s = `\t`
		case c < 32 || c >= 127:
			s = fmt.Sprintf("\\%03o", c)
		}
		if width+len(s) > 69 {
			b.WriteString("\\\n")
			width = 0
		}
		b.WriteString(s)
		width += len(s)
	}
	r.out.WriteString(b.String() + "$\n")
}

// write appends a line to a w file, opened (truncated) on first use.
func (r *sedRun) write(name, text string) {
	if name == "/dev/stdout" {
		r.out.WriteString(text + "\n")
		return
	}
	f, ok := r.wfiles[name]
	if !ok {
		var err error
		if f, err = os.Create(r.p.path(name)); err != nil {
			r.p.errorf("can't open '%s': %s", name, errText(err))
			r.wfiles[name] = nil
			return
		}
		r.wfiles[name] = f
	}
	if f != nil {
		f.WriteString(text + "\n")
	}
}

func (r *sedRun) closeFiles() {
	for _, f := range r.wfiles {
		if f != nil {
			f.Close()
		}
	}
}

// regex returns a command's regex, or the last one used for "//".
func (r *sedRun) regex(re *regexp.Regexp) *regexp.Regexp {
	if re == nil {
		if r.lastRE == nil {
			r.p.errorf("no previous regexp")
			r.quit, r.status = true, 1
			return regexp.MustCompile(`$^`)
		}
		return r.lastRE
	}
	r.lastRE = re
	return re
}

// substitute is s: the nth match (1 by default), or every one from the
// nth with g.
func (r *sedRun) substitute(c *sedCmd) {
	re := r.regex(c.re)
	matches := re.FindAllStringSubmatchIndex(r.ps, -1)
	nth := max(c.nth, 1)
	var b strings.Builder
	last, done := 0, false
	for i, m := range matches {
		if i+1 < nth || (done && !c.global) {
			continue
		}
		b.WriteString(r.ps[last:m[0]])
		b.WriteString(expandReplacement(c.repl, r.ps, m))
		last, done = m[1], true
	}
	if !done {
		return
	}
	b.WriteString(r.ps[last:])
	r.ps, r.subst = b.String(), true
	if c.print {
		r.out.WriteString(r.ps + "\n")
	}
	if c.wfile != "" {
		r.write(c.wfile, r.ps)
	}
}

// expandReplacement fills in & and \1..\9.
func expandReplacement(repl, src string, m []int) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '&':
			b.WriteString(src[m[0]:m[1]])
		case c == '\\' && i+1 < len(repl):
			i++
			d := repl[i]
			switch {
			case d >= '0' && d <= '9':
				k := int(d - '0')
				if 2*k+1 < len(m) && m[2*k] >= 0 {
					b.WriteString(src[m[2*k]:m[2*k+1]])
				}
			case d == 't':
				b.WriteByte('\t')
			case d == 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(d)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// selected tells whether a command applies to the current line.
func (r *sedRun) selected(c *sedCmd) bool {
	return r.matchRange(c) != c.negate
}

func (r *sedRun) matchRange(c *sedCmd) bool {
	switch {
	case c.a1.kind == 0:
		return true
	case c.a2.kind == 0:
		return r.matchAddr(c.a1)
	case c.inRange:
		if r.rangeEnds(c) {
			c.inRange = false
		}
		return true
	}
	start := r.matchAddr(c.a1) || (c.a1.kind == 'n' && c.a1.n == 0 && r.lineNo == 1)
	if !start {
		return false
	}
	c.inRange = true
	switch c.a2.kind {
	case 'n':
		c.inRange = c.a2.n > r.lineNo
	case '+':
		c.endLine = r.lineNo + c.a2.n
		c.inRange = c.a2.n > 0
	case '%':
		c.inRange = c.a2.n > 0 && r.lineNo%c.a2.n != 0
	case '/':
		if c.a1.kind == 'n' && c.a1.n == 0 && r.regex(c.a2.re).MatchString(r.ps) {
			c.inRange = false // 0,/re/ ends on the first line too
		}
	case '$':
		c.inRange = !r.in.atEnd()
	}
	return true
}

// rangeEnds tells whether the current line is a started range's last.
func (r *sedRun) rangeEnds(c *sedCmd) bool {
	switch c.a2.kind {
	case 'n':
		return r.lineNo >= c.a2.n
	case '+':
		return r.lineNo >= c.endLine
	case '%':
		return r.lineNo%c.a2.n == 0
	case '$':
		return r.in.atEnd()
	}
	return r.matchAddr(c.a2)
}

func (r *sedRun) matchAddr(a sedAddr) bool {
	switch a.kind {
	case 'n':
		return r.lineNo == a.n
	case '$':
		return r.in.atEnd()
	case '~':
		if a.step <= 0 {
			return r.lineNo == a.n
		}
		return r.lineNo >= a.n && (r.lineNo-a.n)%a.step == 0
	case '/':
		return r.regex(a.re).MatchString(r.ps)
	}
	return false
}

// sedInput reads lines across the input files, looking one line ahead so
// that $ knows the last line.
type sedInput struct {
	p       *proc
	names   []string
	name    string
	cur     *bufio.Reader
	closer  io.Closer
	peeked  *sedLine
	failed  bool
	started bool
}

type sedLine struct {
	text string
	nl   bool
	file string
}

// next returns the next line, whether it ended with a newline, and false
// at the end of input.
func (in *sedInput) next() (string, bool, bool) {
	l := in.peek()
	if l == nil {
		return "", false, false
	}
	in.peeked = nil
	in.name = l.file
	return l.text, l.nl, true
}

// atEnd reports whether no line follows.
func (in *sedInput) atEnd() bool { return in.peek() == nil }

// current is the name of the file being read, as F prints it.
func (in *sedInput) current() string { return in.name }

func (in *sedInput) peek() *sedLine {
	for in.peeked == nil {
		if in.cur == nil && !in.open() {
			return nil
		}
		line, err := in.cur.ReadString('\n')
		if line != "" {
			nl := strings.HasSuffix(line, "\n")
			in.peeked = &sedLine{text: strings.TrimSuffix(line, "\n"), nl: nl, file: in.name}
			break
		}
		if err != nil {
			in.close()
		}
	}
	return in.peeked
}

// open opens the next input file, reporting ones that cannot be read.
func (in *sedInput) open() bool {
	if in.started && in.names == nil {
		return false
	}
	in.started = true
	for len(in.names) > 0 {
		name := in.names[0]
		in.names = in.names[1:]
		f, err := in.p.open(name)
		if err != nil {
			in.p.errorf("%s: %s", name, errText(err))
			in.failed = true
			continue
		}
		in.cur, in.closer, in.name = bufio.NewReader(f), f, name
		return true
	}
	in.names = nil
	return false
}

func (in *sedInput) close() {
	if in.closer != nil {
		in.closer.Close()
	}
	in.cur, in.closer = nil, nil
	if len(in.names) == 0 {
		in.names = nil
	}
}
