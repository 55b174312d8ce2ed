package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Formats of BusyBox's date.
const (
	dateDefault = "%a %b %e %H:%M:%S %Z %Y" // Thu Jan  1 00:00:00 UTC 2026
	dateRFC2822 = "%a, %d %b %Y %H:%M:%S %z"
)

// dateMain prints the time (the host's clock, kubeplay's virtual one) in
// BusyBox's default format, +FORMAT, ISO 8601 (-I[SPEC]) or RFC 2822 (-R).
// Setting the clock is not allowed, as in an unprivileged container.
//
// Times are in UTC unless $TZ names a zone Go can load; a WASI module has
// no zone database, and the busybox image has no /etc/localtime either.
func dateMain(p *proc) int {
	var (
		utc      bool
		format   string
		iso      string
		haveISO  bool
		rfc      bool
		dateText string
		haveDate bool
		refFile  string
	)
	args := p.args[1:]
	for len(args) > 0 {
		arg := args[0]
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			break
		}
		args = args[1:]
		if arg == "--" {
			break
		}
		switch {
		case arg == "-u" || arg == "--utc" || arg == "--universal":
			utc = true
		case arg == "-R" || arg == "--rfc-2822" || arg == "--rfc-email":
			rfc = true
		case strings.HasPrefix(arg, "-I"):
			iso, haveISO = arg[2:], true
		case strings.HasPrefix(arg, "--iso-8601"):
			iso, haveISO = strings.TrimPrefix(strings.TrimPrefix(arg, "--iso-8601"), "="), true
		case arg == "-d" || arg == "-r":
			if len(args) == 0 {
				return p.usageError("option requires an argument -- '%c'", arg[1])
			}
			if arg == "-d" {
				dateText, haveDate = args[0], true
			} else {
				refFile = args[0]
			}
			args = args[1:]
		case strings.HasPrefix(arg, "--date="):
			dateText, haveDate = strings.TrimPrefix(arg, "--date="), true
		case strings.HasPrefix(arg, "-d"):
			dateText, haveDate = arg[2:], true
		case strings.HasPrefix(arg, "-r"):
			refFile = arg[2:]
		default:
			return p.usageError("invalid option -- '%s'", strings.TrimLeft(arg, "-"))
		}
	}
	if len(args) > 0 && strings.HasPrefix(args[0], "+") {
		format, args = args[0][1:], args[1:]
	}
	if len(args) > 0 {
		p.errorf("can't set date: Operation not permitted")
		return 1
	}

	loc := p.location(utc)
	t := p.now().In(loc)
	switch {
	case haveDate:
		var ok bool
		if t, ok = parseDate(dateText, t, loc); !ok {
			p.errorf("invalid date '%s'", dateText)
			return 1
		}
	case refFile != "":
		fi, err := os.Stat(p.path(refFile))
		if err != nil {
			p.errorf("%s: %s", refFile, errText(err))
			return 1
		}
		t = fi.ModTime().In(loc)
	}

	switch {
	case format != "":
	case haveISO:
		f, ok := isoFormat(iso)
		if !ok {
			return p.usageError("invalid argument '%s' for -I", iso)
		}
		format = f
	case rfc:
		format = dateRFC2822
	default:
		format = dateDefault
	}
	fmt.Fprintln(p.stdout, strftime(format, t))
	return 0
}

// location is the zone to show times in: UTC for -u, else $TZ if loadable.
func (p *proc) location(utc bool) *time.Location {
	if tz, ok := p.getenv("TZ"); ok && !utc && tz != "" {
		if loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":")); err == nil {
			return loc
		}
	}
	return time.UTC
}

// isoFormat maps -I's SPEC to a format; the zone is +hh:mm, as in BusyBox.
func isoFormat(spec string) (string, bool) {
	switch spec {
	case "", "date", "d":
		return "%Y-%m-%d", true
	case "hours", "h":
		return "%Y-%m-%dT%H%:z", true
	case "minutes", "m":
		return "%Y-%m-%dT%H:%M%:z", true
	case "seconds", "s":
		return "%Y-%m-%dT%H:%M:%S%:z", true
	case "ns":
		return "%Y-%m-%dT%H:%M:%S,%N%:z", true
	}
	return "", false
}

// parseDate reads -d's argument: @SECONDS, or a date and/or time in the
// ISO-like forms BusyBox accepts. A bare time means that time today.
func parseDate(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "@"); ok {
		sec, err := strconv.ParseFloat(rest, 64)
		if err != nil {
			return time.Time{}, false
		}
		whole := int64(sec)
		return time.Unix(whole, int64((sec-float64(whole))*1e9)).In(loc), true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(loc), true
	}
	for _, layout := range []string{
		"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04",
		"2006-01-02", "2006.01.02-15:04:05", "2006.01.02-15:04",
	} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			y, m, d := now.Date()
			return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, loc), true
		}
	}
	return time.Time{}, false
}

// strftime formats t as C's strftime in the C locale, with glibc's
// padding flags (%-d, %_H, %0e) and %N, %s and %:z.
func strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		pad := byte(0) // 0: the conversion's own padding
		if strings.IndexByte("-_0", format[i]) >= 0 && i+1 < len(format) {
			pad = format[i]
			i++
		}
		if format[i] == ':' && i+1 < len(format) && format[i+1] == 'z' {
			i++
			b.WriteString(zoneOffset(t, true))
			continue
		}
		s, ok := strftimeField(format[i], t, pad)
		if !ok {
			b.WriteByte('%')
			if pad != 0 {
				b.WriteByte(pad)
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

// strftimeField renders one conversion; ok is false for unknown ones,
// which are printed as they are.
func strftimeField(c byte, t time.Time, pad byte) (s string, ok bool) {
	num := func(v, width int, defPad byte) string {
		return padNumber(v, width, defPad, pad)
	}
	switch c {
	case 'a':
		return t.Format("Mon"), true
	case 'A':
		return t.Format("Monday"), true
	case 'b', 'h':
		return t.Format("Jan"), true
	case 'B':
		return t.Format("January"), true
	case 'c':
		return strftime("%a %b %e %H:%M:%S %Y", t), true
	case 'C':
		return num(t.Year()/100, 2, '0'), true
	case 'd':
		return num(t.Day(), 2, '0'), true
	case 'D', 'x':
		return strftime("%m/%d/%y", t), true
	case 'e':
		return num(t.Day(), 2, ' '), true
	case 'F':
		return strftime("%Y-%m-%d", t), true
	case 'G':
		y, _ := t.ISOWeek()
		return strconv.Itoa(y), true
	case 'g':
		y, _ := t.ISOWeek()
		return num(y%100, 2, '0'), true
	case 'H':
		return num(t.Hour(), 2, '0'), true
	case 'I':
		return num(hour12(t), 2, '0'), true
	case 'j':
		return num(t.YearDay(), 3, '0'), true
	case 'k':
		return num(t.Hour(), 2, ' '), true
	case 'l':
		return num(hour12(t), 2, ' '), true
	case 'm':
		return num(int(t.Month()), 2, '0'), true
	case 'M':
		return num(t.Minute(), 2, '0'), true
	case 'n':
		return "\n", true
	case 'N':
		return fmt.Sprintf("%09d", t.Nanosecond()), true
	case 'p':
		return t.Format("PM"), true
	case 'P':
		return strings.ToLower(t.Format("PM")), true
	case 'r':
		return strftime("%I:%M:%S %p", t), true
	case 'R':
		return strftime("%H:%M", t), true
	case 's':
		return strconv.FormatInt(t.Unix(), 10), true
	case 'S':
		return num(t.Second(), 2, '0'), true
	case 't':
		return "\t", true
	case 'T', 'X':
		return strftime("%H:%M:%S", t), true
	case 'u':
		return strconv.Itoa((int(t.Weekday())+6)%7 + 1), true
	case 'U':
		return num((t.YearDay()-1+7-int(t.Weekday()))/7, 2, '0'), true
	case 'V':
		_, w := t.ISOWeek()
		return num(w, 2, '0'), true
	case 'w':
		return strconv.Itoa(int(t.Weekday())), true
	case 'W':
		return num((t.YearDay()-1+7-(int(t.Weekday())+6)%7)/7, 2, '0'), true
	case 'y':
		return num(t.Year()%100, 2, '0'), true
	case 'Y':
		return strconv.Itoa(t.Year()), true
	case 'z':
		return zoneOffset(t, false), true
	case 'Z':
		name, _ := t.Zone()
		return name, true
	case '%':
		return "%", true
	}
	return string(c), false
}

// padNumber pads v to width with defPad, or as a glibc flag asks: '-' not
// at all, '_' with spaces, '0' with zeros.
func padNumber(v, width int, defPad, flag byte) string {
	s := strconv.Itoa(v)
	padWith := defPad
	switch flag {
	case '-':
		return s
	case '_':
		padWith = ' '
	case '0':
		padWith = '0'
	}
	for len(s) < width {
		s = string(padWith) + s
	}
	return s
}

func hour12(t time.Time) int {
	if h := t.Hour() % 12; h != 0 {
		return h
	}
	return 12
}

// zoneOffset is %z (+hhmm), or %:z (+hh:mm) with colon.
func zoneOffset(t time.Time, colon bool) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	sep := ""
	if colon {
		sep = ":"
	}
	return fmt.Sprintf("%c%02d%s%02d", sign, off/3600, sep, off%3600/60)
}
