package tainteviction

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

var (
	unreachable = api.Taint{Key: "node.kubernetes.io/unreachable", Effect: api.TaintNoExecute}
	notReady    = api.Taint{Key: "node.kubernetes.io/not-ready", Effect: api.TaintNoExecute}
	// the tolerations DefaultTolerationSeconds gives every pod
	defaults = []api.Toleration{
		{Key: "node.kubernetes.io/not-ready", Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Ptr(int64(300))},
		{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Ptr(int64(300))},
	}
)

func TestTolerationTime(t *testing.T) {
	tests := []struct {
		name        string
		taints      []api.Taint
		tolerations []api.Toleration
		tolerated   bool
		wait        time.Duration
	}{
		{"no toleration", []api.Taint{unreachable}, nil, false, 0},
		{"the default 300 s", []api.Taint{unreachable}, defaults, true, 300 * time.Second},
		{"both taints", []api.Taint{unreachable, notReady}, defaults, true, 300 * time.Second},
		{"for ever", []api.Taint{unreachable}, []api.Toleration{{Operator: "Exists"}}, true, -1},
		{"the shortest", []api.Taint{unreachable, notReady}, []api.Toleration{defaults[0], {Key: unreachable.Key, Operator: "Exists", TolerationSeconds: api.Ptr(int64(60))}}, true, 60 * time.Second},
		{"zero", []api.Taint{unreachable}, []api.Toleration{{Key: unreachable.Key, Operator: "Exists", TolerationSeconds: api.Ptr(int64(0))}}, true, 0},
		{"other effect", []api.Taint{unreachable}, []api.Toleration{{Key: unreachable.Key, Operator: "Exists", Effect: api.TaintNoSchedule}}, false, 0},
		{"a value to match", []api.Taint{{Key: "dedicated", Value: "db", Effect: api.TaintNoExecute}}, []api.Toleration{{Key: "dedicated", Value: "db"}}, true, -1},
		{"a value that does not", []api.Taint{{Key: "dedicated", Value: "db", Effect: api.TaintNoExecute}}, []api.Toleration{{Key: "dedicated", Value: "web"}}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used, ok := matchingTolerations(tt.taints, tt.tolerations)
			assert.Equal(t, tt.tolerated, ok)
			if ok {
				assert.Equal(t, tt.wait, minTolerationTime(used))
			}
		})
	}
}
