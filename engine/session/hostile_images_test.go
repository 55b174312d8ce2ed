package session

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// Custom images are held to the same limits as the built-in ones: each
// hostile module a user loads with `kubeplay image load` ends as
// Kubernetes would end its process, while a pod beside them keeps its
// time and every node stays Ready.
func TestHostileImages(t *testing.T) {
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
	load := func(file, name string, module []byte) string {
		t.Helper()
		require.NoError(t, hackpadfs.WriteFullFile(s.Shell().FS(), "root/"+file, module, 0o644))
		var out bytes.Buffer
		s.Exec(context.Background(), fmt.Sprintf("kubeplay image load %s %s", file, name), &out, &out)
		return out.String()
	}

	// A module that cannot run as a command is refused when it is loaded.
	assert.Equal(t, "Error response from daemon: nostart.wasm: not a WASI command: it exports no _start function (a library, or a reactor?)\n",
		load("nostart.wasm", "hostile/nostart", wasmtest.NoStart))

	modules := []struct {
		name   string
		module []byte
	}{
		{"spin", wasmtest.Spin},
		{"hog", wasmtest.Hog},
		{"unknown-import", wasmtest.UnknownImport},
		{"wrong-signature", wasmtest.WrongSignature},
		{"trap", wasmtest.Trap},
		{"bad-pointers", wasmtest.BadPointers},
		{"exit-3", wasmtest.ProcExit(3)},
		{"exit-255", wasmtest.ProcExit(255)},
		{"exit-256", wasmtest.ProcExit(256)},
		{"exit-minus-1", wasmtest.ProcExit(-1)},
		{"exit-min", wasmtest.ProcExit(-1 << 31)},
	}
	for _, m := range modules {
		require.Equal(t, "Loaded image: hostile/"+m.name+":latest\n", load(m.name+".wasm", "hostile/"+m.name, m.module))
	}

	pod := func(name, image, restart, resources string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
spec:
  restartPolicy: %s
  containers:
  - name: main
    image: %s
    resources: %s
`, name, restart, image, resources)
	}
	var manifests []string
	manifests = append(manifests,
		pod("spin", "hostile/spin", "Always", "{limits: {cpu: 200m}}"),
		pod("hog", "hostile/hog", "Never", "{limits: {memory: 64Mi}}"),
		pod("trap", "hostile/trap", "Always", "{}"),
		// The pod beside them: it must end after ten seconds of its own.
		`apiVersion: v1
kind: Pod
metadata:
  name: steady
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "sleep 10; echo on time"]
`)
	for _, m := range modules[2:] {
		if m.name != "trap" {
			manifests = append(manifests, pod(m.name, "hostile/"+m.name, "Never", "{}"))
		}
	}
	require.NoError(t, hackpadfs.WriteFullFile(s.Shell().FS(), "root/pods.yaml", []byte(strings.Join(manifests, "---\n")), 0o644))
	run(t, s, "kubectl apply -f pods.yaml")
	run(t, s, "sleep 90")

	state := func(name string) string {
		t.Helper()
		return run(t, s, "kubectl get pod "+name+` -o jsonpath='{.status.phase} {.status.containerStatuses[0].state.*.reason} {.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].lastState.terminated.reason} {.status.containerStatuses[0].lastState.terminated.exitCode}'`)
	}
	for _, c := range []struct{ pod, want string }{
		{"spin", "Running    "},
		{"hog", "Failed OOMKilled 137  "},
		{"trap", "Running CrashLoopBackOff  Error 139"},
		{"bad-pointers", "Succeeded Completed 0  "},
		{"unknown-import", "Failed Error 127  "},
		{"wrong-signature", "Failed Error 127  "},
		{"exit-3", "Failed Error 3  "},
		{"exit-255", "Failed Error 255  "},
		{"exit-256", "Succeeded Completed 0  "},
		{"exit-minus-1", "Failed Error 255  "},
		{"exit-min", "Succeeded Completed 0  "},
		{"steady", "Succeeded Completed 0  "},
	} {
		assert.Equal(t, c.want, state(c.pod), c.pod)
	}
	assert.Equal(t, "survived\n", run(t, s, "kubectl logs bad-pointers"))
	assert.Contains(t, run(t, s, "kubectl logs unknown-import"), `error while loading the module: "no_such_function" is not exported in module "wasi_snapshot_preview1"`)
	assert.Contains(t, run(t, s, "kubectl logs wrong-signature"), "fd_write")
	assert.Contains(t, run(t, s, "kubectl logs trap --previous"), "unreachable")
	assert.Equal(t, "on time\n", run(t, s, "kubectl logs steady"))

	// The steady pod kept its time beside the spinner and the crashes.
	times := strings.Fields(run(t, s, `kubectl get pod steady -o jsonpath='{.status.containerStatuses[0].state.terminated.startedAt} {.status.containerStatuses[0].state.terminated.finishedAt}'`))
	require.Len(t, times, 2)
	started, err := time.Parse(time.RFC3339, times[0])
	require.NoError(t, err)
	finished, err := time.Parse(time.RFC3339, times[1])
	require.NoError(t, err)
	assert.InDelta(t, 10, finished.Sub(started).Seconds(), 1, "sleep 10 took %s", finished.Sub(started))

	// The spinner is throttled to its limit, and still running.
	top := run(t, s, "kubectl top pod spin --no-headers")
	assert.Regexp(t, `^spin +(19\d|20\d)m `, top)
	assert.Regexp(t, `(?m)^trap +0/1 +CrashLoopBackOff +[3-9] `, run(t, s, "kubectl get pod trap --no-headers"))
	for _, line := range strings.Split(strings.TrimSpace(run(t, s, "kubectl get nodes --no-headers")), "\n") {
		assert.Regexp(t, `^\S+ +Ready `, line)
	}
}
