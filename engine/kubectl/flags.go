package kubectl

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// flagSet parses command-line flags with the rules of spf13/pflag, which
// kubectl uses: --name=value, --name value, -n value, -nvalue, grouped
// short booleans (-it), "--" to end flags, and flags anywhere among the
// arguments.
type flagSet struct {
	cmd   string
	flags []*flagDef
	set   map[string]bool
	given []string // "--name=value" of each flag, in the order given (for --record)
}

type flagKind int

const (
	boolFlag flagKind = iota
	stringFlag
	intFlag
	durationFlag
	arrayFlag
	sliceFlag
)

type flagDef struct {
	name, short string
	kind        flagKind
	b           *bool
	s           *string
	i           *int64
	d           *time.Duration
	a           *[]string
	noOptValue  string // value of a non-bool flag given without one
}

func newFlagSet(cmd string) *flagSet { return &flagSet{cmd: cmd, set: map[string]bool{}} }

// add registers d, or returns the flag of its name already registered
// (a command's own definition of a global flag, such as get's
// --request-timeout, is the global one, as in pflag's merged set).
func (f *flagSet) add(d *flagDef) *flagDef {
	if old := f.lookup(d.name); old != nil && old.kind == d.kind {
		return old
	}
	f.flags = append(f.flags, d)
	return d
}

func (f *flagSet) Bool(name, short string, def bool) *bool {
	v := def
	return f.add(&flagDef{name: name, short: short, kind: boolFlag, b: &v}).b
}

func (f *flagSet) String(name, short, def string) *string {
	v := def
	return f.add(&flagDef{name: name, short: short, kind: stringFlag, s: &v}).s
}

func (f *flagSet) Int(name, short string, def int64) *int64 {
	v := def
	return f.add(&flagDef{name: name, short: short, kind: intFlag, i: &v}).i
}

func (f *flagSet) Duration(name string, def time.Duration) *time.Duration {
	v := def
	return f.add(&flagDef{name: name, kind: durationFlag, d: &v}).d
}

// Array is a repeatable flag that keeps each value whole, as pflag's
// StringArray: --env=A=1,B=2 is one value.
func (f *flagSet) Array(name, short string) *[]string {
	var v []string
	return f.add(&flagDef{name: name, short: short, kind: arrayFlag, a: &v}).a
}

// Slice is a repeatable flag whose values are also comma-separated lists,
// read as a line of CSV, as pflag's StringSlice: -f a.yaml,b.yaml is two
// values, -f '"a,b.yaml"' one, and an empty value adds none.
func (f *flagSet) Slice(name, short string) *[]string {
	var v []string
	return f.add(&flagDef{name: name, short: short, kind: sliceFlag, a: &v}).a
}

// Changed reports whether a flag was given.
func (f *flagSet) Changed(name string) bool { return f.set[name] }

func (f *flagSet) lookup(name string) *flagDef {
	for _, d := range f.flags {
		if d.name == name {
			return d
		}
	}
	return nil
}

func (f *flagSet) lookupShort(c string) *flagDef {
	for _, d := range f.flags {
		if d.short == c {
			return d
		}
	}
	return nil
}

// usageError is a command-line mistake; kubectl prints it with a hint.
type usageError struct {
	cmd, msg string
}

func (e *usageError) Error() string { return e.msg }

func (f *flagSet) errorf(format string, args ...any) error {
	return &usageError{cmd: f.cmd, msg: fmt.Sprintf(format, args...)}
}

// Parse reads flags from args and returns the positional arguments and,
// separately, those after "--".
func (f *flagSet) Parse(args []string) (pos, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return pos, args[i+1:], nil
		case strings.HasPrefix(a, "--"):
			if i, err = f.parseLong(args, i); err != nil {
				return nil, nil, err
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if i, err = f.parseShort(args, i); err != nil {
				return nil, nil, err
			}
		default:
			pos = append(pos, a)
		}
	}
	return pos, nil, nil
}

func (f *flagSet) parseLong(args []string, i int) (int, error) {
	name, value, hasValue := strings.Cut(args[i][2:], "=")
	d := f.lookup(name)
	if d == nil {
		return i, f.errorf("unknown flag: --%s", name)
	}
	if d.kind == boolFlag {
		if !hasValue {
			value = "true"
		}
		return i, f.setValue(d, "--"+name, value)
	}
	if !hasValue {
		if i+1 >= len(args) {
			if d.noOptValue != "" {
				return i, f.setValue(d, "--"+name, d.noOptValue)
			}
			return i, f.errorf("flag needs an argument: --%s", name)
		}
		i++
		value = args[i]
	}
	return i, f.setValue(d, "--"+name, value)
}

func (f *flagSet) parseShort(args []string, i int) (int, error) {
	shorts := args[i][1:]
	for j := 0; j < len(shorts); j++ {
		c := string(shorts[j])
		d := f.lookupShort(c)
		if d == nil {
			return i, f.errorf("unknown shorthand flag: '%s' in -%s", c, shorts)
		}
		if d.kind == boolFlag {
			value := "true"
			if j+1 < len(shorts) && shorts[j+1] == '=' {
				value = shorts[j+2:]
				j = len(shorts)
			}
			if err := f.setValue(d, "-"+c, value); err != nil {
				return i, err
			}
			continue
		}
		value := strings.TrimPrefix(shorts[j+1:], "=")
		if value == "" {
			if i+1 >= len(args) {
				return i, f.errorf("flag needs an argument: '%s' in -%s", c, shorts)
			}
			i++
			value = args[i]
		}
		return i, f.setValue(d, "-"+c, value)
	}
	return i, nil
}

func (f *flagSet) setValue(d *flagDef, spelled, value string) error {
	f.set[d.name] = true
	f.given = append(f.given, "--"+d.name+"="+value)
	switch d.kind {
	case boolFlag:
		v, err := strconv.ParseBool(value)
		if err != nil {
			return f.errorf("invalid argument %q for %q flag: strconv.ParseBool: parsing %q: invalid syntax", value, spelledName(d), value)
		}
		*d.b = v
	case stringFlag:
		*d.s = value
	case intFlag:
		v, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return f.errorf("invalid argument %q for %q flag: strconv.ParseInt: parsing %q: invalid syntax", value, spelledName(d), value)
		}
		*d.i = v
	case durationFlag:
		v, err := time.ParseDuration(value)
		if err != nil {
			return f.errorf("invalid argument %q for %q flag: time: invalid duration %q", value, spelledName(d), value)
		}
		*d.d = v
	case arrayFlag:
		*d.a = append(*d.a, value)
	case sliceFlag:
		if value == "" {
			return nil
		}
		v, err := csv.NewReader(strings.NewReader(value)).Read()
		if err != nil {
			return f.errorf("invalid argument %q for %q flag: %v", value, spelledName(d), err)
		}
		*d.a = append(*d.a, v...)
	}
	return nil
}

func spelledName(d *flagDef) string {
	if d.short != "" {
		return "-" + d.short + ", --" + d.name
	}
	return "--" + d.name
}
