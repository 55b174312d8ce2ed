package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// sortKey is a -k field range, 1-based; end 0 means to the end of line.
type sortKey struct{ start, end int }

// sortOptions are sort's flags once parsed.
type sortOptions struct {
	numeric, reverse, unique, fold, stable bool
	sep                                    string // -t; "" means runs of blanks
	key                                    *sortKey
}

// sortMain sorts lines bytewise (the C locale's order); -n compares the
// numbers the lines (or -k keys) start with, -r reverses, -u keeps one of
// each run of equal keys. Ties fall back to the whole line, as in POSIX
// sort, unless -s.
func sortMain(p *proc) int {
	o, err := getopt(p.args[1:], "nrufsbdk:t:o:")
	if err != nil {
		return p.usageError("%v", err)
	}
	s := sortOptions{numeric: o.has('n'), reverse: o.has('r'), unique: o.has('u'),
		fold: o.has('f'), stable: o.has('s'), sep: o.value('t')}
	if k := o.value('k'); k != "" {
		key, err := parseSortKey(k)
		if err != nil {
			p.errorf("%v", err)
			return 1
		}
		s.key = &key
	}
	var lines [][]byte
	status := p.eachInput(o.args, func(_ string, r io.Reader) error {
		data, err := io.ReadAll(r)
		if len(data) > 0 {
			lines = append(lines, bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))...)
		}
		return err
	})
	slices.SortStableFunc(lines, s.compare)
	if s.unique {
		lines = slices.CompactFunc(lines, func(a, b []byte) bool { return s.compareKeys(a, b) == 0 })
	}
	w := p.stdout
	if name := o.value('o'); name != "" {
		f, err := os.Create(p.path(name))
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			return 1
		}
		defer f.Close()
		w = f
	}
	out := newOutput(w)
	defer out.Flush()
	for _, line := range lines {
		out.Write(line)
		out.WriteByte('\n')
	}
	return status
}

// parseSortKey reads -k's POS1[,POS2], ignoring character offsets and
// per-key flags beyond the field numbers.
func parseSortKey(s string) (sortKey, error) {
	field := func(s string) (int, error) {
		s, _, _ = strings.Cut(s, ".")
		s = strings.TrimRight(s, "bdfginrMR")
		return strconv.Atoi(s)
	}
	a, b, hasEnd := strings.Cut(s, ",")
	start, err := field(a)
	if err != nil || start < 1 {
		return sortKey{}, fmt.Errorf("invalid key '%s'", s)
	}
	key := sortKey{start: start}
	if hasEnd {
		if key.end, err = field(b); err != nil {
			return sortKey{}, fmt.Errorf("invalid key '%s'", s)
		}
	}
	return key, nil
}

// compare orders two lines: by key, then by the whole line.
func (s *sortOptions) compare(a, b []byte) int {
	c := s.compareKeys(a, b)
	if c == 0 && !s.stable && !s.unique {
		c = bytes.Compare(a, b)
		if s.reverse {
			c = -c
		}
	}
	return c
}

// compareKeys orders two lines by their keys alone.
func (s *sortOptions) compareKeys(a, b []byte) int {
	ka, kb := s.keyOf(a), s.keyOf(b)
	var c int
	switch {
	case s.numeric:
		c = compareFloat(leadingNumber(ka), leadingNumber(kb))
	case s.fold:
		c = bytes.Compare(bytes.ToUpper(ka), bytes.ToUpper(kb))
	default:
		c = bytes.Compare(ka, kb)
	}
	if s.reverse {
		c = -c
	}
	return c
}

// keyOf extracts the -k fields of a line.
func (s *sortOptions) keyOf(line []byte) []byte {
	if s.key == nil {
		return line
	}
	starts, ends := fieldBounds(line, s.sep)
	if s.key.start > len(starts) {
		return nil
	}
	from := starts[s.key.start-1]
	to := len(line)
	if s.key.end > 0 && s.key.end <= len(ends) {
		to = ends[s.key.end-1]
	}
	if to < from {
		return nil
	}
	return line[from:to]
}

// fieldBounds finds where fields start and end: at each sep, or (with no
// -t) at each run of blanks, which belong to the following field as in
// POSIX sort.
func fieldBounds(line []byte, sep string) (starts, ends []int) {
	if sep != "" {
		start := 0
		for {
			i := bytes.Index(line[start:], []byte(sep))
			starts = append(starts, start)
			if i < 0 {
				return starts, append(ends, len(line))
			}
			ends = append(ends, start+i)
			start += i + len(sep)
		}
	}
	i := 0
	for i < len(line) {
		starts = append(starts, i)
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		ends = append(ends, i)
	}
	return starts, ends
}

// leadingNumber is the number a string starts with (after blanks), or 0.
func leadingNumber(s []byte) float64 {
	s = bytes.TrimLeft(s, " \t")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	for end > 0 {
		if v, err := strconv.ParseFloat(string(s[:end]), 64); err == nil {
			return v
		}
		end--
	}
	return 0
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

// uniqMain drops repeated adjacent lines; -c counts them, -d prints only
// repeated ones, -u only unique ones, -i ignores case.
func uniqMain(p *proc) int {
	o, err := getopt(p.args[1:], "cdui")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) > 2 {
		return p.usageError("extra operand '%s'", o.args[2])
	}
	in := "-"
	if len(o.args) > 0 {
		in = o.args[0]
	}
	w := p.stdout
	if len(o.args) == 2 && o.args[1] != "-" {
		f, err := os.Create(p.path(o.args[1]))
		if err != nil {
			p.errorf("%s: %s", o.args[1], errText(err))
			return 1
		}
		defer f.Close()
		w = f
	}
	out := newOutput(w)
	defer out.Flush()
	var prev []byte
	count := 0
	emit := func() {
		if count == 0 || (o.has('d') && count == 1) || (o.has('u') && count > 1) {
			return
		}
		if o.has('c') {
			fmt.Fprintf(out, "%7d ", count)
		}
		out.Write(prev)
		out.WriteByte('\n')
	}
	same := func(a, b []byte) bool {
		if o.has('i') {
			return bytes.EqualFold(a, b)
		}
		return bytes.Equal(a, b)
	}
	return p.eachInput([]string{in}, func(_ string, r io.Reader) error {
		err := eachLine(r, out, func(line []byte) error {
			line = chomp(line)
			if count > 0 && same(line, prev) {
				count++
				return nil
			}
			emit()
			prev, count = append(prev[:0], line...), 1
			return nil
		})
		emit()
		return err
	})
}
