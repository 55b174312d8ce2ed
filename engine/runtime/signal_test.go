package runtime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A container is PID 1: what does not handle the stop signal goes only
// at SIGKILL, when the grace period is over; pause handles SIGTERM.
func TestStopContainerSignals(t *testing.T) {
	for _, tc := range []struct {
		name, ref string
		args      []string
		grace     time.Duration
		code      int32
		took      time.Duration
		log       string
	}{
		{name: "busybox sleep ignores SIGTERM", ref: "busybox", args: []string{"sleep", "3600"}, grace: 30 * time.Second, code: 137, took: 30 * time.Second},
		{name: "sh -c ignores SIGTERM", ref: "busybox", args: []string{"sh", "-c", "sleep 3600"}, grace: 5 * time.Second, code: 137, took: 5 * time.Second},
		{name: "pause exits on SIGTERM", ref: "registry.k8s.io/pause:3.10.1", grace: 30 * time.Second, code: 0, log: "Shutting down, got signal: Terminated"},
		{name: "no grace is SIGKILL", ref: "registry.k8s.io/pause:3.10.1", code: 137},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.run(t, tc.ref, tc.args...)
			f.loop.AdvanceBy(time.Second)
			start := f.loop.Now()
			f.rt.StopContainer(id, tc.grace)
			f.loop.RunUntilIdle()
			if tc.took > 0 {
				f.loop.AdvanceBy(tc.took - time.Millisecond)
				s, _ := f.rt.ContainerStatus(id)
				require.Equal(t, Running, s.State, "still running just before the grace period ends")
				f.loop.AdvanceBy(time.Second)
			}
			s, _ := f.rt.ContainerStatus(id)
			require.Equal(t, Exited, s.State)
			assert.Equal(t, tc.code, s.ExitCode)
			assert.Equal(t, start.Add(tc.took), s.FinishedAt.Truncate(time.Second))
			lines, err := f.rt.Logs(id)
			require.NoError(t, err)
			var text []string
			for _, l := range lines {
				text = append(text, l.Text)
			}
			if tc.log != "" {
				assert.Contains(t, text, tc.log)
			}
		})
	}
}
