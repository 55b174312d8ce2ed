package endpointslice

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

// A pod's endpoints change with its IPs, as reflect.DeepEqual of their
// lists said.
func TestSamePodIPs(t *testing.T) {
	ips := func(s ...string) []api.PodIP {
		var out []api.PodIP
		for _, ip := range s {
			out = append(out, api.PodIP{IP: ip})
		}
		return out
	}
	for _, tt := range []struct {
		name string
		a, b []api.PodIP
		want bool
	}{
		{"none", nil, nil, true},
		{"none and empty", nil, []api.PodIP{}, true},
		{"same", ips("10.244.0.2", "fd00::2"), ips("10.244.0.2", "fd00::2"), true},
		{"added", nil, ips("10.244.0.2"), false},
		{"changed", ips("10.244.0.2"), ips("10.244.0.3"), false},
		{"reordered", ips("10.244.0.2", "fd00::2"), ips("fd00::2", "10.244.0.2"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, samePodIPs(tt.a, tt.b))
			pa, pb := &api.Pod{Status: api.PodStatus{PodIPs: tt.a}}, &api.Pod{Status: api.PodStatus{PodIPs: tt.b}}
			assert.Equal(t, reflect.DeepEqual(podIPs(pa), podIPs(pb)), samePodIPs(tt.a, tt.b))
		})
	}
}
