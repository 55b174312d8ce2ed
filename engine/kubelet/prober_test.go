package kubelet

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// stopRecorder is a runtime that records the containers it is asked to stop.
type stopRecorder struct {
	fakeRuntime
	stopped map[string]time.Duration
}

func (r *stopRecorder) StopContainer(id string, grace time.Duration) { r.stopped[id] = grace }

func TestProbeThresholds(t *testing.T) {
	S, F := ProbeSuccess, ProbeFailure
	tests := []struct {
		name      string
		kind      string
		success   int32
		failure   int32
		grace     *int64
		attempts  []ProbeOutcome
		want      ProbeOutcome
		killGrace time.Duration // 0: not killed
	}{
		{name: "liveness below threshold", kind: liveness, failure: 3, attempts: []ProbeOutcome{F, F}, want: S},
		{name: "liveness fails", kind: liveness, failure: 3, attempts: []ProbeOutcome{F, F, F}, want: F, killGrace: 30 * time.Second},
		{name: "liveness failures must be in a row", kind: liveness, failure: 3, attempts: []ProbeOutcome{F, F, S, F, F}, want: S},
		{name: "probe's own grace period", kind: liveness, failure: 1, grace: api.Ptr(int64(5)), attempts: []ProbeOutcome{F}, want: F, killGrace: 5 * time.Second},
		{name: "startup fails", kind: startup, failure: 2, attempts: []ProbeOutcome{F, F}, want: F, killGrace: 30 * time.Second},
		{name: "readiness needs successThreshold", kind: readiness, success: 2, failure: 3, attempts: []ProbeOutcome{S}, want: F},
		{name: "readiness passes", kind: readiness, success: 2, failure: 3, attempts: []ProbeOutcome{S, S}, want: S},
		{name: "readiness fails without a kill", kind: readiness, success: 1, failure: 1, attempts: []ProbeOutcome{S, F}, want: F},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newTestKubelet(t)
			rt := &stopRecorder{stopped: map[string]time.Duration{}}
			k.rt = rt
			k.queue = loop.NewQueue(k.loop, func(string) (loop.Result, error) { return loop.Result{}, nil })
			spec := &api.Probe{SuccessThreshold: tt.success, FailureThreshold: tt.failure, TerminationGracePeriodSeconds: tt.grace}
			p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default", UID: "u"}, Spec: api.PodSpec{TerminationGracePeriodSeconds: api.Ptr(int64(30))}}
			c := api.Container{Name: "c"}
			cs := &containerState{name: "c", id: "c1"}
			w := &probeWorker{kind: tt.kind, key: "default/p", container: "c", spec: spec, id: "c1", result: initialResult(tt.kind)}
			for _, a := range tt.attempts {
				k.probeDone(p, c, cs, w, ProbeResult{Outcome: a, Output: "out\n"})
			}
			assert.Equal(t, tt.want, w.result)
			grace, killed := rt.stopped["c1"]
			assert.Equal(t, tt.killGrace != 0, killed)
			assert.Equal(t, tt.killGrace, grace)
			assert.Equal(t, killed, w.onHold)
		})
	}
}

func TestReadyAndStarted(t *testing.T) {
	probe := &api.Probe{}
	tests := []struct {
		name           string
		c              api.Container
		results        map[string]ProbeOutcome
		hook           bool
		started, ready bool
	}{
		{name: "no probes", c: api.Container{}, started: true, ready: true},
		{name: "readiness not yet", c: api.Container{ReadinessProbe: probe}, results: map[string]ProbeOutcome{readiness: ProbeFailure}, started: true},
		{name: "ready", c: api.Container{ReadinessProbe: probe}, results: map[string]ProbeOutcome{readiness: ProbeSuccess}, started: true, ready: true},
		{name: "startup pending", c: api.Container{StartupProbe: probe}, results: map[string]ProbeOutcome{startup: ProbeUnknown}},
		{name: "started", c: api.Container{StartupProbe: probe}, results: map[string]ProbeOutcome{startup: ProbeSuccess}, started: true, ready: true},
		{name: "postStart running", c: api.Container{}, hook: true, started: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &containerState{id: "c1", hookRunning: tt.hook, probes: map[string]*probeWorker{}}
			for kind, r := range tt.results {
				cs.probes[kind] = &probeWorker{kind: kind, id: "c1", spec: probe, result: r}
			}
			assert.Equal(t, tt.started, cs.started(tt.c))
			assert.Equal(t, tt.ready, cs.ready(tt.c))
		})
	}
}

// For any sequence of attempts, a readiness result is Success exactly when
// the last successThreshold attempts succeeded or it was Success and the
// failures since number fewer than failureThreshold (and the other way
// round), and a liveness probe kills only after failureThreshold failures
// in a row. Swept over seeds.
func TestProbeThresholdsProperty(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		kind := []string{readiness, liveness}[rng.IntN(2)]
		spec := &api.Probe{SuccessThreshold: int32(1 + rng.IntN(3)), FailureThreshold: int32(1 + rng.IntN(4))}
		if kind == liveness {
			spec.SuccessThreshold = 1
		}
		k := newTestKubelet(t)
		rt := &stopRecorder{stopped: map[string]time.Duration{}}
		k.rt = rt
		k.queue = loop.NewQueue(k.loop, func(string) (loop.Result, error) { return loop.Result{}, nil })
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default", UID: "u"}}
		cs := &containerState{name: "c", id: "c1"}
		w := &probeWorker{kind: kind, key: "default/p", container: "c", spec: spec, id: "c1", result: initialResult(kind)}
		var history []ProbeOutcome
		for i := 0; i < 30 && !w.onHold; i++ {
			a := []ProbeOutcome{ProbeSuccess, ProbeFailure}[rng.IntN(2)]
			before := w.result
			k.probeDone(p, api.Container{Name: "c"}, cs, w, ProbeResult{Outcome: a})
			history = append(history, a)
			tail := func(o ProbeOutcome, n int32) bool {
				if len(history) < int(n) {
					return false
				}
				for _, h := range history[len(history)-int(n):] {
					if h != o {
						return false
					}
				}
				return true
			}
			switch {
			case a == ProbeSuccess && tail(ProbeSuccess, spec.SuccessThreshold):
				assert.Equal(t, ProbeSuccess, w.result, "seed %d step %d", seed, i)
			case a == ProbeFailure && tail(ProbeFailure, spec.FailureThreshold):
				assert.Equal(t, ProbeFailure, w.result, "seed %d step %d", seed, i)
			default:
				assert.Equal(t, before, w.result, "seed %d step %d: below threshold, no change", seed, i)
			}
			_, killed := rt.stopped["c1"]
			assert.Equal(t, kind == liveness && w.result == ProbeFailure, killed, "seed %d step %d", seed, i)
		}
	}
}
