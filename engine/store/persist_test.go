package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path"
	"slices"
	"strconv"
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
	require.Len(t, rep.Dropped, 2)
	assert.Contains(t, rep.Dropped[0], "record 2 is damaged")
	assert.Contains(t, rep.Dropped[1], "resumes from revision 2")
	kept, err := hackpadfs.ReadFile(fsys, "cluster/damaged-1/0000000000000002.log")
	require.NoError(t, err)
	assert.Equal(t, torn, kept, "the damaged file is kept, not deleted")
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
	require.Len(t, rep.Dropped, 2)
	assert.Contains(t, rep.Dropped[0], "snapshot.json is damaged")
	assert.Contains(t, rep.Dropped[1], "moved to cluster/damaged-1")
	_, _, rep = open(t, fsys)
	assert.Empty(t, rep.Dropped, "the restored state was written again whole")
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

// flushedStore writes three flushes of two pods each and returns the log
// files' names in order.
func flushedStore(t *testing.T, fsys hackpadfs.FS) []string {
	t.Helper()
	s, p, _ := open(t, fsys)
	for i := range 6 {
		_, err := s.Create(fmt.Sprintf("/r/%d", i), typedPod(fmt.Sprint(i)))
		require.NoError(t, err)
		if i%2 == 1 {
			require.NoError(t, p.Flush())
		}
	}
	entries, err := hackpadfs.ReadDir(fsys, "cluster/wal")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, path.Join("cluster/wal", e.Name()))
	}
	require.Len(t, names, 3)
	return names
}

// A damaged log file ends the replay where the damage is, whatever comes
// after it: the store is the one it was at the last good revision, never a
// mix with changes whose predecessors are missing. The files not replayed
// are kept in a directory of their own and the restored state is written
// again, so the next start is clean.
func TestDamagedLogEndsTheReplay(t *testing.T) {
	for _, tt := range []struct {
		name   string
		damage func(fsys hackpadfs.FS, logs []string) error
		keys   []string
		why    string
	}{
		{"a flipped byte in the second file", func(fsys hackpadfs.FS, logs []string) error {
			return rewrite(fsys, logs[1], func(b []byte) []byte { b[20] ^= 0x20; return b })
		}, []string{"/r/0@2", "/r/1@3"}, "record 1 is damaged (checksum mismatch)"},
		{"garbage in the first file", func(fsys hackpadfs.FS, logs []string) error {
			return rewrite(fsys, logs[0], func([]byte) []byte { return []byte("\x00\x01garbage") })
		}, nil, "record 1 is damaged (torn record)"},
		{"an empty second file", func(fsys hackpadfs.FS, logs []string) error {
			return rewrite(fsys, logs[1], func([]byte) []byte { return nil })
		}, []string{"/r/0@2", "/r/1@3"}, "is empty"},
		{"a lost second file", func(fsys hackpadfs.FS, logs []string) error {
			return fsys.(hackpadfs.RemoveFS).Remove(logs[1])
		}, []string{"/r/0@2", "/r/1@3"}, "revision 6 follows 3: the changes between are missing"},
		{"a cut third file", func(fsys hackpadfs.FS, logs []string) error {
			return rewrite(fsys, logs[2], func(b []byte) []byte { return b[:len(b)/3] })
		}, []string{"/r/0@2", "/r/1@3", "/r/2@4", "/r/3@5"}, "is damaged (torn record)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := memFS(t)
			logs := flushedStore(t, fsys)
			require.NoError(t, tt.damage(fsys, logs))
			s, p, rep := open(t, fsys)
			assert.Equal(t, tt.keys, keysOf(s))
			require.NotEmpty(t, rep.Dropped)
			assert.Contains(t, strings.Join(rep.Dropped, "\n"), tt.why)
			if tt.keys == nil {
				assert.Equal(t, "cluster.old-1", rep.SetAside, "nothing could be read: the whole store is set aside")
				_, err := hackpadfs.Stat(fsys, "cluster.old-1/wal")
				assert.NoError(t, err)
			} else {
				assert.Equal(t, "cluster/damaged-1", rep.SetAside)
				assert.Contains(t, rep.Dropped[len(rep.Dropped)-1], fmt.Sprintf("resumes from revision %d", len(tt.keys)+1))
			}

			_, err := s.Create("/r/new", typedPod("new"))
			require.NoError(t, err)
			require.NoError(t, p.Flush())
			want := keysOf(s)
			s2, _, rep := open(t, fsys)
			assert.Empty(t, rep.Dropped, "the next start finds only what this one wrote")
			assert.Equal(t, want, keysOf(s2))
		})
	}
}

// A log directory that is not one is a layout this build does not know:
// the store is set aside whole, not a failure to start.
func TestUnreadableLayoutIsSetAside(t *testing.T) {
	fsys := memFS(t)
	require.NoError(t, hackpadfs.MkdirAll(fsys, "cluster", 0o755))
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/wal", []byte("not a directory"), 0o644))
	s, p, rep := open(t, fsys)
	assert.Equal(t, "cluster.old-1", rep.SetAside)
	require.Len(t, rep.Dropped, 1)
	assert.Contains(t, rep.Dropped[0], "moved to cluster.old-1")
	_, err := s.Create("/r/a", typedPod("a"))
	require.NoError(t, err)
	require.NoError(t, p.Flush())
}

func rewrite(fsys hackpadfs.FS, name string, f func([]byte) []byte) error {
	data, err := hackpadfs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	return hackpadfs.WriteFullFile(fsys, name, f(data), 0o644)
}

// In the browser the store is the root of its database: setting it aside
// moves its files into a directory inside it, twice over if need be.
func TestRootIsSetAsideInPlace(t *testing.T) {
	fsys := memFS(t)
	for i := 1; i <= 2; i++ {
		require.NoError(t, hackpadfs.MkdirAll(fsys, "wal", 0o755))
		require.NoError(t, hackpadfs.WriteFullFile(fsys, "snapshot.json", []byte(`{"format":99,"sha256":"x"}`+"\n{}"), 0o644))
		require.NoError(t, hackpadfs.WriteFullFile(fsys, "cloud.json", []byte(`{}`), 0o644))
		s, p, rep, err := Open(fsys, ".", func() time.Time { return epoch })
		require.NoError(t, err)
		dest := fmt.Sprintf("set-aside-%d", i)
		assert.Equal(t, dest, rep.SetAside)
		for _, name := range []string{"snapshot.json", "cloud.json", "wal"} {
			_, err := hackpadfs.Stat(fsys, path.Join(dest, name))
			assert.NoError(t, err, name)
		}
		_, err = hackpadfs.Stat(fsys, "snapshot.json")
		assert.ErrorIs(t, err, fs.ErrNotExist)
		_, err = s.Create("/r/a", typedPod("a"))
		require.NoError(t, err)
		require.NoError(t, p.Flush())
		s2, _, rep, err := Open(fsys, ".", func() time.Time { return epoch })
		require.NoError(t, err)
		assert.Empty(t, rep.Dropped)
		assert.Equal(t, keysOf(s), keysOf(s2))
		require.NoError(t, hackpadfs.RemoveAll(fsys, "wal"))
	}
}

func TestRecordsEncodeAsJSONMarshalDoes(t *testing.T) {
	value, err := json.Marshal(typedPod(`<a&b>`))
	require.NoError(t, err)
	for name, r := range map[string]record{
		"a change":         {Rev: 12, Time: epoch.Add(1500 * time.Millisecond), Key: "/registry/pods/default/web-0", CreateRev: 3, Value: value},
		"a deletion":       {Rev: 13, Time: epoch, Delete: true, Key: "/registry/pods/default/web-0"},
		"a time mark":      {Time: epoch.Add(time.Nanosecond)},
		"a snapshot entry": {Rev: 1, Key: "/r/ü \"<&>\"", CreateRev: 1, Value: value},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(r)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(appendRecord(nil, r)))
		})
	}
}

// The snapshot is built by hand, value by value: each part's line must
// be what json.Marshal makes of its record, and the manifest what it
// makes of the manifest, with each part's size and checksum.
func TestSnapshotEncodesAsJSONMarshalDoes(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		fsys := memFS(t)
		s, p, _ := open(t, fsys)
		for i := range n {
			_, err := s.Create(fmt.Sprintf("/r/%d", i), typedPod(fmt.Sprintf("p%d", i)))
			require.NoError(t, err)
		}
		require.NoError(t, p.Snapshot())
		m := readManifest(t, fsys)
		var lines []string
		var parts []manifestPart
		for _, part := range m.Parts {
			data, err := hackpadfs.ReadFile(fsys, path.Join("cluster", part.Name))
			require.NoError(t, err)
			parts = append(parts, manifestPart{Name: part.Name, Size: len(data), CRC32: crc32.ChecksumIEEE(data)})
			lines = append(lines, strings.SplitAfter(string(data), "\n")...)
		}
		want := manifest{Revision: s.Revision(), Compacted: s.compacted, Time: epoch, Parts: parts}
		var wantLines []string
		kvs, _ := s.List("/")
		for _, kv := range kvs {
			v, err := json.Marshal(kv.Value)
			require.NoError(t, err)
			line, err := json.Marshal(record{Rev: kv.ModRevision, Key: kv.Key, CreateRev: kv.CreateRevision, Value: v})
			require.NoError(t, err)
			wantLines = append(wantLines, string(line)+"\n")
		}
		if len(lines) > 0 {
			wantLines = append(wantLines, "") // SplitAfter's empty tail
		}
		assert.Equal(t, wantLines, lines, "%d objects", n)
		data, err := hackpadfs.ReadFile(fsys, "cluster/snapshot.json")
		require.NoError(t, err)
		header, body, _ := bytes.Cut(data, []byte("\n"))
		wantBody, err := json.Marshal(want)
		require.NoError(t, err)
		assert.Equal(t, string(wantBody), string(body), "%d objects", n)
		sum := sha256.Sum256(body)
		assert.JSONEq(t, fmt.Sprintf(`{"format":2,"sha256":%q}`, hex.EncodeToString(sum[:])), string(header))
	}
}

// readManifest reads cluster/snapshot.json's manifest.
func readManifest(t *testing.T, fsys hackpadfs.FS) manifest {
	t.Helper()
	data, err := hackpadfs.ReadFile(fsys, "cluster/snapshot.json")
	require.NoError(t, err)
	_, body, _ := bytes.Cut(data, []byte("\n"))
	var m manifest
	require.NoError(t, json.Unmarshal(body, &m))
	return m
}

// partNames lists cluster/snap.
func partNames(t *testing.T, fsys hackpadfs.FS) []string {
	t.Helper()
	entries, err := hackpadfs.ReadDir(fsys, "cluster/snap")
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, "snap/"+e.Name())
	}
	return out
}

func smallParts(t *testing.T) {
	old := snapshotPartSize
	snapshotPartSize = 1000
	t.Cleanup(func() { snapshotPartSize = old })
}

// A snapshot is written in parts of about snapshotPartSize bytes; a
// reopen reads them all; the parts of snapshots older than the previous
// one are removed, the previous one's kept until the next is safe.
func TestSnapshotInParts(t *testing.T) {
	smallParts(t)
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	createPods(t, s, 20)
	require.NoError(t, p.Snapshot())
	first := readManifest(t, fsys)
	assert.Greater(t, len(first.Parts), 3, "twenty pods make several parts of 1,000 bytes")
	for _, part := range first.Parts {
		assert.Less(t, part.Size, 1000+300, "a part ends after the record that passes the size")
	}
	_, err := s.Create("/r/x", typedPod("x"))
	require.NoError(t, err)
	require.NoError(t, p.Snapshot())
	second := readManifest(t, fsys)
	var both []string
	for _, part := range append(first.Parts, second.Parts...) {
		both = append(both, part.Name)
	}
	slices.Sort(both)
	assert.Equal(t, both, partNames(t, fsys), "the current and previous snapshots' parts")
	_, err = s.Create("/r/y", typedPod("y"))
	require.NoError(t, err)
	require.NoError(t, p.Snapshot())
	for _, part := range first.Parts {
		assert.NotContains(t, partNames(t, fsys), part.Name, "the parts of an older snapshot are removed")
	}
	// A second snapshot at the same revision does not overwrite the parts
	// of the one installed.
	require.NoError(t, p.Snapshot())
	s2, p2, rep := open(t, fsys)
	assert.Empty(t, rep.Dropped)
	assert.Equal(t, keysOf(s), keysOf(s2))
	assert.Equal(t, s.Revision(), s2.Revision())
	assert.Equal(t, p.snapSize, p2.snapSize, "the snapshot's size counts its parts")
}

// A snapshot one of whose parts is damaged or missing is set aside with
// its parts, and the previous snapshot restored.
func TestDamagedPartFallsBackToThePreviousSnapshot(t *testing.T) {
	for name, damage := range map[string]func(fsys hackpadfs.FS, part string){
		"corrupt": func(fsys hackpadfs.FS, part string) {
			data, _ := hackpadfs.ReadFile(fsys, part)
			data[len(data)/2] ^= 0xff
			_ = hackpadfs.WriteFullFile(fsys, part, data, 0o644)
		},
		"missing": func(fsys hackpadfs.FS, part string) { _ = hackpadfs.Remove(fsys, part) },
	} {
		t.Run(name, func(t *testing.T) {
			smallParts(t)
			fsys := memFS(t)
			s, p, _ := open(t, fsys)
			for i := range 10 {
				_, _ = s.Create(fmt.Sprintf("/r/%02d", i), typedPod(fmt.Sprintf("p%d", i)))
			}
			require.NoError(t, p.Snapshot())
			want := keysOf(s)
			_, _ = s.Create("/r/b", typedPod("b"))
			require.NoError(t, p.Snapshot())
			m := readManifest(t, fsys)
			require.Greater(t, len(m.Parts), 1)
			damage(fsys, path.Join("cluster", m.Parts[1].Name))

			s2, _, rep := open(t, fsys)
			assert.Equal(t, want, keysOf(s2), "the previous snapshot")
			require.Len(t, rep.Dropped, 2)
			assert.Contains(t, rep.Dropped[0], "snapshot.json is damaged (part "+m.Parts[1].Name)
			assert.Contains(t, rep.Dropped[1], "moved to cluster/damaged-1")
			// The damaged manifest and its parts are kept, not deleted.
			_, err := hackpadfs.Stat(fsys, "cluster/damaged-1/snapshot.json")
			assert.NoError(t, err)
			_, err = hackpadfs.Stat(fsys, "cluster/damaged-1/"+path.Base(m.Parts[0].Name))
			assert.NoError(t, err)
			_, _, rep = open(t, fsys)
			assert.Empty(t, rep.Dropped, "the restored state was written again whole")
		})
	}
}

// A manifest naming a part outside its directory is damaged: nothing
// outside snap/ is read.
func TestManifestPartNamesStayInTheDirectory(t *testing.T) {
	for _, name := range []string{"../secret.part", "snap/../../x.part", "wal/0000000000000001.log", "snap/", "snap/a/b.part", "/etc/passwd"} {
		assert.False(t, validPartName(name), name)
	}
	assert.True(t, validPartName("snap/0000000000000002-0-0000.part"))
	fsys := memFS(t)
	require.NoError(t, hackpadfs.MkdirAll(fsys, "cluster/wal", 0o755))
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "secret.part", []byte("x"), 0o644))
	body := []byte(`{"revision":1,"compacted":0,"time":"2026-01-01T00:00:00Z","parts":[{"name":"../secret.part","size":1,"crc32":2363233923}]}`)
	sum := sha256.Sum256(body)
	data := append([]byte(fmt.Sprintf(`{"format":2,"sha256":%q}`+"\n", hex.EncodeToString(sum[:]))), body...)
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/snapshot.json", data, 0o644))
	_, _, rep := open(t, fsys)
	require.NotEmpty(t, rep.Dropped)
	assert.Contains(t, rep.Dropped[0], `part "../secret.part" is not a part's name`)
	_, err := hackpadfs.Stat(fsys, "secret.part")
	assert.NoError(t, err, "a file outside the directory is neither read nor moved")
}

// A store kept by a build that wrote format 1 (the whole store in
// snapshot.json) is restored, and its next snapshot is written in parts.
func TestFormatOneSnapshotIsRestored(t *testing.T) {
	fsys := memFS(t)
	v, err := json.Marshal(typedPod("a"))
	require.NoError(t, err)
	body, err := json.Marshal(snapshot{Format: 1, Revision: 7, Compacted: 3, Time: epoch, Entries: []record{{Rev: 5, Key: "/r/a", CreateRev: 4, Value: v}}})
	require.NoError(t, err)
	sum := sha256.Sum256(body)
	data := append([]byte(fmt.Sprintf(`{"format":1,"sha256":%q}`+"\n", hex.EncodeToString(sum[:]))), body...)
	require.NoError(t, hackpadfs.MkdirAll(fsys, "cluster/wal", 0o755))
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/snapshot.json", data, 0o644))
	s, p, rep := open(t, fsys)
	assert.Empty(t, rep.Dropped)
	assert.True(t, rep.Restored)
	assert.Equal(t, []string{"/r/a@5"}, keysOf(s))
	assert.Equal(t, int64(7), s.Revision())
	assert.Equal(t, len(data), p.snapSize)
	_, err = s.Create("/r/b", typedPod("b"))
	require.NoError(t, err)
	require.NoError(t, p.Snapshot())
	assert.Len(t, readManifest(t, fsys).Parts, 1)
	prev, err := hackpadfs.ReadFile(fsys, "cluster/snapshot.prev")
	require.NoError(t, err)
	assert.Equal(t, data, prev, "the format 1 snapshot is kept as the previous one")
	s2, _, rep := open(t, fsys)
	assert.Empty(t, rep.Dropped)
	assert.Equal(t, keysOf(s), keysOf(s2))
}

// A store larger than the log snapshotEvery changes make is snapshotted
// once its log outgrows the last snapshot, not every snapshotEvery changes.
func TestSnapshotsOfALargeStoreWaitForTheLogToOutgrowThem(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	big := typedPod("big")
	big.Annotations = map[string]string{"pad": strings.Repeat("x", 1<<20)}
	_, err := s.Create("/r/big", big)
	require.NoError(t, err)
	require.NoError(t, p.Flush())
	require.NoError(t, p.Snapshot())
	// The revision the snapshot on disk was taken at.
	snapRev := func() int64 { return readManifest(t, fsys).Revision }
	first := snapRev()
	_, _ = s.Create("/r/small", typedPod("small"))
	for i := range snapshotEvery + 10 {
		_, err := s.Update("/r/small", typedPod(fmt.Sprint("small", i%2)), 0)
		require.NoError(t, err)
	}
	require.NoError(t, p.Flush())
	assert.Equal(t, first, snapRev(), "%d changes, but a log of %d bytes is smaller than the snapshot's %d", p.logged, p.logSize, p.snapSize)
	// Once the log holds as many bytes as the snapshot, its flush begins
	// one (written a step at each flush).
	for i := 0; p.work == nil; i++ {
		require.Less(t, i, 10, "no snapshot after the log outgrew the last one")
		_, err := s.Update("/r/big", big, 0)
		require.NoError(t, err)
		require.NoError(t, p.Flush())
	}
	at := s.Revision()
	for p.work != nil {
		require.NoError(t, p.Mark())
	}
	assert.Equal(t, at, snapRev())
	s2, _, rep := open(t, fsys)
	assert.Empty(t, rep.Dropped)
	assert.Equal(t, keysOf(s), keysOf(s2))
}

// A burst of changes past maxPending bytes between two flushes is written
// as it comes, not held until the flush.
func TestALargeBurstIsWrittenBeforeTheFlush(t *testing.T) {
	fsys := memFS(t)
	s, _, _ := open(t, fsys)
	big := typedPod("big")
	big.Annotations = map[string]string{"pad": strings.Repeat("x", 1<<20)}
	_, err := s.Create("/r/big", big)
	require.NoError(t, err)
	for range maxPending >> 20 {
		_, err := s.Update("/r/big", big, 0)
		require.NoError(t, err)
	}
	_, err = s.Create("/r/after", typedPod("after"))
	require.NoError(t, err)
	// No Flush: a reopening sees what the burst wrote once it passed
	// maxPending (all but the last megabyte or two), and not the change
	// after it.
	s2, _, rep := open(t, fsys)
	assert.Empty(t, rep.Dropped)
	kv, ok := s2.Get("/r/big")
	require.True(t, ok)
	assert.GreaterOrEqual(t, kv.ModRevision, s.Revision()-3)
	_, ok = s2.Get("/r/after")
	assert.False(t, ok)
}

// readRecord reads what appendRecord writes, as json.Unmarshal does.
func TestRecordsReadAsJSONUnmarshalDoes(t *testing.T) {
	value, err := json.Marshal(typedPod("web-0"))
	require.NoError(t, err)
	for name, r := range map[string]record{
		"a change":     {Rev: 12, Time: epoch.Add(1500 * time.Millisecond), Key: "/registry/pods/default/web-0", CreateRev: 3, Value: value},
		"a deletion":   {Rev: 13, Time: epoch, Delete: true, Key: "/registry/pods/default/web-0"},
		"a time mark":  {Time: epoch.Add(time.Nanosecond)},
		"no createRev": {Rev: 1, Time: epoch, Key: "/r/a", Value: value},
	} {
		t.Run(name, func(t *testing.T) {
			got, ok := readRecord(appendRecord(nil, r))
			require.True(t, ok)
			var want record
			require.NoError(t, json.Unmarshal(appendRecord(nil, r), &want))
			assert.Equal(t, want.Time.UnixNano(), got.Time.UnixNano())
			want.Time, got.Time = time.Time{}, time.Time{}
			assert.Equal(t, want, got)
		})
	}
	for _, b := range []string{
		`{"rev":1,"time":"2026-01-01T00:00:00Z","key":"/r/\u00fc","value":{}}`, // escaped: json.Unmarshal's
		`{"time":"2026-01-01T00:00:00Z","rev":1,"key":"/r/a"}`,                 // another order
		`{"rev":1,"time":"never","key":"/r/a"}`,
		`{"rev":1,"time":"2026-01-01T00:00:00Z","key":"/r/a"} `,
		`{"rev":x}`,
	} {
		_, ok := readRecord([]byte(b))
		assert.False(t, ok, b)
	}
}

// A key the log changed many times comes back with its last value that
// decodes; values after it that do not are reported.
func TestReplayKeepsTheLastValueThatDecodes(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	_, err := s.Create("/r/a", typedPod("a"))
	require.NoError(t, err)
	require.NoError(t, p.Snapshot())
	for i := range 3 {
		_, err := s.Update("/r/a", typedPod(fmt.Sprint("a", i)), 0)
		require.NoError(t, err)
	}
	_, err = s.Create("/r/gone", typedPod("gone"))
	require.NoError(t, err)
	_, err = s.Delete("/r/gone", 0)
	require.NoError(t, err)
	require.NoError(t, p.Flush())
	rev := s.Revision()
	// Then a value of a kind no build knows, for /r/a.
	body := fmt.Sprintf(`{"rev":%d,"time":"2026-01-01T00:00:00Z","key":"/r/a","createRev":2,"value":{"apiVersion":"example.com/v1","kind":"Widget"}}`, rev+1)
	line := fmt.Sprintf("%08x %d %s\n", crc(body), len(body), body)
	require.NoError(t, hackpadfs.WriteFullFile(fsys, fmt.Sprintf("cluster/wal/%016d.log", rev+1), []byte(line), 0o644))
	s2, _, rep := open(t, fsys)
	assert.Equal(t, rev+1, s2.Revision())
	kv, ok := s2.Get("/r/a")
	require.True(t, ok)
	assert.Equal(t, "a2", kv.Value.(*api.Pod).Name)
	assert.Equal(t, rev-2, kv.ModRevision)
	_, ok = s2.Get("/r/gone")
	assert.False(t, ok)
	require.Len(t, rep.Dropped, 1)
	assert.Contains(t, rep.Dropped[0], `(/r/a): no matches for kind "Widget"`)
}

// A log file longer than the reader's buffer comes back whole: each
// value is its own, not a view of bytes the reader reuses.
func TestALongLogFileComesBackWhole(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	for i := range 400 {
		_, err := s.Create(fmt.Sprintf("/r/%03d", i), typedPod(fmt.Sprintf("p%03d", i)))
		require.NoError(t, err)
	}
	require.NoError(t, p.Flush())
	s2, _, rep := open(t, fsys)
	assert.Empty(t, rep.Dropped)
	for i := range 400 {
		kv, ok := s2.Get(fmt.Sprintf("/r/%03d", i))
		require.True(t, ok)
		assert.Equal(t, fmt.Sprintf("p%03d", i), kv.Value.(*api.Pod).Name)
	}
}

// A snapshot the log's growth calls for is written a step at each flush
// (about snapshotStep bytes of its records: a part over several flushes,
// or several parts in one), while the log goes on; until its manifest is
// in place a restore uses the previous snapshot and the whole log, and
// after it the new snapshot and the log written since it began.
func TestSnapshotIsWrittenAStepAtEachFlush(t *testing.T) {
	for _, tt := range []struct {
		name       string
		part, step int
	}{
		{"a part a flush", 1000, 1000},
		{"a part over four flushes", 4000, 1000},
		{"four parts a flush", 1000, 4000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			oldPart, oldStep := snapshotPartSize, snapshotStep
			snapshotPartSize, snapshotStep = tt.part, tt.step
			t.Cleanup(func() { snapshotPartSize, snapshotStep = oldPart, oldStep })
			fsys := memFS(t)
			s, p, _ := open(t, fsys)
			createPods(t, s, 40)
			require.NoError(t, p.Snapshot())
			first := readManifest(t, fsys).Revision
			// Enough changes for the log to call for the next snapshot.
			for i := 0; p.work == nil; i++ {
				require.Less(t, i, 10*snapshotEvery, "no snapshot began")
				_, err := s.Update("/r/00", typedPod(fmt.Sprint("p", i%2)), 0)
				require.NoError(t, err)
				if i%100 == 99 {
					require.NoError(t, p.Flush())
				}
			}
			at, total := p.work.m.Revision, len(p.work.kvs)
			require.Greater(t, total, 30)
			flushes := 0
			const pod = 220   // bytes of a record of typedPod("pN"), about
			var records []int // the snapshot's records written at each flush
			for p.work != nil {
				assert.Equal(t, first, readManifest(t, fsys).Revision, "the manifest is installed last")
				// Meanwhile the store changes, and a restore now is the store.
				_, err := s.Create(fmt.Sprintf("/r/new%02d", flushes), typedPod("new"))
				require.NoError(t, err)
				_, err = s.Delete("/r/01", 0)
				if flushes > 0 {
					assert.ErrorIs(t, err, ErrNotFound)
				}
				next := p.work.next
				require.NoError(t, p.Flush())
				if p.work != nil {
					records = append(records, p.work.next-next)
				}
				flushes++
				s2, _, rep := open(t, memCopy(t, fsys))
				assert.Empty(t, rep.Dropped)
				assert.Equal(t, keysOf(s), keysOf(s2), "after %d flushes", flushes)
			}
			require.NotEmpty(t, records)
			for _, n := range records {
				assert.Equal(t, (tt.step+pod-1)/pod, n, "records of %d bytes until the step's %d are passed", pod, tt.step)
			}
			m := readManifest(t, fsys)
			for _, part := range m.Parts[:len(m.Parts)-1] {
				assert.GreaterOrEqual(t, part.Size, tt.part)
				assert.Less(t, part.Size, tt.part+pod+20, "a part ends with the record that passes its size")
			}
			perStep := (tt.step + pod - 1) / pod
			assert.Equal(t, (total+perStep-1)/perStep, flushes+1, "%d records, %d a flush (the first with the flush that began the snapshot)", total, perStep)
			assert.Equal(t, at, readManifest(t, fsys).Revision)
			s2, _, rep := open(t, fsys)
			assert.Empty(t, rep.Dropped)
			assert.Equal(t, keysOf(s), keysOf(s2))
			entries, err := hackpadfs.ReadDir(fsys, "cluster/wal")
			require.NoError(t, err)
			for _, e := range entries {
				start, err := strconv.ParseInt(strings.TrimSuffix(e.Name(), ".log"), 10, 64)
				require.NoError(t, err)
				assert.Greater(t, start, at, "the log the snapshot covers is dropped, the rest kept")
			}
		})
	}
}

// memCopy copies a memory file system, as a crash would leave it.
func memCopy(t *testing.T, src hackpadfs.FS) hackpadfs.FS {
	t.Helper()
	dst := memFS(t)
	require.NoError(t, hackpadfs.WalkDir(src, ".", func(name string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() {
			return hackpadfs.MkdirAll(dst, name, 0o755)
		}
		data, err := hackpadfs.ReadFile(src, name)
		require.NoError(t, err)
		return hackpadfs.WriteFullFile(dst, name, data, 0o644)
	}))
	return dst
}

// A log line's head is the record's CRC-32 in eight hex digits and its
// length in ten decimal ones, so the record is encoded in place after
// it; lines an older build wrote, with the length in as many digits as
// it has, are read too.
func TestLogLineHeads(t *testing.T) {
	fsys := memFS(t)
	s, p, _ := open(t, fsys)
	_, err := s.Create("/r/a", typedPod("a"))
	require.NoError(t, err)
	_, err = s.Delete("/r/a", 0)
	require.NoError(t, err)
	require.NoError(t, p.Flush())
	data, err := hackpadfs.ReadFile(fsys, "cluster/wal/0000000000000002.log")
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	require.Len(t, lines, 4, "a creation, a deletion, the time and the empty tail")
	for _, line := range lines[:3] {
		fields := strings.SplitN(strings.TrimSuffix(line, "\n"), " ", 3)
		require.Len(t, fields, 3)
		assert.Equal(t, fmt.Sprintf("%08x %010d %s\n", crc(fields[2]), len(fields[2]), fields[2]), line)
	}

	for name, head := range map[string]string{"fixed": "%08x %010d %s\n", "older": "%08x %d %s\n"} {
		t.Run(name, func(t *testing.T) {
			fsys := memFS(t)
			require.NoError(t, hackpadfs.MkdirAll(fsys, "cluster/wal", 0o755))
			value, err := json.Marshal(typedPod("a"))
			require.NoError(t, err)
			var log []byte
			for _, r := range []record{{Rev: 2, Time: epoch, Key: "/r/a", CreateRev: 2, Value: value}, {Time: epoch.Add(time.Second)}} {
				body := string(appendRecord(nil, r))
				log = fmt.Appendf(log, head, crc(body), len(body), body)
			}
			require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/wal/0000000000000002.log", log, 0o644))
			s, _, rep := open(t, fsys)
			assert.Empty(t, rep.Dropped)
			assert.Equal(t, []string{"/r/a@2"}, keysOf(s))
			assert.Equal(t, epoch.Add(time.Second), rep.Time)
		})
	}
}

// createPods creates n pods, /r/00 on.
func createPods(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		_, err := s.Create(fmt.Sprintf("/r/%02d", i), typedPod(fmt.Sprintf("p%d", i)))
		require.NoError(t, err)
	}
}

// A snapshot's values are decoded with the log's, once it is replayed: a
// value the log replaced is not decoded (nor reported if it cannot be),
// one it did not replace is reported as the snapshot's, and it is what a
// key falls back to when the log's values for it do not decode.
func TestSnapshotValuesAreDecodedAfterTheLog(t *testing.T) {
	fsys := memFS(t)
	pod := func(name string) json.RawMessage {
		v, err := json.Marshal(typedPod(name))
		require.NoError(t, err)
		return v
	}
	widget := json.RawMessage(`{"kind":"Widget","apiVersion":"example.com/v1"}`)
	body, err := json.Marshal(snapshot{Format: 1, Revision: 7, Time: epoch, Entries: []record{
		{Rev: 5, Key: "/r/a", CreateRev: 5, Value: widget}, // replaced by the log
		{Rev: 6, Key: "/r/b", CreateRev: 6, Value: widget}, // not replaced
		{Rev: 7, Key: "/r/c", CreateRev: 7, Value: pod("c")},
	}})
	require.NoError(t, err)
	sum := sha256.Sum256(body)
	data := append([]byte(fmt.Sprintf(`{"format":1,"sha256":%q}`+"\n", hex.EncodeToString(sum[:]))), body...)
	require.NoError(t, hackpadfs.MkdirAll(fsys, "cluster/wal", 0o755))
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/snapshot.json", data, 0o644))
	var log []byte
	for _, r := range []record{
		{Rev: 8, Time: epoch, Key: "/r/a", CreateRev: 5, Value: pod("a")},
		{Rev: 9, Time: epoch, Key: "/r/c", CreateRev: 7, Value: widget}, // the snapshot's c stays
	} {
		b := appendRecord(nil, r)
		log = fmt.Appendf(log, "%08x %d %s\n", crc32.ChecksumIEEE(b), len(b), b)
	}
	require.NoError(t, hackpadfs.WriteFullFile(fsys, "cluster/wal/0000000000000008.log", log, 0o644))
	s, _, rep := open(t, fsys)
	assert.Equal(t, []string{"/r/a@8", "/r/c@7"}, keysOf(s))
	assert.Equal(t, int64(9), s.Revision())
	assert.Equal(t, []string{
		`/r/b: no matches for kind "Widget" in version "example.com/v1"`,
		`log file 0000000000000008.log: record 2 (/r/c): no matches for kind "Widget" in version "example.com/v1"`,
	}, rep.Dropped)
}

// typeOf reads the kind and apiVersion the encoder writes first, and
// leaves anything else to api.TypeOf.
func TestTypeOfReadsWhatTheEncoderWrites(t *testing.T) {
	v, err := json.Marshal(typedPod("a"))
	require.NoError(t, err)
	apiVersion, kind, ok := typeOf(v)
	require.True(t, ok)
	assert.Equal(t, [2]string{"v1", "Pod"}, [2]string{apiVersion, kind})
	for _, b := range []string{
		`{"apiVersion":"v1","kind":"Pod"}`,      // another order
		`{"kind":"P\u006fd","apiVersion":"v1"}`, // escaped
		`{"kind":"","apiVersion":"v1"}`,
		`{"kind":"Pod"}`,
		`{"kind":"Pod","apiVersion":"v1`,
		``,
	} {
		_, _, ok := typeOf([]byte(b))
		assert.False(t, ok, b)
	}
	// Either way, the same object.
	for _, b := range []string{string(v), `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"default"}}`} {
		obj, err := decodeObject([]byte(b))
		require.NoError(t, err)
		assert.Equal(t, "a", obj.(*api.Pod).Name)
	}
}
