package kubectl

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeAligned prints what kubectl's tabwriter prints, for any rows:
// random tables over many seeds, with empty, wide, multi-byte and
// tab-holding cells and rows of differing lengths.
func TestWriteAlignedIsTabwriter(t *testing.T) {
	words := []string{"", "a", "web-0", "1/1", "Running", "<none>", "10.244.1.17", "日本語", "ünïcödé", "x y", "CrashLoopBackOff", "0 (5s ago)"}
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		cols := 1 + rng.IntN(8)
		rows := make([][]string, rng.IntN(12))
		for i := range rows {
			n := cols
			if seed%3 == 0 {
				n = 1 + rng.IntN(cols) // ragged: tabwriter's blocks
			}
			rows[i] = make([]string, n)
			for j := range rows[i] {
				rows[i][j] = words[rng.IntN(len(words))]
				if seed%5 == 1 && rng.IntN(20) == 0 {
					rows[i][j] = "a\tb" // tabwriter splits it
				}
			}
		}
		var got, want bytes.Buffer
		require.NoError(t, writeAligned(&got, rows))
		require.NoError(t, writeTabwriter(&want, rows))
		assert.Equal(t, want.String(), got.String(), "seed %d: %q", seed, rows)
	}
}
