package kubelet

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

func st(state string, code int32, restarted bool) api.ContainerStatus {
	s := api.ContainerStatus{}
	switch state {
	case "running":
		s.State.Running = &api.ContainerStateRunning{}
	case "waiting":
		s.State.Waiting = &api.ContainerStateWaiting{Reason: "ContainerCreating"}
	case "terminated":
		s.State.Terminated = &api.ContainerStateTerminated{ExitCode: code}
	}
	if restarted {
		s.LastTerminationState.Terminated = &api.ContainerStateTerminated{ExitCode: 1}
	}
	return s
}

func TestPhase(t *testing.T) {
	tests := []struct {
		name     string
		policy   string
		statuses []api.ContainerStatus
		initRun  bool
		want     string
		deleted  bool
	}{
		{"initializing", "Always", []api.ContainerStatus{st("waiting", 0, false)}, true, "Pending", false},
		{"creating", "Always", []api.ContainerStatus{st("waiting", 0, false)}, false, "Pending", false},
		{"running", "Always", []api.ContainerStatus{st("running", 0, false)}, false, "Running", false},
		{"one runs one creating", "Always", []api.ContainerStatus{st("running", 0, false), st("waiting", 0, false)}, false, "Pending", false},
		{"crash looping", "Always", []api.ContainerStatus{st("waiting", 0, true)}, false, "Running", false},
		{"done, always", "Always", []api.ContainerStatus{st("terminated", 0, false)}, false, "Running", false},
		{"succeeded", "Never", []api.ContainerStatus{st("terminated", 0, false), st("terminated", 0, false)}, false, "Succeeded", false},
		{"failed", "Never", []api.ContainerStatus{st("terminated", 0, false), st("terminated", 2, false)}, false, "Failed", false},
		{"on failure retries", "OnFailure", []api.ContainerStatus{st("terminated", 2, false)}, false, "Running", false},
		{"on failure succeeded", "OnFailure", []api.ContainerStatus{st("terminated", 0, false)}, false, "Succeeded", false},
		{"deleted, always, killed", "Always", []api.ContainerStatus{st("terminated", 137, false)}, false, "Failed", true},
		{"deleted, always, exited 0", "Always", []api.ContainerStatus{st("terminated", 0, false), st("terminated", 0, false)}, false, "Succeeded", true},
		{"deleted, on failure, one killed", "OnFailure", []api.ContainerStatus{st("terminated", 0, false), st("terminated", 137, false)}, false, "Failed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &api.Pod{Spec: api.PodSpec{RestartPolicy: tt.policy}}
			for range tt.statuses {
				p.Spec.Containers = append(p.Spec.Containers, api.Container{})
			}
			assert.Equal(t, tt.want, phase(p, api.PodStatus{ContainerStatuses: tt.statuses}, tt.initRun, tt.deleted))
		})
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"NAME": "web", "PORT": "80"}
	tests := []struct{ in, want string }{
		{"$(NAME):$(PORT)", "web:80"},
		{"$(MISSING)", "$(MISSING)"},
		{"$$(NAME)", "$(NAME)"},
		{"cost $5", "cost $5"},
		{"$(UNCLOSED", "$(UNCLOSED"},
		{"trailing $", "trailing $"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, expand(tt.in, func(n string) (string, bool) { v, ok := vars[n]; return v, ok }), tt.in)
	}
}

func TestNextBackoff(t *testing.T) {
	var got []string
	d := nextBackoff(0)
	for range 7 {
		got = append(got, d.String())
		d = nextBackoff(d)
	}
	assert.Equal(t, []string{"10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s"}, got)
}

func TestReadinessGates(t *testing.T) {
	ready := api.PodCondition{Type: api.PodReady, Status: api.ConditionTrue}
	tests := []struct {
		name       string
		gates      []string
		conditions []api.PodCondition
		status     string
		message    string
	}{
		{name: "no gates", status: "True"},
		{name: "gate true", gates: []string{"example.com/lb"}, conditions: []api.PodCondition{{Type: "example.com/lb", Status: "True"}}, status: "True"},
		{name: "gate missing", gates: []string{"example.com/lb"}, status: "False",
			message: `corresponding condition of pod readiness gate "example.com/lb" does not exist.`},
		{name: "gate false and missing", gates: []string{"example.com/lb", "example.com/dns"},
			conditions: []api.PodCondition{{Type: "example.com/lb", Status: "False"}}, status: "False",
			message: `the status of pod readiness gate "example.com/lb" is not "True", but False, corresponding condition of pod readiness gate "example.com/dns" does not exist.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &api.Pod{Status: api.PodStatus{Conditions: tt.conditions}}
			for _, g := range tt.gates {
				p.Spec.ReadinessGates = append(p.Spec.ReadinessGates, api.PodReadinessGate{ConditionType: g})
			}
			got := readinessGates(p, ready)
			assert.Equal(t, tt.status, got.Status)
			assert.Equal(t, tt.message, got.Message)
			if tt.message != "" {
				assert.Equal(t, "ReadinessGatesNotReady", got.Reason)
			}
		})
	}
}

func TestMergeKeepsOthersConditions(t *testing.T) {
	then := api.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	now := api.NewTime(then.Add(time.Minute))
	p := &api.Pod{Status: api.PodStatus{Conditions: []api.PodCondition{
		{Type: api.PodReady, Status: "True", LastTransitionTime: then},
		{Type: "DisruptionTarget", Status: "True", Reason: "EvictionByEvictionAPI", LastTransitionTime: then},
	}}}
	got := mergeConditions(nil, p, []api.PodCondition{
		{Type: api.PodReady, Status: "True"},
		{Type: api.ContainersReady, Status: "False"},
	}, now)
	assert.Equal(t, []api.PodCondition{
		{Type: "DisruptionTarget", Status: "True", Reason: "EvictionByEvictionAPI", LastTransitionTime: then},
		{Type: api.PodReady, Status: "True", LastTransitionTime: then},
		{Type: api.ContainersReady, Status: "False", LastTransitionTime: now},
	}, got)
}

// A container that has run for 10 minutes forgets its crash-loop backoff,
// as the kubelet's backoff entries expire.
func TestBackoffResetAfterTenMinutes(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		ran  time.Duration
		want time.Duration
	}{
		{ran: time.Minute, want: 80 * time.Second},
		{ran: 9*time.Minute + 59*time.Second, want: 80 * time.Second},
		{ran: 10 * time.Minute, want: 0},
	}
	for _, tt := range tests {
		k := newTestKubelet(t)
		k.loop.AdvanceTo(start.Add(tt.ran))
		cs := &containerState{crashBackoff: 80 * time.Second}
		k.noteHealthyRun(cs, runtime.ContainerStatus{StartedAt: start})
		assert.Equal(t, tt.want, cs.crashBackoff, tt.ran.String())
	}
}
