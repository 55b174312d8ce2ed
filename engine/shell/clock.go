package shell

import (
	"fmt"
	"time"

	"mvdan.cc/sh/v3/interp"
)

// Clock is the cluster's clock as `kubeplay speed`, `step` and `skip`
// drive it. The shell's Host implements it when time can be driven (the
// session's does); the calls take the cluster themselves.
type Clock interface {
	Speed() string
	SetSpeed(speed string) error
	// Step runs the cluster to the next instant something is scheduled.
	Step() (from, to time.Time)
	// Skip runs it until an object changes, naming the change.
	Skip() (from, to time.Time, change string)
}

var kubeplayClockTools = map[string]*tool{
	"speed": {name: "kubeplay speed", usage: []string{"kubeplay speed [pause|1|10|100|max]"},
		about: "Show or set how fast the cluster's virtual time runs: paused, 1, 10 or 100 times\nthe wall clock, or max (as fast as the machine goes, jumping ahead whenever the\ncluster is idle).", status: 1},
	"step": {name: "kubeplay step", usage: []string{"kubeplay step"},
		about: "Run the cluster to the next instant something is scheduled (a sync, the end\nof a backoff, a CronJob's run) and run what is due then. Useful while paused.", status: 1},
	"skip": {name: "kubeplay skip", usage: []string{"kubeplay skip"},
		about: "Run the cluster ahead until an object changes (heartbeats aside), at most a day.", status: 1},
}

// kubeplayClock runs kubeplay speed, step and skip.
func (s *Shell) kubeplayClock(hc interp.HandlerContext, verb string, args []string) int {
	t := kubeplayClockTools[verb]
	p, code, done := t.parse(hc, args)
	if done {
		return code
	}
	c, ok := s.cfg.Host.(Clock)
	if !ok {
		fmt.Fprintln(hc.Stderr, "kubeplay: this shell's clock cannot be driven")
		return 1
	}
	max := 0
	if verb == "speed" {
		max = 1
	}
	if len(p.args) > max {
		return t.usageError(hc.Stderr, "extra operand '%s'", p.args[max])
	}
	switch {
	case verb == "speed" && len(p.args) == 1:
		if err := c.SetSpeed(p.args[0]); err != nil {
			fmt.Fprintf(hc.Stderr, "kubeplay: %v\n", err)
			return 1
		}
		fallthrough
	case verb == "speed":
		fmt.Fprintf(hc.Stdout, "speed: %s\n", speedText(c.Speed()))
	case verb == "step":
		from, to := c.Step()
		fmt.Fprintln(hc.Stdout, jumpText(from, to))
	default:
		from, to, change := c.Skip()
		if change == "" {
			change = "nothing changed"
		}
		fmt.Fprintf(hc.Stdout, "%s: %s\n", jumpText(from, to), change)
	}
	return 0
}

func speedText(v string) string {
	switch v {
	case "pause", "max":
		return v
	}
	return v + "x"
}

// jumpText shows where a jump took the clock: "12:05:10 (+10s)".
func jumpText(from, to time.Time) string {
	return fmt.Sprintf("%s (+%s)", to.UTC().Format("2006-01-02T15:04:05.000Z"), to.Sub(from))
}
