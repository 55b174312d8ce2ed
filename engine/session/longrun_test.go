package session

import (
	"context"
	"flag"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kruntime "github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

var longRunHours = flag.Int("longrun.hours", 3, "virtual hours TestLongRun runs (make soak: 24)")

// The long run's workload: a CronJob every minute, a Deployment rolled
// every ten minutes, a node that fails and comes back every half hour.
// The busy pods run on fake nodes (kwok's kind), so that an hour of it
// costs seconds.
const longRunManifests = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          nodeSelector: {type: kwok}
          tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
          restartPolicy: Never
          containers:
          - name: tick
            image: busybox
            command: ["date"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 6
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      nodeSelector: {type: kwok}
      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
      containers:
      - name: web
        image: registry.k8s.io/pause
`

// sample is what the long run watches hour by hour.
type sample struct {
	hour          int
	keys          map[string]int // stored objects by resource
	history       int            // changes the store still holds
	dataBytes     int64          // the store's files (snapshot and log)
	heapMiB       float64        // the Go heap in use after a collection
	revision      int64
	jobs, events  int
	nodesNotReady int
}

// TestLongRun runs a busy cluster for hours of virtual time (3 in go
// test, 24 in make soak) and checks that it stays flat once compaction
// and the events' one-hour expiry have run: the objects stored, the
// history held, the store's files and the Go heap at the last hour are
// no larger than at the second, give or take the workload's own swing.
func TestLongRun(t *testing.T) {
	hours := *longRunHours
	require.GreaterOrEqual(t, hours, 3)
	data := memFS(t)
	cfg := clusterConfig(kruntime.NewFSSource(wasmtest.Modules(t)))
	cfg.Data, cfg.DataDir = data, "."
	s, err := New(Config{Cluster: cfg, FS: memFS(t), Dir: "/root", Env: []string{"HOME=/root"}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	run := func(line string) string {
		var out strings.Builder
		code := s.Exec(context.Background(), line, &out, &out)
		require.Zero(t, code, "%s: %s", line, out.String())
		return out.String()
	}
	require.NoError(t, hackpadfs.WriteFullFile(s.FS(), "root/longrun.yaml", []byte(longRunManifests), 0o644))
	run("kubeplay node add --fake --count 3")
	run("kubectl apply -f longrun.yaml")

	var samples []sample
	for hour := 1; hour <= hours; hour++ {
		for tenth := range 6 {
			run("sleep 600")
			run("kubectl rollout restart deployment web")
			if tenth%3 == 1 {
				// node05 loses power for two minutes, and comes back.
				run("kubeplay node stop node05")
				run("sleep 120")
				run("kubeplay node start node05")
			}
		}
		samples = append(samples, takeSample(t, s, data, hour))
		t.Logf("hour %d: %+v", hour, samples[len(samples)-1])
	}

	second, last := samples[1], samples[len(samples)-1]
	assert.Equal(t, 0, last.nodesNotReady, "every node is Ready at the end")
	assert.LessOrEqual(t, last.jobs, 3+1+1, "the CronJob keeps its successful jobs' history (3) and the one running")
	assert.LessOrEqual(t, last.events, second.events*5/4+20, "events expire an hour after their last change")
	for _, r := range sortedKeys(second.keys) {
		assert.LessOrEqual(t, last.keys[r], second.keys[r]*5/4+5, "stored %s", r)
	}
	for _, r := range sortedKeys(last.keys) {
		_, ok := second.keys[r]
		assert.True(t, ok || last.keys[r] <= 5, "a kind that keeps growing: %s", r)
	}
	assert.LessOrEqual(t, last.history, second.history*3/2+200, "compaction keeps the history held to the last five minutes or so")
	assert.LessOrEqual(t, last.dataBytes, second.dataBytes*3/2+(64<<10), "the store's files: snapshots replace the log")
	assert.LessOrEqual(t, last.heapMiB, second.heapMiB*3/2+8, "the Go heap")
	assert.Greater(t, last.revision, second.revision, "the cluster kept working")
}

func takeSample(t *testing.T, s *Session, data hackpadfs.FS, hour int) sample {
	t.Helper()
	s.Lock()
	st := s.Cluster().API().Store()
	kvs, rev := st.List("/registry/")
	sm := sample{hour: hour, keys: map[string]int{}, history: len(st.History(0)), revision: rev}
	for _, kv := range kvs {
		parts := strings.SplitN(strings.TrimPrefix(kv.Key, "/registry/"), "/", 2)
		sm.keys[parts[0]]++
	}
	sm.jobs, sm.events = sm.keys["jobs.batch"], sm.keys["events"]
	s.Unlock()
	var nodes strings.Builder
	s.Exec(context.Background(), "kubectl get nodes --no-headers", &nodes, &nodes)
	for _, line := range strings.Split(strings.TrimSpace(nodes.String()), "\n") {
		if f := strings.Fields(line); len(f) < 2 || f[1] != "Ready" {
			sm.nodesNotReady++
		}
	}
	require.NoError(t, hackpadfs.WalkDir(data, ".", func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			sm.dataBytes += info.Size()
		}
		return err
	}))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sm.heapMiB = float64(ms.HeapInuse) / (1 << 20)
	return sm
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
