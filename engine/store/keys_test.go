package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The key index answers every prefix range as a sorted set of the live
// keys would, through random creates, deletes, re-creates and ranges,
// with keys in buckets and without, and enough deletes between ranges to
// drop what is gone on the way.
func TestKeyIndexMatchesSortedSet(t *testing.T) {
	names := []string{"a", "a-0", "a0", "b", "web-1", "web-10", "web-2"}
	keys := []string{"", "/", "/registry", "/registry/", "/registry/pods", "/registry/podsx", "x/y"}
	for _, r := range []string{"pods", "events", "podtemplates", "services/endpoints", "services/specs", "leases"} {
		for _, ns := range []string{"default", "kube-system", "d"} {
			for _, n := range names {
				keys = append(keys, "/registry/"+r+"/"+ns+"/"+n)
			}
		}
	}
	prefixes := []string{"", "/", "/reg", "/registry/", "/registry/pods", "/registry/pods/", "/registry/pods/default/",
		"/registry/pods/default/a", "/registry/services/", "/registry/services/endpoints/d/", "/registry/po", "x", "/registry/events/d/web-1"}
	for seed := range uint64(200) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			data := map[string]*KV{}
			x := newKeyIndex()
			ops := 200 + rng.IntN(3000)
			for range ops {
				k := keys[rng.IntN(len(keys))]
				switch op := rng.IntN(10); {
				case op < 5:
					if data[k] == nil {
						x.insert(k)
						data[k] = &KV{Key: k}
					}
				case op < 9:
					if data[k] != nil {
						delete(data, k)
						x.remove(k, data)
					}
				default:
					p := prefixes[rng.IntN(len(prefixes))]
					var got, want []string
					x.ascend(p, data, func(k string) { got = append(got, k) })
					for k := range data {
						if strings.HasPrefix(k, p) {
							want = append(want, k)
						}
					}
					slices.Sort(want)
					require.Equal(t, want, got, "prefix %q", p)
				}
			}
		})
	}
}

// Keys created and deleted with no range read between them do not pile
// up in the index.
func TestKeyIndexDropsWhatIsGone(t *testing.T) {
	data := map[string]*KV{}
	x := newKeyIndex()
	for i := range 100_000 {
		k := fmt.Sprintf("/registry/events/default/e.%d", i)
		x.insert(k)
		data[k] = &KV{Key: k}
		if i >= 10 {
			old := fmt.Sprintf("/registry/events/default/e.%d", i-10)
			delete(data, old)
			x.remove(old, data)
		}
	}
	kb := x.buckets["/registry/events/"]
	require.Less(t, len(kb.sorted)+len(kb.added), 5000)
	var got []string
	x.ascend("/registry/events/", data, func(k string) { got = append(got, k) })
	require.Len(t, got, 10)
}
