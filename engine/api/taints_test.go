package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestToleratesTaint(t *testing.T) {
	taint := Taint{Key: "dedicated", Value: "gpu", Effect: "NoSchedule"}
	tests := []struct {
		name string
		tol  Toleration
		want bool
	}{
		{"equal", Toleration{Key: "dedicated", Operator: "Equal", Value: "gpu", Effect: "NoSchedule"}, true},
		{"no operator means Equal", Toleration{Key: "dedicated", Value: "gpu"}, true},
		{"other value", Toleration{Key: "dedicated", Value: "cpu"}, false},
		{"exists", Toleration{Key: "dedicated", Operator: "Exists"}, true},
		{"other effect", Toleration{Key: "dedicated", Operator: "Exists", Effect: "NoExecute"}, false},
		{"empty key exists tolerates all", Toleration{Operator: "Exists"}, true},
		{"other key", Toleration{Key: "zone", Operator: "Exists"}, false},
		{"unknown operator", Toleration{Key: "dedicated", Operator: "Lt", Value: "gpu"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.tol.ToleratesTaint(&taint))
			assert.Equal(t, tt.want, TolerationsTolerateTaint([]Toleration{{Key: "x", Operator: "Exists"}, tt.tol}, &taint))
		})
	}
}
