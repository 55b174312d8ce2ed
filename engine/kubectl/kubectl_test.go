package kubectl

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestFlagParsing(t *testing.T) {
	tests := []struct {
		args      []string
		ns, o     string
		all       bool
		pos, rest []string
		err       string
	}{
		{args: []string{"pods", "-n", "kube-system"}, ns: "kube-system", pos: []string{"pods"}},
		{args: []string{"-nkube-system", "pods"}, ns: "kube-system", pos: []string{"pods"}},
		{args: []string{"--namespace=x", "pods", "-o", "wide"}, ns: "x", o: "wide", pos: []string{"pods"}},
		{args: []string{"pods", "-Ao", "yaml"}, all: true, o: "yaml", pos: []string{"pods"}},
		{args: []string{"hello", "--", "echo", "-n", "hi"}, pos: []string{"hello"}, rest: []string{"echo", "-n", "hi"}},
		{args: []string{"pods", "--all-namespaces=false"}, pos: []string{"pods"}},
		{args: []string{"--bogus"}, err: "unknown flag: --bogus"},
		{args: []string{"-x"}, err: "unknown shorthand flag: 'x' in -x"},
		{args: []string{"-n"}, err: "flag needs an argument: 'n' in -n"},
		{args: []string{"--namespace"}, err: "flag needs an argument: --namespace"},
		{args: []string{"-A=maybe"}, err: `invalid argument "maybe" for "-A, --all-namespaces" flag: strconv.ParseBool: parsing "maybe": invalid syntax`},
	}
	for _, tt := range tests {
		fs := newFlagSet("get")
		ns := fs.String("namespace", "n", "")
		o := fs.String("output", "o", "")
		all := fs.Bool("all-namespaces", "A", false)
		pos, rest, err := fs.Parse(tt.args)
		if tt.err != "" {
			assert.EqualError(t, err, tt.err, "%v", tt.args)
			continue
		}
		require.NoError(t, err, "%v", tt.args)
		assert.Equal(t, tt.ns, *ns, "%v", tt.args)
		assert.Equal(t, tt.o, *o, "%v", tt.args)
		assert.Equal(t, tt.all, *all, "%v", tt.args)
		assert.Equal(t, tt.pos, pos, "%v", tt.args)
		assert.Equal(t, tt.rest, rest, "%v", tt.args)
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-2 * time.Second, "<invalid>"},
		{-500 * time.Millisecond, "0s"},
		{0, "0s"},
		{119 * time.Second, "119s"},
		{2 * time.Minute, "2m"},
		{3*time.Minute + 20*time.Second, "3m20s"},
		{15 * time.Minute, "15m"},
		{179 * time.Minute, "179m"},
		{3 * time.Hour, "3h"},
		{5*time.Hour + 30*time.Minute, "5h30m"},
		{30 * time.Hour, "30h"},
		{3*24*time.Hour + 4*time.Hour, "3d4h"},
		{10 * 24 * time.Hour, "10d"},
		{3*365*24*time.Hour + 10*24*time.Hour, "3y10d"},
		{9 * 365 * 24 * time.Hour, "9y"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, humanDuration(tt.d), tt.d.String())
	}
}

var now = time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)

func running(name string, ready bool) api.ContainerStatus {
	return api.ContainerStatus{Name: name, Ready: ready, State: api.ContainerState{Running: &api.ContainerStateRunning{}}}
}

func waiting(name, reason string) api.ContainerStatus {
	return api.ContainerStatus{Name: name, State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: reason}}}
}

func terminated(name, reason string, code int32) api.ContainerStatus {
	return api.ContainerStatus{Name: name, State: api.ContainerState{Terminated: &api.ContainerStateTerminated{Reason: reason, ExitCode: code}}}
}

func TestPodStatusColumn(t *testing.T) {
	crash := waiting("c", "CrashLoopBackOff")
	crash.RestartCount = 4
	crash.LastTerminationState = api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 1, FinishedAt: api.NewTime(now.Add(-30 * time.Second))}}
	tests := []struct {
		name                    string
		phase                   string
		init, statuses          []api.ContainerStatus
		initSpec                int
		deleting                bool
		ready, status, restarts string
	}{
		{name: "pending", phase: "Pending", ready: "0/1", status: "Pending", restarts: "0"},
		{name: "creating", phase: "Pending", statuses: []api.ContainerStatus{waiting("c", "ContainerCreating")}, ready: "0/1", status: "ContainerCreating", restarts: "0"},
		{name: "running", phase: "Running", statuses: []api.ContainerStatus{running("c", true)}, ready: "1/1", status: "Running", restarts: "0"},
		{name: "completed", phase: "Succeeded", statuses: []api.ContainerStatus{terminated("c", "Completed", 0)}, ready: "0/1", status: "Completed", restarts: "0"},
		{name: "error", phase: "Failed", statuses: []api.ContainerStatus{terminated("c", "Error", 1)}, ready: "0/1", status: "Error", restarts: "0"},
		{name: "crash loop", phase: "Running", statuses: []api.ContainerStatus{crash}, ready: "0/1", status: "CrashLoopBackOff", restarts: "4 (30s ago)"},
		{name: "image pull", phase: "Pending", statuses: []api.ContainerStatus{waiting("c", "ImagePullBackOff")}, ready: "0/1", status: "ImagePullBackOff", restarts: "0"},
		{name: "init", phase: "Pending", initSpec: 2, init: []api.ContainerStatus{terminated("i1", "Completed", 0), running("i2", false)}, statuses: []api.ContainerStatus{waiting("c", "PodInitializing")}, ready: "0/1", status: "Init:1/2", restarts: "0"},
		{name: "init failing", phase: "Pending", initSpec: 1, init: []api.ContainerStatus{terminated("i1", "Error", 1)}, ready: "0/1", status: "Init:Error", restarts: "0"},
		{name: "terminating", phase: "Running", statuses: []api.ContainerStatus{running("c", true)}, deleting: true, ready: "1/1", status: "Terminating", restarts: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", CreationTimestamp: api.NewTime(now.Add(-time.Hour))}}
			p.Spec.Containers = []api.Container{{Name: "c"}}
			for i := range tt.initSpec {
				p.Spec.InitContainers = append(p.Spec.InitContainers, api.Container{Name: "i" + string(rune('1'+i))})
			}
			p.Status = api.PodStatus{Phase: tt.phase, InitContainerStatuses: tt.init, ContainerStatuses: tt.statuses}
			if tt.deleting {
				p.DeletionTimestamp = api.NewTimePtr(now)
			}
			cells, _ := podRow(p, now)
			assert.Equal(t, []string{"p", tt.ready, tt.status, tt.restarts, "60m"}, cells)
		})
	}
}

func TestNodeRow(t *testing.T) {
	n := &api.Node{
		ObjectMeta: api.ObjectMeta{Name: "controlplane", CreationTimestamp: api.NewTime(now.Add(-90 * time.Second)),
			Labels: map[string]string{"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "master"}},
		Spec:   api.NodeSpec{Unschedulable: true},
		Status: api.NodeStatus{Conditions: []api.NodeCondition{{Type: "Ready", Status: "Unknown"}}, NodeInfo: api.NodeSystemInfo{KubeletVersion: "v1.37.2"}},
	}
	cells, _ := nodeRow(n, now)
	assert.Equal(t, []string{"controlplane", "NotReady,SchedulingDisabled", "control-plane,master", "90s", "v1.37.2"}, cells)
}

func TestParseTargets(t *testing.T) {
	ts, err := parseTargets([]string{"po,svc"})
	require.NoError(t, err)
	require.Len(t, ts, 2)
	assert.Equal(t, "pods", ts[0].r.Resource)
	assert.Equal(t, "services", ts[1].r.Resource)

	ts, err = parseTargets([]string{"deploy/web", "deploy/api", "pod/x"})
	require.NoError(t, err)
	require.Len(t, ts, 2)
	assert.Equal(t, []string{"web", "api"}, ts[0].names)

	ts, err = parseTargets([]string{"all"})
	require.NoError(t, err)
	var all []string
	for _, tg := range ts {
		all = append(all, tg.r.GroupResource())
	}
	assert.Equal(t, []string{"pods", "replicationcontrollers", "services", "daemonsets.apps", "deployments.apps", "replicasets.apps",
		"statefulsets.apps", "horizontalpodautoscalers.autoscaling", "cronjobs.batch", "jobs.batch"}, all)

	_, err = parseTargets([]string{"widgets"})
	assert.EqualError(t, err, `the server doesn't have a resource type "widgets"`)
}

func TestMerge3(t *testing.T) {
	orig := map[string]any{"a": "1", "b": "2", "m": map[string]any{"x": "1", "y": "2"}}
	mod := map[string]any{"a": "1", "c": "3", "m": map[string]any{"x": "9"}}
	cur := map[string]any{"a": "1", "b": "2", "d": "server", "m": map[string]any{"x": "1", "y": "2", "z": "server"}}
	got := merge3(orig, mod, cur)
	assert.Equal(t, map[string]any{"a": "1", "c": "3", "d": "server", "m": map[string]any{"x": "9", "z": "server"}}, got)
}

// TestFlagSliceAndArray checks the two repeatable flags against pflag's
// StringSlice (CSV, so quotes keep a comma) and StringArray (whole).
func TestFlagSliceAndArray(t *testing.T) {
	tests := []struct {
		args         []string
		slice, array []string
		err          string
	}{
		{args: []string{"-f", "a.yaml,b.yaml", "-f", "c.yaml"}, slice: []string{"a.yaml", "b.yaml", "c.yaml"}},
		{args: []string{`--filename="a,b.yaml",c`}, slice: []string{"a,b.yaml", "c"}},
		{args: []string{"-f", ""}},
		{args: []string{"--env=A=1,B=2", "--env", "C=3"}, array: []string{"A=1,B=2", "C=3"}},
		{args: []string{`-f`, `a"b`}, err: `invalid argument "a\"b" for "-f, --filename" flag: parse error on line 1, column 2: bare " in non-quoted-field`},
	}
	for _, tt := range tests {
		fs := newFlagSet("test")
		slice := fs.Slice("filename", "f")
		array := fs.Array("env", "")
		_, _, err := fs.Parse(tt.args)
		if tt.err != "" {
			assert.EqualError(t, err, tt.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.slice, *slice, tt.args)
		assert.Equal(t, tt.array, *array, tt.args)
	}
}
