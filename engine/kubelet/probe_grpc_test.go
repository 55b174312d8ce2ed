package kubelet

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// grpc probes' results from the network become upstream's events: the
// failure in the prober's words, and for liveness the kill; a grpc probe
// is never reported as not simulated.
func TestGRPCProbeEvents(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		result ProbeResult
		want   []string // reason: message
	}{
		{name: "serving", kind: liveness, result: ProbeResult{Outcome: ProbeSuccess, Output: "service healthy"}},
		{name: "not serving", kind: liveness, result: ProbeResult{Outcome: ProbeFailure, Output: `service unhealthy (responded with "NOT_SERVING")`},
			want: []string{`Unhealthy: Liveness probe failed: service unhealthy (responded with "NOT_SERVING")`, "Killing: Container c failed liveness probe, will be restarted"}},
		{name: "unknown service", kind: readiness, result: ProbeResult{Outcome: ProbeFailure, Output: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"},
			want: []string{"Unhealthy: Readiness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"}},
		{name: "no server", kind: startup, result: ProbeResult{Outcome: ProbeFailure, Output: `timeout: failed to connect service "10.244.1.2:5000" within 1s: context deadline exceeded`},
			want: []string{`Unhealthy: Startup probe failed: timeout: failed to connect service "10.244.1.2:5000" within 1s: context deadline exceeded`, "Killing: Container c failed startup probe, will be restarted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newTestKubelet(t)
			k.rt = &stopRecorder{stopped: map[string]time.Duration{}}
			k.queue = loop.NewQueue(k.loop, func(string) (loop.Result, error) { return loop.Result{}, nil })
			spec := &api.Probe{ProbeHandler: api.ProbeHandler{GRPC: &api.GRPCAction{Port: 5000}}, FailureThreshold: 1}
			p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default", UID: "u"}}
			w := &probeWorker{kind: tt.kind, key: "default/p", container: "c", spec: spec, id: "c1", result: initialResult(tt.kind)}
			k.probeDone(p, api.Container{Name: "c"}, &containerState{name: "c", id: "c1"}, w, tt.result)
			k.loop.RunUntilIdle()
			evs, err := client.List[*api.Event](k.c, "default", apiserver.ListOptions{})
			require.NoError(t, err)
			var got []string
			for _, e := range evs {
				got = append(got, e.Reason+": "+e.Message)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
