package session

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// The journal holds each line with the virtual instant it ran at, the home
// files changed since the line before (by the editor as much as by the
// shell), and the instant Ctrl-C stopped a command.
func TestJournal(t *testing.T) {
	fsys := memFS(t)
	s, err := New(Config{Cluster: clusterConfig(runtime.NewFSSource(wasmtest.Modules(t))), FS: fsys, Dir: "/root", Home: "root"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	start := s.Cluster().Now()
	run(t, s, "echo a > a.txt")
	run(t, s, "sleep 30")
	require.NoError(t, hackpadfs.WriteFullFile(s.FS(), "root/web.yaml", []byte("kind: Pod\n"), 0o644), "as the editor writes")
	require.NoError(t, hackpadfs.Remove(s.FS(), "root/a.txt"))
	require.Equal(t, -1, s.Exec(context.Background(), "cat <<EOF > b.txt", io.Discard, io.Discard))
	run(t, s, "EOF")

	ctx, cancel := context.WithCancel(context.Background())
	s.Lock()
	s.Cluster().Loop().After(5*time.Second, cancel)
	s.Unlock()
	code := s.Exec(ctx, "sleep 60", io.Discard, io.Discard)
	require.Equal(t, 130, code)

	j := s.Journal()
	assert.Equal(t, cluster.DefaultStart, j.Start)
	assert.False(t, j.Restored)
	require.Len(t, j.Entries, 5)
	assert.Equal(t, []string{"echo a > a.txt", "sleep 30", "cat <<EOF > b.txt", "EOF", "sleep 60"},
		[]string{j.Entries[0].Line, j.Entries[1].Line, j.Entries[2].Line, j.Entries[3].Line, j.Entries[4].Line})
	assert.Equal(t, start, j.Entries[0].At)
	assert.Empty(t, j.Entries[0].Files)
	assert.Equal(t, []File{{Path: "root/a.txt", Content: "a\n"}}, j.Entries[1].Files, "the shell's own writes show at the next line")
	assert.Equal(t, start.Add(30*time.Second), j.Entries[2].At)
	assert.Equal(t, []File{{Path: "root/a.txt", Removed: true}, {Path: "root/web.yaml", Content: "kind: Pod\n"}}, j.Entries[2].Files)
	assert.True(t, j.Entries[3].Stopped.IsZero())
	assert.Equal(t, j.Entries[4].At.Add(5*time.Second), j.Entries[4].Stopped)

	s.ResetJournal()
	run(t, s, "true")
	j = s.Journal()
	require.Len(t, j.Entries, 1)
	assert.Empty(t, j.Entries[0].Files, "the files as they were at the reset are the base")
	assert.Equal(t, []File{{Path: "root/b.txt", Content: ""}, {Path: "root/web.yaml", Content: "kind: Pod\n"}}, j.Base)
}

// The kept journal, encoded at each save from the entries encoded at the
// saves before, is json.Marshal's encoding of the whole journal, byte for
// byte: as lines are added, stopped, carry files, and after the journal
// is reset and after a restore.
func TestKeptJournalIsEncodedAsAWhole(t *testing.T) {
	modules := runtime.NewFSSource(wasmtest.Modules(t))
	data := memFS(t)
	check := func(s *Session, what string) {
		t.Helper()
		s.Lock()
		defer s.Unlock()
		want, err := json.Marshal(keptJournal{Format: journalFormat, Start: s.start, Base: diffFiles(nil, s.journal.base), Entries: s.journal.entries, Running: s.journal.running})
		require.NoError(t, err)
		got, err := s.encodeJournal()
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), what)
	}
	open := func() *Session {
		cfg := clusterConfig(modules)
		cfg.Data, cfg.DataDir = data, "cluster"
		s, err := New(Config{Cluster: cfg, FS: memFS(t), Dir: "/root", Home: "root"})
		require.NoError(t, err)
		return s
	}
	s := open()
	check(s, "a new journal")
	for i, line := range []string{"echo a > a.txt", "kubectl create deployment web --image=registry.k8s.io/pause", "true", "echo '<b>&</b>' > b.html"} {
		run(t, s, line)
		check(s, line)
		if i == 1 {
			require.NoError(t, hackpadfs.WriteFullFile(s.FS(), "root/web.yaml", []byte("kind: Pod\n"), 0o644))
		}
	}
	// A line noted and then stopped by Ctrl-C: the last entry changes.
	s.Lock()
	s.record("sleep 600")
	s.Unlock()
	check(s, "a line running")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Lock()
	s.recordStop(ctx, 130)
	stopped := !s.journal.entries[len(s.journal.entries)-1].Stopped.IsZero()
	s.Unlock()
	require.True(t, stopped)
	check(s, "a line stopped")
	// Entries replaced by others, more of them, between two saves.
	s.Lock()
	kept := s.journal.entries
	other := slices.Clone(kept)
	other[0].Line = "echo other"
	s.journal.entries = append(other, Entry{At: other[0].At, Line: "true"})
	s.Unlock()
	check(s, "entries replaced")
	s.Lock()
	s.journal.entries = kept
	s.Unlock()
	check(s, "entries put back")
	s.ResetJournal()
	check(s, "reset")
	run(t, s, "echo c > c.txt")
	check(s, "a line after the reset")
	run(t, s, "true")
	require.NoError(t, s.Close())

	s = open()
	defer s.Close()
	check(s, "restored")
	run(t, s, "echo d > d.txt")
	check(s, "a line after the restore")
}
