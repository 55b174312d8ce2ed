package cluster

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// A pod that has finished gives its address back, as the kubelet stops
// a terminal pod's sandbox (the CNI plugin's DEL releases the address and
// the portmap rules) while the pod object, and the podIP in its status,
// stay until it is deleted. A Job of more completions than a node's /24
// holds addresses (253) runs to its end on one worker; before, the
// 254th pod failed with FailedCreatePodSandBox for want of an address.
func TestFinishedPodsGiveTheirAddressBack(t *testing.T) {
	c, err := New(Config{Seed: 1, Workers: 1, Modules: runtime.NewFSSource(wasmtest.Modules(t))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	f := &fixture{t: t, c: c, k: c.Client("test")}
	const completions = 300
	_, err = client.Create(f.k, &api.Job{
		ObjectMeta: api.ObjectMeta{Name: "many", Namespace: "default"},
		Spec: api.JobSpec{
			Completions: api.Ptr(int32(completions)),
			Parallelism: api.Ptr(int32(30)),
			Template: api.PodTemplateSpec{Spec: api.PodSpec{
				RestartPolicy: "Never",
				Containers:    []api.Container{{Name: "hello", Image: "hello-world"}},
			}},
		},
	})
	require.NoError(t, err)
	f.until("the Job completes", 30*time.Minute, func() bool {
		j, err := client.Get[*api.Job](f.k, "default", "many")
		return err == nil && j.Status.Succeeded == completions
	})
	assert.Empty(t, f.events("FailedCreatePodSandBox"))
	seen := map[string]int{}
	for _, p := range f.pods("job-name=many") {
		require.Equal(t, api.PodSucceeded, p.Status.Phase, p.Name)
		require.NotEmpty(t, p.Status.PodIP, "a finished pod keeps the address it had in its status: %s", p.Name)
		seen[p.Status.PodIP]++
	}
	assert.Len(t, f.pods("job-name=many"), completions)
	assert.Less(t, len(seen), completions, "addresses were given out again")
}
