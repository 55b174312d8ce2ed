package shell

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hack-pad/hackpadfs"
	"mvdan.cc/sh/v3/interp"
)

var dateTool = &tool{
	name:  "date",
	usage: []string{"date [OPTION]... [+FORMAT]"},
	about: "Display the cluster's date and time (its virtual clock), always in UTC.\nFORMAT takes strftime's %-sequences: %Y %m %d %H %M %S %s %N %a %A %b %B %e %j %u %w\n%F %T %D %R %r %c %x %X %p %Z %z %:z %V %U %W %G %C %y %h %I %l %k %n %t %%,\nwith the flags - _ 0 ^ # and a width.",
	opts: []option{
		{short: 'd', long: "date", arg: needArg, argName: "STRING", help: "display time described by STRING, not 'now'"},
		{short: 'I', long: "iso-8601", arg: optArg, argName: "FMT", help: "output date/time in ISO 8601 format (date, hours, minutes, seconds, ns)"},
		{short: 'R', long: "rfc-email", help: "output date and time in RFC 5322 format"},
		{long: "rfc-3339", arg: needArg, argName: "FMT", help: "output date/time in RFC 3339 format (date, seconds, ns)"},
		{short: 'r', long: "reference", arg: needArg, argName: "FILE", help: "display the last modification time of FILE"},
		{short: 'u', long: "utc", help: "print Coordinated Universal Time (UTC)"},
		{long: "universal", same: "u", help: "same as --utc"},
	},
	status: 1,
}

func (s *Shell) date(ctx context.Context, hc interp.HandlerContext, args []string) int {
	o, code, done := dateTool.parse(hc, args)
	if done {
		return code
	}
	now := s.now()
	t := now
	switch {
	case len(o.args) > 1:
		return dateTool.usageError(hc.Stderr, "extra operand '%s'", o.args[1])
	case len(o.args) == 1 && !strings.HasPrefix(o.args[0], "+"):
		fmt.Fprintf(hc.Stderr, "date: invalid date '%s'\n", o.args[0])
		return 1
	case o.has("d"):
		var err error
		if t, err = parseDate(o.value("d"), now); err != nil {
			fmt.Fprintf(hc.Stderr, "date: invalid date '%s'\n", o.value("d"))
			return 1
		}
	case o.has("r"):
		info, err := hackpadfs.Stat(s.cfg.FS, fsPath(abs(hc.Dir, o.value("r"))))
		if err != nil {
			fmt.Fprintf(hc.Stderr, "date: %s: %s\n", o.value("r"), errText(err))
			return 1
		}
		t = info.ModTime()
	}
	format, err := dateFormat(o)
	if err != nil {
		return dateTool.usageError(hc.Stderr, "%s", err)
	}
	fmt.Fprintln(hc.Stdout, strftime(format, t.UTC()))
	return 0
}

// dateFormat is the format the options and operand ask for.
func dateFormat(o parsed) (string, error) {
	if len(o.args) == 1 {
		return o.args[0][1:], nil
	}
	switch o.last("I", "R", "rfc-3339") {
	case "R":
		return "%a, %d %b %Y %H:%M:%S %z", nil
	case "I":
		f, ok := map[string]string{"": "%F", "date": "%F", "hours": "%FT%H%:z", "minutes": "%FT%H:%M%:z",
			"seconds": "%FT%T%:z", "ns": "%FT%T,%N%:z"}[o.value("I")]
		if !ok {
			return "", fmt.Errorf("invalid argument '%s' for '--iso-8601'", o.value("I"))
		}
		return f, nil
	case "rfc-3339":
		f, ok := map[string]string{"date": "%F", "seconds": "%F %T%:z", "ns": "%F %T.%N%:z"}[o.value("rfc-3339")]
		if !ok {
			return "", fmt.Errorf("invalid argument '%s' for '--rfc-3339'", o.value("rfc-3339"))
		}
		return f, nil
	}
	return "%a %b %e %H:%M:%S %Z %Y", nil
}

var relativeItem = regexp.MustCompile(`^([+-]?\d+)?\s*(second|sec|minute|min|hour|day|week|fortnight|month|year)s?(\s+ago)?\s*`)

// parseDate reads date -d's STRING: "now", "today", "yesterday",
// "tomorrow", "@SECONDS", an ISO 8601 / RFC 3339 date and time, and
// relative items such as "2 hours ago" or "+1 day", after a date or alone.
func parseDate(str string, now time.Time) (time.Time, error) {
	s := strings.TrimSpace(strings.ToLower(str))
	if strings.HasPrefix(s, "@") {
		f, err := strconv.ParseFloat(s[1:], 64)
		if err != nil {
			return time.Time{}, err
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	t, rest := absoluteDate(s, now)
	for rest != "" {
		m := relativeItem.FindStringSubmatch(rest)
		if m == nil {
			return time.Time{}, fmt.Errorf("invalid date %q", str)
		}
		n := 1
		if m[1] != "" {
			n, _ = strconv.Atoi(m[1])
		}
		if m[3] != "" {
			n = -n
		}
		t = addUnit(t, m[2], n)
		rest = rest[len(m[0]):]
	}
	return t, nil
}

// absoluteDate reads the date at the start of s, or takes now.
func absoluteDate(s string, now time.Time) (time.Time, string) {
	for _, w := range []struct {
		word string
		days int
	}{{"now", 0}, {"today", 0}, {"yesterday", -1}, {"tomorrow", 1}} {
		if strings.HasPrefix(s, w.word) {
			return now.AddDate(0, 0, w.days), strings.TrimSpace(s[len(w.word):])
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		for end := len(s); end >= len("2006-01-02"); end-- {
			if t, err := time.Parse(layout, strings.ToUpper(s[:end])); err == nil {
				return t.UTC(), strings.TrimSpace(s[end:])
			}
		}
	}
	return now, s
}

func addUnit(t time.Time, unit string, n int) time.Time {
	switch unit {
	case "second", "sec":
		return t.Add(time.Duration(n) * time.Second)
	case "minute", "min":
		return t.Add(time.Duration(n) * time.Minute)
	case "hour":
		return t.Add(time.Duration(n) * time.Hour)
	case "day":
		return t.AddDate(0, 0, n)
	case "week":
		return t.AddDate(0, 0, 7*n)
	case "fortnight":
		return t.AddDate(0, 0, 14*n)
	case "month":
		return t.AddDate(0, n, 0)
	}
	return t.AddDate(n, 0, 0)
}

// strftime formats t as the C library's strftime does in the C locale,
// with GNU date's flags and widths.
func strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		j := i + 1
		flag := byte(0)
		for j < len(format) && strings.IndexByte("-_0^#", format[j]) >= 0 {
			flag = format[j]
			j++
		}
		width := 0
		for j < len(format) && format[j] >= '0' && format[j] <= '9' {
			width = width*10 + int(format[j]-'0')
			j++
		}
		colons := 0
		for j < len(format) && format[j] == ':' {
			colons++
			j++
		}
		if j == len(format) {
			b.WriteString(format[i:])
			break
		}
		v, ok := dateVerb(format[j], colons, t)
		if !ok {
			b.WriteString(format[i : j+1])
		} else {
			b.WriteString(pad(v, flag, width))
		}
		i = j
	}
	return b.String()
}

// dateField is a verb's value: text, or a number with its natural
// width and padding.
type dateField struct {
	text  string
	num   int64
	isNum bool
	width int
	space bool // padded with spaces (%e, %k, %l)
}

func pad(f dateField, flag byte, width int) string {
	if !f.isNum {
		s := f.text
		if flag == '^' || flag == '#' {
			s = strings.ToUpper(s)
		}
		if width > len(s) {
			fill := " "
			if flag == '0' {
				fill = "0"
			}
			s = strings.Repeat(fill, width-len(s)) + s
		}
		return s
	}
	if width == 0 {
		width = f.width
	}
	s := strconv.FormatInt(f.num, 10)
	switch {
	case flag == '-':
		return s
	case flag == '_' || f.space && flag != '0':
		return fmt.Sprintf("%*s", width, s)
	}
	return fmt.Sprintf("%0*d", width, f.num)
}

func num(n, width int) dateField { return dateField{num: int64(n), isNum: true, width: width} }
func text(s string) dateField    { return dateField{text: s} }

func dateVerb(c byte, colons int, t time.Time) (dateField, bool) {
	hour12 := (t.Hour()+11)%12 + 1
	year, week := t.ISOWeek()
	switch c {
	case 'a':
		return text(t.Format("Mon")), true
	case 'A':
		return text(t.Format("Monday")), true
	case 'b', 'h':
		return text(t.Format("Jan")), true
	case 'B':
		return text(t.Format("January")), true
	case 'c':
		return text(strftime("%a %b %e %H:%M:%S %Y", t)), true
	case 'C':
		return num(t.Year()/100, 2), true
	case 'd':
		return num(t.Day(), 2), true
	case 'D', 'x':
		return text(strftime("%m/%d/%y", t)), true
	case 'e':
		return dateField{num: int64(t.Day()), isNum: true, width: 2, space: true}, true
	case 'F':
		return text(strftime("%Y-%m-%d", t)), true
	case 'g':
		return num(year%100, 2), true
	case 'G':
		return num(year, 4), true
	case 'H':
		return num(t.Hour(), 2), true
	case 'I':
		return num(hour12, 2), true
	case 'j':
		return num(t.YearDay(), 3), true
	case 'k':
		return dateField{num: int64(t.Hour()), isNum: true, width: 2, space: true}, true
	case 'l':
		return dateField{num: int64(hour12), isNum: true, width: 2, space: true}, true
	case 'm':
		return num(int(t.Month()), 2), true
	case 'M':
		return num(t.Minute(), 2), true
	case 'n':
		return text("\n"), true
	case 'N':
		return num(t.Nanosecond(), 9), true
	case 'p':
		return text(t.Format("PM")), true
	case 'P':
		return text(strings.ToLower(t.Format("PM"))), true
	case 'r':
		return text(strftime("%I:%M:%S %p", t)), true
	case 'R':
		return text(strftime("%H:%M", t)), true
	case 's':
		return num(int(t.Unix()), 1), true
	case 'S':
		return num(t.Second(), 2), true
	case 't':
		return text("\t"), true
	case 'T', 'X':
		return text(strftime("%H:%M:%S", t)), true
	case 'u':
		return num((int(t.Weekday())+6)%7+1, 1), true
	case 'U':
		return num((t.YearDay()+6-int(t.Weekday()))/7, 2), true
	case 'V':
		return num(week, 2), true
	case 'w':
		return num(int(t.Weekday()), 1), true
	case 'W':
		return num((t.YearDay()+6-(int(t.Weekday())+6)%7)/7, 2), true
	case 'y':
		return num(t.Year()%100, 2), true
	case 'Y':
		return num(t.Year(), 4), true
	case 'z':
		return text(t.Format([]string{"-0700", "-07:00", "-07:00:00", "-07"}[min(colons, 3)])), true
	case 'Z':
		return text(t.Format("MST")), true
	case '%':
		return text("%"), true
	}
	return dateField{}, false
}
