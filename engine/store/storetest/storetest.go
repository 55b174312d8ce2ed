// Package storetest is a conformance suite that every way of keeping the
// store must pass, in the spirit of io/fs's fstest.TestFS: the etcd-like
// semantics (revisions, compare-and-swap, watches in order, compaction)
// and, for a persistent backend, that a reopened store holds every change
// that was flushed.
package storetest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/store"
)

// Backend opens a store. Reopen returns the store as a restart would find
// it after Flush; for a backend that keeps nothing, it returns the same
// store.
type Backend struct {
	Open   func(t *testing.T) *store.Store
	Flush  func(t *testing.T)
	Reopen func(t *testing.T) *store.Store
}

// Run runs the suite.
func Run(t *testing.T, newBackend func(t *testing.T) Backend) {
	t.Run("crud", func(t *testing.T) { testCRUD(t, newBackend(t)) })
	t.Run("watch", func(t *testing.T) { testWatch(t, newBackend(t)) })
	t.Run("compaction", func(t *testing.T) { testCompaction(t, newBackend(t)) })
	t.Run("no lost writes", func(t *testing.T) { testNoLostWrites(t, newBackend) })
}

// Object makes a stored value: a ConfigMap holding one datum.
func Object(name, value string) api.Object {
	cm := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Data: map[string]string{"v": value}}
	return api.SetTypeMeta(cm)
}

func value(kv store.KV) string { return kv.Value.(*api.ConfigMap).Data["v"] }

func testCRUD(t *testing.T, b Backend) {
	s := b.Open(t)
	start := s.Revision()
	kv, err := s.Create("/registry/configmaps/default/a", Object("a", "1"))
	require.NoError(t, err)
	assert.Equal(t, start+1, kv.ModRevision)
	assert.Equal(t, strconv.FormatInt(kv.ModRevision, 10), kv.Value.GetObjectMeta().ResourceVersion)
	_, err = s.Create("/registry/configmaps/default/a", Object("a", "2"))
	assert.ErrorIs(t, err, store.ErrExists)
	_, err = s.Update("/registry/configmaps/default/a", Object("a", "2"), kv.ModRevision-1)
	assert.ErrorIs(t, err, store.ErrConflict)
	kv2, err := s.Update("/registry/configmaps/default/a", Object("a", "2"), kv.ModRevision)
	require.NoError(t, err)
	assert.Equal(t, kv.CreateRevision, kv2.CreateRevision)
	_, err = s.Create("/registry/configmaps/default/b", Object("b", "1"))
	require.NoError(t, err)
	_, err = s.Delete("/registry/configmaps/default/b", 0)
	require.NoError(t, err)
	_, err = s.Delete("/registry/configmaps/default/b", 0)
	assert.ErrorIs(t, err, store.ErrNotFound)
	b.Flush(t)

	r := b.Reopen(t)
	assert.Equal(t, s.Revision(), r.Revision())
	got, ok := r.Get("/registry/configmaps/default/a")
	require.True(t, ok)
	assert.Equal(t, "2", value(got))
	assert.Equal(t, kv2.ModRevision, got.ModRevision)
	assert.Equal(t, kv.CreateRevision, got.CreateRevision)
	_, ok = r.Get("/registry/configmaps/default/b")
	assert.False(t, ok)
	_, err = r.Update("/registry/configmaps/default/a", Object("a", "3"), got.ModRevision)
	assert.NoError(t, err, "the reopened store accepts the revision it reports")
}

func testWatch(t *testing.T, b Backend) {
	s := b.Open(t)
	from := s.Revision()
	var seen []string
	cancel, err := s.Watch("/registry/configmaps/", from, func(ev store.Event) {
		seen = append(seen, fmt.Sprintf("%d %d %s", ev.Revision, ev.Type, ev.KV.Key))
	})
	require.NoError(t, err)
	defer cancel()
	_, _ = s.Create("/registry/configmaps/default/a", Object("a", "1"))
	_, _ = s.Create("/registry/pods/default/x", Object("x", "1"))
	_, _ = s.Update("/registry/configmaps/default/a", Object("a", "2"), 0)
	_, _ = s.Delete("/registry/configmaps/default/a", 0)
	assert.Equal(t, []string{
		fmt.Sprintf("%d 0 /registry/configmaps/default/a", from+1),
		fmt.Sprintf("%d 0 /registry/configmaps/default/a", from+3),
		fmt.Sprintf("%d 1 /registry/configmaps/default/a", from+4),
	}, seen)
}

func testCompaction(t *testing.T, b Backend) {
	s := b.Open(t)
	for i := range 5 {
		_, err := s.Create(fmt.Sprintf("/registry/configmaps/default/c%d", i), Object("c", "1"))
		require.NoError(t, err)
	}
	s.Compact(s.Revision() - 2)
	_, err := s.Watch("/", s.Revision()-3, func(store.Event) {})
	assert.ErrorIs(t, err, store.ErrCompacted)
	n := 0
	_, err = s.Watch("/", s.Revision()-2, func(store.Event) { n++ })
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

// testNoLostWrites interleaves writers that read, change and write back
// with compare-and-swap, retrying on conflict: every increment is kept,
// every watcher sees every change once and in order, and a reopened store
// holds the final values.
func testNoLostWrites(t *testing.T, newBackend func(t *testing.T) Backend) {
	for seed := range uint64(20) {
		b := newBackend(t)
		s := b.Open(t)
		rng := rand.New(rand.NewPCG(seed, 1))
		keys := []string{"/registry/configmaps/default/x", "/registry/configmaps/default/y"}
		for _, k := range keys {
			_, err := s.Create(k, Object("k", "0"))
			require.NoError(t, err)
		}
		var revs []int64
		_, err := s.Watch("/", s.Revision(), func(ev store.Event) { revs = append(revs, ev.Revision) })
		require.NoError(t, err)
		type writer struct {
			key  string
			read store.KV
		}
		writers := make([]*writer, 5)
		want := map[string]int{}
		for i := range writers {
			writers[i] = &writer{key: keys[rng.IntN(len(keys))]}
		}
		for step := 0; step < 200; step++ {
			w := writers[rng.IntN(len(writers))]
			if w.read.Key == "" || rng.IntN(2) == 0 {
				w.read, _ = s.Get(w.key)
				continue
			}
			n, _ := strconv.Atoi(value(w.read))
			_, err := s.Update(w.key, Object("k", strconv.Itoa(n+1)), w.read.ModRevision)
			if err == nil {
				want[w.key]++
			} else {
				require.ErrorIs(t, err, store.ErrConflict)
			}
			w.read = store.KV{}
		}
		for _, k := range keys {
			kv, _ := s.Get(k)
			assert.Equal(t, strconv.Itoa(want[k]), value(kv), "seed %d key %s", seed, k)
		}
		for i := 1; i < len(revs); i++ {
			require.Equal(t, revs[i-1]+1, revs[i], "seed %d: watch saw every revision once, in order", seed)
		}
		b.Flush(t)
		r := b.Reopen(t)
		for _, k := range keys {
			kv, _ := r.Get(k)
			assert.Equal(t, strconv.Itoa(want[k]), value(kv), "seed %d key %s after reopening", seed, k)
		}
	}
}
