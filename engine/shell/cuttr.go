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

var cutTool = &tool{
	name:  "cut",
	usage: []string{"cut OPTION... [FILE]..."},
	about: "Print selected parts of lines from each FILE to standard output.\nLIST is ranges separated by commas: N, N-, N-M or -M. -c counts bytes, as GNU cut does.",
	opts: []option{
		{short: 'b', long: "bytes", arg: needArg, argName: "LIST", help: "select only these bytes"},
		{short: 'c', long: "characters", arg: needArg, argName: "LIST", help: "select only these characters"},
		{short: 'd', long: "delimiter", arg: needArg, argName: "DELIM", help: "use DELIM instead of TAB for field delimiter"},
		{short: 'f', long: "fields", arg: needArg, argName: "LIST", help: "select only these fields; also print any line without a delimiter, unless -s"},
		{short: 'n', help: "(ignored)"},
		{long: "complement", help: "complement the set of selected bytes, characters or fields"},
		{short: 's', long: "only-delimited", help: "do not print lines not containing delimiters"},
		{long: "output-delimiter", arg: needArg, argName: "STRING", help: "use STRING as the output delimiter"},
	},
	status: 1,
}

// cutRange is an inclusive range of positions; hi 0 is "to the end".
type cutRange struct{ lo, hi int }

type cutList []cutRange

func (l cutList) has(i int) bool {
	for _, r := range l {
		if i >= r.lo && (r.hi == 0 || i <= r.hi) {
			return true
		}
	}
	return false
}

func parseCutList(spec string, fields bool) (cutList, error) {
	what, zero := "byte/character position", "byte/character positions are numbered from 1"
	if fields {
		what, zero = "field value", "fields are numbered from 1"
	}
	var list cutList
	for _, part := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		r := cutRange{lo: 1}
		var err error
		if lo != "" {
			if r.lo, err = strconv.Atoi(lo); err != nil || r.lo < 0 {
				return nil, fmt.Errorf("invalid %s '%s'", what, part)
			}
		}
		switch {
		case !isRange:
			r.hi = r.lo
		case hi != "":
			if r.hi, err = strconv.Atoi(hi); err != nil || r.hi < 0 {
				return nil, fmt.Errorf("invalid %s '%s'", what, part)
			}
		case lo == "":
			return nil, fmt.Errorf("invalid range with no endpoint: -")
		}
		switch {
		case r.lo == 0 || isRange && hi != "" && r.hi == 0:
			return nil, fmt.Errorf("%s", zero)
		case r.hi != 0 && r.hi < r.lo:
			return nil, fmt.Errorf("invalid decreasing range")
		}
		list = append(list, r)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].lo < list[j].lo })
	return list, nil
}

func (s *Shell) cut(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := cutTool.parse(hc, args)
	if done {
		return code
	}
	kinds := 0
	for _, k := range []string{"b", "c", "f"} {
		if o.has(k) {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		return cutTool.usageError(hc.Stderr, "you must specify a list of bytes, characters, or fields")
	case kinds > 1:
		return cutTool.usageError(hc.Stderr, "only one list may be specified")
	case o.has("d") && !o.has("f"):
		return cutTool.usageError(hc.Stderr, "an input delimiter may be specified only when operating on fields")
	case o.has("s") && !o.has("f"):
		return cutTool.usageError(hc.Stderr, "suppressing non-delimited lines makes sense\n\tonly when operating on fields")
	case o.has("d") && len(o.value("d")) > 1:
		return cutTool.usageError(hc.Stderr, "the delimiter must be a single character")
	}
	key := o.last("b", "c", "f")
	list, err := parseCutList(o.value(key), key == "f")
	if err != nil {
		return cutTool.usageError(hc.Stderr, "%s", err)
	}
	delim := "\t"
	if o.has("d") {
		delim = o.value("d")
		if delim == "" {
			delim = "\x00"
		}
	}
	outDelim := delim
	if key != "f" {
		outDelim = ""
	}
	if o.has("output-delimiter") {
		outDelim = o.value("output-delimiter")
	}
	c := o.has("complement")
	out := &errWriter{w: hc.Stdout}
	return s.inputs(hc, "cut", plainErrs, o.args, func(_ string, r io.Reader) bool {
		lr := newLineReader(r)
		for out.err == nil {
			l, _, ok := lr.next()
			if !ok {
				break
			}
			if key == "f" {
				if !strings.Contains(l, delim) {
					if !o.has("s") {
						out.printf("%s\n", l)
					}
					continue
				}
				out.printf("%s\n", strings.Join(pick(strings.Split(l, delim), list, c), outDelim))
				continue
			}
			out.printf("%s\n", cutBytes(l, list, c, outDelim, o.has("output-delimiter")))
		}
		return out.err == nil
	})
}

// pick keeps the items whose 1-based position the list selects (or,
// complemented, does not).
func pick(items []string, list cutList, complement bool) []string {
	var kept []string
	for i, it := range items {
		if list.has(i+1) != complement {
			kept = append(kept, it)
		}
	}
	return kept
}

// cutBytes keeps the selected bytes; with an output delimiter, each run
// of adjacent selected bytes is one piece.
func cutBytes(l string, list cutList, complement bool, outDelim string, delimit bool) string {
	var b strings.Builder
	prev := -2
	for i := 0; i < len(l); i++ {
		if list.has(i+1) == complement {
			continue
		}
		if delimit && prev >= 0 && prev != i-1 {
			b.WriteString(outDelim)
		}
		b.WriteByte(l[i])
		prev = i
	}
	return b.String()
}

var trTool = &tool{
	name:  "tr",
	usage: []string{"tr [OPTION]... STRING1 [STRING2]"},
	about: "Translate, squeeze, and/or delete characters from standard input,\nwriting to standard output. STRING1 and STRING2 are sets: CHAR, \\n \\t \\\\ \\NNN,\nCHAR1-CHAR2, [CHAR*], [CHAR*REPEAT], [:alnum:] [:alpha:] [:blank:] [:cntrl:]\n[:digit:] [:graph:] [:lower:] [:print:] [:punct:] [:space:] [:upper:] [:xdigit:].",
	opts: []option{
		{short: 'c', long: "complement", help: "use the complement of STRING1"},
		{short: 'C', same: "c", help: "same as -c"},
		{short: 'd', long: "delete", help: "delete characters in STRING1, do not translate"},
		{short: 's', long: "squeeze-repeats", help: "replace each sequence of a repeated character that is listed in the last specified SET, with a single occurrence of that character"},
		{short: 't', long: "truncate-set1", help: "first truncate STRING1 to length of STRING2"},
	},
	status: 1,
}

func (s *Shell) tr(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := trTool.parse(hc, args)
	if done {
		return code
	}
	del, squeeze, n := o.has("d"), o.has("s"), len(o.args)
	switch {
	case n == 0:
		return trTool.usageError(hc.Stderr, "missing operand")
	case del && !squeeze && n > 1:
		return trTool.usageError(hc.Stderr, "extra operand '%s'\nOnly one string may be given when deleting without squeezing repeats.", o.args[1])
	case del && squeeze && n < 2:
		return trTool.usageError(hc.Stderr, "missing operand after '%s'\nTwo strings must be given when both deleting and squeezing repeats.", o.args[0])
	case !del && !squeeze && n < 2:
		return trTool.usageError(hc.Stderr, "missing operand after '%s'\nTwo strings must be given when translating.", o.args[0])
	case n > 2:
		return trTool.usageError(hc.Stderr, "extra operand '%s'", o.args[2])
	}
	set1, err := expandSet(o.args[0])
	if err != nil {
		fmt.Fprintf(hc.Stderr, "tr: %s\n", err)
		return 1
	}
	if o.has("c") {
		set1 = complementSet(set1)
	}
	var set2 []byte
	if len(o.args) > 1 {
		if set2, err = expandSet(o.args[1]); err != nil {
			fmt.Fprintf(hc.Stderr, "tr: %s\n", err)
			return 1
		}
	}
	t := newTranslator(set1, set2, del, squeeze, o.has("t"), n > 1)
	if t.err != "" {
		fmt.Fprintf(hc.Stderr, "tr: %s\n", t.err)
		return 1
	}
	if hc.Stdin != nil {
		data, _ := io.ReadAll(hc.Stdin)
		hc.Stdout.Write(t.apply(data))
	}
	return 0
}

// translator is tr's work as tables over bytes.
type translator struct {
	mapping    [256]int // -1: delete; else the output byte
	squeezeSet [256]bool
	squeeze    bool
	err        string
}

func newTranslator(set1, set2 []byte, del, squeeze, truncate, two bool) *translator {
	t := &translator{squeeze: squeeze}
	for i := range t.mapping {
		t.mapping[i] = i
	}
	switch {
	case del:
		for _, c := range set1 {
			t.mapping[c] = -1
		}
		if squeeze {
			markAll(&t.squeezeSet, set2)
		}
	case two:
		if len(set2) == 0 && len(set1) > 0 {
			t.err = "when not truncating set1, string2 must be non-empty"
			return t
		}
		if truncate && len(set1) > len(set2) {
			set1 = set1[:len(set2)]
		}
		for i, c := range set1 {
			t.mapping[c] = int(set2[min(i, len(set2)-1)])
		}
		if squeeze {
			markAll(&t.squeezeSet, set2)
		}
	default:
		markAll(&t.squeezeSet, set1)
	}
	return t
}

func markAll(set *[256]bool, chars []byte) {
	for _, c := range chars {
		set[c] = true
	}
}

func (t *translator) apply(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for _, c := range data {
		m := t.mapping[c]
		if m < 0 {
			continue
		}
		if t.squeeze && t.squeezeSet[m] && len(out) > 0 && out[len(out)-1] == byte(m) {
			continue
		}
		out = append(out, byte(m))
	}
	return out
}

func complementSet(set []byte) []byte {
	var in [256]bool
	markAll(&in, set)
	var out []byte
	for c := 0; c < 256; c++ {
		if !in[c] {
			out = append(out, byte(c))
		}
	}
	return out
}

var trClasses = map[string]func(c byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c byte) bool { return c < 32 || c == 127 },
	"digit":  isDigit,
	"graph":  func(c byte) bool { return c > 32 && c < 127 },
	"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
	"print":  func(c byte) bool { return c >= 32 && c < 127 },
	"punct":  func(c byte) bool { return c > 32 && c < 127 && !isAlpha(c) && !isDigit(c) },
	"space":  func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' },
	"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
	"xdigit": func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' },
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// expandSet expands a tr set into its bytes, in order.
func expandSet(spec string) ([]byte, error) {
	var out []byte
	raw := []byte(spec)
	for i := 0; i < len(raw); {
		if raw[i] == '[' {
			if n, chars, ok, err := setBracket(raw[i:]); ok || err != nil {
				if err != nil {
					return nil, err
				}
				out = append(out, chars...)
				i += n
				continue
			}
		}
		c, n := setChar(raw[i:])
		if i+n+1 < len(raw) && raw[i+n] == '-' {
			hi, m := setChar(raw[i+n+1:])
			if hi < c {
				return nil, fmt.Errorf("range-endpoints of '%s' are in reverse collating sequence order", string(raw[i:i+n+1+m]))
			}
			for x := int(c); x <= int(hi); x++ {
				out = append(out, byte(x))
			}
			i += n + 1 + m
			continue
		}
		out = append(out, c)
		i += n
	}
	return out, nil
}

// setBracket expands [:class:], [=c=], [c*n] and [c*] at the start of s.
func setBracket(s []byte) (int, []byte, bool, error) {
	str := string(s)
	if strings.HasPrefix(str, "[:") {
		end := strings.Index(str, ":]")
		if end < 0 {
			return 0, nil, false, nil
		}
		name := str[2:end]
		f, ok := trClasses[name]
		if !ok {
			return 0, nil, false, fmt.Errorf("invalid character class '%s'", name)
		}
		var chars []byte
		for c := 0; c < 256; c++ {
			if f(byte(c)) {
				chars = append(chars, byte(c))
			}
		}
		return end + 2, chars, true, nil
	}
	if strings.HasPrefix(str, "[=") && len(str) >= 5 && str[3:5] == "=]" {
		return 5, []byte{s[2]}, true, nil
	}
	c, n := setChar(s[1:])
	if 1+n < len(s) && s[1+n] == '*' {
		end := strings.IndexByte(str[2+n:], ']')
		if end < 0 {
			return 0, nil, false, nil
		}
		count := 0
		if digits := str[2+n : 2+n+end]; digits != "" {
			base := 10
			if digits[0] == '0' {
				base = 8
			}
			v, err := strconv.ParseInt(digits, base, 32)
			if err != nil {
				return 0, nil, false, fmt.Errorf("invalid repeat count '%s' in [c*n] construct", digits)
			}
			count = int(v)
		}
		if count == 0 {
			count = 256 // fill: long enough for any set1
		}
		return 2 + n + end + 1, []byte(strings.Repeat(string(c), count)), true, nil
	}
	return 0, nil, false, nil
}

// setChar reads one character of a set, an escape or a plain byte.
func setChar(s []byte) (byte, int) {
	if s[0] != '\\' || len(s) == 1 {
		return s[0], 1
	}
	switch c := s[1]; c {
	case 'a':
		return 7, 2
	case 'b':
		return 8, 2
	case 'f':
		return 12, 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'v':
		return 11, 2
	default:
		if c >= '0' && c <= '7' {
			v, n := 0, 1
			for n < 4 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
				v = v*8 + int(s[n]-'0')
				n++
			}
			return byte(v), n
		}
		return c, 2
	}
}
