package main

import (
	"io"
	"strconv"
	"strings"
)

// An option's error lines, in the FAIL messages: stress prints the
// source line of each check. Those of the run are stress 1.0.4's; these
// of the command line are approximate.
const (
	lineMissingArg = 160
	lineSuffix     = 636
	lineNumber     = 644
)

// valueOption reads one option's value into the options.
type valueOption struct {
	long, short string
	parse       func(s *stress, v string) (int64, bool)
	set         func(o *options, v int64) (ok bool, msg string)
}

var valueOptions = []valueOption{
	{"--backoff", "", (*stress).number, func(o *options, v int64) (bool, string) {
		o.backoff = v
		return v >= 0, "invalid backoff factor: " + itoa(v)
	}},
	{"--timeout", "-t", (*stress).seconds, func(o *options, v int64) (bool, string) {
		o.timeout = v
		return v > 0, "invalid timeout value: " + itoa(v) + "s"
	}},
	{"--cpu", "-c", (*stress).size, func(o *options, v int64) (bool, string) {
		o.cpu = v
		return v > 0, "invalid number of cpu hogs: " + itoa(v)
	}},
	{"--io", "-i", (*stress).size, func(o *options, v int64) (bool, string) {
		o.io = v
		return v > 0, "invalid number of io hogs: " + itoa(v)
	}},
	{"--vm", "-m", (*stress).size, func(o *options, v int64) (bool, string) {
		o.vm = v
		return v > 0, "invalid number of vm hogs: " + itoa(v)
	}},
	{"--vm-bytes", "", (*stress).size, func(o *options, v int64) (bool, string) {
		o.vmBytes = v
		return v > 0, "invalid vm byte value: " + itoa(v)
	}},
	{"--vm-stride", "", (*stress).size, func(o *options, v int64) (bool, string) {
		o.vmStride = v
		return v > 0, "invalid stride value: " + itoa(v)
	}},
	{"--vm-hang", "", (*stress).size, func(o *options, v int64) (bool, string) {
		o.vmHang = v
		return v >= 0, "invalid value: " + itoa(v)
	}},
	{"--hdd", "-d", (*stress).size, func(o *options, v int64) (bool, string) {
		o.hdd = v
		return v > 0, "invalid number of hdd hogs: " + itoa(v)
	}},
	{"--hdd-bytes", "", (*stress).size, func(o *options, v int64) (bool, string) {
		o.hddBytes = v
		return v > 0, "invalid hdd byte value: " + itoa(v)
	}},
}

// parse reads the command line as stress does, without getopt: every
// option a word of its own, its value the next word. It reports done when
// stress should exit at once with status.
func (s *stress) parse() (status int, done bool) {
	for i := 0; i < len(s.args); i++ {
		arg := s.args[i]
		switch arg {
		case "--help", "-?":
			s.usage()
			return 0, true
		case "--version":
			io.WriteString(s.out, s.name+" "+version+"\n")
			return 0, true
		case "--verbose", "-v":
			s.debug = 3
			continue
		case "--quiet", "-q":
			s.debug = 0
			continue
		case "--dry-run", "-n":
			s.opts.dryRun = true
			continue
		case "--vm-keep":
			s.opts.vmKeep = true
			continue
		}
		opt, ok := findOption(arg)
		if !ok {
			s.log("FAIL", mainPID, lineMissingArg-4, "unrecognized option: "+arg)
			return 1, true
		}
		if i+1 == len(s.args) || (strings.HasPrefix(s.args[i+1], "-") && !isDigitAt(s.args[i+1], 1)) {
			s.log("FAIL", mainPID, lineMissingArg, "missing argument to option '"+opt.long+"'")
			return 1, true
		}
		i++
		v, ok := opt.parse(s, s.args[i])
		if !ok {
			return 1, true
		}
		if ok, msg := opt.set(&s.opts, v); !ok {
			s.log("FAIL", mainPID, lineMissingArg, msg)
			return 1, true
		}
	}
	return 0, false
}

func findOption(arg string) (valueOption, bool) {
	for _, o := range valueOptions {
		if arg == o.long || (o.short != "" && arg == o.short) {
			return o, true
		}
	}
	return valueOption{}, false
}

func isDigitAt(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

// size reads a number with stress's size suffixes: b, k, m, g (powers of
// 1024).
func (s *stress) size(v string) (int64, bool) {
	shift := 0
	if v != "" {
		switch c := v[len(v)-1]; c {
		case 'b', 'B':
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		default:
			if c < '0' || c > '9' {
				s.log("FAIL", mainPID, lineSuffix, "unrecognized suffix: "+string(c))
				return 0, false
			}
		}
	}
	n, ok := s.number(v)
	return n << shift, ok
}

// seconds reads a time with stress's suffixes: s, m, h, d, y.
func (s *stress) seconds(v string) (int64, bool) {
	factor := int64(1)
	if v != "" {
		switch c := v[len(v)-1]; c {
		case 's', 'S':
		case 'm', 'M':
			factor = 60
		case 'h', 'H':
			factor = 3600
		case 'd', 'D':
			factor = 86400
		case 'y', 'Y':
			factor = 365 * 86400
		default:
			if c < '0' || c > '9' {
				s.log("FAIL", mainPID, lineSuffix+36, "unrecognized suffix: "+string(c))
				return 0, false
			}
		}
	}
	n, ok := s.number(v)
	return n * factor, ok
}

// number reads a number as sscanf's %lli: sign, then hex (0x), octal
// (0) or decimal digits, up to the first character that is not one.
func (s *stress) number(v string) (int64, bool) {
	n, ok := scanInt(v)
	if !ok {
		s.log("FAIL", mainPID, lineNumber, "invalid number: "+v)
	}
	return n, ok
}

func scanInt(v string) (int64, bool) {
	t := strings.TrimLeft(v, " \t\n")
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	base := 10
	switch {
	case len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'):
		base, t = 16, t[2:]
	case len(t) > 1 && t[0] == '0':
		base = 8
	}
	end := 0
	for end < len(t) && strings.IndexByte("0123456789abcdef"[:base], lower(t[end])) >= 0 {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(t[:end], base, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// usage prints stress's help.
func (s *stress) usage() {
	n := s.name
	io.WriteString(s.out, "`"+n+"' imposes certain types of compute stress on your system\n\n"+
		"Usage: "+n+" [OPTION [ARG]] ...\n"+
		" -?, --help         show this help statement\n"+
		"     --version      show version statement\n"+
		" -v, --verbose      be verbose\n"+
		" -q, --quiet        be quiet\n"+
		" -n, --dry-run      show what would have been done\n"+
		" -t, --timeout N    timeout after N seconds\n"+
		"     --backoff N    wait factor of N microseconds before work starts\n"+
		" -c, --cpu N        spawn N workers spinning on sqrt()\n"+
		" -i, --io N         spawn N workers spinning on sync()\n"+
		" -m, --vm N         spawn N workers spinning on malloc()/free()\n"+
		"     --vm-bytes B   malloc B bytes per vm worker (default is 256MB)\n"+
		"     --vm-stride B  touch a byte every B bytes (default is 4096)\n"+
		"     --vm-hang N    sleep N secs before free (default none, 0 is inf)\n"+
		"     --vm-keep      redirty memory instead of freeing and reallocating\n"+
		" -d, --hdd N        spawn N workers spinning on write()/unlink()\n"+
		"     --hdd-bytes B  write B bytes per hdd worker (default is 1GB)\n\n"+
		"Example: "+n+" --cpu 8 --io 4 --vm 2 --vm-bytes 128M --timeout 10s\n\n"+
		"Note: Numbers may be suffixed with s,m,h,d,y (time) or B,K,M,G (size).\n")
}
