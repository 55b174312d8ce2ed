package main

import (
	"io"
	"strconv"
	"strings"
)

// sprintf is the little of fmt.Sprintf the image's messages use (%s, %d,
// %c, %v and %%): fmt alone would add a tenth to the module.
func sprintf(format string, args ...any) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		if format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		if len(args) == 0 {
			b.WriteString("%!" + string(format[i]) + "(MISSING)")
			continue
		}
		b.WriteString(str(args[0], format[i]))
		args = args[1:]
	}
	return b.String()
}

func str(v any, verb byte) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		if verb == 'c' {
			return string(rune(x))
		}
		return strconv.Itoa(x)
	case byte:
		if verb == 'c' {
			return string(x)
		}
		return strconv.Itoa(int(x))
	case error:
		return x.Error()
	}
	return "?"
}

// fprintf writes sprintf's result.
func fprintf(w io.Writer, format string, args ...any) {
	io.WriteString(w, sprintf(format, args...))
}
