package session

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/store"
)

// Speed is how fast virtual time runs against the wall clock: Pause, a
// factor (1 is real time), or Max, as fast as the host can go, jumping
// from timer to timer whenever the cluster is idle, as `kubeplay shell`
// does while a command waits.
type Speed float64

// The speeds that are not factors.
const Pause Speed = 0

// Max runs the cluster as fast as the host allows.
var Max = Speed(math.Inf(1))

// maxFactor bounds the factors ParseSpeed accepts; past it, use max.
const maxFactor = 10000

// ParseSpeed reads a speed as `kubeplay speed` takes it: pause, max, or a
// factor such as 1, 10, 100 (an x after it is allowed: 10x).
func ParseSpeed(s string) (Speed, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch v {
	case "pause", "paused", "0":
		return Pause, nil
	case "max":
		return Max, nil
	}
	v = strings.TrimSuffix(v, "x")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || f <= 0 || f > maxFactor {
		return 0, fmt.Errorf("invalid speed %q: want pause, a factor from 1 to %d such as 1, 10 or 100, or max", s, maxFactor)
	}
	return Speed(f), nil
}

// String is the speed as ParseSpeed reads it: "pause", "max" or the factor.
func (v Speed) String() string {
	switch {
	case v <= 0:
		return "pause"
	case math.IsInf(float64(v), 1):
		return "max"
	}
	return strconv.FormatFloat(float64(v), 'g', -1, 64)
}

// maxSlice is how much wall time one Step at Max may spend before it
// hands the host back its thread (the browser needs it to deliver
// messages and let the page draw).
const maxSlice = 40 * time.Millisecond

// Speed returns the pacer's speed.
func (p *Pacer) Speed() Speed {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	return Speed(p.speed)
}

// runMax is Step at Max: it runs what is due and jumps the clock from
// timer to timer until the slice of wall time is spent (in the middle of
// an instant if need be: instant), the host holds the clock, or nothing
// is scheduled. It returns the wall time it stopped
// at, so a slower speed chosen next counts from there.
func (p *Pacer) runMax(wall time.Time) time.Time {
	l := p.s.cluster.Loop()
	for {
		if !p.instant(wall, maxSlice) {
			return p.now()
		}
		woke := p.wake()
		now := p.now()
		if woke > 0 || now.Sub(wall) >= maxSlice || l.Held() {
			return now
		}
		next, ok := p.next()
		if !ok {
			return now
		}
		l.Clock().Set(next)
	}
}

// Jump is what StepTimer and Skip did to the clock.
type Jump struct {
	From, To time.Time
	// Change names the change that ended a Skip ("pods default/web-1
	// created"), empty when it stopped for another reason.
	Change string
}

// StepTimer runs the cluster to the next instant at which something is
// scheduled (a timer: a sync period, the end of a backoff, a CronJob's
// next run) and runs what is due then. Work due now runs first; if there
// was some, the clock does not move.
func (s *Session) StepTimer() Jump {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.cluster.Loop()
	j := Jump{From: l.Now()}
	if l.RunUntilIdle() == 0 && !l.Held() {
		if next, ok := l.Clock().Next(); ok {
			l.Clock().Set(next)
			l.RunUntilIdle()
		}
	}
	j.To = l.Now()
	s.afterJump()
	return j
}

// The limits of a Skip: it looks at most this far ahead, and through at
// most this many instants (both are virtual: the history must not depend
// on how fast the host is).
const (
	skipHorizon  = 24 * time.Hour
	skipInstants = 200000
)

// Skip runs the cluster timer by timer until an object changes (other
// than the nodes' heartbeats, Leases and Node status writes that change
// no condition, and Events, which only tell of changes), and stops right
// after that instant. It gives up after a
// day of virtual time.
func (s *Session) Skip() Jump {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchChanges()
	l := s.cluster.Loop()
	j := Jump{From: l.Now()}
	s.change = ""
	l.RunUntilIdle()
	for i := 0; i < skipInstants && s.change == "" && !l.Held(); i++ {
		next, ok := l.Clock().Next()
		if !ok || next.After(j.From.Add(skipHorizon)) {
			break
		}
		l.Clock().Set(next)
		l.RunUntilIdle()
	}
	j.To, j.Change = l.Now(), s.change
	s.afterJump()
	return j
}

// afterJump lets waiting commands see the new time and keeps the cluster.
func (s *Session) afterJump() {
	if p, ok := s.waiter.(*Pacer); ok {
		p.wake()
	}
	_ = s.save()
}

// watchChanges starts noting the cluster's changes, once, for Skip.
func (s *Session) watchChanges() {
	if s.changes {
		return
	}
	s.changes = true
	s.cluster.API().Observe(func(ev store.Event) {
		if s.change == "" && notable(ev) {
			s.change = describeChange(ev)
		}
	})
}

// notable tells a change a user would notice from a heartbeat.
func notable(ev store.Event) bool {
	key := ev.KV.Key
	switch {
	case strings.HasPrefix(key, "/registry/leases."), strings.HasPrefix(key, "/registry/events"):
		return false
	case strings.HasPrefix(key, "/registry/nodes/") && ev.Type != store.Delete && ev.Prev != nil:
		return !sameNodeState(ev.Prev.Value, ev.KV.Value)
	}
	return true
}

// describeChange names a change as "pods default/web-1 created".
func describeChange(ev store.Event) string {
	rest := strings.TrimPrefix(ev.KV.Key, "/registry/")
	resource, name, _ := strings.Cut(rest, "/")
	verb := "changed"
	switch {
	case ev.Type == store.Delete:
		verb = "deleted"
	case ev.Prev == nil:
		verb = "created"
	}
	return resource + " " + name + " " + verb
}

// sameNodeState reports whether a Node write changed nothing but
// heartbeat times: not its spec, nor any condition's status.
func sameNodeState(prev, cur api.Object) bool {
	a, ok1 := prev.(*api.Node)
	b, ok2 := cur.(*api.Node)
	if !ok1 || !ok2 || !reflect.DeepEqual(a.Spec, b.Spec) || len(a.Status.Conditions) != len(b.Status.Conditions) {
		return false
	}
	for i, c := range a.Status.Conditions {
		if d := b.Status.Conditions[i]; c.Type != d.Type || c.Status != d.Status {
			return false
		}
	}
	return true
}

// speedOf is the session's speed as `kubeplay speed` shows it: the
// pacer's in the browser; natively time jumps ahead whenever a command
// waits, which is Max.
func (s *Session) speedOf() Speed {
	s.mu.Lock()
	p, ok := s.waiter.(*Pacer)
	s.mu.Unlock()
	if !ok {
		return Max
	}
	return p.Speed()
}

func (s *Session) setSpeed(v Speed) error {
	s.mu.Lock()
	p, ok := s.waiter.(*Pacer)
	s.mu.Unlock()
	if !ok {
		if v == Max {
			return nil
		}
		return fmt.Errorf("time is not paced in this shell: it jumps ahead whenever a command waits (max)")
	}
	p.SetSpeed(float64(v))
	return nil
}

// host is what the shell sees of the session: waits, and the clock.
type host struct{ s *Session }

func (h host) Wait(ctx context.Context, d time.Duration, cond func() bool) error {
	return h.s.waiter.Wait(ctx, d, cond)
}

func (h host) Speed() string { return h.s.speedOf().String() }

func (h host) SetSpeed(v string) error {
	sp, err := ParseSpeed(v)
	if err != nil {
		return err
	}
	return h.s.setSpeed(sp)
}

func (h host) Step() (from, to time.Time) {
	j := h.s.StepTimer()
	return j.From, j.To
}

func (h host) Skip() (from, to time.Time, change string) {
	j := h.s.Skip()
	return j.From, j.To, j.Change
}
