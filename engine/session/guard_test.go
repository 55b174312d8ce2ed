package session

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// Stored objects are shared by every reader and, for a status write, by
// the revision after them: no component may change one in place. A few
// scripts run with the store guarded (every value's encoding kept when it
// is stored, and compared again with the value at each later write of its
// key and at the end).
func TestStoredObjectsAreNotChangedInPlace(t *testing.T) {
	modules := wasmtest.Modules(t)
	for _, name := range []string{"deployment", "rollout", "statefulset", "daemonset", "job", "cronjob", "volumes", "server-side-apply", "drain", "endpoints", "probes", "lifecycle", "edit"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + name + ".txt")
			require.NoError(t, err)
			s := newTestSession(t, runtime.NewFSSource(modules))
			st := s.Cluster().API().Store()
			st.Guard()
			for _, step := range parseScript(string(data)) {
				execLines(s, step.command)
			}
			require.NoError(t, st.CheckGuarded())
		})
	}
}
