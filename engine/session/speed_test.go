package session

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

func TestParseSpeed(t *testing.T) {
	for in, want := range map[string]Speed{"pause": Pause, "0": Pause, "1": 1, "10x": 10, "100": 100, "MAX": Max, "0.5": 0.5} {
		got, err := ParseSpeed(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		again, err := ParseSpeed(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, again, "String reads back")
	}
	for _, in := range []string{"", "fast", "-1", "NaN", "1e9"} {
		_, err := ParseSpeed(in)
		assert.Error(t, err, in)
	}
}

// fakeWall is a wall clock that moves when told, and by busy each time
// it is read, as a busy host's would.
type fakeWall struct {
	t    time.Time
	busy time.Duration
}

func (w *fakeWall) now() time.Time {
	w.t = w.t.Add(w.busy)
	return w.t
}

func pacedSession(t *testing.T) (*Session, *Pacer, *fakeWall) {
	t.Helper()
	s, err := New(Config{Cluster: clusterConfig(runtime.NewFSSource(wasmtest.Modules(t))), FS: memFS(t), Dir: "/root"})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	w := &fakeWall{t: time.Unix(0, 0)}
	return s, s.Pace(w.now, 1), w
}

// Paused, the clock stands; at 10x it runs ten times the wall clock; at
// max one step jumps far ahead within its slice of wall time, and a
// command waiting for a minute finishes.
func TestPacerSpeeds(t *testing.T) {
	s, p, w := pacedSession(t)
	now := func() time.Time { s.Lock(); defer s.Unlock(); return s.Cluster().Now() }

	p.SetSpeed(float64(Pause))
	before := now()
	w.t = w.t.Add(10 * time.Second)
	p.Step()
	assert.Equal(t, before, now(), "paused")
	assert.Equal(t, Pause, p.Speed())

	p.SetSpeed(10)
	w.t = w.t.Add(100 * time.Millisecond)
	p.Step()
	assert.Equal(t, before.Add(1000*time.Millisecond), now(), "10x of 100 ms")

	w.busy = time.Millisecond
	p.SetSpeed(float64(Max))
	assert.Equal(t, "max", p.Speed().String())
	done := make(chan string)
	go func() {
		var out bytes.Buffer
		s.Exec(context.Background(), "sleep 60; echo woke", &out, &out)
		done <- out.String()
	}()
	for {
		select {
		case out := <-done:
			assert.Equal(t, "woke\n", out)
			assert.True(t, now().Sub(before) >= time.Minute)
			// Back at 1x, the wall time spent at max does not count.
			p.SetSpeed(1)
			w.busy = 0
			at := now()
			p.Step()
			assert.Equal(t, at, now())
			return
		default:
			p.Step()
			time.Sleep(time.Millisecond)
		}
	}
}

// A step runs what is due, or else moves to the next timer; a skip runs
// until an object changes.
func TestStepAndSkip(t *testing.T) {
	s, p, _ := pacedSession(t)
	p.SetSpeed(float64(Pause))
	j := s.StepTimer()
	assert.True(t, j.To.After(j.From), "nothing was due: the clock moved to the next timer")
	assert.LessOrEqual(t, j.To.Sub(j.From), 10*time.Second)

	var out bytes.Buffer
	require.Equal(t, 0, s.Exec(context.Background(), "kubectl create cronjob tick --image=busybox --schedule='*/5 * * * *' -- echo tick", &out, &out), out.String())
	j = s.Skip()
	assert.Regexp(t, `^jobs.batch default/tick-\d+ created$`, j.Change)
	assert.Equal(t, 0, j.To.Minute()%5)
	assert.Equal(t, 100*time.Millisecond, time.Duration(j.To.Nanosecond()), "100 ms after the scheduled time")
}

// A command that comes right after one that changed the cluster, before
// the pacer's next step, first meets the cluster's reaction: all of it
// when it is small (a namespace's service account), and at most
// settleSteps events of it when it is a scale-up's, whose rest the pacer
// runs in its steps. Before the bound, a `kubectl get nodes` typed right
// after a scale to 10,000 replicas ran the whole scale-up first.
func TestNextCommandMeetsABoundedReaction(t *testing.T) {
	for _, tc := range []struct {
		name, setup, change, next, want string
		whole                           bool
	}{
		{
			name:   "namespace",
			change: "kubectl create namespace x",
			next:   "kubectl get serviceaccount,configmap -n x -o name",
			want:   "serviceaccount/default\nconfigmap/kube-root-ca.crt\n",
			whole:  true,
		},
		{
			name:   "scale-up",
			setup:  "kubeplay node add --fake --count 20; kubectl create deployment many --image=registry.k8s.io/pause --replicas=0",
			change: "kubectl scale deployment many --replicas=200",
			next:   "kubectl get deployment many -o jsonpath={.spec.replicas}",
			want:   "200",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, p, w := pacedSession(t)
			p.SetSpeed(float64(Max))
			w.busy = time.Millisecond
			steps := func() int64 { s.Lock(); defer s.Unlock(); return int64(s.Cluster().Loop().Steps()) }
			due := func() bool { s.Lock(); defer s.Unlock(); return s.Cluster().Loop().Due() }
			if tc.setup != "" {
				run(t, s, tc.setup)
				s.Lock()
				s.Cluster().RunUntilIdle()
				s.Unlock()
			}
			run(t, s, tc.change)
			before := steps()
			assert.Equal(t, tc.want, run(t, s, tc.next))
			reaction := steps() - before
			if tc.whole {
				assert.Less(t, reaction, int64(settleSteps))
				assert.False(t, due(), "the reaction ran to the end of the instant")
				return
			}
			assert.Equal(t, int64(settleSteps), reaction)
			assert.True(t, due(), "the rest of the instant is left to the pacer")
			require.Eventually(t, func() bool {
				p.Step()
				return run(t, s, "kubectl get deployment many -o jsonpath={.status.availableReplicas}") == "200"
			}, time.Minute, time.Millisecond, "the pacer goes on with the scale-up")
		})
	}
}

// At Max the cluster is saved at most every maxSaveEvery of wall time,
// and at the first step after a line moved on.
func TestMaxSavesAtMostTwiceASecond(t *testing.T) {
	data, err := mem.NewFS()
	require.NoError(t, err)
	s := persistentSession(t, data, runtime.NewFSSource(wasmtest.Modules(t)))
	defer s.Close()
	w := &fakeWall{t: time.Unix(0, 0), busy: 5 * time.Millisecond}
	p := s.Pace(w.now, float64(Max))
	run(t, s, "kubectl create deployment web --image=registry.k8s.io/pause --replicas=20")
	var saves []time.Time
	for range 200 {
		p.Step()
		require.NoError(t, p.Err())
		if len(saves) == 0 || !p.saved.Equal(saves[len(saves)-1]) {
			saves = append(saves, p.saved)
		}
	}
	require.Greater(t, len(saves), 2, "saved again and again while it runs")
	for i := 1; i < len(saves); i++ {
		assert.GreaterOrEqual(t, saves[i].Sub(saves[i-1]), maxSaveEvery)
	}
	// A line that starts is saved (in the journal) at the next step.
	last := p.saved
	done := make(chan int)
	go func() { done <- s.Exec(context.Background(), "sleep 30", io.Discard, io.Discard) }()
	require.Eventually(t, func() bool { s.Lock(); defer s.Unlock(); return s.journal.running }, 10*time.Second, time.Millisecond)
	// (A step while the line runs on to its wait returns at once: the
	// line goes on in its own goroutine here.)
	w.busy = time.Millisecond
	for start := time.Now(); !p.saved.After(last) && time.Since(start) < 10*time.Second; {
		p.Step()
		time.Sleep(5 * time.Millisecond)
	}
	assert.True(t, p.saved.After(last), "saved at once after the line started")
	assert.Less(t, p.saved.Sub(last), maxSaveEvery)
	for {
		select {
		case code := <-done:
			assert.Zero(t, code)
			return
		default:
			p.Step()
		}
	}
}

// Under a pacer, a line that changed nothing in the cluster ends without
// waiting for storage: the pacer's next step writes its journal entry. A
// line that changed the cluster is saved before it ends.
func TestOnlyLinesThatChangeTheClusterWaitForTheSave(t *testing.T) {
	data, err := mem.NewFS()
	require.NoError(t, err)
	s := persistentSession(t, data, runtime.NewFSSource(wasmtest.Modules(t)))
	defer s.Close()
	w := &fakeWall{t: time.Unix(0, 0), busy: time.Millisecond}
	p := s.Pace(w.now, 1)
	kept := func() []string {
		b, err := hackpadfs.ReadFile(data, s.journalPath())
		require.NoError(t, err)
		var j keptJournal
		require.NoError(t, json.Unmarshal(b, &j))
		var lines []string
		for _, e := range j.Entries {
			lines = append(lines, e.Line)
		}
		return lines
	}
	for _, tc := range []struct {
		line  string
		saved bool
	}{
		{"kubectl get pods", false},
		{"kubectl create configmap settings --from-literal=a=b", true},
		{"echo hello > hello.txt", false},
		{"kubectl get configmap settings -o name", false},
		{"kubectl delete configmap settings", true},
		{"kubeplay image tag busybox quay.io/acme/web:v2", true}, // the registry, not the store
	} {
		t.Run(tc.line, func(t *testing.T) {
			assert.Zero(t, s.Exec(context.Background(), tc.line, io.Discard, io.Discard))
			assert.Equal(t, tc.saved, slices.Contains(kept(), tc.line), "saved when the line ended")
			p.Step()
			require.NoError(t, p.Err())
			assert.Contains(t, kept(), tc.line, "saved at the pacer's next step")
		})
	}
}
