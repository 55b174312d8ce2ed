package awk

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// value is an awk value: a number, a string, or a string from input that
// looks like a number (a strnum), which compares as a number.
type value struct {
	kind valueKind
	s    string
	n    float64
}

type valueKind uint8

const (
	kNone   valueKind = iota // uninitialized: "" and 0
	kNum                     // a number
	kStr                     // a string
	kStrNum                  // input that may be numeric
)

func num(n float64) value  { return value{kind: kNum, n: n} }
func str(s string) value   { return value{kind: kStr, s: s} }
func boolean(b bool) value { return num(float64(boolInt(b))) }

// strnum is input text: numeric in comparisons if it looks like a number.
func strnum(s string) value {
	if n, ok := looksNumeric(s); ok {
		return value{kind: kStrNum, s: s, n: n}
	}
	return str(s)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// looksNumeric tells whether all of s is a number, blanks around allowed.
func looksNumeric(s string) (float64, bool) {
	t := strings.Trim(s, " \t\n")
	if t == "" {
		return 0, false
	}
	n, end := strToNum(t)
	return n, end == len(t)
}

// strToNum reads the longest number at the start of s (after blanks), as
// strtod does without hex and inf; it returns the number and where it ends.
func strToNum(s string) (float64, int) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		k := i + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for i = k; i < len(s) && isDigit(s[i]); i++ {
			}
		}
	}
	n, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return 0, 0
	}
	return n, i
}

func (v value) num() float64 {
	switch v.kind {
	case kNum, kStrNum:
		return v.n
	case kStr:
		n, _ := strToNum(v.s)
		return n
	}
	return 0
}

// str converts a value to a string, numbers with format (CONVFMT or
// OFMT) unless they are integers.
func (v value) str(format string) string {
	switch v.kind {
	case kNum:
		return numToStr(v.n, format)
	case kStr, kStrNum:
		return v.s
	}
	return ""
}

func numToStr(n float64, format string) string {
	switch {
	case n == math.Trunc(n) && math.Abs(n) < 1e16:
		return strconv.FormatInt(int64(n), 10)
	case n == math.Trunc(n) && !math.IsInf(n, 0):
		return strconv.FormatFloat(n, 'f', 0, 64) // gawk prints integral values whole
	case math.IsNaN(n):
		return "nan"
	case math.IsInf(n, 1):
		return "inf"
	case math.IsInf(n, -1):
		return "-inf"
	}
	return sprintf(format, []value{num(n)}, format)
}

func (v value) bool() bool {
	switch v.kind {
	case kNum:
		return v.n != 0
	case kStr:
		return v.s != ""
	case kStrNum:
		return v.n != 0
	}
	return false
}

// compare compares as numbers when both sides are numeric, else as strings.
func compare(a, b value, convfmt string) int {
	if a.numeric() && b.numeric() {
		switch an, bn := a.num(), b.num(); {
		case an < bn:
			return -1
		case an > bn:
			return 1
		}
		return 0
	}
	return strings.Compare(a.str(convfmt), b.str(convfmt))
}

func (v value) numeric() bool { return v.kind == kNum || v.kind == kStrNum || v.kind == kNone }

// sprintf formats as C's printf does, for awk's printf and sprintf.
func sprintf(format string, args []value, convfmt string) string {
	var b strings.Builder
	next := func() value {
		if len(args) == 0 {
			return value{}
		}
		v := args[0]
		args = args[1:]
		return v
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		spec := "%"
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			spec += string(format[j])
			j++
		}
		for j < len(format) && (isDigit(format[j]) || format[j] == '*' || format[j] == '.') {
			if format[j] == '*' {
				spec += strconv.Itoa(int(next().num()))
			} else {
				spec += string(format[j])
			}
			j++
		}
		if j == len(format) {
			b.WriteString(format[i:])
			break
		}
		b.WriteString(formatOne(spec, format[j], next, convfmt))
		i = j
	}
	return b.String()
}

func formatOne(spec string, verb byte, next func() value, convfmt string) string {
	switch verb {
	case '%':
		return "%"
	case 'd', 'i':
		n := next().num()
		if math.IsInf(n, 0) || math.IsNaN(n) {
			return fmt.Sprintf(strings.Replace(spec, "0", "", 1)+"s", numToStr(n, convfmt))
		}
		return fmt.Sprintf(spec+"d", int64(n))
	case 'o', 'x', 'X', 'u':
		n := int64(next().num())
		if verb == 'u' {
			verb = 'd'
			if n < 0 {
				return fmt.Sprintf(spec+"d", uint64(n))
			}
		}
		if n < 0 {
			return fmt.Sprintf(spec+string(verb), uint64(n))
		}
		return fmt.Sprintf(spec+string(verb), n)
	case 'e', 'E', 'f', 'F', 'g', 'G':
		if !strings.Contains(spec, ".") && (verb == 'g' || verb == 'G') {
			spec += ".6"
		}
		return fmt.Sprintf(spec+string(verb), next().num())
	case 'c':
		v := next()
		if v.kind == kNum {
			return fmt.Sprintf(spec+"c", rune(int(v.n)))
		}
		s := []rune(v.str(convfmt))
		if len(s) == 0 {
			return fmt.Sprintf(spec+"s", "")
		}
		return fmt.Sprintf(spec+"c", s[0])
	case 's':
		return fmt.Sprintf(spec+"s", next().str(convfmt))
	}
	return spec + string(verb)
}
