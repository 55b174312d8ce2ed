package cluster

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// addFake adds n fake nodes and runs the cluster until they are Ready
// and schedulable.
func (f *fixture) addFake(n int) []string {
	var names []string
	for range n {
		name, err := f.c.AddNode(NodeOptions{Fake: true})
		require.NoError(f.t, err)
		names = append(names, name)
	}
	f.until("the fake nodes are ready", time.Minute, func() bool {
		for _, name := range names {
			if f.ready(name) != "True" || len(f.node(name).Spec.Taints) != 1 {
				return false
			}
		}
		return true
	})
	return names
}

func TestFakeNodesRegisterAsKwokDoes(t *testing.T) {
	f := newFixture(t)
	names := f.addFake(3)
	assert.Equal(t, []string{"node03", "node04", "node05"}, names)
	for i, name := range names {
		n := f.node(name)
		assert.Equal(t, "fake", n.Annotations["kwok.x-k8s.io/node"])
		assert.Equal(t, "kwok", n.Labels["type"])
		assert.True(t, strings.HasPrefix(n.Labels["node.kubernetes.io/instance-type"], "fake-custom-"), n.Labels)
		assert.Equal(t, "fake://"+runtime.Version, n.Status.NodeInfo.ContainerRuntimeVersion)
		assert.Equal(t, []string{n.Spec.PodCIDR}, n.Spec.PodCIDRs)
		assert.Equal(t, []api.Taint{FakeNodeTaint}, n.Spec.Taints)
		assert.Equal(t, "100.64."+[]string{"5", "6", "7"}[i]+".0/24", n.Spec.PodCIDR)
	}
	// The real nodes are untouched and keep the node IPAM controller's CIDRs.
	real := f.node("node01")
	assert.NotContains(t, real.Annotations, "kwok.x-k8s.io/node")
	assert.True(t, strings.HasPrefix(real.Spec.PodCIDR, "10.244."), real.Spec.PodCIDR)
	machines := f.c.Machines()
	assert.True(t, machines[len(machines)-1].Fake)
	assert.False(t, machines[1].Fake)
}

// fakePodSpec is a pod for the fake nodes: an init container, a server
// with an httpGet readiness probe and an exec liveness probe, and a
// preStop hook.
func fakePodSpec() api.PodSpec {
	return api.PodSpec{
		NodeSelector:   map[string]string{"type": "kwok"},
		Tolerations:    []api.Toleration{{Key: "kwok.x-k8s.io/node", Operator: "Exists"}},
		InitContainers: []api.Container{{Name: "init", Image: "busybox", Command: []string{"sh", "-c", "exit 1"}}},
		Containers: []api.Container{{
			Name: "web", Image: "nginx",
			ReadinessProbe: &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/", Port: api.FromInt(80)}}, PeriodSeconds: 10},
			LivenessProbe:  &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"false"}}}, PeriodSeconds: 10},
			Lifecycle:      &api.Lifecycle{PreStop: &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"false"}}}},
		}},
	}
}

func TestFakeNodesRunThePodLifecycle(t *testing.T) {
	f := newFixture(t)
	f.addFake(2)
	labels := map[string]string{"app": "web"}
	_, err := client.Create(f.k, &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.DeploymentSpec{
			Replicas: api.Ptr(int32(4)),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels}, Spec: fakePodSpec()},
		},
	})
	require.NoError(t, err)
	f.until("the deployment is available", 2*time.Minute, func() bool { return f.available("web") == 4 })
	// Two probe periods later nothing has restarted: the exec liveness
	// probe that would fail on a real node succeeds on a fake one.
	f.c.Advance(time.Minute)
	pods := f.pods("app=web")
	require.Len(t, pods, 4)
	for _, p := range pods {
		assert.Contains(t, []string{"node03", "node04"}, p.Spec.NodeName)
		assert.Equal(t, api.PodRunning, p.Status.Phase)
		assert.True(t, controller.IsPodReady(p))
		assert.True(t, strings.HasPrefix(p.Status.PodIP, "100.64."), p.Status.PodIP)
		require.Len(t, p.Status.InitContainerStatuses, 1)
		init := p.Status.InitContainerStatuses[0].State.Terminated
		require.NotNil(t, init)
		assert.Equal(t, "Completed", init.Reason)
		web := p.Status.ContainerStatuses[0]
		assert.NotNil(t, web.State.Running)
		assert.True(t, web.Ready)
		assert.Zero(t, web.RestartCount)
		assert.True(t, strings.HasPrefix(web.ContainerID, "fake://"), web.ContainerID)
	}
	err = f.k.PodExec(context.Background(), "default", pods[0].Name, apiserver.ExecOptions{Container: "web", Command: []string{"true"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a fake node")

	// Deleted, the pods terminate gracefully and go.
	require.NoError(t, client.Delete[*api.Deployment](f.k, "default", "web", apiserver.DeleteOptions{}))
	f.until("the pods are gone", 2*time.Minute, func() bool { return len(f.pods("app=web")) == 0 })
	assert.NotEmpty(t, f.events("Killing"))
}

func TestFakeNodesCompleteJobs(t *testing.T) {
	f := newFixture(t)
	f.addFake(1)
	spec := api.PodSpec{NodeSelector: map[string]string{"type": "kwok"}, RestartPolicy: api.RestartNever,
		Tolerations: []api.Toleration{{Key: "kwok.x-k8s.io/node", Value: "fake", Effect: api.TaintNoSchedule}},
		Containers:  []api.Container{{Name: "pi", Image: "perl", Command: []string{"perl", "-e", "exit 3"}}}}
	_, err := client.Create(f.k, &api.Job{
		ObjectMeta: api.ObjectMeta{Name: "pi", Namespace: "default"},
		Spec:       api.JobSpec{Template: api.PodTemplateSpec{Spec: spec}},
	})
	require.NoError(t, err)
	f.until("the job completes", 2*time.Minute, func() bool {
		j, err := client.Get[*api.Job](f.k, "default", "pi")
		require.NoError(t, err)
		return j.Status.Succeeded == 1
	})
	pods := f.pods("batch.kubernetes.io/job-name=pi")
	require.Len(t, pods, 1)
	assert.Equal(t, api.PodSucceeded, pods[0].Status.Phase)
	assert.Equal(t, "node03", pods[0].Spec.NodeName)
}

func TestConfigFakeNodesBootWithTheCluster(t *testing.T) {
	c, err := New(Config{Seed: 1, Workers: 1, FakeNodes: 300, Modules: runtime.NewFSSource(wasmtest.Modules(t))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	nodes, err := client.List[*api.Node](c.Client("test"), "", apiserver.ListOptions{LabelSelector: "type=kwok"})
	require.NoError(t, err)
	require.Len(t, nodes, 300)
	for _, n := range nodes {
		assert.Equal(t, "True", controller.NodeCondition(n, "Ready").Status, n.Name)
	}
	// Past the 253 addresses of 172.18.0.0/24 the machines take the next
	// /24s, and their pod CIDRs follow.
	in, ok := c.cloud.Instance("node300")
	require.True(t, ok)
	assert.Equal(t, "172.18.1.48", in.Address)
	byName := map[string]*api.Node{}
	for _, n := range nodes {
		byName[n.Name] = n
	}
	assert.Equal(t, "100.65.48.0/24", byName["node300"].Spec.PodCIDR)
}

// A fake node writes no volume files (no program would read them), but
// checks their sources as any kubelet does: a missing ConfigMap fails the
// mount with upstream's message and the pod waits in ContainerCreating
// until it exists; the service account token is requested, not signed.
func TestFakeNodesCheckVolumeSources(t *testing.T) {
	f := newFixture(t)
	f.addFake(1)
	spec := fakePodSpec()
	spec.InitContainers = nil
	spec.Volumes = []api.Volume{
		{Name: "config", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "settings"}}}},
		{Name: "scratch", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}},
	}
	spec.Containers[0].VolumeMounts = []api.VolumeMount{{Name: "config", MountPath: "/etc/settings", SubPath: "a"}, {Name: "scratch", MountPath: "/scratch"}}
	_, err := client.Create(f.k, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}, Spec: spec})
	require.NoError(t, err)
	f.until("the mount fails", time.Minute, func() bool { return len(f.events("FailedMount")) > 0 })
	ev := f.events("FailedMount")[0]
	assert.Equal(t, `MountVolume.SetUp failed for volume "config" : configmap "settings" not found`, ev.Message)
	p, err := client.Get[*api.Pod](f.k, "default", "web")
	require.NoError(t, err)
	assert.Equal(t, api.PodPending, p.Status.Phase)
	assert.Equal(t, "ContainerCreating", p.Status.ContainerStatuses[0].State.Waiting.Reason)

	_, err = client.Create(f.k, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "settings", Namespace: "default"}, Data: map[string]string{"a": "1"}})
	require.NoError(t, err)
	f.until("the pod is ready", 5*time.Minute, func() bool {
		p, err := client.Get[*api.Pod](f.k, "default", "web")
		require.NoError(t, err)
		return controller.IsPodReady(p)
	})
	// The admission's token volume is there and was mounted like the rest.
	p, err = client.Get[*api.Pod](f.k, "default", "web")
	require.NoError(t, err)
	require.Len(t, p.Spec.Volumes, 3)
	assert.NotNil(t, p.Spec.Volumes[2].Projected)
}
