package api

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantityCanonicalForm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"},
		{"100m", "100m"},
		{"0.1", "100m"},
		{"0.5", "500m"},
		{"1000m", "1"},
		{"1.5", "1500m"},
		{"1500", "1500"},
		{"2000", "2k"},
		{"2e3", "2e3"},
		{"1.5e3", "1500"},
		{"129e6", "129e6"},
		{"128Mi", "128Mi"},
		{"1024Mi", "1Gi"},
		{"1.5Gi", "1536Mi"},
		{"0.5Gi", "512Mi"},
		{"0.5Ki", "512"},
		{"1Ki", "1Ki"},
		{"4Gi", "4Gi"},
		{"64M", "64M"},
		{"1n", "1n"},
		{"0.0000000001", "1n"},
		{"-100m", "-100m"},
		{"+1", "1"},
		{"110", "110"},
		{"1E", "1E"},
	}
	for _, tt := range tests {
		q, err := ParseQuantity(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, q.String(), tt.in)
	}
}

func TestQuantityRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "abc", "1Qi", "1.2.3", "m", "1e", "1ee3", "--1"} {
		_, err := ParseQuantity(in)
		assert.ErrorIs(t, err, ErrFormatWrong, in)
	}
}

func TestQuantityValues(t *testing.T) {
	tests := []struct {
		in           string
		value, milli int64
	}{
		{"100m", 1, 100},
		{"2", 2, 2000},
		{"1.5Gi", 1610612736, 1610612736000},
		{"1n", 1, 1},
		{"250m", 1, 250},
	}
	for _, tt := range tests {
		q := MustParse(tt.in)
		assert.Equal(t, tt.value, q.Value(), tt.in)
		assert.Equal(t, tt.milli, q.MilliValue(), tt.in)
	}
}

func TestQuantityArithmetic(t *testing.T) {
	sum := MustParse("100m").Add(MustParse("1"))
	assert.Equal(t, "1100m", sum.String())
	assert.Equal(t, "1Gi", MustParse("512Mi").Add(MustParse("512Mi")).String())
	assert.Equal(t, "900m", MustParse("1").Sub(MustParse("100m")).String())
	assert.Equal(t, -1, MustParse("100m").Cmp(MustParse("1")))
	assert.Equal(t, 0, MustParse("1Ki").Cmp(MustParse("1024")))
	assert.Equal(t, "250m", NewMilliQuantity(250, DecimalSI).String())
	assert.Equal(t, "4Gi", NewQuantity(4<<30, BinarySI).String())
}

func TestQuantityJSON(t *testing.T) {
	var rl ResourceList
	require.NoError(t, json.Unmarshal([]byte(`{"cpu": 1, "memory": "1.5Gi", "nvidia.com/gpu": "2"}`), &rl))
	out, err := json.Marshal(rl)
	require.NoError(t, err)
	assert.JSONEq(t, `{"cpu":"1","memory":"1536Mi","nvidia.com/gpu":"2"}`, string(out))
	assert.Error(t, json.Unmarshal([]byte(`{"cpu": "lots"}`), &rl))
}
