package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// history makes the same changes in a store, compacting it at the
// revisions given, and returns its digest.
func history(t *testing.T, label string, compactAt map[int]bool) string {
	t.Helper()
	s := New()
	s.KeepDigest()
	for i := range 60 {
		key := fmt.Sprintf("/registry/pods/default/p%d", i%7)
		kv, ok := s.Get(key)
		var err error
		switch {
		case !ok:
			p := pod(fmt.Sprintf("p%d", i%7))
			p.Labels = map[string]string{"l": label}
			_, err = s.Create(key, p)
		case i%5 == 0:
			_, err = s.Delete(key, kv.ModRevision)
		default:
			p := pod(fmt.Sprintf("p%d", i%7))
			p.Labels = map[string]string{"l": label, "i": fmt.Sprint(i)}
			_, err = s.Update(key, p, kv.ModRevision)
		}
		require.NoError(t, err)
		if compactAt[i] {
			s.Compact(s.Revision() - 3)
		}
	}
	return s.Digest()
}

// The digest covers every change, whenever the store was compacted.
func TestDigestCoversEveryRevision(t *testing.T) {
	want := history(t, "a", nil)
	require.Len(t, want, 64)
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		at := map[int]bool{}
		for i := range 60 {
			at[i] = r.IntN(4) == 0
		}
		assert.Equal(t, want, history(t, "a", at), "seed %d", seed)
	}
	assert.NotEqual(t, want, history(t, "b", nil), "a change in a value changes the digest")
	assert.Empty(t, New().Digest(), "not kept")
}
