package main

import (
	"math"
	"strconv"
	"strings"
)

// seqMain prints a sequence of numbers: seq [-w] [-s SEP] [FIRST [INC]]
// LAST. Options are looked for only before the numbers, which may be
// negative. Fractions print with as many decimals as the operands have.
func seqMain(p *proc) int {
	args := p.args[1:]
	sep, equalWidth := "\n", false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && !isNumber(args[0]) {
		arg := args[0]
		args = args[1:]
		switch {
		case arg == "--":
		case arg == "-w":
			equalWidth = true
		case arg == "-s":
			if len(args) == 0 {
				return p.usageError("option requires an argument -- 's'")
			}
			sep, args = args[0], args[1:]
		case strings.HasPrefix(arg, "-s"):
			sep = arg[2:]
		default:
			return p.usageError("invalid option -- '%s'", strings.TrimPrefix(arg, "-"))
		}
		if arg == "--" {
			break
		}
	}
	if len(args) < 1 || len(args) > 3 {
		return p.usageError("wrong number of operands")
	}
	first, inc := 1.0, 1.0
	decimals := 0
	var nums []float64
	for _, a := range args {
		v, err := strconv.ParseFloat(a, 64)
		if err != nil || math.IsNaN(v) {
			p.errorf("invalid number '%s'", a)
			return 1
		}
		if i := strings.IndexByte(a, '.'); i >= 0 {
			decimals = max(decimals, len(a)-i-1)
		}
		nums = append(nums, v)
	}
	last := nums[len(nums)-1]
	switch len(nums) {
	case 2:
		first = nums[0]
	case 3:
		first, inc = nums[0], nums[1]
	}
	if inc == 0 {
		p.errorf("invalid Zero increment value '%s'", args[1])
		return 1
	}
	width := 0
	if equalWidth {
		width = max(len(strconv.FormatFloat(first, 'f', decimals, 64)), len(strconv.FormatFloat(last, 'f', decimals, 64)))
	}
	out := newOutput(p.stdout)
	defer out.Flush()
	for i := 0; ; i++ {
		v := first + float64(i)*inc // no accumulated rounding error
		if (inc > 0 && v > last) || (inc < 0 && v < last) {
			break
		}
		if i > 0 {
			out.WriteString(sep)
		}
		s := strconv.FormatFloat(v, 'f', decimals, 64)
		for len(s) < width {
			if s[0] == '-' {
				s = "-0" + s[1:]
			} else {
				s = "0" + s
			}
		}
		if _, err := out.WriteString(s); err != nil {
			return 1
		}
		if i%1024 == 1023 && out.Flush() != nil {
			return 1
		}
	}
	if (inc > 0 && first <= last) || (inc < 0 && first >= last) {
		out.WriteString("\n")
	}
	return 0
}

// isNumber reports whether s parses as a number (so "-1" is an operand).
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
