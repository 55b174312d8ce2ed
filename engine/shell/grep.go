package shell

import (
	"context"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/interp"
)

var grepTool = &tool{
	name:  "grep",
	usage: []string{"grep [OPTION]... PATTERNS [FILE]..."},
	about: "Search for PATTERNS in each FILE.\nPATTERNS can contain multiple patterns separated by newlines.\nRegular expressions are POSIX's, with GNU's extensions, and no back-references.",
	opts: []option{
		{short: 'E', long: "extended-regexp", help: "PATTERNS are extended regular expressions"},
		{short: 'F', long: "fixed-strings", help: "PATTERNS are strings"},
		{short: 'G', long: "basic-regexp", help: "PATTERNS are basic regular expressions"},
		{short: 'P', long: "perl-regexp", help: "PATTERNS are Go (RE2) regular expressions, close to Perl's"},
		{short: 'e', long: "regexp", arg: needArg, argName: "PATTERNS", help: "use PATTERNS for matching"},
		{short: 'f', long: "file", arg: needArg, argName: "FILE", help: "take PATTERNS from FILE"},
		{short: 'i', long: "ignore-case", help: "ignore case distinctions in patterns and data"},
		{long: "no-ignore-case", help: "do not ignore case distinctions (default)"},
		{short: 'y', same: "i", help: "same as -i"},
		{short: 'w', long: "word-regexp", help: "match only whole words"},
		{short: 'x', long: "line-regexp", help: "match only whole lines"},
		{short: 's', long: "no-messages", help: "suppress error messages"},
		{short: 'v', long: "invert-match", help: "select non-matching lines"},
		{short: 'm', long: "max-count", arg: needArg, argName: "NUM", help: "stop after NUM selected lines"},
		{short: 'n', long: "line-number", help: "print line number with output lines"},
		{short: 'H', long: "with-filename", help: "print file name with output lines"},
		{short: 'h', long: "no-filename", help: "suppress the file name prefix on output"},
		{long: "label", arg: needArg, argName: "LABEL", help: "use LABEL as the standard input file name prefix"},
		{short: 'o', long: "only-matching", help: "show only nonempty parts of lines that match"},
		{short: 'q', long: "quiet", help: "suppress all normal output"},
		{long: "silent", same: "q", help: "same as --quiet"},
		{short: 'r', long: "recursive", help: "search directories recursively"},
		{short: 'R', long: "dereference-recursive", help: "likewise"},
		{long: "include", arg: needArg, argName: "GLOB", help: "search only files that match GLOB"},
		{long: "exclude", arg: needArg, argName: "GLOB", help: "skip files that match GLOB"},
		{short: 'L', long: "files-without-match", help: "print only names of FILEs with no selected lines"},
		{short: 'l', long: "files-with-matches", help: "print only names of FILEs with selected lines"},
		{short: 'c', long: "count", help: "print only a count of selected lines per FILE"},
		{short: 'B', long: "before-context", arg: needArg, argName: "NUM", help: "print NUM lines of leading context"},
		{short: 'A', long: "after-context", arg: needArg, argName: "NUM", help: "print NUM lines of trailing context"},
		{short: 'C', long: "context", arg: needArg, argName: "NUM", help: "print NUM lines of output context"},
		{long: "group-separator", arg: needArg, argName: "SEP", help: "print SEP on line between matches with context"},
		{long: "no-group-separator", help: "do not print separator for matches with context"},
		{long: "color", arg: optArg, argName: "WHEN", help: "accepted; matches are never coloured"},
		{long: "colour", same: "color", arg: optArg, argName: "WHEN", help: "same as --color"},
	},
	digits: "C",
	fail:   usageTry,
	status: 2,
}

// grepRun is one grep: its options and what it found so far.
type grepRun struct {
	re                          *regexp.Regexp
	invert, word, line          bool
	count, quiet, only, number  bool
	withName, listMatch, listNo bool
	maxCount                    int64
	before, after               int
	context                     bool    // -A, -B or -C given: groups are separated
	sep                         *string // the group separator, nil for none
	label                       string
	out                         *errWriter
	matched                     bool
	printedGroup                bool // something printed, so the next group needs a separator
}

func (s *Shell) grep(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := grepTool.parse(hc, args)
	if done {
		return code
	}
	patterns, files, code := s.grepPatterns(hc, o)
	if code != 0 {
		return code
	}
	g, err := newGrepRun(o, patterns)
	if err != nil {
		fmt.Fprintf(hc.Stderr, "grep: %s\n", err)
		return 2
	}
	g.out = &errWriter{w: hc.Stdout}
	recursive := o.has("r") || o.has("R")
	implicit := recursive && len(files) == 0
	if implicit {
		files = []string{"."}
	}
	g.withName = len(files) > 1 || recursive
	if h := o.last("H", "h"); h != "" {
		g.withName = h == "H"
	}
	errs := false
	report := func(format string, a ...any) {
		errs = true
		if !o.has("s") {
			fmt.Fprintf(hc.Stderr, "grep: "+format+"\n", a...)
		}
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, f := range files {
		if f == "-" {
			g.search(g.label, hc.Stdin)
		} else {
			display := f
			if implicit {
				display = "" // grep -r PATTERN names what it finds under . without "./"
			}
			s.grepFile(hc, g, f, display, recursive, o, report)
		}
		if g.quiet && g.matched {
			return 0
		}
	}
	switch {
	case errs && !(g.quiet && g.matched):
		return 2
	case g.matched:
		return 0
	}
	return 1
}

// grepPatterns collects the patterns from -e, -f or the first operand.
func (s *Shell) grepPatterns(hc interp.HandlerContext, o parsed) ([]string, []string, int) {
	var patterns []string
	for _, p := range o.values("e") {
		patterns = append(patterns, strings.Split(p, "\n")...)
	}
	for _, f := range o.values("f") {
		data, err := s.readInput(hc, f)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "grep: %s: %s\n", f, errText(err))
			return nil, nil, 2
		}
		patterns = append(patterns, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	}
	files := o.args
	if !o.has("e") && !o.has("f") {
		if len(files) == 0 {
			return nil, nil, grepTool.usageError(hc.Stderr, "")
		}
		patterns, files = strings.Split(files[0], "\n"), files[1:]
	}
	return patterns, files, 0
}

// readInput reads a whole file operand ("-" is standard input).
func (s *Shell) readInput(hc interp.HandlerContext, name string) ([]byte, error) {
	r, err := s.openInput(hc, name)
	if err != nil {
		return nil, err
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	return io.ReadAll(r)
}

func newGrepRun(o parsed, patterns []string) (*grepRun, error) {
	g := &grepRun{
		invert: o.has("v"), word: o.has("w"), line: o.has("x"), count: o.has("c"),
		quiet: o.has("q"), only: o.has("o"), number: o.has("n"),
		listMatch: o.has("l"), listNo: o.has("L"), maxCount: -1, label: "(standard input)",
	}
	if o.has("label") {
		g.label = o.value("label")
	}
	syn := map[string]reSyntax{"E": reExtended, "F": reFixed, "P": rePerl, "G": reBasic, "": reBasic}[o.last("E", "F", "G", "P")]
	icase := o.last("i", "no-ignore-case") == "i"
	alts := []string{`[^\x00-\x{10FFFF}]`} // no pattern matches nothing
	for i, p := range patterns {
		re, err := compileRegexp(p, syn, false)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			alts = nil
		}
		alts = append(alts, "(?:"+re.String()+")")
	}
	expr := strings.Join(alts, "|")
	if g.line {
		expr = "^(?:" + expr + ")$"
	}
	re, err := compileGo(expr, syn, icase)
	if err != nil {
		return nil, err
	}
	g.re = re
	if err := g.setContext(o); err != nil {
		return nil, err
	}
	if o.has("m") {
		n, err := strconv.ParseInt(o.value("m"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid max count")
		}
		g.maxCount = n
	}
	return g, nil
}

func (g *grepRun) setContext(o parsed) error {
	num := func(key string) (int, error) {
		n, err := strconv.Atoi(o.value(key))
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%s: invalid context length argument", o.value(key))
		}
		return n, nil
	}
	var err error
	g.context = o.has("A") || o.has("B") || o.has("C")
	if o.has("C") {
		if g.before, err = num("C"); err != nil {
			return err
		}
		g.after = g.before
	}
	if o.has("A") {
		if g.after, err = num("A"); err != nil {
			return err
		}
	}
	if o.has("B") {
		if g.before, err = num("B"); err != nil {
			return err
		}
	}
	sep := "--"
	if o.has("group-separator") {
		sep = o.value("group-separator")
	}
	if !o.has("no-group-separator") || o.last("group-separator", "no-group-separator") == "group-separator" {
		g.sep = &sep
	}
	return nil
}

// grepFile searches a file operand, or with -r the files under it; the
// files are named after display.
func (s *Shell) grepFile(hc interp.HandlerContext, g *grepRun, name, display string, recursive bool, o parsed, report func(string, ...any)) {
	p := fsPath(abs(hc.Dir, name))
	info, err := hackpadfs.Stat(s.cfg.FS, p)
	if err != nil {
		report("%s: %s", display, errText(err))
		return
	}
	if !info.IsDir() {
		if included(o, path.Base(name)) {
			s.grepOne(hc, g, name, display, report)
		}
		return
	}
	if !recursive {
		report("%s: Is a directory", display)
		return
	}
	entries, err := hackpadfs.ReadDir(s.cfg.FS, p)
	if err != nil {
		report("%s: %s", name, errText(err))
		return
	}
	for _, e := range entries {
		sub, subDisplay := strings.TrimSuffix(name, "/")+"/"+e.Name(), e.Name()
		if display != "" {
			subDisplay = strings.TrimSuffix(display, "/") + "/" + e.Name()
		}
		if e.IsDir() || included(o, e.Name()) {
			s.grepFile(hc, g, sub, subDisplay, true, o, report)
		}
		if g.quiet && g.matched {
			return
		}
	}
}

// included applies --include and --exclude to a file's base name.
func included(o parsed, base string) bool {
	for _, glob := range o.values("exclude") {
		if ok, _ := path.Match(glob, base); ok {
			return false
		}
	}
	globs := o.values("include")
	for _, glob := range globs {
		if ok, _ := path.Match(glob, base); ok {
			return true
		}
	}
	return len(globs) == 0
}

func (s *Shell) grepOne(hc interp.HandlerContext, g *grepRun, name, display string, report func(string, ...any)) {
	r, err := s.openInput(hc, name)
	if err != nil {
		report("%s: %s", display, errText(err))
		return
	}
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	g.search(display, r)
}

// search greps one input.
func (g *grepRun) search(name string, r io.Reader) {
	if r == nil {
		r = strings.NewReader("")
	}
	lr := newLineReader(r)
	var count int64
	var before []string // unprinted lines kept for -B, newest last
	lastPrinted := int64(0)
	afterLeft := 0
	for n := int64(1); g.out.err == nil; n++ {
		l, _, ok := lr.next()
		if !ok {
			break
		}
		selected := g.selects(l)
		if g.maxCount >= 0 && count >= g.maxCount {
			// Past -m NUM: only trailing context, up to the next selected line.
			if selected || afterLeft == 0 || g.silent() {
				break
			}
			selected = false
		}
		if !selected {
			if afterLeft > 0 && !g.silent() {
				g.print(name, n, l, '-')
				lastPrinted = n
				afterLeft--
			} else if g.before > 0 {
				before = append(before, l)
				if len(before) > g.before {
					before = before[1:]
				}
			}
			continue
		}
		count++
		g.matched = true
		if g.quiet || g.listMatch {
			break
		}
		if g.silent() {
			continue
		}
		first := n - int64(len(before))
		if g.context && g.sep != nil && g.printedGroup && lastPrinted != first-1 {
			g.out.printf("%s\n", *g.sep)
		}
		for i, b := range before {
			g.print(name, first+int64(i), b, '-')
		}
		before = before[:0]
		g.printMatch(name, n, l)
		g.printedGroup = true
		lastPrinted = n
		afterLeft = g.after
	}
	g.summary(name, count)
}

// silent tells whether lines are not printed (only counts or names).
func (g *grepRun) silent() bool { return g.count || g.quiet || g.listMatch || g.listNo }

func (g *grepRun) summary(name string, count int64) {
	switch {
	case g.quiet:
	case g.listMatch && count > 0, g.listNo && count == 0:
		g.out.printf("%s\n", name)
	case g.count:
		if g.withName {
			g.out.printf("%s:", name)
		}
		g.out.printf("%d\n", count)
	}
}

// selects tells whether a line is selected: it matches (as -w asks),
// or with -v it does not.
func (g *grepRun) selects(l string) bool {
	return (len(g.matches(l)) > 0) != g.invert
}

// matches returns where the pattern matches a line; with -w only the
// matches that are whole words.
func (g *grepRun) matches(l string) [][]int {
	if !g.word {
		return g.re.FindAllStringIndex(l, -1)
	}
	var words [][]int
	for start := 0; start <= len(l); {
		m := g.re.FindStringIndex(l[start:])
		if m == nil {
			break
		}
		a, b := start+m[0], start+m[1]
		if (a == 0 || !isWordByte(l[a-1])) && (b == len(l) || !isWordByte(l[b])) {
			words = append(words, []int{a, b})
			start = max(b, a+1)
			continue
		}
		start = a + 1
	}
	return words
}

func isWordByte(c byte) bool { return isAlpha(c) || isDigit(c) || c == '_' || c >= 0x80 }

func (g *grepRun) prefix(name string, n int64, sep byte) string {
	p := ""
	if g.withName {
		p = name + string(sep)
	}
	if g.number {
		p += strconv.FormatInt(n, 10) + string(sep)
	}
	return p
}

func (g *grepRun) print(name string, n int64, l string, sep byte) {
	if g.only {
		return
	}
	g.out.printf("%s%s\n", g.prefix(name, n, sep), l)
}

func (g *grepRun) printMatch(name string, n int64, l string) {
	if !g.only {
		g.print(name, n, l, ':')
		return
	}
	if g.invert {
		return
	}
	for _, m := range g.matches(l) {
		if m[1] > m[0] {
			g.out.printf("%s%s\n", g.prefix(name, n, ':'), l[m[0]:m[1]])
		}
	}
}
