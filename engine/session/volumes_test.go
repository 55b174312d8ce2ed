package session

import (
	"testing"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// TestNodeDiskSurvivesReload writes a file into a hostPath volume, closes
// the cluster and opens it again from its data directory: a pod on the
// same node reads the file, which is kept beside the cluster's store.
func TestNodeDiskSurvivesReload(t *testing.T) {
	data, err := mem.NewFS()
	require.NoError(t, err)
	modules := runtime.NewFSSource(wasmtest.Modules(t))
	pod := func(name, cmd string) string {
		return "kubectl run " + name + ` --image=busybox --restart=Never --overrides='{"spec":{"nodeName":"node01","containers":[{"name":"` + name +
			`","image":"busybox","command":["sh","-c","` + cmd + `"],"volumeMounts":[{"name":"host","mountPath":"/host"}]}],"volumes":[{"name":"host","hostPath":{"path":"/srv/notes"}}]}}'`
	}

	s := persistentSession(t, data, modules)
	run(t, s, pod("writer", "echo kept > /host/note"))
	run(t, s, "sleep 5")
	assert.Contains(t, run(t, s, "kubectl get pod writer"), "Completed")
	require.NoError(t, s.Close())
	b, err := hackpadfs.ReadFile(data, "cluster/disks/node01/srv/notes/note")
	require.NoError(t, err)
	assert.Equal(t, "kept\n", string(b))

	s = persistentSession(t, data, modules)
	defer s.Close()
	run(t, s, pod("reader", "cat /host/note"))
	run(t, s, "sleep 5")
	assert.Equal(t, "kept\n", run(t, s, "kubectl logs reader"))
}
