package controller

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A slow start run in pieces of any size makes the same calls, with the
// same successes and error, as one run at once: upstream's
// slowStartBatch (1, 2, 4, ... calls, stopping after the first batch
// with a failure).
func TestSlowStartInPieces(t *testing.T) {
	for _, tc := range []struct {
		count, failAt int // failAt: the call that fails, from 1 (0: none)
		calls         int // upstream's calls
	}{
		{0, 0, 0}, {1, 0, 1}, {5, 0, 5}, {500, 0, 500},
		{500, 1, 1}, {500, 2, 3}, {500, 4, 7}, {500, 64, 127}, {500, 300, 500}, {100, 70, 100},
	} {
		for _, limit := range []int{-1, 1, 3, 64, 1000} {
			calls := 0
			fn := func() error {
				calls++
				if calls == tc.failAt {
					return errors.New("refused")
				}
				return nil
			}
			b := NewSlowStart(tc.count)
			pieces := 1
			for !b.Run(limit, fn) {
				pieces++
				require.Less(t, pieces, 1000, "the run ends")
			}
			name := fmt.Sprintf("count %d, failing call %d, pieces of %d", tc.count, tc.failAt, limit)
			assert.Equal(t, tc.calls, calls, name)
			if tc.failAt > 0 && tc.failAt <= tc.count {
				assert.Error(t, b.Err(), name)
				assert.Equal(t, tc.calls-1, b.Successes(), name)
			} else {
				assert.NoError(t, b.Err(), name)
				assert.Equal(t, tc.count, b.Successes(), name)
			}
			assert.Equal(t, tc.calls, b.Calls(), name)
			if limit > 0 {
				assert.LessOrEqual(t, calls, pieces*limit, name)
			}
		}
	}
}
