package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// wcCounts are the columns of wc, in output order.
type wcCounts struct{ lines, words, bytes, maxLine int64 }

// wcMain counts lines, words and bytes (-l -w -c, all three by default;
// -L the longest line). Its layout is BusyBox's: columns of width 9 after
// the first, the name last; a single column of a single input prints the
// bare number, so `echo hi | wc -l` says 1 and `wc -l f` says "1 f".
func wcMain(p *proc) int {
	o, err := getopt(p.args[1:], "lwcmL")
	if err != nil {
		return p.usageError("%v", err)
	}
	show := []bool{o.has('l'), o.has('w'), o.has('c') || o.has('m'), o.has('L')}
	if !show[0] && !show[1] && !show[2] && !show[3] {
		show = []bool{true, true, true, false}
	}
	columns := 0
	for _, s := range show {
		if s {
			columns++
		}
	}
	var total wcCounts
	files := 0
	status := p.eachInput(o.args, func(name string, r io.Reader) error {
		c, err := wcCount(r)
		if err != nil {
			return err
		}
		files++
		total.lines += c.lines
		total.words += c.words
		total.bytes += c.bytes
		total.maxLine = max(total.maxLine, c.maxLine)
		p.wcPrint(c, show, name, len(o.args) <= 1 && columns == 1)
		return nil
	})
	if files > 1 {
		p.wcPrint(total, show, "total", false)
	}
	return status
}

// wcPrint prints one line of wc.
func (p *proc) wcPrint(c wcCounts, show []bool, name string, bare bool) {
	var b strings.Builder
	for i, v := range []int64{c.lines, c.words, c.bytes, c.maxLine} {
		if !show[i] {
			continue
		}
		switch {
		case bare:
			fmt.Fprintf(&b, "%d", v)
		case b.Len() == 0:
			fmt.Fprintf(&b, "%9d", v)
		default:
			fmt.Fprintf(&b, " %9d", v)
		}
	}
	if name != "-" {
		b.WriteString(" " + name)
	}
	fmt.Fprintln(p.stdout, b.String())
}

// wcCount counts one input.
func wcCount(r io.Reader) (wcCounts, error) {
	var c wcCounts
	buf := make([]byte, 32<<10)
	inWord := false
	var lineLen int64
	for {
		n, err := r.Read(buf)
		data := buf[:n]
		c.bytes += int64(n)
		for len(data) > 0 {
			ch, size := utf8.DecodeRune(data)
			data = data[size:]
			switch {
			case ch == '\n':
				c.lines++
				c.maxLine = max(c.maxLine, lineLen)
				lineLen = 0
			case ch == '\t':
				lineLen = lineLen | 7 + 1
			default:
				lineLen++
			}
			if unicode.IsSpace(ch) {
				inWord = false
			} else if !inWord {
				inWord = true
				c.words++
			}
		}
		if err == io.EOF {
			c.maxLine = max(c.maxLine, lineLen)
			return c, nil
		}
		if err != nil {
			return c, err
		}
	}
}
