package share

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzDecode: any fragment is decoded or refused with an error, never a
// panic; what decodes encodes again to a link that decodes the same.
// The corpus in testdata/fuzz/FuzzDecode holds links of each shape.
func FuzzDecode(f *testing.F) {
	for _, l := range []*Link{
		{Seed: 1, Cluster: Shape{Workers: 2}},
		{Seed: 7, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Cluster: Shape{Workers: 1, Zones: []string{"a"}},
			Base:    []File{{Path: "web.yaml", Content: "kind: Pod\n"}},
			Entries: []Entry{{At: time.Second, Line: "kubectl apply -f web.yaml", Files: []File{{Path: "x", Removed: true}}}, {At: 2 * time.Second, Line: "kubectl get pods -w", Stopped: ptr(5 * time.Second)}}},
		{Scenario: "title: t\nsteps: [{text: a}]\n", Seed: 2},
	} {
		enc, err := Encode(l)
		require.NoError(f, err)
		f.Add(enc)
	}
	f.Add("")
	f.Add("#share=AQ")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Decode(s)
		if err != nil {
			return
		}
		enc, err := Encode(l)
		require.NoError(t, err)
		again, err := Decode(enc)
		require.NoError(t, err)
		require.Equal(t, l, again)
	})
}
