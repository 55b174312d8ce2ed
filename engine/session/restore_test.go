package session

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

func persistentSession(t *testing.T, data hackpadfs.FS, modules runtime.ModuleSource) *Session {
	t.Helper()
	cfg := clusterConfig(modules)
	cfg.Data, cfg.DataDir = data, "cluster"
	s, err := New(Config{Cluster: cfg, FS: memFS(t), Dir: "/root"})
	require.NoError(t, err)
	return s
}

func run(t *testing.T, s *Session, line string) string {
	t.Helper()
	var out bytes.Buffer
	code := s.Exec(context.Background(), line, &out, &out)
	require.Equal(t, 0, code, "%s: %s", line, out.String())
	return out.String()
}

// A cluster kept in a data directory comes back as it was: its objects,
// its nodes, and its pods, whose containers start again (counting a
// restart, as after a node reboot).
func TestRestoreKeepsTheCluster(t *testing.T) {
	data, err := mem.NewFS()
	require.NoError(t, err)
	modules := runtime.NewFSSource(wasmtest.Modules(t))

	s := persistentSession(t, data, modules)
	assert.False(t, s.Cluster().Restored().Restored)
	run(t, s, "kubectl run sleeper --image=busybox -- sleep 3600")
	run(t, s, "kubectl run hello --image=busybox --restart=Never -- echo hello")
	run(t, s, "sleep 10")
	before := run(t, s, "kubectl get pods -o wide")
	require.NoError(t, s.Close())

	s2 := persistentSession(t, data, modules)
	defer s2.Close()
	rep := s2.Cluster().Restored()
	assert.True(t, rep.Restored)
	assert.Empty(t, rep.Dropped)
	assert.Regexp(t, `(?m)^hello +0/1 +Completed +0 `, before)
	run(t, s2, "sleep 5")
	after := run(t, s2, "kubectl get pods")
	assert.Regexp(t, `(?m)^hello +0/1 +Completed +0 +\d+s$`, after, "a finished pod stays finished")
	assert.Regexp(t, `(?m)^sleeper +1/1 +Running +1 \(\d+s ago\) +\d+s$`, after, "a running pod starts again, one restart more")
	assert.Regexp(t, `(?m)^controlplane +Ready `, run(t, s2, "kubectl get nodes"))
	run(t, s2, "kubectl run another --image=busybox -- sleep 3600")
	pods := run(t, s2, "kubectl get pods -n kube-system")
	assert.NotContains(t, pods, "Pending")
}

// A damaged log file does not stop the cluster from starting: it resumes
// from the last good revision, says so, and the next start is clean.
func TestRestoreAfterADamagedLog(t *testing.T) {
	data, err := mem.NewFS()
	require.NoError(t, err)
	modules := runtime.NewFSSource(wasmtest.Modules(t))
	s := persistentSession(t, data, modules)
	run(t, s, "kubectl create deployment web --image=nginx --replicas=2")
	run(t, s, "sleep 10")
	run(t, s, "kubectl create namespace late")
	require.NoError(t, s.Close())
	entries, err := hackpadfs.ReadDir(data, "cluster/wal")
	require.NoError(t, err)
	require.Greater(t, len(entries), 2)
	last := "cluster/wal/" + entries[len(entries)-2].Name()
	b, err := hackpadfs.ReadFile(data, last)
	require.NoError(t, err)
	b[len(b)/2] ^= 0x01
	require.NoError(t, hackpadfs.WriteFullFile(data, last, b, 0o644))

	s2 := persistentSession(t, data, modules)
	rep := s2.Cluster().Restored()
	assert.True(t, rep.Restored)
	assert.Equal(t, "cluster/damaged-1", rep.SetAside)
	assert.Contains(t, strings.Join(rep.Dropped, "\n"), "is damaged")
	assert.Regexp(t, `(?m)^node01 +Ready `, run(t, s2, "kubectl get nodes"))
	assert.Regexp(t, `(?m)^web `, run(t, s2, "kubectl get deployments"))
	run(t, s2, "kubectl create namespace again")
	require.NoError(t, s2.Close())

	s3 := persistentSession(t, data, modules)
	defer s3.Close()
	assert.Empty(t, s3.Cluster().Restored().Dropped)
	assert.Regexp(t, `(?m)^again +Active`, run(t, s3, "kubectl get namespaces"))
}
