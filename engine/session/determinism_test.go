package session

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// The same seed and commands give the same history: every revision the
// store committed, as kubeplay hash digests it, across a compaction (five
// virtual minutes) that folds the first part of it; another seed gives
// another.
func TestSameSeedSameHistory(t *testing.T) {
	modules := runtime.NewFSSource(wasmtest.Modules(t))
	run := func(seed uint64) string {
		s := newSeededSession(t, modules, seed)
		for _, line := range []string{
			"kubectl run hello --image=busybox --restart=Never -- echo hello",
			"kubectl run sleeper --image=busybox -- sleep 3600",
			"sleep 20",
			"kubectl delete pod sleeper",
			"sleep 400",
			"kubectl create deployment web --image=registry.k8s.io/pause --replicas=2",
			"sleep 5",
		} {
			s.Exec(context.Background(), line, io.Discard, io.Discard)
		}
		var out bytes.Buffer
		require.Equal(t, 0, s.Exec(context.Background(), "kubeplay hash", &out, io.Discard))
		require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{64}\n$`), out.String())
		s.Lock()
		compacted := s.Cluster().API().Store().CompactedRevision()
		s.Unlock()
		require.Positive(t, compacted, "the store was compacted")
		return out.String()
	}
	a, b := run(7), run(7)
	assert.Equal(t, a, b, "the same seed gives the same history")
	assert.NotEqual(t, a, run(8), "another seed gives another history")
}
