package main

import (
	"bytes"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// sleepForever stands for `sleep infinity`.
const sleepForever = time.Duration(math.MaxInt64)

// sleepMain sleeps for the sum of its arguments, each a number (fractions
// allowed) with an optional unit s, m, h or d, or "infinity", as BusyBox's
// sleep with FEATURE_FANCY_SLEEP and FLOAT_SLEEP.
func sleepMain(p *proc) int {
	args := p.args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return p.usageError("missing operand")
	}
	var total time.Duration
	for _, arg := range args {
		d, err := parseSleep(arg)
		if err != nil {
			p.errorf("invalid number '%s'", arg)
			return 1
		}
		total = addSaturating(total, d)
	}
	for total > 0 {
		// A Go timer cannot wait past 2^63 ns (292 years); sleep in chunks
		// of a day so that infinity stays infinity. A pending timer also
		// keeps the Go runtime from declaring a deadlock.
		chunk := min(total, 24*time.Hour)
		if !p.sleep(chunk) {
			return 1
		}
		if total != sleepForever {
			total -= chunk
		}
	}
	return 0
}

// parseSleep reads one sleep operand.
func parseSleep(s string) (time.Duration, error) {
	if s == "inf" || s == "infinity" {
		return sleepForever, nil
	}
	unit := time.Second
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 's':
			s = s[:n-1]
		case 'm':
			unit, s = time.Minute, s[:n-1]
		case 'h':
			unit, s = time.Hour, s[:n-1]
		case 'd':
			unit, s = 24*time.Hour, s[:n-1]
		}
	}
	if s == "" || strings.HasPrefix(s, "-") || strings.ContainsAny(s, "xX") {
		return 0, strconv.ErrSyntax // no negatives, nor Go's hex floats
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		return 0, strconv.ErrSyntax
	}
	ns := v * float64(unit)
	if ns >= float64(sleepForever) {
		return sleepForever, nil
	}
	return time.Duration(ns), nil
}

// addSaturating adds durations, stopping at sleepForever.
func addSaturating(a, b time.Duration) time.Duration {
	if a > sleepForever-b {
		return sleepForever
	}
	return a + b
}

// yesMain prints its arguments (or "y") forever, until writing fails (the
// reader of a pipe went away) or the applet's context ends. It writes in
// large chunks, and yields to other goroutines between them: wasm has no
// preemption, and within sh a pipeline's other stages run as goroutines of
// the same single thread. Each chunk is a host call, where the host can
// stop the module.
func yesMain(p *proc) int {
	line := "y"
	if len(p.args) > 1 {
		line = strings.Join(p.args[1:], " ")
	}
	chunk := bytes.Repeat([]byte(line+"\n"), max(1, 8192/(len(line)+1)))
	for p.ctx.Err() == nil {
		if _, err := p.stdout.Write(chunk); err != nil {
			if isBrokenPipe(err) {
				return exitBrokenPipe
			}
			return 1
		}
		runtime.Gosched()
	}
	return 1
}
