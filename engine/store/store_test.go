package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func pod(name string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}}
}

func TestCreateGetUpdateDelete(t *testing.T) {
	s := New()
	kv, err := s.Create("/registry/pods/default/a", pod("a"))
	require.NoError(t, err)
	assert.Equal(t, int64(2), kv.ModRevision)
	assert.Equal(t, "2", kv.Value.GetObjectMeta().ResourceVersion)

	_, err = s.Create("/registry/pods/default/a", pod("a"))
	assert.ErrorIs(t, err, ErrExists)

	_, err = s.Update("/registry/pods/default/a", pod("a"), 1)
	assert.ErrorIs(t, err, ErrConflict)
	kv, err = s.Update("/registry/pods/default/a", pod("a"), 2)
	require.NoError(t, err)
	assert.Equal(t, int64(2), kv.CreateRevision)
	assert.Equal(t, int64(3), kv.ModRevision)

	_, err = s.Delete("/registry/pods/default/a", 2)
	assert.ErrorIs(t, err, ErrConflict)
	_, err = s.Delete("/registry/pods/default/a", 0)
	require.NoError(t, err)
	_, ok := s.Get("/registry/pods/default/a")
	assert.False(t, ok)
	_, err = s.Delete("/registry/pods/default/a", 0)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestListIsSortedAndScoped(t *testing.T) {
	s := New()
	for _, k := range []string{"/registry/pods/b/x", "/registry/pods/a/y", "/registry/podsx/a/z", "/registry/pods/a/a"} {
		_, err := s.Create(k, pod("p"))
		require.NoError(t, err)
	}
	kvs, rev := s.List("/registry/pods/")
	assert.Equal(t, int64(5), rev)
	var keys []string
	for _, kv := range kvs {
		keys = append(keys, kv.Key)
	}
	assert.Equal(t, []string{"/registry/pods/a/a", "/registry/pods/a/y", "/registry/pods/b/x"}, keys)
	assert.Equal(t, 2, s.Count("/registry/pods/a/"))
}

func TestWatchReplaysAndFollows(t *testing.T) {
	s := New()
	_, _ = s.Create("/r/a", pod("a"))    // rev 2
	_, _ = s.Update("/r/a", pod("a"), 0) // rev 3
	var got []string
	cancel, err := s.Watch("/r/", 2, func(ev Event) {
		got = append(got, fmt.Sprintf("%d:%d:%s", ev.Revision, ev.Type, ev.KV.Key))
	})
	require.NoError(t, err)
	_, _ = s.Create("/r/b", pod("b")) // rev 4
	_, _ = s.Create("/x/c", pod("c")) // rev 5, not watched
	_, _ = s.Delete("/r/a", 0)        // rev 6
	cancel()
	_, _ = s.Create("/r/d", pod("d"))
	assert.Equal(t, []string{"3:0:/r/a", "4:0:/r/b", "6:1:/r/a"}, got)
	assert.Zero(t, s.Watchers())
}

func TestCompaction(t *testing.T) {
	s := New()
	for i := range 10 {
		_, _ = s.Create(fmt.Sprintf("/r/%d", i), pod("p"))
	}
	s.Compact(6)
	_, err := s.Watch("/r/", 5, func(Event) {})
	assert.ErrorIs(t, err, ErrCompacted)
	n := 0
	_, err = s.Watch("/r/", 6, func(Event) { n++ })
	require.NoError(t, err)
	assert.Equal(t, 5, n, "revisions 7..11")
	_, err = s.Watch("/r/", 99, func(Event) {})
	assert.ErrorIs(t, err, ErrFutureRev)
}

// Every watcher sees every change under its prefix exactly once and in
// revision order, whatever the mix of writes and whenever it started.
func TestWatchersSeeEveryChangeOnce(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 0))
		s := New()
		type seen struct {
			from int64
			revs []int64
		}
		var watchers []*seen
		for step := 0; step < 300; step++ {
			key := fmt.Sprintf("/r/%d", r.IntN(8))
			switch r.IntN(4) {
			case 0:
				_, _ = s.Create(key, pod("p"))
			case 1:
				_, _ = s.Update(key, pod("p"), 0)
			case 2:
				_, _ = s.Delete(key, 0)
			case 3:
				w := &seen{from: s.Revision() - int64(r.IntN(5))}
				if w.from < 1 {
					w.from = 1
				}
				_, err := s.Watch("/r/", w.from, func(ev Event) { w.revs = append(w.revs, ev.Revision) })
				require.NoError(t, err)
				watchers = append(watchers, w)
			}
		}
		for _, w := range watchers {
			var want []int64
			for _, ev := range s.history {
				if ev.Revision > w.from {
					want = append(want, ev.Revision)
				}
			}
			require.Equal(t, want, w.revs, "seed %d", seed)
		}
	}
}
