package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendForHash prints the templates of testdata/spew as
// kube-controller-manager hashes them; the goldens are k8s.io's own
// dump.ForHash output (tools/apigen's TestSpewGoldens writes them).
func TestAppendForHash(t *testing.T) {
	files, err := filepath.Glob("testdata/spew/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			v := spewFixture(filepath.Base(file))
			require.NoError(t, json.Unmarshal(data, v))
			want, err := os.ReadFile(strings.TrimSuffix(file, ".json") + ".golden")
			require.NoError(t, err)
			assert.Equal(t, string(want), string(AppendForHash(nil, v))+"\n")
		})
	}
}

// spewFixture is the type a fixture holds, by its name's prefix, as
// tools/apigen's test reads it.
func spewFixture(name string) any {
	switch {
	case strings.HasPrefix(name, "subset-"):
		return &EndpointSubset{}
	case strings.HasPrefix(name, "port-"):
		return &EndpointPort{}
	case strings.HasPrefix(name, "sliceport-"):
		return &DiscoveryV1EndpointPort{}
	}
	return &PodTemplateSpec{}
}

func TestParsedForm(t *testing.T) {
	tests := []struct {
		in     string
		value  int64
		scale  int32
		cached bool
		format Format
	}{
		{"0", 0, 0, true, DecimalSI},
		{"100m", 100, -3, true, DecimalSI},
		{"1", 1, 0, true, DecimalSI},
		{"1Gi", 1 << 30, 0, true, BinarySI},
		{"128Mi", 128 << 20, 0, false, BinarySI},
		{"2G", 2, 9, true, DecimalSI},
		{"1e3", 1, 3, true, DecimalExponent},
		{"-5", -5, 0, true, DecimalSI},
	}
	for _, tt := range tests {
		v, s, c, f := parsedForm(tt.in)
		assert.Equal(t, []any{tt.value, tt.scale, tt.cached, tt.format}, []any{v, s, c, f}, tt.in)
	}
}
