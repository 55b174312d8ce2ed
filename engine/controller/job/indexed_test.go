package job

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIntervals(t *testing.T) {
	tests := []struct {
		prev  string
		add   []int
		want  string
		total int
	}{
		{"", nil, "", 0},
		{"", []int{0}, "0", 1},
		{"", []int{0, 1}, "0,1", 2},
		{"", []int{2, 0, 1, 4}, "0-2,4", 4},
		{"0,1", []int{2}, "0-2", 3},
		{"1,3-5,7", []int{6, 2}, "1-7", 7},
		{"3", []int{3, 9}, "3,9", 2},
	}
	for _, tt := range tests {
		got := parseIndexes(tt.prev, 10).withIndexes(tt.add)
		assert.Equal(t, tt.want, got.String(), "%q + %v", tt.prev, tt.add)
		assert.Equal(t, tt.total, got.total())
	}
}

func TestParseIndexesIgnoresWhatIsOutOfRange(t *testing.T) {
	assert.Equal(t, "1-3", parseIndexes("1-8,9", 4).String())
	assert.Equal(t, "2,5", parseIndexes("x,2,5", 6).String())
	assert.True(t, parseIndexes("1,3-5", 6).has(4))
	assert.False(t, parseIndexes("1,3-5", 6).has(2))
}

func TestGenerateNameWithIndex(t *testing.T) {
	assert.Equal(t, "pi-12-", generateNameWithIndex("pi", 12))
	long := "a-job-name-that-is-long-enough-to-be-cut-short-by-the-api"
	got := generateNameWithIndex(long, 7)
	assert.Len(t, got, maxGeneratedNameLength)
	assert.Equal(t, "-7-", got[len(got)-3:])
}
