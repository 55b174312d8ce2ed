package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func nodeOf(o api.Object) (string, bool) {
	if p, ok := o.(*api.Pod); ok {
		return p.Spec.NodeName, true
	}
	return "", false
}

// TestWatchIndexedOverSeeds runs the same random history (pods created
// on random nodes or none, moved, deleted; other objects; watchers that
// begin and end, some replaying history) on two stores: in one the
// watchers of a node's pods are indexed, in the other each is told of
// every change; every watcher of a node keeps the changes of pods on its
// node before or after, as the API server's does.
// The calls every watcher receives, and their order across watchers,
// must be the same.
func TestWatchIndexedOverSeeds(t *testing.T) {
	for seed := range uint64(30) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 5))
			indexed, plain := New(), New()
			indexed.AddIndex("node", nodeOf)
			var gotLog, wantLog []string
			type pair struct{ a, b func() }
			var cancels []pair
			nodes := []string{"", "n1", "n2", "n3"}
			watch := func(id int) {
				prefix := []string{"/registry/pods/", "/registry/pods/default/", "/registry/"}[r.IntN(3)]
				from := max(indexed.Revision()-int64(r.IntN(3)), 0)
				if r.IntN(3) == 0 {
					ca, err := indexed.Watch(prefix, from, func(ev Event) { gotLog = append(gotLog, fmt.Sprint(id, ev.Revision)) })
					require.NoError(t, err)
					cb, err := plain.Watch(prefix, from, func(ev Event) { wantLog = append(wantLog, fmt.Sprint(id, ev.Revision)) })
					require.NoError(t, err)
					cancels = append(cancels, pair{ca, cb})
					return
				}
				node := nodes[r.IntN(len(nodes))]
				// As the API server's sink does, each keeps only the
				// changes of pods on its node, before or after.
				sink := func(log *[]string) func(Event) {
					return func(ev Event) {
						v, isPod := nodeOf(ev.KV.Value)
						var pv string
						if ev.Prev != nil {
							pv, _ = nodeOf(ev.Prev.Value)
						}
						if isPod && (v == node || ev.Prev != nil && pv == node) {
							*log = append(*log, fmt.Sprint(id, ev.Revision))
						}
					}
				}
				ca, err := indexed.WatchIndexed(prefix, from, "node", node, sink(&gotLog))
				require.NoError(t, err)
				cb, err := plain.Watch(prefix, from, sink(&wantLog))
				require.NoError(t, err)
				cancels = append(cancels, pair{ca, cb})
			}
			both := func(f func(s *Store) error) {
				require.Equal(t, f(plain) == nil, f(indexed) == nil)
			}
			for step := range 400 {
				key := fmt.Sprintf("/registry/pods/%s/p%d", []string{"default", "other"}[r.IntN(2)], r.IntN(12))
				p := pod("p")
				p.Spec.NodeName = nodes[r.IntN(len(nodes))]
				switch k := r.IntN(10); {
				case k < 3:
					both(func(s *Store) error { _, err := s.Create(key, api.Clone(p)); return err })
				case k < 6:
					both(func(s *Store) error { _, err := s.Update(key, api.Clone(p), 0); return err })
				case k < 7:
					both(func(s *Store) error { _, err := s.Delete(key, 0); return err })
				case k < 8:
					cm := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "c", Namespace: "default"}}
					both(func(s *Store) error {
						_, err := s.Update("/registry/configmaps/default/c", api.Clone(cm), 0)
						return err
					})
				case k < 9:
					watch(step)
				case len(cancels) > 0:
					i := r.IntN(len(cancels))
					cancels[i].a()
					cancels[i].b()
					cancels = append(cancels[:i], cancels[i+1:]...)
				}
				require.Equal(t, len(cancels), indexed.Watchers())
			}
			require.Equal(t, wantLog, gotLog)
			require.NotEmpty(t, gotLog)
		})
	}
}
