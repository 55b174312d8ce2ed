package session

import (
	"testing"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// The machines the user added, stopped and deleted are as they were after
// a reload: a stopped one stays stopped, a deleted one stays gone.
func TestRestoreKeepsTheMachines(t *testing.T) {
	data, err := mem.NewFS()
	require.NoError(t, err)
	modules := runtime.NewFSSource(wasmtest.Modules(t))

	s := persistentSession(t, data, modules)
	run(t, s, "kubeplay node add --cpu 4 --memory 8Gi --labels disk=ssd")
	run(t, s, "kubeplay node stop node01")
	run(t, s, "kubeplay node delete node02")
	before := run(t, s, "kubeplay node list")
	require.NoError(t, s.Close())

	s2 := persistentSession(t, data, modules)
	defer s2.Close()
	assert.Equal(t, before, run(t, s2, "kubeplay node list"))
	assert.Equal(t, `NAME           STATE     ZONE     TYPE            CPU   MEMORY   INTERNAL-IP
controlplane   running   zone-a   custom-2-4096   2     4Gi      172.18.0.2
node01         stopped   zone-a   custom-2-4096   2     4Gi      172.18.0.3
node03         running   zone-a   custom-4-8192   4     8Gi      172.18.0.5
`, before)
	run(t, s2, "sleep 70")
	nodes := run(t, s2, "kubectl get nodes -l disk=ssd")
	assert.Regexp(t, `(?m)^node03 +Ready `, nodes)
	nodes = run(t, s2, "kubectl get nodes")
	assert.Regexp(t, `(?m)^node01 +NotReady `, nodes, "a stopped machine does not come back by itself")
	assert.NotContains(t, nodes, "node02")
	run(t, s2, "kubeplay node start node01")
	assert.Regexp(t, `(?m)^node01 +Ready `, run(t, s2, "kubectl get nodes"))
}
