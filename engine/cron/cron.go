// Package cron reads the schedules of CronJobs as Kubernetes reads them:
// the five-field crontab syntax of github.com/robfig/cron/v3's standard
// parser (minute, hour, day of month, month, day of week), with ranges,
// steps, lists, month and day names, the @yearly, @annually, @monthly,
// @weekly, @daily, @midnight and @hourly macros, @every durations, and an
// optional TZ= or CRON_TZ= prefix. Its error messages are that parser's, so
// the API server can refuse a bad schedule in kube-apiserver's words.
//
// The package embeds the IANA time zone database (time/tzdata): the browser
// build has no /usr/share/zoneinfo, and CronJobs name their zones.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "time/tzdata" // time zones for spec.timeZone and TZ= in the browser
)

// Schedule is a parsed cron schedule. The zero Schedule never fires.
type Schedule struct {
	minute, hour, dom, month, dow uint64 // one bit per allowed value
	// domAny and dowAny record a day field written as * or ?: the day then
	// matches on the other field alone; when both days are restricted, a
	// day matching either fires, as in crontab(5).
	domAny, dowAny bool
	every          time.Duration // an @every schedule
	loc            *time.Location
}

// field is one of the five positions of a cron line.
type field struct {
	min, max uint
	names    map[string]uint
}

var (
	minutes = field{min: 0, max: 59}
	hours   = field{min: 0, max: 23}
	days    = field{min: 1, max: 31}
	months  = field{min: 1, max: 12, names: map[string]uint{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}}
	weekdays = field{min: 0, max: 6, names: map[string]uint{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}}
)

// Parse reads a schedule: five fields, a macro, or @every with a Go
// duration, optionally preceded by TZ=Zone or CRON_TZ=Zone and a space.
func Parse(spec string) (Schedule, error) {
	if spec == "" {
		return Schedule{}, fmt.Errorf("empty spec string")
	}
	var loc *time.Location
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		name, rest, _ := strings.Cut(spec[strings.Index(spec, "=")+1:], " ")
		l, err := time.LoadLocation(name)
		if err != nil {
			return Schedule{}, fmt.Errorf("provided bad location %s: %v", name, err)
		}
		loc, spec = l, strings.TrimSpace(rest)
	}
	if strings.HasPrefix(spec, "@") {
		s, err := macro(spec)
		s.loc = loc
		return s, err
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return Schedule{}, fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fields), fields)
	}
	s := Schedule{loc: loc}
	var err error
	parts := []struct {
		bits *uint64
		any  *bool
		f    field
	}{{&s.minute, nil, minutes}, {&s.hour, nil, hours}, {&s.dom, &s.domAny, days}, {&s.month, nil, months}, {&s.dow, &s.dowAny, weekdays}}
	for i, p := range parts {
		var any bool
		if *p.bits, any, err = parseField(fields[i], p.f); err != nil {
			return Schedule{}, err
		}
		if p.any != nil {
			*p.any = any
		}
	}
	return s, nil
}

// macro reads the @ forms.
func macro(spec string) (Schedule, error) {
	all := func(f field) uint64 { return span(f.min, f.max, 1) }
	at := func(v uint) uint64 { return 1 << v }
	switch spec {
	case "@yearly", "@annually":
		return Schedule{minute: at(0), hour: at(0), dom: at(1), month: at(1), dow: all(weekdays), dowAny: true}, nil
	case "@monthly":
		return Schedule{minute: at(0), hour: at(0), dom: at(1), month: all(months), dow: all(weekdays), dowAny: true}, nil
	case "@weekly":
		return Schedule{minute: at(0), hour: at(0), dom: all(days), domAny: true, month: all(months), dow: at(0)}, nil
	case "@daily", "@midnight":
		return Schedule{minute: at(0), hour: at(0), dom: all(days), domAny: true, month: all(months), dow: all(weekdays), dowAny: true}, nil
	case "@hourly":
		return Schedule{minute: at(0), hour: all(hours), dom: all(days), domAny: true, month: all(months), dow: all(weekdays), dowAny: true}, nil
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		every, err := time.ParseDuration(d)
		if err != nil {
			return Schedule{}, fmt.Errorf("failed to parse duration %s: %s", spec, err)
		}
		// Whole seconds, at least one, as robfig/cron's Every.
		every = max(every-every%time.Second, time.Second)
		return Schedule{every: every}, nil
	}
	return Schedule{}, fmt.Errorf("unrecognized descriptor: %s", spec)
}

// parseField reads a comma-separated list of ranges. any reports whether
// a term was * or ? without a step greater than one.
func parseField(text string, f field) (bits uint64, any bool, err error) {
	for _, term := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' }) {
		b, a, err := parseRange(term, f)
		if err != nil {
			return 0, false, err
		}
		bits |= b
		any = any || a
	}
	return bits, any, nil
}

// parseRange reads number, name, * or ?, optionally as a range lo-hi,
// optionally followed by /step; N/step means N-max/step.
func parseRange(term string, f field) (uint64, bool, error) {
	parts := strings.Split(term, "/")
	bounds := strings.Split(parts[0], "-")
	var lo, hi uint
	any := false
	if bounds[0] == "*" || bounds[0] == "?" {
		lo, hi, any = f.min, f.max, true
	} else {
		var err error
		if lo, err = value(bounds[0], f); err != nil {
			return 0, false, err
		}
		switch len(bounds) {
		case 1:
			hi = lo
		case 2:
			if hi, err = value(bounds[1], f); err != nil {
				return 0, false, err
			}
		default:
			return 0, false, fmt.Errorf("too many hyphens: %s", term)
		}
	}
	step := uint(1)
	switch len(parts) {
	case 1:
	case 2:
		var err error
		if step, err = number(parts[1]); err != nil {
			return 0, false, err
		}
		if len(bounds) == 1 {
			hi = f.max
		}
		if step > 1 {
			any = false
		}
	default:
		return 0, false, fmt.Errorf("too many slashes: %s", term)
	}
	switch {
	case lo < f.min:
		return 0, false, fmt.Errorf("beginning of range (%d) below minimum (%d): %s", lo, f.min, term)
	case hi > f.max:
		return 0, false, fmt.Errorf("end of range (%d) above maximum (%d): %s", hi, f.max, term)
	case lo > hi:
		return 0, false, fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", lo, hi, term)
	case step == 0:
		return 0, false, fmt.Errorf("step of range should be a positive number: %s", term)
	}
	return span(lo, hi, step), any, nil
}

func value(text string, f field) (uint, error) {
	if v, ok := f.names[strings.ToLower(text)]; ok {
		return v, nil
	}
	return number(text)
}

func number(text string) (uint, error) {
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %s", text, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative number (%d) not allowed: %s", n, text)
	}
	return uint(n), nil
}

func span(lo, hi, step uint) uint64 {
	var bits uint64
	for v := lo; v <= hi; v += step {
		bits |= 1 << v
	}
	return bits
}

// Location returns the zone a TZ= or CRON_TZ= prefix named, or nil.
func (s Schedule) Location() *time.Location { return s.loc }

// Every returns the interval of an @every schedule, or zero.
func (s Schedule) Every() time.Duration { return s.every }

// Next returns the first time the schedule fires strictly after t, in t's
// location; the fields are read in the schedule's TZ= zone if it has one,
// else in t's. It returns the zero time if the schedule does not fire
// within five years (a day that never comes, such as February 30).
func (s Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Add(s.every - time.Duration(t.Nanosecond()))
	}
	if s.never() {
		return time.Time{}
	}
	out := t.Location()
	if s.loc != nil {
		t = t.In(s.loc)
	}
	loc := t.Location()
	// The next whole minute.
	t = t.Add(time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
	limit := t.Year() + 5
	for t.Year() <= limit {
		switch {
		case !has(s.month, uint(t.Month())):
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		case !has(s.hour, uint(t.Hour())):
			// Whole hours in absolute time, so that the hour repeated when
			// clocks go back is walked through, not looped on.
			t = t.Add(time.Hour - time.Duration(t.Minute())*time.Minute)
		case !has(s.minute, uint(t.Minute())):
			t = t.Add(time.Minute)
		default:
			return t.In(out)
		}
	}
	return time.Time{}
}

// never reports whether a field matches no value, as one written "," does
// (robfig/cron, as upstream, takes an empty list): Next would walk five
// years of minutes to find nothing, a tenth of a second each time the
// controller asks.
func (s Schedule) never() bool {
	days := s.dom != 0 || s.dow != 0
	if s.domAny || s.dowAny {
		days = s.dom != 0 && s.dow != 0
	}
	return s.minute == 0 || s.hour == 0 || s.month == 0 || !days
}

func (s Schedule) dayMatches(t time.Time) bool {
	dom, dow := has(s.dom, uint(t.Day())), has(s.dow, uint(t.Weekday()))
	if s.domAny || s.dowAny {
		return dom && dow
	}
	return dom || dow
}

func has(bits uint64, v uint) bool { return bits&(1<<v) != 0 }
