package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// grepOptions are grep's flags once parsed.
type grepOptions struct {
	invert, count, quiet, number, listFiles, listNonMatching bool
	onlyMatching, noMessages, withName                       bool
	maxCount                                                 int64
}

// grepMain searches for patterns with Go's regexp (RE2). Basic regular
// expressions are translated to RE2 syntax; -E takes them as they are, -F
// literally. Status: 0 if a line matched, 1 if none, 2 on errors (unless a
// line matched and -q was given), as POSIX says.
func grepMain(p *proc) int {
	o, err := getopt(p.args[1:], "ivcnqlLosrRhHEFGwxe:f:m:a")
	if err != nil {
		p.errorf("%v", err)
		p.printUsage(p.stderr, "grep")
		return 2
	}
	patterns := o.values['e']
	args := o.args
	for _, file := range o.values['f'] {
		data, err := os.ReadFile(p.path(file))
		if err != nil {
			p.errorf("%s: %s", file, errText(err))
			return 2
		}
		patterns = append(patterns, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	}
	if len(patterns) == 0 && !o.has('f') {
		if len(args) == 0 {
			p.printUsage(p.stderr, "grep")
			return 2
		}
		patterns, args = strings.Split(args[0], "\n"), args[1:]
	}
	re, err := grepRegexp(patterns, o)
	if err != nil {
		p.errorf("bad regex: %v", err)
		return 2
	}
	g := grepOptions{
		invert: o.has('v'), count: o.has('c'), quiet: o.has('q'), number: o.has('n'),
		listFiles: o.has('l'), listNonMatching: o.has('L'), onlyMatching: o.has('o'),
		noMessages: o.has('s'), maxCount: -1,
	}
	if m := o.value('m'); m != "" {
		if g.maxCount, err = strconv.ParseInt(m, 10, 64); err != nil {
			p.errorf("invalid number '%s'", m)
			return 2
		}
	}
	if o.has('r') || o.has('R') {
		if len(args) == 0 {
			args = []string{"."}
		}
		args = p.walkFiles(args)
	}
	g.withName = (len(args) > 1 || o.has('r') || o.has('R')) && !o.has('h') || o.has('H')

	matched := false
	errs := false
	out := newOutput(p.stdout)
	defer out.Flush()
	if len(args) == 0 {
		args = []string{"-"}
	}
	for _, name := range args {
		r, err := p.open(name)
		if err != nil {
			if !g.noMessages {
				p.errorf("%s: %s", name, errText(err))
			}
			errs = true
			continue
		}
		found, err := g.search(r, name, re, out)
		r.Close()
		if isBrokenPipe(err) {
			return exitBrokenPipe
		}
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			errs = true
		}
		matched = matched || found
		if matched && g.quiet {
			return 0
		}
	}
	switch {
	case errs && !(matched && g.quiet):
		return 2
	case matched:
		return 0
	}
	return 1
}

// grepRegexp compiles the patterns into one expression.
func grepRegexp(patterns []string, o options) (*regexp.Regexp, error) {
	alts := make([]string, len(patterns))
	for i, pat := range patterns {
		switch {
		case o.has('F'):
			pat = regexp.QuoteMeta(pat)
		case !o.has('E'):
			pat = basicToExtended(pat)
		}
		if o.has('w') {
			pat = `(?:^|\b)(?:` + pat + `)(?:\b|$)`
		}
		if o.has('x') {
			pat = `^(?:` + pat + `)$`
		}
		alts[i] = "(?:" + pat + ")"
	}
	expr := strings.Join(alts, "|")
	if o.has('i') {
		expr = "(?i)" + expr
	}
	return regexp.Compile(expr)
}

// basicToExtended turns a POSIX basic regular expression into RE2 syntax:
// in a BRE, ? + | { } ( ) are literal and their backslashed forms are the
// operators.
func basicToExtended(bre string) string {
	var b strings.Builder
	inBracket := false
	for i := 0; i < len(bre); i++ {
		c := bre[i]
		switch {
		case inBracket:
			b.WriteByte(c)
			if c == ']' {
				inBracket = false
			}
		case c == '[':
			inBracket = true
			b.WriteByte(c)
			// A ] right after [ or [^ is literal.
			if i+1 < len(bre) && bre[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(bre) && bre[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '\\' && i+1 < len(bre):
			i++
			if strings.IndexByte("?+|{}()", bre[i]) >= 0 {
				b.WriteByte(bre[i])
			} else {
				b.WriteByte('\\')
				b.WriteByte(bre[i])
			}
		case strings.IndexByte("?+|{}()", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '*' && (i == 0 || bre[i-1] == '^' && i == 1):
			b.WriteString(`\*`) // a leading * is literal
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// search greps one input, reporting whether any line was selected.
func (g *grepOptions) search(r io.Reader, name string, re *regexp.Regexp, out output) (bool, error) {
	if name == "-" {
		name = "(standard input)"
	}
	var selected, lineNo int64
	err := eachLine(r, out, func(line []byte) error {
		lineNo++
		text := chomp(line)
		if re.Match(text) == g.invert {
			return nil
		}
		selected++
		switch {
		case g.quiet, g.listFiles, g.listNonMatching:
			return errStop
		case g.count:
		case g.onlyMatching && !g.invert:
			for _, m := range re.FindAll(text, -1) {
				g.prefix(out, name, lineNo)
				out.Write(m)
				out.WriteByte('\n')
			}
		default:
			g.prefix(out, name, lineNo)
			out.Write(text)
			out.WriteByte('\n')
		}
		if selected == g.maxCount {
			return errStop
		}
		return nil
	})
	switch {
	case g.quiet:
	case g.listFiles && selected > 0, g.listNonMatching && selected == 0:
		fmt.Fprintln(out, name)
	case g.count:
		if g.withName {
			fmt.Fprintf(out, "%s:", name)
		}
		fmt.Fprintln(out, selected)
	}
	return selected > 0, err
}

// prefix writes the file name and line number before a selected line.
func (g *grepOptions) prefix(out output, name string, lineNo int64) {
	if g.withName {
		out.WriteString(name)
		out.WriteByte(':')
	}
	if g.number {
		out.WriteString(strconv.FormatInt(lineNo, 10))
		out.WriteByte(':')
	}
}

// walkFiles expands directories among names into the files below them,
// for grep -r.
func (p *proc) walkFiles(names []string) []string {
	var files []string
	for _, name := range names {
		root := p.path(name)
		fi, err := os.Stat(root)
		if err != nil || !fi.IsDir() {
			files = append(files, name)
			continue
		}
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, path)
				files = append(files, filepath.Join(name, rel))
			}
			return nil
		})
	}
	return files
}
