package share

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/engine/session"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

func config(t *testing.T) session.Config {
	t.Helper()
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, fsys.Mkdir("root", 0o755))
	return session.Config{
		Cluster: cluster.Config{Seed: 3, Workers: 2, Modules: runtime.NewFSSource(wasmtest.Modules(t))},
		FS:      fsys, Dir: "/root", Home: "root",
		Env: []string{"HOME=/root", "PATH=/usr/bin:/bin"},
	}
}

// dump is the cluster's whole state: every key of the store with its
// object and revisions, and the virtual time.
func dump(t *testing.T, s *session.Session) string {
	t.Helper()
	s.Lock()
	defer s.Unlock()
	kvs, rev := s.Cluster().API().Store().List("")
	var b strings.Builder
	b.WriteString(s.Cluster().Now().String() + "\n")
	for _, kv := range kvs {
		data, err := api.Encode(kv.Value)
		require.NoError(t, err)
		b.WriteString(kv.Key + " " + string(data) + "\n")
	}
	b.WriteString(string(rune(rev)))
	return b.String()
}

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: busybox
        command: ["sh", "-c", "echo serving; sleep 3600"]
`

// A session's link, encoded and decoded, replays into the same cluster:
// the same objects with the same names, UIDs and revisions, at the same
// virtual instant.
func TestReplayReproduces(t *testing.T) {
	cfg := config(t)
	s, err := session.New(cfg)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, hackpadfs.WriteFullFile(s.FS(), "root/web.yaml", []byte(manifest), 0o644))
	for _, line := range []string{
		"kubectl apply -f web.yaml",
		"sleep 7",
		"kubectl scale deployment web --replicas=5",
		"kubectl run once --image=busybox --restart=Never -- echo hi",
		"cat <<EOF > note.txt",
		"a note",
		"EOF",
		"sleep 30",
		"kubectl set image deployment/web web=busybox:1.37",
	} {
		s.Exec(context.Background(), line, io.Discard, io.Discard)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.Lock()
	s.Cluster().Loop().After(12*time.Second, cancel)
	s.Unlock()
	require.Equal(t, 130, s.Exec(ctx, "kubectl get pods -w", io.Discard, io.Discard))
	s.Exec(context.Background(), "kubeplay node stop node01", io.Discard, io.Discard)
	s.Exec(context.Background(), "sleep 45", io.Discard, io.Discard)

	l, err := FromSession(s, "")
	require.NoError(t, err)
	enc, err := Encode(l)
	require.NoError(t, err)
	got, err := Decode("#share=" + enc)
	require.NoError(t, err)
	assert.Equal(t, l, got)

	r, err := Replay(context.Background(), got, config(t), io.Discard)
	require.NoError(t, err)
	defer r.Close()
	assert.Equal(t, dump(t, s), dump(t, r))
	note, err := hackpadfs.ReadFile(r.Shell().FS(), "root/note.txt")
	require.NoError(t, err)
	assert.Equal(t, "a note\n", string(note))
}

// pacedSession is a session paced as the browser paces it, by a wall
// clock the test moves with tick, with web.yaml in its home directory.
func pacedSession(t *testing.T) (s *session.Session, p *session.Pacer, tick func(time.Duration)) {
	t.Helper()
	s, err := session.New(config(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	var mu sync.Mutex
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }
	tick = func(d time.Duration) { mu.Lock(); wall = wall.Add(d); mu.Unlock() }
	p = s.Pace(now, 1)
	require.NoError(t, hackpadfs.WriteFullFile(s.FS(), "root/web.yaml", []byte(manifest), 0o644))
	return s, p, tick
}

// replayed replays s's link, with time jumping, to the instant s reached.
func replayed(t *testing.T, s *session.Session) *session.Session {
	t.Helper()
	l, err := FromSession(s, "")
	require.NoError(t, err)
	r, err := Replay(context.Background(), l, config(t), io.Discard)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	s.Lock()
	end := s.Cluster().Now()
	s.Unlock()
	r.Lock()
	r.Cluster().Loop().AdvanceTo(end)
	r.Unlock()
	return r
}

func digest(s *session.Session) string {
	s.Lock()
	defer s.Unlock()
	return s.Cluster().API().Store().Digest()
}

// The browser paces time by the wall clock: commands run at whatever
// virtual instant the pacer had reached. The journal notes it, and a
// replay with time jumping reaches the same state.
func TestReplayOfAPacedSession(t *testing.T) {
	s, p, tick := pacedSession(t)
	lines := []string{"kubectl apply -f web.yaml", "kubectl scale deployment web --replicas=4", "kubectl create configmap c --from-literal=a=b", "kubectl delete pod -l app=web --wait=false"}
	for i, line := range lines {
		for range 3 + i*7 {
			tick(333 * time.Millisecond)
			p.Step()
		}
		require.Equal(t, 0, s.Exec(context.Background(), line, io.Discard, io.Discard), line)
	}
	for range 20 {
		tick(time.Second)
		p.Step()
	}
	// The replay ends at the last line; run the original to the same instant.
	assert.Equal(t, dump(t, s), dump(t, replayed(t, s)))
}

// A line that waits and then changes the cluster (rollout status &&
// scale, sleep && create, wait --for=delete; annotate) goes on at the
// instant its wait ended, paced as in the browser, as in a replay: the
// two histories have the same digest, revision for revision.
func TestReplayOfAPacedSessionWithWaits(t *testing.T) {
	s, p, tick := pacedSession(t)
	for i, line := range []string{
		"kubectl apply -f web.yaml",
		"kubectl rollout status deployment/web && kubectl scale deployment web --replicas=2",
		"sleep 3 && kubectl create configmap late --from-literal=a=b",
		"kubectl delete pod -l app=web --wait=false; kubectl wait --for=delete pod -l app=web --timeout=1m; kubectl annotate deployment web note=x",
		"sleep 1; sleep 2; kubectl label deployment web step=2",
	} {
		done := make(chan int, 1)
		go func() { done <- s.Exec(context.Background(), line, io.Discard, io.Discard) }()
	loop:
		for {
			select {
			case code := <-done:
				require.Equal(t, 0, code, line)
				break loop
			default:
				tick(time.Duration(150+40*i) * time.Millisecond)
				p.Step()
				time.Sleep(time.Millisecond)
			}
		}
	}
	r := replayed(t, s)
	assert.Equal(t, digest(s), digest(r))
	assert.Equal(t, dump(t, s), dump(t, r))
}

func TestScenarioLink(t *testing.T) {
	f := "title: t\nfiles: {a.yaml: 'x: 1'}\nsetup: [kubectl create namespace demo]\nsteps: [{text: a}]\n"
	cfg := config(t)
	s, err := Replay(context.Background(), &Link{Scenario: f, Seed: 9, Start: cluster.DefaultStart, Cluster: Shape{Workers: 1}}, cfg, io.Discard)
	require.NoError(t, err)
	defer s.Close()
	assert.Empty(t, s.Journal().Entries, "the setup is the scenario's, not the journal's")
	var out bytes.Buffer
	s.Exec(context.Background(), "kubectl get ns demo -o name; cat a.yaml", &out, &out)
	assert.Equal(t, "namespace/demo\nx: 1", out.String())
	l, err := FromSession(s, f)
	require.NoError(t, err)
	assert.Equal(t, uint64(9), l.Seed)
	assert.Equal(t, []File{{Path: "a.yaml", Content: "x: 1"}}, l.Base)
}

func TestDecodeRefuses(t *testing.T) {
	good, err := Encode(&Link{Seed: 1, Start: cluster.DefaultStart, Cluster: Shape{Workers: 2}, Entries: []Entry{{At: time.Second, Line: "kubectl get pods"}}})
	require.NoError(t, err)
	bomb := func() string {
		var buf bytes.Buffer
		buf.WriteByte(Version)
		w := zlibWriter(&buf)
		_, _ = w.Write([]byte(`{"scenario":"`))
		_, _ = w.Write(bytes.Repeat([]byte("a"), MaxDecoded+10))
		_ = w.Close()
		return b64(buf.Bytes())
	}()
	raw := mustRaw(t, good)
	raw[0] = 7
	flipped := mustRaw(t, good)
	flipped[len(flipped)/2] ^= 0x40
	tests := []struct{ name, in, want string }{
		{"empty", "#share=", "the link carries nothing"},
		{"only a newline", "\n", "the link carries nothing"},
		{"garbage", "#share=!!not*base64", "the link is damaged: it is not base64url"},
		{"truncated", good[:len(good)/2], "the link is damaged or cut short"},
		{"flipped bit", b64(flipped), "the link is damaged"},
		{"version", b64(raw), "the link is of format 7, which this version of kubeplay does not read (it reads format 1)"},
		{"bomb", bomb, "the link inflates to more than 4194304 bytes; refusing it"},
		{"too long", strings.Repeat("A", MaxEncoded+1), "more than the 1048576 a link may have"},
		{"unknown field", encodeJSON(t, `{"seed":1,"start":"2026-01-01T00:00:00Z","cluster":{"workers":1},"evil":true}`), `unknown field "evil"`},
		{"file outside home", encodeJSON(t, `{"seed":1,"start":"2026-01-01T00:00:00Z","cluster":{"workers":1},"base":[{"path":"../etc/passwd","content":"x"}]}`), `the file "../etc/passwd" is not inside the home directory`},
		{"time backwards", encodeJSON(t, `{"seed":1,"start":"2026-01-01T00:00:00Z","cluster":{"workers":1},"entries":[{"at":5,"line":"a"},{"at":4,"line":"b"}]}`), "line 2 runs at 4ns, before the line before it (5ns)"},
		{"bad scenario", encodeJSON(t, `{"scenario":"title: x\nstep: []\n","seed":1,"start":"2026-01-01T00:00:00Z","cluster":{"workers":1}}`), `unknown field "step"`},
		{"workers", encodeJSON(t, `{"seed":1,"start":"2026-01-01T00:00:00Z","cluster":{"workers":1000}}`), "1000 workers is not between 0 and 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Decode(tt.in)
			require.Error(t, err)
			assert.Nil(t, l)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// A cluster restored from its data directory without a journal (kept by
// an older version) cannot be shared.
func TestRestoredWithoutJournalRefused(t *testing.T) {
	cfg := config(t)
	data, err := mem.NewFS()
	require.NoError(t, err)
	cfg.Cluster.Data, cfg.Cluster.DataDir = data, "."
	s, err := session.New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, data.Remove("journal.json"))
	s, err = session.New(cfg)
	require.NoError(t, err)
	defer s.Close()
	_, err = FromSession(s, "")
	assert.ErrorIs(t, err, ErrRestored)
}

// copyFS copies every file of from into a new file system: what a tab
// had saved when it was closed.
func copyFS(t *testing.T, from hackpadfs.FS) hackpadfs.FS {
	t.Helper()
	to, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, hackpadfs.WalkDir(from, ".", func(p string, d hackpadfs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if d.IsDir() {
			return hackpadfs.MkdirAll(to, p, 0o755)
		}
		data, err := hackpadfs.ReadFile(from, p)
		if err != nil {
			return err
		}
		return hackpadfs.WriteFullFile(to, p, data, 0o644)
	}))
	return to
}

// A page that is reloaded restores its cluster from storage and goes on
// with its journal: the link of the restored session replays the lines
// before the reload, saves and restores its own cluster at the same point,
// and reaches the same state, names and UIDs drawn after the restore
// included. A command that the reload cut short is stopped there.
func TestShareAfterReload(t *testing.T) {
	cfg := config(t)
	data, err := mem.NewFS()
	require.NoError(t, err)
	cfg.Cluster.Data, cfg.Cluster.DataDir = data, "."
	var mu sync.Mutex
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }
	tick := func(p *session.Pacer, n int, d time.Duration) {
		for range n {
			mu.Lock()
			wall = wall.Add(d)
			mu.Unlock()
			p.Step()
		}
	}
	cfg.Cluster.Start = wall
	s, err := session.New(cfg)
	require.NoError(t, err)
	p := s.Pace(now, 1)
	require.NoError(t, hackpadfs.WriteFullFile(s.FS(), "root/web.yaml", []byte(manifest), 0o644))
	tick(p, 3, 400*time.Millisecond)
	require.Equal(t, 0, s.Exec(context.Background(), "kubectl apply -f web.yaml", io.Discard, io.Discard))
	tick(p, 20, 500*time.Millisecond)
	require.Equal(t, 0, s.Exec(context.Background(), "kubectl create configmap c --from-literal=a=b", io.Discard, io.Discard))
	// A watch runs when the page is reloaded.
	wctx, stopWatch := context.WithCancel(context.Background())
	watching := make(chan int, 1)
	go func() { watching <- s.Exec(wctx, "kubectl get pods -w", io.Discard, io.Discard) }()
	require.Eventually(t, func() bool { return len(s.Journal().Entries) == 3 }, 10*time.Second, time.Millisecond)
	tick(p, 7, 300*time.Millisecond)
	saved := copyFS(t, data)
	home := copyFS(t, cfg.FS)
	defer func() {
		stopWatch()
		<-watching
		_ = s.Close()
	}()

	mu.Lock()
	wall = wall.Add(time.Hour)
	mu.Unlock()
	cfg2 := cfg
	cfg2.Cluster.Data, cfg2.FS, cfg2.Cluster.Start = saved, home, now().Truncate(time.Second)
	s2, err := session.New(cfg2)
	require.NoError(t, err)
	defer s2.Close()
	assert.True(t, s2.Cluster().Restored().Restored)
	p2 := s2.Pace(now, 1)
	require.NoError(t, hackpadfs.WriteFullFile(s2.FS(), "root/note.txt", []byte("after the reload\n"), 0o644))
	tick(p2, 4, 250*time.Millisecond)
	for _, line := range []string{"kubectl scale deployment web --replicas=4", "kubectl run after --image=busybox -- sleep 3600", "cat note.txt"} {
		require.Equal(t, 0, s2.Exec(context.Background(), line, io.Discard, io.Discard), line)
		tick(p2, 5, 400*time.Millisecond)
	}

	l, err := FromSession(s2, "")
	require.NoError(t, err)
	enc, err := Encode(l)
	require.NoError(t, err)
	got, err := Decode(enc)
	require.NoError(t, err)
	require.Equal(t, l, got)
	restarts := 0
	for _, e := range got.Entries {
		if e.Restart != nil {
			restarts++
		}
	}
	assert.Equal(t, 1, restarts)

	r, err := Replay(context.Background(), got, config(t), io.Discard)
	require.NoError(t, err)
	defer r.Close()
	s2.Lock()
	end := s2.Cluster().Now()
	s2.Unlock()
	r.Lock()
	r.Cluster().Loop().AdvanceTo(end)
	r.Unlock()
	assert.Equal(t, dump(t, s2), dump(t, r))
	note, err := hackpadfs.ReadFile(r.Shell().FS(), "root/note.txt")
	require.NoError(t, err)
	assert.Equal(t, "after the reload\n", string(note))

	// The replayed session goes on with the same journal: its link is the same.
	l2, err := FromSession(r, "")
	require.NoError(t, err)
	assert.Equal(t, l, l2)
	_, err = ToScenario(l)
	assert.ErrorContains(t, err, "reloaded its cluster")

}

func encodeJSON(t *testing.T, js string) string {
	t.Helper()
	require.True(t, json.Valid([]byte(js)), js)
	var buf bytes.Buffer
	buf.WriteByte(Version)
	w := zlibWriter(&buf)
	_, _ = w.Write([]byte(js))
	require.NoError(t, w.Close())
	return b64(buf.Bytes())
}

// manyManifest is a Deployment that fits fake nodes: its scale-ups are
// long instants (the ReplicaSet creating its pods, each scheduled, bound
// and started, at one virtual instant).
const manyManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: many
spec:
  replicas: 0
  selector:
    matchLabels: {app: many}
  template:
    metadata:
      labels: {app: many}
    spec:
      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
      containers: [{name: pause, image: registry.k8s.io/pause}]
`

// A paced step hands the host its thread back in the middle of a long
// instant, and a line typed then runs there: seed by seed, lines (reads,
// writes, waits, a line stopped by Ctrl-C, two commands in one line) are
// typed at random events of a scale-up's instants; the journal notes
// each line's position, and a replay of the link reaches each position
// again and makes the same history (kubeplay hash), revision for
// revision.
func TestReplayAtEventPositions(t *testing.T) {
	// Each line is made from its index i and a random n.
	lines := []func(i, n int) string{
		func(int, int) string { return "kubectl get pods --no-headers | wc -l" },
		func(_, n int) string { return fmt.Sprintf("kubectl scale deployment many --replicas=%d", 60+n) },
		func(i, _ int) string { return fmt.Sprintf("kubectl create configmap c%d --from-literal=a=b", i) },
		func(i, _ int) string {
			return fmt.Sprintf("kubectl create namespace n%d && kubectl create configmap c -n n%[1]d --from-literal=a=b && kubectl get sa -n n%[1]d", i)
		},
		func(int, int) string {
			return "kubectl delete pod -l app=many --wait=false --field-selector=status.phase=Running | head -3"
		},
		func(i, _ int) string {
			return fmt.Sprintf("kubectl rollout status deployment/many --timeout=5s; kubectl annotate deployment many --overwrite note=%d", i)
		},
		func(int, int) string { return "kubectl get pods -w" }, // stopped by Ctrl-C
		func(int, int) string { return "kubectl get nodes | wc -l" },
	}
	mid := 0
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			cfg := config(t)
			cfg.Cluster.Seed = seed
			s, err := session.New(cfg)
			require.NoError(t, err)
			defer s.Close()
			require.NoError(t, hackpadfs.WriteFullFile(s.FS(), "root/many.yaml", []byte(manyManifest), 0o644))
			var mu sync.Mutex
			wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			busy := time.Duration(1+rng.IntN(4)) * time.Millisecond
			// The wall clock moves by busy at each look: a step stops after
			// some tens of events, wherever the budget runs out.
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); wall = wall.Add(busy); return wall }
			p := s.Pace(now, float64(session.Max))
			for _, line := range []string{"kubeplay node add --fake --count 12", "kubectl apply -f many.yaml", "kubectl scale deployment many --replicas=150"} {
				var out bytes.Buffer
				require.Equal(t, 0, s.Exec(context.Background(), line, &out, &out), out.String())
			}
			for i := range 14 {
				for range rng.IntN(6) {
					p.Step()
				}
				line := lines[rng.IntN(len(lines))](i, rng.IntN(200))
				ctx, cancel := context.WithCancel(context.Background())
				stopAfter := -1
				if strings.HasSuffix(line, " -w") {
					stopAfter = 1 + rng.IntN(8)
				}
				done := make(chan int, 1)
				go func() { done <- s.Exec(ctx, line, io.Discard, io.Discard) }()
				for steps := 0; ; steps++ {
					if steps == stopAfter {
						cancel()
					}
					select {
					case <-done:
					default:
						p.Step()
						time.Sleep(time.Millisecond)
						continue
					}
					break
				}
				cancel()
			}
			j := s.Journal()
			for _, e := range j.Entries {
				if e.Events > 0 || e.StoppedEvents > 0 {
					mid++
				}
			}
			s.Lock()
			s.Cluster().RunUntilIdle()
			s.Unlock()
			r := replayed(t, s)
			assert.Equal(t, digest(s), digest(r))
		})
	}
	assert.Positive(t, mid, "some lines ran in the middle of an instant")
}
