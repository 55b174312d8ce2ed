package session

import (
	"testing"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/patch"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// An ephemeral container added through pods/ephemeralcontainers (as
// kubectl debug adds it) starts once in the running pod, shares its
// volumes, is reached by exec and logs with -c, is never restarted, and
// is left out of the pod's readiness.
func TestEphemeralContainerRuns(t *testing.T) {
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
	run(t, s, `kubectl run web --image=busybox --overrides='{"spec":{"containers":[{"name":"web","image":"busybox","command":["sh","-c","echo shared > /data/f; sleep 3600"],`+
		`"volumeMounts":[{"name":"data","mountPath":"/data"}]}],"volumes":[{"name":"data","emptyDir":{}}]}}'`)
	run(t, s, "sleep 5")
	c := s.Cluster().Client("kubectl")
	add := func(body string) {
		s.Lock()
		defer s.Unlock()
		_, err := c.PatchEphemeralContainers("default", "web", patch.Strategic, []byte(body))
		require.NoError(t, err)
	}
	add(`{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox","targetContainerName":"web",` +
		`"command":["sh","-c","cat /data/f; sleep 3600"],"volumeMounts":[{"name":"data","mountPath":"/data"}]}]}}`)
	run(t, s, "sleep 5")
	// kubectl logs -c does not know ephemeral containers yet: the API's
	// pods/log does.
	s.Lock()
	logs, err := c.PodLogs("default", "web", "debugger", apiserver.LogOptions{})
	s.Unlock()
	require.NoError(t, err)
	assert.Equal(t, "shared\n", string(logs))
	assert.Equal(t, "hi\n", run(t, s, "kubectl exec web -c debugger -- echo hi"))
	assert.Equal(t, "true 0 false\n", run(t, s, `kubectl get pod web -o jsonpath='{.status.ephemeralContainerStatuses[0].state.running.startedAt}{" "}{.status.ephemeralContainerStatuses[0].restartCount} {.status.ephemeralContainerStatuses[0].ready}{"\n"}' | sed 's/^[0-9TZ:-]*/true/'`))
	events := run(t, s, "kubectl get events --field-selector involvedObject.fieldPath='spec.ephemeralContainers{debugger}' -o custom-columns=REASON:.reason,MESSAGE:.message --no-headers")
	assert.Contains(t, events, "Pulling   Pulling image \"busybox\"\n")
	assert.Contains(t, events, "Created   Created container: debugger\nStarted   Started container debugger\n")

	// One that exits is not started again, and readiness ignores it.
	add(`{"spec":{"ephemeralContainers":[{"name":"once","image":"busybox","command":["sh","-c","exit 3"]}]}}`)
	run(t, s, "sleep 60")
	assert.Equal(t, "once 3 Error 0\n", run(t, s, `kubectl get pod web -o jsonpath='{range .status.ephemeralContainerStatuses[?(@.name=="once")]}{.name} {.state.terminated.exitCode} {.state.terminated.reason} {.restartCount}{"\n"}{end}'`))
	assert.Contains(t, run(t, s, "kubectl get pod web"), "web    1/1     Running   0")
}

// After the node restarts, an ephemeral container is not started again:
// one that ran ended unknown (exit code 255), one that had ended stays so.
func TestEphemeralContainerAfterRestart(t *testing.T) {
	data, err := mem.NewFS()
	require.NoError(t, err)
	modules := runtime.NewFSSource(wasmtest.Modules(t))
	s := persistentSession(t, data, modules)
	run(t, s, "kubectl run web --image=busybox -- sleep 3600")
	run(t, s, "sleep 5")
	s.Lock()
	_, err = s.Cluster().Client("kubectl").PatchEphemeralContainers("default", "web", patch.Strategic,
		[]byte(`{"spec":{"ephemeralContainers":[{"name":"sleeper","image":"busybox","command":["sleep","3600"]},{"name":"once","image":"busybox","command":["true"]}]}}`))
	s.Unlock()
	require.NoError(t, err)
	run(t, s, "sleep 5")
	const states = `kubectl get pod web -o jsonpath='{range .status.ephemeralContainerStatuses[*]}{.name} {.state.terminated.exitCode} {.state.terminated.reason} {.restartCount}{"\n"}{end}'`
	assert.Equal(t, "sleeper   0\nonce 0 Completed 0\n", run(t, s, states))
	require.NoError(t, s.Close())

	s = persistentSession(t, data, modules)
	defer s.Close()
	run(t, s, "sleep 30")
	assert.Equal(t, "sleeper 255 Unknown 0\nonce 0 Completed 0\n", run(t, s, states))
}

// When the main containers of a pod that does not restart them have
// ended, its ephemeral containers are stopped, and only then does the
// pod end.
func TestEphemeralContainerStoppedWithPod(t *testing.T) {
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
	run(t, s, "kubectl run job --image=busybox --restart=Never -- sleep 10")
	run(t, s, "sleep 5")
	s.Lock()
	_, err := s.Cluster().Client("kubectl").PatchEphemeralContainers("default", "job", patch.Strategic,
		[]byte(`{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox","command":["sleep","3600"]}]}}`))
	s.Unlock()
	require.NoError(t, err)
	run(t, s, "sleep 3")
	assert.Equal(t, "Running\n", run(t, s, `kubectl get pod job -o jsonpath='{.status.phase}{"\n"}'`))
	// Busybox's sleep, PID 1 of its container, ignores SIGTERM: it is
	// killed when the grace period (30 s) ends.
	run(t, s, "sleep 25")
	assert.Equal(t, "Running\n", run(t, s, `kubectl get pod job -o jsonpath='{.status.phase}{"\n"}'`))
	run(t, s, "sleep 15")
	assert.Equal(t, "Succeeded 137 Error\n", run(t, s, `kubectl get pod job -o jsonpath='{.status.phase} {.status.ephemeralContainerStatuses[0].state.terminated.exitCode} {.status.ephemeralContainerStatuses[0].state.terminated.reason}{"\n"}'`))
	assert.Contains(t, run(t, s, "kubectl get events --field-selector involvedObject.fieldPath='spec.ephemeralContainers{debugger}' -o custom-columns=REASON:.reason --no-headers"), "Killing\n")
}
