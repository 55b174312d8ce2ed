package scenario

import (
	"context"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// newSession starts a session for f as kubeplay test does.
func newSession(t *testing.T, f *File) *session.Session {
	t.Helper()
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, fsys.Mkdir("root", 0o755))
	cfg := f.Configure(session.Config{
		Cluster: cluster.Config{Seed: 1, Workers: 2, Modules: runtime.NewFSSource(wasmtest.Modules(t))},
		FS:      fsys, Dir: "/root", Home: "root",
		Env: []string{"HOME=/root", "PATH=/usr/bin:/bin"},
	})
	s, err := session.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func parse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("test.yaml", []byte(src))
	require.NoError(t, err)
	return f
}

// A step's check holds the moment the cluster makes it true: the runner
// waits on virtual time, and the check is evaluated on the change.
func TestRunPasses(t *testing.T) {
	f := parse(t, good)
	s := newSession(t, f)
	assert.Len(t, s.Cluster().Nodes(), 5, "the scenario's shape: one worker, three fake nodes")
	res, err := Run(context.Background(), s, f, nil)
	require.NoError(t, err)
	require.Len(t, res, 2)
	for _, r := range res {
		assert.Equal(t, "ok", r.Status, "%+v", r)
	}
	assert.Contains(t, res[0].Output, "pod/hello created")
	assert.Greater(t, res[0].Took, time.Duration(0), "the pod takes virtual time to finish")
	assert.Less(t, res[0].Took, 30*time.Second)
	assert.Contains(t, res[1].Output, "hello\n")
	assert.Empty(t, s.Journal().Entries[0].Files, "the scenario's files are in the base, not the journal")
	assert.Equal(t, "kubectl run hello --image=busybox --restart=Never -- echo hello", s.Journal().Entries[0].Line, "the setup is not in the journal")
}

// A check that never holds fails after the step's timeout of virtual time,
// with what it last said; the steps after it are skipped.
func TestRunFails(t *testing.T) {
	f := parse(t, `title: t
steps:
  - text: wait for a pod that never comes
    timeout: 5m
    check:
      object: pod/nothing
      condition: Ready
  - text: never reached
    code: [kubectl get pods]
`)
	s := newSession(t, f)
	start := s.Cluster().Now()
	res, err := Run(context.Background(), s, f, nil)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, "FAIL", res[0].Status)
	assert.Contains(t, res[0].Why, "within 5m0s")
	assert.Contains(t, res[0].Why, `Error from server (NotFound): pods "nothing" not found`)
	assert.Equal(t, "skip", res[1].Status)
	assert.Equal(t, 5*time.Minute, s.Cluster().Now().Sub(start).Truncate(time.Minute))
}

// Conditions: a status condition, a jsonpath match, absence, over a
// selector; a failing setup is an error.
func TestChecks(t *testing.T) {
	f := parse(t, `title: t
files:
  dir/job.yaml: |
    apiVersion: batch/v1
    kind: Job
    metadata: {name: pi, labels: {app: pi}}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sleep, "20"]}]
steps:
  - text: start it
    code: [kubectl apply -f dir/job.yaml]
    check: {object: job/pi, condition: Complete}
  - text: its pod
    check: {object: pods, selector: job-name=pi, jsonpath: '{.items[*].status.phase}', matches: '^Succeeded$'}
  - text: delete it
    code: [kubectl delete job pi]
    check: {object: job/pi, absent: true}
  - text: absent holds at once
    check: {object: deployment/web, absent: true}
`)
	s := newSession(t, f)
	res, err := Run(context.Background(), s, f, nil)
	require.NoError(t, err)
	for _, r := range res {
		assert.Equal(t, "ok", r.Status, "%+v", r)
	}
	assert.GreaterOrEqual(t, res[0].Took, 20*time.Second)
	assert.Equal(t, time.Duration(0), res[3].Took)

	bad := parse(t, "title: t\nsetup: [kubectl get pod nope]\nsteps: [{text: a}]\n")
	_, err = Run(context.Background(), newSession(t, bad), bad, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "setup 1 exited with status 1:\n    Error from server (NotFound): pods \"nope\" not found")
}

// A check is evaluated once per burst of changes to the store and never
// in between: over ten idle minutes, no more evaluations than revisions.
func TestChecksFollowChanges(t *testing.T) {
	f := parse(t, "title: t\nsteps:\n  - text: a\n    check: {object: pod/none, condition: Ready}\n")
	s := newSession(t, f)
	ck, err := NewChecker(s, f)
	require.NoError(t, err)
	defer ck.Close()
	s.Lock()
	defer s.Unlock()
	st := s.Cluster().API().Store()
	ck.Watch(0)
	before, evals := st.Revision(), ck.Evaluations()
	s.Cluster().Loop().AdvanceBy(10 * time.Minute)
	changes := int(st.Revision() - before)
	assert.Positive(t, changes, "the nodes' leases are renewed")
	assert.Positive(t, ck.Evaluations()-evals)
	assert.LessOrEqual(t, ck.Evaluations()-evals, changes)
	assert.False(t, ck.Passed(0))
}
