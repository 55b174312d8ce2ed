package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

func TestSameSeedSameHistory(t *testing.T) {
	modules := runtime.NewFSSource(wasmtest.Modules(t))
	run := func(seed uint64) string {
		s := newSeededSession(t, modules, seed)
		for _, line := range []string{
			"kubectl run hello --image=busybox --restart=Never -- echo hello",
			"kubectl run sleeper --image=busybox -- sleep 3600",
			"sleep 20",
			"kubectl delete pod sleeper",
			"sleep 5",
		} {
			s.Exec(context.Background(), line, io.Discard, io.Discard)
		}
		h := sha256.New()
		for _, ev := range s.Cluster().API().Store().History(0) {
			b, err := json.Marshal(ev.KV.Value)
			require.NoError(t, err)
			fmt.Fprintf(h, "%d %d %s %s\n", ev.Revision, ev.Type, ev.KV.Key, b)
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	a, b := run(7), run(7)
	assert.Equal(t, a, b, "the same seed gives the same history")
	assert.NotEqual(t, a, run(8), "another seed gives another history")
}
