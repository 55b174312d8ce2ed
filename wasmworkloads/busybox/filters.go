package main

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// revMain prints each line with its characters reversed.
func revMain(p *proc) int {
	out := newOutput(p.stdout)
	defer out.Flush()
	return p.eachInput(p.args[1:], func(_ string, r io.Reader) error {
		return eachLine(r, out, func(line []byte) error {
			text := chomp(line)
			rev := make([]byte, 0, len(text))
			for len(text) > 0 {
				r, size := utf8.DecodeLastRune(text)
				if r == utf8.RuneError && size <= 1 {
					size = 1
				}
				rev = append(rev, text[len(text)-size:]...)
				text = text[:len(text)-size]
			}
			out.Write(rev)
			if len(chomp(line)) < len(line) {
				out.WriteByte('\n')
			}
			return nil
		})
	})
}

// teeMain copies standard input to standard output and to FILEs; -a
// appends. A file that cannot be opened is reported and skipped.
func teeMain(p *proc) int {
	o, err := getopt(p.args[1:], "ai")
	if err != nil {
		return p.usageError("%v", err)
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if o.has('a') {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	status := 0
	writers := []io.Writer{p.stdout}
	for _, name := range o.args {
		if dev, ok := openDevice(name, nil, p.stdout, p.stderr); ok {
			writers = append(writers, dev)
			continue
		}
		f, err := os.OpenFile(p.path(name), flag, 0o666)
		if err != nil {
			p.errorf("%s: %s", name, errText(err))
			status = 1
			continue
		}
		defer f.Close()
		writers = append(writers, f)
	}
	buf := make([]byte, 32<<10)
	in := p.stdinOrEmpty()
	for {
		n, err := in.Read(buf)
		for _, w := range writers {
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil && w == p.stdout && isBrokenPipe(werr) {
					return exitBrokenPipe
				}
			}
		}
		if err != nil {
			break
		}
	}
	return status
}

// base64Main encodes (wrapping lines at -w columns, 76 by default, 0 for
// none) or decodes with -d, ignoring newlines.
func base64Main(p *proc) int {
	o, err := getopt(p.args[1:], "dw:i")
	if err != nil {
		return p.usageError("%v", err)
	}
	if len(o.args) > 1 {
		return p.usageError("extra operand '%s'", o.args[1])
	}
	wrap := 76
	if w := o.value('w'); w != "" {
		n, _, err := countArg(w)
		if err != nil {
			p.errorf("%v", err)
			return 1
		}
		wrap = int(n)
	}
	return p.eachInput(o.args, func(_ string, r io.Reader) error {
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if o.has('d') {
			clean := bytes.Map(func(r rune) rune {
				if r == '\n' || r == '\r' || (o.has('i') && !strings.ContainsRune(base64Alphabet, r)) {
					return -1
				}
				return r
			}, data)
			// Like BusyBox, decode what decodes and stop quietly at
			// the first character that does not.
			dec, _ := base64.StdEncoding.DecodeString(string(clean))
			_, err := p.stdout.Write(dec)
			return err
		}
		enc := base64.StdEncoding.EncodeToString(data)
		var b strings.Builder
		for wrap > 0 && len(enc) > wrap {
			b.WriteString(enc[:wrap])
			b.WriteByte('\n')
			enc = enc[wrap:]
		}
		b.WriteString(enc)
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		_, err = io.WriteString(p.stdout, b.String())
		return err
	})
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

// hashes are the checksum applets' algorithms.
var hashes = map[string]func() hash.Hash{
	"md5sum":    md5.New,
	"sha1sum":   sha1.New,
	"sha256sum": sha256.New,
	"sha512sum": sha512.New,
}

// sumMain prints or (-c) checks checksums, in coreutils' "HASH  FILE"
// format, which BusyBox shares.
func sumMain(p *proc) int {
	o, err := getopt(p.args[1:], "bctsw")
	if err != nil {
		return p.usageError("%v", err)
	}
	newHash := hashes[p.name()]
	if o.has('c') {
		return p.checkSums(newHash, o)
	}
	return p.eachInput(o.args, func(name string, r io.Reader) error {
		h := newHash()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		_, err := fmt.Fprintf(p.stdout, "%x  %s\n", h.Sum(nil), name)
		return err
	})
}

// checkSums reads "HASH  FILE" lines and checks each file.
func (p *proc) checkSums(newHash func() hash.Hash, o options) int {
	failed, total := 0, 0
	status := p.eachInput(o.args, func(_ string, r io.Reader) error {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			sum, name, ok := strings.Cut(sc.Text(), "  ")
			if !ok {
				if sum, name, ok = strings.Cut(sc.Text(), " *"); !ok {
					continue
				}
			}
			total++
			f, err := p.open(name)
			got := ""
			if err == nil {
				h := newHash()
				io.Copy(h, f)
				f.Close()
				got = hex.EncodeToString(h.Sum(nil))
			} else {
				p.errorf("can't open '%s': %s", name, errText(err))
			}
			if got == strings.ToLower(sum) {
				if !o.has('s') {
					fmt.Fprintf(p.stdout, "%s: OK\n", name)
				}
				continue
			}
			failed++
			if !o.has('s') {
				fmt.Fprintf(p.stdout, "%s: FAILED\n", name)
			}
		}
		return sc.Err()
	})
	if failed > 0 {
		p.errorf("WARNING: %d of %d computed checksums did NOT match", failed, total)
		return 1
	}
	return status
}

// odMain dumps bytes: octal two-byte words by default, or -b (octal
// bytes), -c (characters), -d (unsigned decimal words), -x (hex words),
// with -A's address radix (o, d, x or n).
func odMain(p *proc) int {
	o, err := getopt(p.args[1:], "bcdoxvA:N:j:t:")
	if err != nil {
		return p.usageError("%v", err)
	}
	format := "o2"
	for _, f := range []byte{'b', 'c', 'd', 'x'} {
		if o.has(f) {
			format = map[byte]string{'b': "o1", 'c': "c", 'd': "u2", 'x': "x2"}[f]
		}
	}
	if t := o.value('t'); t != "" {
		format = strings.TrimSuffix(t, "z")
		if len(format) == 1 && format != "c" && format != "a" {
			format += "4"
		}
	}
	radix := "o"
	if a := o.value('A'); a != "" {
		radix = a
	}
	var data []byte
	status := p.eachInput(o.args, func(_ string, r io.Reader) error {
		b, err := io.ReadAll(r)
		data = append(data, b...)
		return err
	})
	d := odDump{out: newOutput(p.stdout), format: format, radix: radix}
	if err := d.dump(data); err != nil {
		p.errorf("%v", err)
		return 1
	}
	return status
}

// odDump formats od's lines of 16 bytes.
type odDump struct {
	out    output
	format string
	radix  string
}

func (d odDump) dump(data []byte) error {
	size, verb, width, err := odFormat(d.format)
	if err != nil {
		return err
	}
	defer d.out.Flush()
	for off := 0; off < len(data); off += 16 {
		line := data[off:min(off+16, len(data))]
		d.address(off)
		for i := 0; i < len(line); i += size {
			d.out.WriteString(odItem(line[i:min(i+size, len(line))], verb, width))
		}
		d.out.WriteByte('\n')
	}
	d.address(len(data))
	if d.radix != "n" {
		d.out.WriteByte('\n')
	}
	return nil
}

func (d odDump) address(off int) {
	switch d.radix {
	case "d":
		fmt.Fprintf(d.out, "%07d", off)
	case "x":
		fmt.Fprintf(d.out, "%06x", off)
	case "n":
	default:
		fmt.Fprintf(d.out, "%07o", off)
	}
}

// odFormat reads a -t type: its item size, verb and column width.
func odFormat(t string) (size int, verb byte, width int, err error) {
	if t == "c" || t == "a" {
		return 1, 'c', 4, nil
	}
	if len(t) < 2 {
		return 0, 0, 0, fmt.Errorf("invalid type string '%s'", t)
	}
	size = int(t[1] - '0')
	if size != 1 && size != 2 && size != 4 && size != 8 {
		return 0, 0, 0, fmt.Errorf("invalid type string '%s'", t)
	}
	digits := map[byte]map[int]int{
		'o': {1: 3, 2: 6, 4: 11, 8: 22},
		'x': {1: 2, 2: 4, 4: 8, 8: 16},
		'u': {1: 3, 2: 5, 4: 10, 8: 20},
		'd': {1: 4, 2: 6, 4: 11, 8: 20},
	}[t[0]]
	if digits == nil {
		return 0, 0, 0, fmt.Errorf("invalid type string '%s'", t)
	}
	return size, t[0], digits[size] + 1, nil
}

// odItem formats one item, little-endian as on x86.
func odItem(b []byte, verb byte, width int) string {
	if verb == 'c' {
		return fmt.Sprintf("%4s", odChar(b[0]))
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	switch verb {
	case 'o':
		return fmt.Sprintf(" %0*o", width-1, v)
	case 'x':
		return fmt.Sprintf(" %0*x", width-1, v)
	case 'd':
		shift := 64 - 8*uint(len(b))
		return fmt.Sprintf("%*d", width, int64(v<<shift)>>shift)
	}
	return fmt.Sprintf("%*d", width, v)
}

func odChar(c byte) string {
	switch c {
	case 0:
		return `\0`
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\v':
		return `\v`
	}
	if c < 32 || c >= 127 {
		return fmt.Sprintf("%03o", c)
	}
	return string(c)
}
