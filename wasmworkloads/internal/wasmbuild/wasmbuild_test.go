package wasmbuild

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPatch(t *testing.T) {
	src := "// Copyright\n\n//go:build !js\n\npackage interp\n"
	got, err := Patch([]byte(src), "//go:build !js\n", "//go:build !js && !wasip1\n")
	require.NoError(t, err)
	assert.Equal(t, "// Copyright\n\n//go:build !js && !wasip1\n\npackage interp\n", string(got))

	// Only whole lines match: "//go:build js" must not match "//go:build jsx".
	_, err = Patch([]byte("//go:build jsx\n"), "//go:build js\n", "//go:build js || wasip1\n")
	require.Error(t, err)
	_, err = Patch([]byte("x //go:build js\n"), "//go:build js\n", "")
	require.Error(t, err)
}

func TestPatchesMatchPairs(t *testing.T) {
	// The two files must stay complementary: exactly one defines stdinFile
	// on every platform.
	require.GreaterOrEqual(t, len(patches), 2)
	assert.Equal(t, "//go:build !js && !wasip1\n", patches[0].to)
	assert.Equal(t, "//go:build js || wasip1\n", patches[1].to)
}

func TestWithLinkFlag(t *testing.T) {
	for _, tc := range []struct {
		flags, want []string
	}{
		{nil, []string{"-ldflags=-checklinkname=0"}},
		{[]string{"-ldflags=-s -w"}, []string{"-ldflags=-s -w -checklinkname=0"}},
		{[]string{"-ldflags=-s", "-tags=x", "-ldflags=-w"}, []string{"-ldflags=-s", "-tags=x", "-ldflags=-w -checklinkname=0"}},
		{[]string{"-tags=x"}, []string{"-tags=x", "-ldflags=-checklinkname=0"}},
	} {
		assert.Equal(t, tc.want, withLinkFlag(tc.flags, "-checklinkname=0"), "%q", tc.flags)
	}
}

// TestEnginePatchesApply holds the engine's patches to the wazero the
// module requires: a new release must be looked at again.
func TestEnginePatchesApply(t *testing.T) {
	run, err := goRunner(context.Background(), ".")
	require.NoError(t, err)
	for _, m := range enginePatches {
		b, err := run(nil, "mod", "download", "-json", m.module)
		require.NoError(t, err)
		var mod struct{ Dir string }
		require.NoError(t, json.Unmarshal(b, &mod))
		files := map[string][]byte{}
		for _, p := range m.patches {
			data, ok := files[p.file]
			if !ok {
				data, err = os.ReadFile(filepath.Join(mod.Dir, p.file))
				require.NoError(t, err)
			}
			files[p.file], err = Patch(data, p.from, p.to)
			require.NoError(t, err, "%s: %q", p.file, p.from)
		}
	}
}
