package podautoscaler

import (
	"math"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Stabilization and rate limits (horizontal.go's normalizeDesiredReplicas
// and normalizeDesiredReplicasWithBehaviors).

type recommendation struct {
	replicas int32
	at       time.Time
}

type scaleEvent struct {
	change   int32
	at       time.Time
	outdated bool
}

// history is what the controller remembers of one autoscaler.
type history struct {
	recommendations    []recommendation
	scaleUp, scaleDown []scaleEvent
}

// limit is a normalized count with the ScalingLimited reason and message.
type limit struct {
	replicas        int32
	reason, message string
}

var withinRange = limit{reason: "DesiredWithinRange", message: "the desired count is within the acceptable range"}

// stabilize (no behavior) keeps the highest recommendation of the
// downscale stabilization window.
func (h *history) stabilize(now time.Time, desired int32) int32 {
	best := desired
	old := -1
	cutoff := now.Add(-downscaleStabilizationWindow)
	for i, r := range h.recommendations {
		if r.at.Before(cutoff) {
			old = i
		} else if r.replicas > best {
			best = r.replicas
		}
	}
	h.record(old, recommendation{desired, now})
	return best
}

func (h *history) record(old int, r recommendation) {
	if old >= 0 {
		h.recommendations[old] = r
		return
	}
	h.recommendations = append(h.recommendations, r)
}

// withRules is convertDesiredReplicasWithRules: min and max, and a
// scale-up of at most double (at least 4).
func withRules(current, desired, minReplicas, maxReplicas int32) limit {
	upLimit := int32(math.Max(2*float64(current), 4))
	maxAllowed := maxReplicas
	l := limit{reason: "TooManyReplicas", message: "the desired replica count is more than the maximum replica count"}
	if maxReplicas > upLimit {
		maxAllowed = upLimit
		l = limit{reason: "ScaleUpLimit", message: "the desired replica count is increasing faster than the maximum scale rate"}
	}
	switch {
	case desired < minReplicas:
		return limit{minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"}
	case desired > maxAllowed:
		l.replicas = maxAllowed
		return l
	}
	out := withinRange
	out.replicas = desired
	return out
}

// stabilizeWithBehavior keeps the recommendation between the lowest of
// the scale-up window and the highest of the scale-down window.
func (h *history) stabilizeWithBehavior(now time.Time, b *api.HorizontalPodAutoscalerBehavior, current, desired int32) (int32, string, string) {
	up, down := desired, desired
	upCut := now.Add(-seconds(b.ScaleUp.StabilizationWindowSeconds))
	downCut := now.Add(-seconds(b.ScaleDown.StabilizationWindowSeconds))
	old := -1
	for i, r := range h.recommendations {
		if r.at.After(upCut) {
			up = min(up, r.replicas)
		}
		if r.at.After(downCut) {
			down = max(down, r.replicas)
		}
		if r.at.Before(upCut) && r.at.Before(downCut) {
			old = i
		}
	}
	rec := max(current, up)
	rec = min(rec, down)
	h.record(old, recommendation{desired, now})
	if desired >= current {
		return rec, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation"
	}
	return rec, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"
}

func seconds(s *int32) time.Duration {
	if s == nil {
		return 0
	}
	return time.Duration(*s) * time.Second
}

// withBehaviorRate is convertDesiredReplicasWithBehaviorRate: min, max
// and the policies' rates.
func (h *history) withBehaviorRate(now time.Time, b *api.HorizontalPodAutoscalerBehavior, current, desired, minReplicas, maxReplicas int32) limit {
	switch {
	case desired > current:
		upLimit := max(scaleUpLimit(now, current, h.scaleUp, b.ScaleUp), current)
		maxAllowed := maxReplicas
		l := limit{reason: "TooManyReplicas", message: "the desired replica count is more than the maximum replica count"}
		if maxAllowed > upLimit {
			maxAllowed = upLimit
			l = limit{reason: "ScaleUpLimit", message: "the desired replica count is increasing faster than the maximum scale rate"}
		}
		if desired > maxAllowed {
			l.replicas = maxAllowed
			return l
		}
	case desired < current:
		downLimit := min(scaleDownLimit(now, current, h.scaleDown, b.ScaleDown), current)
		minAllowed := minReplicas
		l := limit{reason: "TooFewReplicas", message: "the desired replica count is less than the minimum replica count"}
		if minAllowed < downLimit {
			minAllowed = downLimit
			l = limit{reason: "ScaleDownLimit", message: "the desired replica count is decreasing faster than the maximum scale rate"}
		}
		if desired < minAllowed {
			l.replicas = minAllowed
			return l
		}
	}
	out := withinRange
	out.replicas = desired
	return out
}

// changeInPeriod sums the changes of the events within a period.
func changeInPeriod(now time.Time, period int32, events []scaleEvent) int32 {
	cutoff := now.Add(-time.Duration(period) * time.Second)
	var n int32
	for _, e := range events {
		if e.at.After(cutoff) {
			n += e.change
		}
	}
	return n
}

func selectPolicy(r *api.HPAScalingRules) string {
	if r.SelectPolicy == nil {
		return "Max"
	}
	return *r.SelectPolicy
}

// scaleUpLimit is calculateScaleUpLimitWithScalingRules.
func scaleUpLimit(now time.Time, current int32, events []scaleEvent, r *api.HPAScalingRules) int32 {
	pick := maxOf
	switch selectPolicy(r) {
	case "Disabled":
		return current
	case "Min":
		pick = minOf
	}
	var result int32
	for i, p := range r.Policies {
		start := current - changeInPeriod(now, p.PeriodSeconds, events)
		var proposed int32
		if p.Type == "Pods" {
			proposed = start + p.Value
		} else {
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		if i == 0 && selectPolicy(r) == "Min" {
			result = proposed
		}
		result = pick(result, proposed)
	}
	return result
}

// scaleDownLimit is calculateScaleDownLimitWithBehaviors.
func scaleDownLimit(now time.Time, current int32, events []scaleEvent, r *api.HPAScalingRules) int32 {
	pick := minOf
	switch selectPolicy(r) {
	case "Disabled":
		return current
	case "Min":
		pick = maxOf
	}
	var result int32 = math.MaxInt32
	for i, p := range r.Policies {
		start := current + changeInPeriod(now, p.PeriodSeconds, events)
		var proposed int32
		if p.Type == "Pods" {
			proposed = start - p.Value
		} else {
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		if i == 0 && selectPolicy(r) == "Min" {
			result = proposed
		}
		result = pick(result, proposed)
	}
	return result
}

// storeScaleEvent remembers a rescale for the policies' periods, reusing
// the slot of an event older than the longest period.
func (h *history) storeScaleEvent(now time.Time, b *api.HorizontalPodAutoscalerBehavior, prev, cur int32) {
	if b == nil {
		return
	}
	events, rules, change := &h.scaleDown, b.ScaleDown, prev-cur
	if cur > prev {
		events, rules, change = &h.scaleUp, b.ScaleUp, cur-prev
	}
	var longest int32
	for _, p := range rules.Policies {
		longest = max(longest, p.PeriodSeconds)
	}
	cutoff := now.Add(-time.Duration(longest) * time.Second)
	old := -1
	for i := range *events {
		if (*events)[i].at.Before(cutoff) {
			(*events)[i].outdated = true
		}
		if (*events)[i].outdated {
			old = i
		}
	}
	e := scaleEvent{change: change, at: now}
	if old >= 0 {
		(*events)[old] = e
		return
	}
	*events = append(*events, e)
}

func maxOf(a, b int32) int32 { return max(a, b) }
func minOf(a, b int32) int32 { return min(a, b) }
