package vfs

import (
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newOverlay(t *testing.T) (*Overlay, fstest.MapFS) {
	lower := fstest.MapFS{
		"etc":        {Mode: fs.ModeDir | 0o755},
		"etc/passwd": {Data: []byte("root\n"), Mode: 0o644},
		"etc/group":  {Data: []byte("root\n"), Mode: 0o644},
		"usr/bin":    {Mode: fs.ModeDir | 0o755},
	}
	upper, err := mem.NewFS()
	require.NoError(t, err)
	return NewOverlay(lower, upper, func() time.Time { return epoch }), lower
}

func names(t *testing.T, o *Overlay, dir string) []string {
	entries, err := o.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestOverlay(t *testing.T) {
	tests := []struct {
		name  string
		do    func(t *testing.T, o *Overlay)
		check func(t *testing.T, o *Overlay, lower fstest.MapFS)
	}{
		{
			name: "a write copies up and leaves the lower layer alone",
			do: func(t *testing.T, o *Overlay) {
				f, err := o.OpenFile("etc/passwd", hackpadfs.FlagWriteOnly|hackpadfs.FlagAppend, 0)
				require.NoError(t, err)
				_, err = hackpadfs.WriteFile(f, []byte("x\n"))
				require.NoError(t, err)
				require.NoError(t, f.Close())
			},
			check: func(t *testing.T, o *Overlay, lower fstest.MapFS) {
				b, err := hackpadfs.ReadFile(o, "etc/passwd")
				require.NoError(t, err)
				assert.Equal(t, "root\nx\n", string(b))
				assert.Equal(t, "root\n", string(lower["etc/passwd"].Data))
			},
		},
		{
			name: "a removed lower file is hidden",
			do:   func(t *testing.T, o *Overlay) { require.NoError(t, o.Remove("etc/group")) },
			check: func(t *testing.T, o *Overlay, _ fstest.MapFS) {
				_, err := o.Stat("etc/group")
				assert.ErrorIs(t, err, fs.ErrNotExist)
				assert.Equal(t, []string{"passwd"}, names(t, o, "etc"))
			},
		},
		{
			name: "a directory made again after removal is empty",
			do: func(t *testing.T, o *Overlay) {
				require.NoError(t, o.Remove("etc/passwd"))
				require.NoError(t, o.Remove("etc/group"))
				require.NoError(t, o.Remove("etc"))
				require.NoError(t, o.Mkdir("etc", 0o755))
			},
			check: func(t *testing.T, o *Overlay, _ fstest.MapFS) {
				assert.Empty(t, names(t, o, "etc"))
			},
		},
		{
			name: "a non-empty directory cannot be removed",
			do:   func(*testing.T, *Overlay) {},
			check: func(t *testing.T, o *Overlay, _ fstest.MapFS) {
				assert.ErrorIs(t, o.Remove("etc"), hackpadfs.ErrNotEmpty)
			},
		},
		{
			name: "rename moves a lower file",
			do:   func(t *testing.T, o *Overlay) { require.NoError(t, o.Rename("etc/group", "usr/bin/group")) },
			check: func(t *testing.T, o *Overlay, _ fstest.MapFS) {
				assert.Equal(t, []string{"passwd"}, names(t, o, "etc"))
				b, err := hackpadfs.ReadFile(o, "usr/bin/group")
				require.NoError(t, err)
				assert.Equal(t, "root\n", string(b))
			},
		},
		{
			name: "new files merge with the lower directory, sorted",
			do: func(t *testing.T, o *Overlay) {
				require.NoError(t, hackpadfs.WriteFullFile(o, "etc/aliases", nil, 0o644))
			},
			check: func(t *testing.T, o *Overlay, _ fstest.MapFS) {
				assert.Equal(t, []string{"aliases", "group", "passwd"}, names(t, o, "etc"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, lower := newOverlay(t)
			tt.do(t, o)
			tt.check(t, o, lower)
		})
	}
}
