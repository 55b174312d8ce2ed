package kubelet

import (
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
)

// dumpVolume lists a tree's entries as a guest would see them: path,
// mode, time, and a file's contents or a link's target.
func dumpVolume(t *testing.T, fsys hackpadfs.FS) []string {
	t.Helper()
	var out []string
	err := hackpadfs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		fi, err := hackpadfs.Stat(fsys, p)
		require.NoError(t, err)
		line := fmt.Sprintf("%s %v %s", p, fi.Mode(), fi.ModTime().UTC().Format(time.RFC3339Nano))
		if target, err := runtime.Readlink(fsys, p); err == nil {
			line += " -> " + target
		} else if !fi.IsDir() {
			b, err := hackpadfs.ReadFile(fsys, p)
			require.NoError(t, err)
			line += " " + string(b)
		}
		out = append(out, line)
		return nil
	})
	require.NoError(t, err)
	return out
}

// A volume whose first write is left for its first use is the volume
// written at once, through its updates, times and links included.
func TestWrittenTreeIsTheEagerTree(t *testing.T) {
	at := time.Date(2026, 12, 1, 2, 30, 0, 123456789, time.UTC)
	token := volumeFile{[]byte("eyJ.token"), 0o644}
	sa := map[string]volumeFile{"ca.crt": {[]byte("-----BEGIN CERTIFICATE-----"), 0o644}, "namespace": {[]byte("default"), 0o644}, "token": token}
	tests := []struct {
		name    string
		writes  []map[string]volumeFile // one a minute
		pending []bool                  // whether the write is left for the first use after each write
	}{
		{name: "a service account volume", writes: []map[string]volumeFile{sa}, pending: []bool{true}},
		{name: "the same files again leave it for the first use", writes: []map[string]volumeFile{sa, sa, sa}, pending: []bool{true, true, true}},
		{name: "a mode alone changed is no change, as writeVolume's", writes: []map[string]volumeFile{
			{"a": {[]byte("1"), 0o644}}, {"a": {[]byte("1"), 0o400}},
		}, pending: []bool{true, true}},
		{name: "an update writes the first files, then the new", writes: []map[string]volumeFile{
			sa, {"ca.crt": sa["ca.crt"], "namespace": sa["namespace"], "token": {[]byte("eyJ.renewed"), 0o644}},
		}, pending: []bool{true, false}},
		{name: "a path gone", writes: []map[string]volumeFile{
			{"a": {[]byte("1"), 0o644}, "d/b": {[]byte("2"), 0o400}}, {"a": {[]byte("1"), 0o644}},
		}, pending: []bool{true, false}},
		{name: "nested items with modes", writes: []map[string]volumeFile{
			{"d/e/f": {[]byte("3"), 0o600}, "d/g": {[]byte("4"), 0o755}, "h": {nil, 0o644}},
		}, pending: []bool{true}},
		{name: "no files", writes: []map[string]volumeFile{{}}, pending: []bool{true}},
		{name: "a file where a directory must be is written at once", writes: []map[string]volumeFile{
			{"d": {[]byte("1"), 0o644}, "d/b": {[]byte("2"), 0o644}},
		}, pending: []bool{false}},
		{name: "a path named like the layout's is written at once", writes: []map[string]volumeFile{
			{"..data": {[]byte("1"), 0o644}},
		}, pending: []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eager, err := newTree(at)
			require.NoError(t, err)
			lazy, err := newWrittenTree(at)
			require.NoError(t, err)
			for i, files := range tt.writes {
				now := at.Add(time.Duration(i) * time.Minute)
				eagerErr := writeVolume(eager, files, now, "uid/vol")
				lazyErr := lazy.write(files, now, "uid/vol")
				if eagerErr != nil {
					require.Error(t, lazyErr)
					assert.Equal(t, eagerErr.Error(), lazyErr.Error())
					return
				}
				require.NoError(t, lazyErr)
				assert.Equal(t, tt.pending[i], lazy.deferred(), "write %d", i)
			}
			root, err := hackpadfs.Stat(lazy, ".")
			require.NoError(t, err)
			eagerRoot, err := hackpadfs.Stat(eager, ".")
			require.NoError(t, err)
			assert.Equal(t, eagerRoot.Mode(), root.Mode())
			assert.Equal(t, eagerRoot.ModTime(), root.ModTime())
			assert.Equal(t, tt.pending[len(tt.pending)-1], lazy.deferred(), "a stat of the root does not finish the tree")
			assert.Equal(t, dumpVolume(t, eager), dumpVolume(t, lazy))
			assert.False(t, lazy.deferred(), "the first use finished the tree")
		})
	}
}

// A subPath of a volume left for its first use is the file written then.
func TestSubPathOfAWrittenTree(t *testing.T) {
	at := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
	tree, err := newWrittenTree(at)
	require.NoError(t, err)
	require.NoError(t, tree.write(map[string]volumeFile{"key": {[]byte("old"), 0o644}}, at, "uid/vol"))
	require.True(t, tree.deferred())
	snap, real, err := snapshotSubPath(tree, "key")
	require.NoError(t, err)
	b, err := hackpadfs.ReadFile(snap, real)
	require.NoError(t, err)
	assert.Equal(t, "old", string(b))
	assert.Regexp(t, `^\.\.2026_12_01_02_30_00\.[0-9]+/key$`, real)
}
