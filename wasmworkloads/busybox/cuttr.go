package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// cutRange is a 1-based, inclusive range of a cut list; hi 0 is open.
type cutRange struct{ lo, hi int }

// cutMain prints selected fields (-f, split at -d, a tab by default) or
// characters/bytes (-c/-b) of each line. -s drops lines without a
// delimiter, which are otherwise printed whole.
func cutMain(p *proc) int {
	o, err := getopt(p.args[1:], "d:f:c:b:sn")
	if err != nil {
		return p.usageError("%v", err)
	}
	mode, list := byte(0), ""
	for _, m := range []byte{'f', 'c', 'b'} {
		if o.has(m) {
			if mode != 0 {
				p.errorf("only one type of list may be specified")
				return 1
			}
			mode, list = m, o.value(m)
		}
	}
	if mode == 0 {
		return p.usageError("expected a list of bytes, characters, or fields")
	}
	ranges, err := parseCutList(list)
	if err != nil {
		p.errorf("%v", err)
		return 1
	}
	delim := "\t"
	if o.has('d') {
		if delim = o.value('d'); len(delim) != 1 {
			p.errorf("the delimiter must be a single character")
			return 1
		}
	}
	out := newOutput(p.stdout)
	defer out.Flush()
	return p.eachInput(o.args, func(_ string, r io.Reader) error {
		return eachLine(r, out, func(line []byte) error {
			line = chomp(line)
			if mode != 'f' {
				out.Write(selectBytes(line, ranges))
				return out.WriteByte('\n')
			}
			if !bytes.Contains(line, []byte(delim)) {
				if !o.has('s') {
					out.Write(line)
					out.WriteByte('\n')
				}
				return nil
			}
			fields := bytes.Split(line, []byte(delim))
			first := true
			for i := range fields {
				if inRanges(i+1, ranges) {
					if !first {
						out.WriteString(delim)
					}
					out.Write(fields[i])
					first = false
				}
			}
			return out.WriteByte('\n')
		})
	})
}

// parseCutList reads a cut list: N, N-, -M and N-M, comma separated.
func parseCutList(list string) ([]cutRange, error) {
	var ranges []cutRange
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		var r cutRange
		var err error
		if lo == "" {
			r.lo = 1
		} else if r.lo, err = strconv.Atoi(lo); err != nil || r.lo < 1 {
			return nil, fmt.Errorf("invalid byte, character or field list")
		}
		switch {
		case !isRange:
			r.hi = r.lo
		case hi == "":
			r.hi = 0
		default:
			if r.hi, err = strconv.Atoi(hi); err != nil || r.hi < r.lo {
				return nil, fmt.Errorf("invalid byte, character or field list")
			}
		}
		ranges = append(ranges, r)
	}
	return ranges, nil
}

func inRanges(n int, ranges []cutRange) bool {
	for _, r := range ranges {
		if n >= r.lo && (r.hi == 0 || n <= r.hi) {
			return true
		}
	}
	return false
}

// selectBytes keeps the listed byte positions of a line (BusyBox's cut -c
// is bytewise too).
func selectBytes(line []byte, ranges []cutRange) []byte {
	var out []byte
	for i, c := range line {
		if inRanges(i+1, ranges) {
			out = append(out, c)
		}
	}
	return out
}

// trMain translates (SET1 to SET2), deletes (-d) or squeezes (-s) bytes
// of stdin; -c complements SET1. Sets take ranges (a-z), escapes (\n,
// \NNN) and classes ([:upper:] ...). As in BusyBox, tr works on bytes.
func trMain(p *proc) int {
	o, err := getopt(p.args[1:], "cCdst")
	if err != nil {
		return p.usageError("%v", err)
	}
	del, squeeze := o.has('d'), o.has('s')
	if len(o.args) == 0 || len(o.args) > 2 || (!del && !squeeze && len(o.args) != 2) {
		return p.usageError("wrong number of operands")
	}
	set1 := expandTrSet(o.args[0])
	if o.has('c') || o.has('C') {
		set1 = complementSet(set1)
	}
	var set2 []byte
	if len(o.args) == 2 {
		set2 = expandTrSet(o.args[1])
	}
	var mapping [256]int // -1: delete; otherwise the byte to write
	for i := range mapping {
		mapping[i] = i
	}
	var inSet1, squeezeSet [256]bool
	for _, c := range set1 {
		inSet1[c] = true
	}
	switch {
	case del:
		for _, c := range set1 {
			mapping[c] = -1
		}
		for _, c := range set2 {
			squeezeSet[c] = true // -ds: squeeze SET2
		}
	case len(set2) > 0:
		for i, c := range set1 {
			mapping[c] = int(set2[min(i, len(set2)-1)]) // SET2 is padded with its last byte
		}
		for _, c := range set2 {
			squeezeSet[c] = true
		}
	default:
		squeezeSet = inSet1 // -s SET1
	}

	out := newOutput(p.stdout)
	defer out.Flush()
	buf := make([]byte, 32<<10)
	in := p.stdinOrEmpty()
	last := -1
	for {
		n, err := in.Read(buf)
		for _, c := range buf[:n] {
			m := mapping[c]
			if m < 0 {
				continue
			}
			if squeeze && squeezeSet[m] && m == last {
				continue
			}
			out.WriteByte(byte(m))
			last = m
		}
		if err == io.EOF {
			return 0
		}
		if err != nil {
			p.errorf("read error: %s", errText(err))
			return 1
		}
		if err := out.Flush(); err != nil {
			return 1
		}
	}
}

// trClasses are the character classes tr knows.
var trClasses = map[string]func(c byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"digit":  isDigit,
	"lower":  func(c byte) bool { return 'a' <= c && c <= 'z' },
	"upper":  func(c byte) bool { return 'A' <= c && c <= 'Z' },
	"space":  func(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' },
	"punct":  func(c byte) bool { return c > ' ' && c < 0x7f && !isAlpha(c) && !isDigit(c) },
	"xdigit": func(c byte) bool { return isDigit(c) || 'a' <= lower(c) && lower(c) <= 'f' },
	"cntrl":  func(c byte) bool { return c < ' ' || c == 0x7f },
	"print":  func(c byte) bool { return c >= ' ' && c < 0x7f },
	"graph":  func(c byte) bool { return c > ' ' && c < 0x7f },
}

func isAlpha(c byte) bool { return 'a' <= lower(c) && lower(c) <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// expandTrSet turns a tr operand into the bytes it stands for, in order.
func expandTrSet(s string) []byte {
	var raw []byte // after escapes and classes, with ranges still to expand
	var isRangeDash []bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '[' && strings.HasPrefix(s[i:], "[:"):
			if end := strings.Index(s[i:], ":]"); end > 0 {
				if class, ok := trClasses[s[i+2:i+end]]; ok {
					for b := 0; b < 256; b++ {
						if class(byte(b)) {
							raw = append(raw, byte(b))
							isRangeDash = append(isRangeDash, false)
						}
					}
					i += end + 1
					continue
				}
			}
			raw = append(raw, c)
			isRangeDash = append(isRangeDash, false)
		case c == '\\' && i+1 < len(s):
			j := i + 2
			if s[i+1] >= '0' && s[i+1] <= '7' {
				for j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
			}
			u, _ := unescape(s[i:j], false)
			raw = append(raw, u...)
			for range u {
				isRangeDash = append(isRangeDash, false)
			}
			i = j - 1
		default:
			raw = append(raw, c)
			isRangeDash = append(isRangeDash, c == '-')
		}
	}
	var set []byte
	for i := 0; i < len(raw); i++ {
		if i+2 < len(raw) && isRangeDash[i+1] && raw[i] <= raw[i+2] {
			for c := int(raw[i]); c <= int(raw[i+2]); c++ {
				set = append(set, byte(c))
			}
			i += 2
			continue
		}
		set = append(set, raw[i])
	}
	return set
}

// complementSet is every byte not in set, in order.
func complementSet(set []byte) []byte {
	var in [256]bool
	for _, c := range set {
		in[c] = true
	}
	var out []byte
	for c := 0; c < 256; c++ {
		if !in[c] {
			out = append(out, byte(c))
		}
	}
	return out
}
