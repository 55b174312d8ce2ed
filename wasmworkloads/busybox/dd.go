package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// ddSuffixes are the multipliers dd's numbers may end with.
var ddSuffixes = []struct {
	suffix string
	mult   int64
}{
	{"kD", 1000}, {"MD", 1000000}, {"GD", 1000000000},
	{"c", 1}, {"w", 2}, {"b", 512}, {"k", 1024}, {"K", 1024}, {"M", 1 << 20}, {"G", 1 << 30},
}

// ddArgs are dd's operands once parsed.
type ddArgs struct {
	ibs, obs          int64
	count             int64 // -1: all
	skip, seek        int64
	in, out           string
	notrunc, sync     bool
	noerror, noStatus bool
	noXfer            bool
}

// ddMain copies blocks from if= (stdin) to of= (stdout), then reports the
// records and bytes on stderr as BusyBox does. The time it reports is the
// container's clock, which is virtual: a copy takes no time on it.
func ddMain(p *proc) int {
	a, status := parseDD(p)
	if status >= 0 {
		return status
	}
	start := p.now()
	in, out, closeAll, err := p.ddFiles(a)
	if err != nil {
		p.errorf("%v", err)
		return 1
	}
	defer closeAll()
	var st ddStats
	err = copyBlocks(a, in, out, &st)
	if !a.noStatus {
		st.report(p, p.now().Sub(start), a.noXfer)
	}
	if err != nil {
		if !isBrokenPipe(err) {
			p.errorf("%v", err)
		}
		return 1
	}
	return 0
}

// parseDD reads KEY=VALUE operands; a status >= 0 ends dd.
func parseDD(p *proc) (ddArgs, int) {
	a := ddArgs{ibs: 512, obs: 512, count: -1}
	for _, arg := range p.args[1:] {
		if arg == "--" {
			continue
		}
		key, val, ok := strings.Cut(arg, "=")
		if !ok {
			return a, p.usageError("unknown operand %s", arg)
		}
		if err := a.set(key, val); err != nil {
			p.errorf("%v", err)
			return a, 1
		}
	}
	return a, -1
}

func (a *ddArgs) set(key, val string) error {
	num := func() (int64, error) { return ddNumber(val) }
	var err error
	switch key {
	case "bs":
		a.ibs, err = num()
		a.obs = a.ibs
	case "ibs":
		a.ibs, err = num()
	case "obs":
		a.obs, err = num()
	case "count":
		a.count, err = num()
	case "skip":
		a.skip, err = num()
	case "seek":
		a.seek, err = num()
	case "if":
		a.in = val
	case "of":
		a.out = val
	case "conv":
		for _, c := range strings.Split(val, ",") {
			switch c {
			case "notrunc":
				a.notrunc = true
			case "sync":
				a.sync = true
			case "noerror":
				a.noerror = true
			case "fsync", "fdatasync":
			default:
				return fmt.Errorf("invalid argument '%s' to 'conv'", c)
			}
		}
	case "status":
		a.noStatus, a.noXfer = val == "none", val == "noxfer"
	case "iflag", "oflag":
	default:
		return fmt.Errorf("unknown operand %s=%s", key, val)
	}
	if err == nil && (a.ibs <= 0 || a.obs <= 0) {
		err = fmt.Errorf("invalid number '%s'", val)
	}
	return err
}

// ddNumber reads a number with dd's suffixes, and NxM products.
func ddNumber(s string) (int64, error) {
	total := int64(1)
	for _, part := range strings.Split(s, "x") {
		mult := int64(1)
		for _, sfx := range ddSuffixes {
			if strings.HasSuffix(part, sfx.suffix) {
				part, mult = strings.TrimSuffix(part, sfx.suffix), sfx.mult
				break
			}
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid number '%s'", s)
		}
		total *= n * mult
	}
	return total, nil
}

// ddFiles opens the input and output.
func (p *proc) ddFiles(a ddArgs) (io.Reader, io.Writer, func(), error) {
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	var in io.Reader = p.stdinOrEmpty()
	if a.in != "" {
		f, err := p.open(a.in)
		if err != nil {
			return nil, nil, closeAll, fmt.Errorf("can't open '%s': %s", a.in, errText(err))
		}
		closers, in = append(closers, f), f
	}
	out := p.stdout
	if a.out != "" {
		w, err := p.ddOutput(a)
		if err != nil {
			closeAll()
			return nil, nil, func() {}, err
		}
		closers, out = append(closers, w), w
	}
	if a.skip > 0 {
		if _, err := io.CopyN(io.Discard, in, a.skip*a.ibs); err != nil && err != io.EOF {
			closeAll()
			return nil, nil, func() {}, err
		}
	}
	return in, out, closeAll, nil
}

// ddOutput opens of=, truncating it unless conv=notrunc, after seek=
// blocks.
func (p *proc) ddOutput(a ddArgs) (io.WriteCloser, error) {
	if dev, ok := openDevice(a.out, nil, p.stdout, p.stderr); ok {
		return dev, nil
	}
	flag := os.O_WRONLY | os.O_CREATE
	if !a.notrunc && a.seek == 0 {
		flag |= os.O_TRUNC
	}
	f, err := os.OpenFile(p.path(a.out), flag, 0o666)
	if err != nil {
		return nil, fmt.Errorf("can't open '%s': %s", a.out, errText(err))
	}
	if a.seek > 0 {
		if !a.notrunc {
			f.Truncate(a.seek * a.obs)
		}
		if _, err := f.Seek(a.seek*a.obs, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %s", a.out, errText(err))
		}
	}
	return f, nil
}

// ddStats counts full and partial records, as dd reports them.
type ddStats struct {
	inFull, inPart, outFull, outPart, bytes int64
}

// copyBlocks reads input blocks of ibs and writes output blocks of obs.
func copyBlocks(a ddArgs, in io.Reader, out io.Writer, st *ddStats) error {
	ibuf := make([]byte, a.ibs)
	var pending []byte
	for a.count < 0 || st.inFull+st.inPart < a.count {
		n, err := io.ReadFull(in, ibuf)
		if n == 0 && err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			return err
		}
		if int64(n) == a.ibs {
			st.inFull++
		} else {
			st.inPart++
			if a.sync {
				clear(ibuf[n:])
				n = len(ibuf)
			}
		}
		pending = append(pending, ibuf[:n]...)
		for int64(len(pending)) >= a.obs {
			if err := st.write(out, pending[:a.obs], a.obs); err != nil {
				return err
			}
			pending = pending[a.obs:]
		}
	}
	if len(pending) > 0 {
		return st.write(out, pending, a.obs)
	}
	return nil
}

func (st *ddStats) write(w io.Writer, b []byte, obs int64) error {
	n, err := w.Write(b)
	st.bytes += int64(n)
	switch {
	case int64(n) == obs:
		st.outFull++
	case n > 0:
		st.outPart++
	}
	return err
}

// report prints dd's three status lines.
func (st *ddStats) report(p *proc, took time.Duration, noXfer bool) {
	fmt.Fprintf(p.stderr, "%d+%d records in\n%d+%d records out\n", st.inFull, st.inPart, st.outFull, st.outPart)
	if noXfer {
		return
	}
	secs := took.Seconds()
	rate := int64(0)
	if secs > 0 {
		rate = int64(float64(st.bytes) / secs)
	}
	fmt.Fprintf(p.stderr, "%d bytes (%sB) copied, %f seconds, %sB/s\n", st.bytes, humanReadable(st.bytes), secs, humanReadable(rate))
}

// humanReadable is BusyBox's make_human_readable_str with one decimal:
// 512, 1.0K, 10.0M.
func humanReadable(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10)
	}
	v := float64(n)
	for _, u := range []string{"K", "M", "G", "T", "P"} {
		v /= 1024
		if v < 1024 || u == "P" {
			return strconv.FormatFloat(v, 'f', 1, 64) + u
		}
	}
	return ""
}
