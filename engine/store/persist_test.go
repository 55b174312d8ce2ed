package store

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func typedPod(name string) *api.Pod {
	p := pod(name)
	api.SetTypeMeta(p)
	return p
}

func memFS(t *testing.T) hackpadfs.FS {
	t.Helper()
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	return fsys
}

func open(t *testing.T, fsys hackpadfs.FS) (*Store, *Persister, Report) {
	t.Helper()
	s, p, rep, err := Open(fsys, "cluster", func() time.Time { return epoch })
	require.NoError(t, err)
	return s, p, rep
}

func keysOf(s *Store) []string {
	kvs, _ := s.List("/")
	var out []string
	for _, kv := range kvs {
		out = append(out, fmt.Sprintf("%s@%d", kv.Key, kv.ModRevision))
	}
	return out
}

func TestPersistAndReopen(t *testing.T) {
	fsys := memFS(t)
	s, p, rep := open(t, fsys)
	assert.False(t, rep.Restored)
	_, err := s.Create("/r/a", typedPod("a"))
	require.NoError(t, err)
	_, err = s.Create("/r/b", typedPod("b"))
	require.NoError(t, err)
	require.NoError(t, p.Flush())
	_, err = s.Update("/r/a", typedPod("a"), 0)
	require.NoError(t, err)
	_, err = s.Delete("/r/b", 0)
	require.NoError(t, err)
	require.NoError(t, p.Flush())
	want := keysOf(s)

	s2, _, rep := open(t, fsys)
	assert.True(t, rep.Restored)
	assert.Empty(t, rep.Dropped)
	assert.Equal(t, s.Revision(), s2.Revision())
	assert.Equal(t, want, keysOf(s2))
	kv, ok := s2.Get("/r/a")
	require.True(t, ok)
	assert.Equal(t, "a", kv.Value.(*api.Pod).Name)
	assert.Equal(t, fmt.Sprint(kv.ModRevision), kv.Value.GetObjectMeta().ResourceVersion)
}

func TestUnflushedChangesAreNotDurable(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	_, _ = s.Create("/r/a", typedPod("a"))
	require.NoError(t, p.Flush())
	_, _ = s.Create("/r/b", typedPod("b"))
	s2, _, _ := open(t, fsys)
	assert.Equal(t, []string{"/r/a@2"}, keysOf(s2))
}

func TestSnapshotReplacesTheLog(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	for i := range 10 {
		_, _ = s.Create(fmt.Sprintf("/r/%d", i), typedPod("p"))
	}
	require.NoError(t, p.Flush())
	require.NoError(t, p.Snapshot())
	entries, err := hackpadfs.ReadDir(fsys, "cluster/wal")
	require.NoError(t, err)
	assert.Empty(t, entries, "the snapshot covers the whole log")
	_, _ = s.Delete("/r/3", 0)
	require.NoError(t, p.Flush())
	s2, _, rep := open(t, fsys)
	assert.Empty(t, rep.Dropped)
	assert.Equal(t, keysOf(s), keysOf(s2))
}

func TestTornRecordKeepsWhatCameBefore(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	_, _ = s.Create("/r/a", typedPod("a"))
	_, _ = s.Create("/r/b", typedPod("b"))
	require.NoError(t, p.Flush())
	name := "cluster/wal/0000000000000002.log"
	data, err := hackpadfs.ReadFile(fsys, name)
	require.NoError(t, err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	torn := append(append([]byte(nil), lines[0]...), lines[1][:len(lines[1])/2]...) // the second record is cut short
	require.NoError(t, hackpadfs.WriteFullFile(fsys, name, torn, 0o644))

	s2, _, rep := open(t, fsys)
	assert.Equal(t, []string{"/r/a@2"}, keysOf(s2))
	require.Len(t, rep.Dropped, 1)
	assert.Contains(t, rep.Dropped[0], "record 2 is damaged")
}

func TestCorruptSnapshotFallsBackToThePreviousOne(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	_, _ = s.Create("/r/a", typedPod("a"))
	require.NoError(t, p.Snapshot())
	_, _ = s.Create("/r/b", typedPod("b"))
	require.NoError(t, p.Snapshot())
	data, err := hackpadfs.ReadFile(fsys, "cluster/snapshot.json")
	require.NoError(t, err)
	data[len(data)-5] ^= 0xff
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/snapshot.json", data, 0o644))

	s2, _, rep := open(t, fsys)
	assert.Equal(t, []string{"/r/a@2"}, keysOf(s2), "the previous snapshot")
	require.Len(t, rep.Dropped, 1)
	assert.Contains(t, rep.Dropped[0], "snapshot.json is damaged")
}

func TestOtherFormatIsSetAside(t *testing.T) {
	fsys := memFS(t)
	require.NoError(t, hackpadfs.MkdirAll(fsys, "cluster/wal", 0o755))
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/snapshot.json", []byte(`{"format":99,"sha256":"x"}`+"\n{}"), 0o644))
	s, p, rep := open(t, fsys)
	assert.Equal(t, "cluster.old-1", rep.SetAside)
	require.Len(t, rep.Dropped, 1)
	assert.True(t, strings.Contains(rep.Dropped[0], "moved to cluster.old-1"))
	_, err := hackpadfs.Stat(fsys, path.Join("cluster.old-1", "snapshot.json"))
	assert.NoError(t, err, "nothing is deleted")
	_, err = s.Create("/r/a", typedPod("a"))
	require.NoError(t, err)
	require.NoError(t, p.Flush())
}

func TestUnknownKindIsDroppedNotFatal(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	_, _ = s.Create("/r/a", typedPod("a"))
	require.NoError(t, p.Flush())
	body := `{"rev":3,"time":"2026-01-01T00:00:00Z","key":"/r/w","createRev":3,"value":{"apiVersion":"example.com/v1","kind":"Widget"}}`
	line := fmt.Sprintf("%08x %d %s\n", crc(body), len(body), body)
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/wal/0000000000000003.log", []byte(line), 0o644))
	s2, _, rep := open(t, fsys)
	assert.Equal(t, []string{"/r/a@2"}, keysOf(s2))
	assert.Equal(t, int64(3), s2.Revision())
	require.Len(t, rep.Dropped, 1)
	assert.Contains(t, rep.Dropped[0], `no matches for kind "Widget"`)
}

func crc(s string) uint32 { return crc32.ChecksumIEEE([]byte(s)) }
