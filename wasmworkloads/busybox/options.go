package main

import (
	"fmt"
	"strings"
)

// options holds parsed short options. BusyBox parses options with
// getopt32: clustered flags (-rf), values attached (-n5) or separate
// (-n 5), "--" ending the options, and (with glibc, as in the official
// busybox image) options found after operands too (`ls dir -l`).
type options struct {
	counts map[byte]int
	values map[byte][]string
	args   []string // the operands
}

// has reports whether option c was given.
func (o options) has(c byte) bool { return o.counts[c] > 0 }

// value is the last value given to option c, or "".
func (o options) value(c byte) string {
	if v := o.values[c]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// getopt parses args (not including argv[0]) with spec, a getopt string:
// letters are flags, a letter followed by ':' takes a value. A lone "-" is
// an operand (standard input), as is anything after "--".
func getopt(args []string, spec string) (options, error) {
	o := options{counts: map[byte]int{}, values: map[byte][]string{}}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			o.args = append(o.args, args[i+1:]...)
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			o.args = append(o.args, arg)
			continue
		}
		for j := 1; j < len(arg); j++ {
			c := arg[j]
			k := strings.IndexByte(spec, c)
			if k < 0 || c == ':' {
				return o, fmt.Errorf("invalid option -- '%c'", c)
			}
			o.counts[c]++
			if k+1 < len(spec) && spec[k+1] == ':' {
				switch {
				case j+1 < len(arg):
					o.values[c] = append(o.values[c], arg[j+1:])
				case i+1 < len(args):
					i++
					o.values[c] = append(o.values[c], args[i])
				default:
					return o, fmt.Errorf("option requires an argument -- '%c'", c)
				}
				break
			}
		}
	}
	return o, nil
}
