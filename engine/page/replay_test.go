package page

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/engine/share"
)

// The view's watches deliver as tasks of the cluster's loop, which a
// replay of the session does not have: they are not among the events
// that place a line typed in the middle of an instant, so a replay
// without the page reaches each line's position and the same history.
func TestReplayWithTheViewWatching(t *testing.T) {
	f := newFixture(t)
	for _, r := range viewResources {
		require.Empty(t, f.call("watch", map[string]any{"resource": r, "summary": true}, nil), r)
	}
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	// A step stops after some tens of events: the wall clock moves 2 ms
	// at each look.
	p := f.s.Pace(func() time.Time { wall = wall.Add(2 * time.Millisecond); return wall }, float64(session.Max))
	for _, line := range []string{
		"kubeplay node add --fake --count 10",
		"kubectl create deployment many --image=registry.k8s.io/pause --replicas=0",
		`kubectl patch deployment many -p '{"spec":{"template":{"spec":{"tolerations":[{"key":"kwok.x-k8s.io/node","operator":"Exists","effect":"NoSchedule"}]}}}}'`,
		"kubectl scale deployment many --replicas=120",
		"kubectl get nodes",
		"kubectl create configmap a --from-literal=x=y",
		"kubectl scale deployment many --replicas=80",
		"kubectl get pods",
		"kubectl create configmap b --from-literal=x=y",
	} {
		p.Step()
		f.flush()
		var out bytes.Buffer
		require.Equal(t, 0, f.s.Exec(context.Background(), line, &out, &out), "%s: %s", line, out.String())
		f.flush()
	}
	mid := 0
	for _, e := range f.s.Journal().Entries {
		if e.Events > 0 {
			mid++
		}
	}
	assert.Positive(t, mid, "lines ran in the middle of an instant")
	f.s.Lock()
	f.s.Cluster().RunUntilIdle()
	end := f.s.Cluster().Now()
	want := f.s.Cluster().API().Store().Digest()
	f.s.Unlock()

	l, err := share.FromSession(f.s, "")
	require.NoError(t, err)
	cfg := f.s.Config()
	cfg.FS, err = mem.NewFS()
	require.NoError(t, err)
	r, err := share.Replay(context.Background(), l, cfg, io.Discard)
	require.NoError(t, err)
	defer r.Close()
	r.Lock()
	defer r.Unlock()
	r.Cluster().Loop().AdvanceTo(end)
	assert.Equal(t, want, r.Cluster().API().Store().Digest())
}
