package shell

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/interp"
)

var sortTool = &tool{
	name:  "sort",
	usage: []string{"sort [OPTION]... [FILE]..."},
	about: "Write sorted concatenation of all FILE(s) to standard output.\nStrings compare byte by byte, as in the C locale.",
	opts: []option{
		{short: 'b', long: "ignore-leading-blanks", help: "ignore leading blanks"},
		{short: 'f', long: "ignore-case", help: "fold lower case to upper case characters"},
		{short: 'g', long: "general-numeric-sort", help: "compare according to general numerical value"},
		{short: 'h', long: "human-numeric-sort", help: "compare human readable numbers (e.g., 2K 1G)"},
		{short: 'k', long: "key", arg: needArg, argName: "KEYDEF", help: "sort via a key; KEYDEF gives location and type"},
		{short: 'n', long: "numeric-sort", help: "compare according to string numerical value"},
		{short: 'o', long: "output", arg: needArg, argName: "FILE", help: "write result to FILE instead of standard output"},
		{short: 'r', long: "reverse", help: "reverse the result of comparisons"},
		{short: 's', long: "stable", help: "stabilize sort by disabling last-resort comparison"},
		{short: 't', long: "field-separator", arg: needArg, argName: "SEP", help: "use SEP instead of non-blank to blank transition"},
		{short: 'u', long: "unique", help: "output only the first of an equal run"},
	},
	status: 2,
}

// sortKey is one -k KEYDEF.
type sortKey struct {
	startField, startChar, endField, endChar int // endField 0: end of line
	flags                                    string
	bStart, bEnd                             bool
}

type sorter struct {
	keys   []sortKey
	tab    string
	global string // the global ordering flags: bfghnr
	stable bool
}

func (s *Shell) sort(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := sortTool.parse(hc, args)
	if done {
		return code
	}
	st := &sorter{stable: o.has("s") || o.has("u")}
	for _, f := range "bfghnr" {
		if o.has(string(f)) {
			st.global += string(f)
		}
	}
	if o.has("t") {
		st.tab = o.value("t")
		if len(st.tab) != 1 {
			fmt.Fprintf(hc.Stderr, "sort: multi-character tab '%s'\n", st.tab)
			return 2
		}
	}
	for _, k := range o.values("k") {
		key, err := parseSortKey(k)
		if err != nil {
			fmt.Fprintf(hc.Stderr, "sort: %s\n", err)
			return 2
		}
		st.keys = append(st.keys, key)
	}
	var lines []string
	code = s.inputs(hc, "sort", fileErrs{open: "cannot read: %s: %s", read: "read failed: %s: %s"}, o.args, func(_ string, r io.Reader) bool {
		lines = append(lines, readLines(r)...)
		return true
	})
	if code != 0 {
		return 2
	}
	sort.SliceStable(lines, func(i, j int) bool { return st.compare(lines[i], lines[j]) < 0 })
	var b strings.Builder
	for i, l := range lines {
		if o.has("u") && i > 0 && st.compareKeys(lines[i-1], l) == 0 {
			continue
		}
		b.WriteString(l + "\n")
	}
	if o.has("o") {
		if err := s.writeFile(fsPath(abs(hc.Dir, o.value("o"))), []byte(b.String()), 0o644); err != nil {
			fmt.Fprintf(hc.Stderr, "sort: open failed: %s: %s\n", o.value("o"), errText(err))
			return 2
		}
		return 0
	}
	io.WriteString(hc.Stdout, b.String())
	return 0
}

// parseSortKey reads F[.C][OPTS][,F[.C][OPTS]].
func parseSortKey(spec string) (sortKey, error) {
	var k sortKey
	start, end, hasEnd := strings.Cut(spec, ",")
	var err error
	var flags string
	if k.startField, k.startChar, flags, err = parseSortPos(start, spec, true); err != nil {
		return k, err
	}
	k.flags, k.bStart = strings.ReplaceAll(flags, "b", ""), strings.Contains(flags, "b")
	if hasEnd {
		if k.endField, k.endChar, flags, err = parseSortPos(end, spec, false); err != nil {
			return k, err
		}
		k.flags += strings.ReplaceAll(flags, "b", "")
		k.bEnd = strings.Contains(flags, "b")
	}
	return k, nil
}

func parseSortPos(pos, spec string, isStart bool) (field, char int, flags string, err error) {
	i := 0
	for i < len(pos) && pos[i] >= '0' && pos[i] <= '9' {
		i++
	}
	field, _ = strconv.Atoi(pos[:i])
	switch {
	case i == 0:
		return 0, 0, "", fmt.Errorf("invalid number at field start: invalid count at start of '%s'", pos)
	case field == 0:
		return 0, 0, "", fmt.Errorf("field number is zero: invalid field specification '%s'", spec)
	}
	rest := pos[i:]
	if strings.HasPrefix(rest, ".") {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		char, _ = strconv.Atoi(rest[1:j])
		if char == 0 && isStart {
			return 0, 0, "", fmt.Errorf("character offset is zero: invalid field specification '%s'", spec)
		}
		rest = rest[j:]
	}
	if strings.Trim(rest, "bdfgiMhnRrV") != "" {
		return 0, 0, "", fmt.Errorf("stray character in field spec: invalid field specification '%s'", spec)
	}
	return field, char, rest, nil
}

func (st *sorter) compare(a, b string) int {
	if c := st.compareKeys(a, b); c != 0 || st.stable {
		return c
	}
	c := strings.Compare(a, b)
	if strings.Contains(st.global, "r") {
		return -c
	}
	return c
}

func (st *sorter) compareKeys(a, b string) int {
	if len(st.keys) == 0 {
		return compareAs(st.global, strings.Contains(st.global, "b"), a, b)
	}
	for _, k := range st.keys {
		flags := k.flags
		if flags == "" {
			flags = st.global
		}
		ka, kb := st.extract(a, k), st.extract(b, k)
		if c := compareAs(flags, false, ka, kb); c != 0 {
			return c
		}
	}
	return 0
}

// extract returns the part of line a key covers.
func (st *sorter) extract(line string, k sortKey) string {
	fields := st.fieldStarts(line)
	pos := func(field, char int, blanks, isEnd bool) int {
		if field > len(fields) {
			return len(line)
		}
		start, end := fields[field-1][0], fields[field-1][1]
		if blanks || !isEnd && strings.Contains(st.global, "b") && k.flags == "" {
			for start < end && (line[start] == ' ' || line[start] == '\t') {
				start++
			}
		}
		if isEnd && char == 0 {
			return end
		}
		return min(start+max(char-1, 0)+boolInt(isEnd), end)
	}
	from := pos(k.startField, max(k.startChar, 1), k.bStart, false)
	to := len(line)
	if k.endField > 0 {
		to = pos(k.endField, k.endChar, k.bEnd, true)
	}
	if to < from {
		return ""
	}
	return line[from:to]
}

// fieldStarts splits a line into fields: at each -t separator, or where
// blanks start (the blanks belong to the field after them).
func (st *sorter) fieldStarts(line string) [][2]int {
	var fields [][2]int
	if st.tab != "" {
		start := 0
		for {
			i := strings.Index(line[start:], st.tab)
			if i < 0 {
				return append(fields, [2]int{start, len(line)})
			}
			fields = append(fields, [2]int{start, start + i})
			start += i + 1
		}
	}
	i := 0
	for i < len(line) {
		start := i
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		fields = append(fields, [2]int{start, i})
	}
	return fields
}

// compareAs compares two keys as the flags say (n, g, h, f, r, b).
func compareAs(flags string, blanks bool, a, b string) int {
	if blanks || strings.Contains(flags, "b") {
		a, b = strings.TrimLeft(a, " \t"), strings.TrimLeft(b, " \t")
	}
	var c int
	switch {
	case strings.Contains(flags, "n"):
		c = compareFloat(leadingNumber(a), leadingNumber(b))
	case strings.Contains(flags, "g"):
		c = compareFloat(generalNumber(a), generalNumber(b))
	case strings.Contains(flags, "h"):
		c = compareHuman(a, b)
	case strings.Contains(flags, "f"):
		c = strings.Compare(strings.ToUpper(a), strings.ToUpper(b))
	default:
		c = strings.Compare(a, b)
	}
	if strings.Contains(flags, "r") {
		return -c
	}
	return c
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// leadingNumber is sort -n's value of a key: an optional minus sign,
// digits and a decimal point after leading blanks; anything else is 0.
func leadingNumber(s string) float64 {
	s = strings.TrimLeft(s, " \t")
	end := 0
	if end < len(s) && s[end] == '-' {
		end++
	}
	dot := false
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' && !dot) {
		dot = dot || s[end] == '.'
		end++
	}
	f, _ := strconv.ParseFloat(s[:end], 64)
	return f
}

// generalNumber is sort -g's value: the longest prefix that is a float.
func generalNumber(s string) float64 {
	s = strings.TrimSpace(s)
	for end := len(s); end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return 0
}

// compareHuman orders 2K before 1M: by the suffix's power, then the number.
func compareHuman(a, b string) int {
	pa, pb := humanPower(a), humanPower(b)
	if pa != pb {
		return pa - pb
	}
	return compareFloat(leadingNumber(a), leadingNumber(b))
}

func humanPower(s string) int {
	s = strings.TrimLeft(s, " \t-")
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	if i == len(s) {
		return 0
	}
	p := strings.IndexByte("KMGTPEZYRQ", s[i])
	if s[i] == 'k' {
		p = 0
	}
	sign := 1
	if strings.HasPrefix(strings.TrimLeft(s, " \t"), "-") {
		sign = -1
	}
	return sign * (p + 1)
}

var uniqTool = &tool{
	name:  "uniq",
	usage: []string{"uniq [OPTION]... [INPUT [OUTPUT]]"},
	about: "Filter adjacent matching lines from INPUT (or standard input),\nwriting to OUTPUT (or standard output).",
	opts: []option{
		{short: 'c', long: "count", help: "prefix lines by the number of occurrences"},
		{short: 'd', long: "repeated", help: "only print duplicate lines, one for each group"},
		{short: 'f', long: "skip-fields", arg: needArg, argName: "N", help: "avoid comparing the first N fields"},
		{short: 'i', long: "ignore-case", help: "ignore differences in case when comparing"},
		{short: 's', long: "skip-chars", arg: needArg, argName: "N", help: "avoid comparing the first N characters"},
		{short: 'u', long: "unique", help: "only print unique lines"},
		{short: 'w', long: "check-chars", arg: needArg, argName: "N", help: "compare no more than N characters in lines"},
	},
	status: 1,
}

func (s *Shell) uniq(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := uniqTool.parse(hc, args)
	if done {
		return code
	}
	if len(o.args) > 2 {
		return uniqTool.usageError(hc.Stderr, "extra operand '%s'", o.args[2])
	}
	nums := map[string]int{"f": 0, "s": 0, "w": -1}
	for _, k := range [][2]string{{"f", "number of fields to skip"}, {"s", "number of bytes to skip"}, {"w", "number of bytes to compare"}} {
		if o.has(k[0]) {
			n, err := strconv.Atoi(o.value(k[0]))
			if err != nil || n < 0 {
				fmt.Fprintf(hc.Stderr, "uniq: %s: invalid %s\n", o.value(k[0]), k[1])
				return 1
			}
			nums[k[0]] = n
		}
	}
	key := func(l string) string {
		for i := 0; i < nums["f"]; i++ {
			l = strings.TrimLeft(l, " \t")
			if j := strings.IndexAny(l, " \t"); j >= 0 {
				l = l[j:]
			} else {
				l = ""
			}
		}
		l = l[min(nums["s"], len(l)):]
		if w := nums["w"]; w >= 0 && w < len(l) {
			l = l[:w]
		}
		if o.has("i") {
			l = strings.ToLower(l)
		}
		return l
	}
	in := o.args
	if len(in) > 1 {
		in = in[:1]
	}
	var b strings.Builder
	emit := func(l string, n int) {
		if o.has("d") && n < 2 || o.has("u") && n > 1 {
			return
		}
		if o.has("c") {
			fmt.Fprintf(&b, "%7d ", n)
		}
		b.WriteString(l + "\n")
	}
	code = s.inputs(hc, "uniq", plainErrs, in, func(_ string, r io.Reader) bool {
		lines := readLines(r)
		for i := 0; i < len(lines); {
			j := i + 1
			for j < len(lines) && key(lines[j]) == key(lines[i]) {
				j++
			}
			emit(lines[i], j-i)
			i = j
		}
		return true
	})
	if len(o.args) == 2 {
		if err := s.writeFile(fsPath(abs(hc.Dir, o.args[1])), []byte(b.String()), 0o644); err != nil {
			fmt.Fprintf(hc.Stderr, "uniq: %s: %s\n", o.args[1], errText(err))
			return 1
		}
		return code
	}
	io.WriteString(hc.Stdout, b.String())
	return code
}
