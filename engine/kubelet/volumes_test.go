package kubelet

import (
	"io/fs"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/runtime"
)

func TestProjectItems(t *testing.T) {
	data := map[string][]byte{"a": []byte("1"), "b": []byte("2")}
	mode := api.Ptr(int32(0o400))
	tests := []struct {
		name     string
		items    []api.KeyToPath
		optional *bool
		want     map[string]volumeFile
		err      string
	}{
		{name: "all keys", want: map[string]volumeFile{"a": {data: []byte("1"), mode: 0o644}, "b": {data: []byte("2"), mode: 0o644}}},
		{name: "items", items: []api.KeyToPath{{Key: "b", Path: "dir/b.txt", Mode: mode}},
			want: map[string]volumeFile{"dir/b.txt": {data: []byte("2"), mode: 0o400}}},
		{name: "missing key", items: []api.KeyToPath{{Key: "c", Path: "c"}}, err: "configmap references non-existent config key: c"},
		{name: "missing optional key", items: []api.KeyToPath{{Key: "c", Path: "c"}}, optional: api.Ptr(true), want: map[string]volumeFile{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := map[string]volumeFile{}
			err := project(out, data, tt.items, tt.optional, nil, "configmap references non-existent config key: %s")
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, out)
		})
	}
}

func TestWriteVolumeFollowsTheObject(t *testing.T) {
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	at := time.Date(2026, 12, 1, 2, 30, 0, 123456789, time.UTC)
	names := func() []string {
		entries, err := hackpadfs.ReadDir(fsys, ".")
		require.NoError(t, err)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	read := func(p string) string {
		real, err := runtime.EvalLinks(fsys, p)
		require.NoError(t, err)
		b, err := hackpadfs.ReadFile(fsys, real)
		require.NoError(t, err)
		return string(b)
	}
	link := func(p string) string {
		target, err := runtime.Readlink(fsys, p)
		require.NoError(t, err)
		return target
	}
	steps := []struct {
		name  string
		files map[string]volumeFile
		at    time.Time
		check func(t *testing.T, first string)
	}{
		{
			name:  "the files in a timestamped directory, the top paths links into ..data",
			files: map[string]volumeFile{"a": {data: []byte("1"), mode: 0o644}, "d/b": {data: []byte("2"), mode: 0o400}},
			at:    at,
			check: func(t *testing.T, ts string) {
				assert.Regexp(t, `^\.\.2026_12_01_02_30_00\.[0-9]+$`, ts)
				assert.Equal(t, []string{ts, "..data", "a", "d"}, names())
				assert.Equal(t, "..data/a", link("a"))
				assert.Equal(t, "..data/d", link("d"))
				assert.Equal(t, "1", read("a"))
				assert.Equal(t, "2", read("d/b"))
				fi, err := hackpadfs.Stat(fsys, ts+"/d/b")
				require.NoError(t, err)
				assert.Equal(t, fs.FileMode(0o400), fi.Mode().Perm())
			},
		},
		{
			name:  "the same files again change nothing",
			files: map[string]volumeFile{"a": {data: []byte("1"), mode: 0o644}, "d/b": {data: []byte("2"), mode: 0o400}},
			at:    at.Add(time.Minute),
			check: func(t *testing.T, first string) {
				assert.Equal(t, first, link("..data"))
			},
		},
		{
			name:  "an update swaps ..data to a new directory, the old one and the gone paths go",
			files: map[string]volumeFile{"a": {data: []byte("one"), mode: 0o644}},
			at:    at.Add(2 * time.Minute),
			check: func(t *testing.T, first string) {
				ts := link("..data")
				assert.NotEqual(t, first, ts)
				assert.Regexp(t, `^\.\.2026_12_01_02_32_00\.[0-9]+$`, ts)
				assert.Equal(t, []string{ts, "..data", "a"}, names())
				assert.Equal(t, "one", read("a"))
				fi, err := hackpadfs.Stat(fsys, ts+"/a")
				require.NoError(t, err)
				assert.Equal(t, at.Add(2*time.Minute), fi.ModTime().UTC())
			},
		},
	}
	var first string
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			require.NoError(t, writeVolume(fsys, st.files, st.at, "uid/vol"))
			if first == "" {
				first = link("..data")
			}
			st.check(t, first)
		})
	}
}

func TestSubPathOfAWrittenVolumeKeepsItsFile(t *testing.T) {
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	at := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
	require.NoError(t, writeVolume(fsys, map[string]volumeFile{"key": {data: []byte("old"), mode: 0o644}}, at, "uid/vol"))
	snap, real, err := snapshotSubPath(fsys, "key")
	require.NoError(t, err)
	require.NoError(t, writeVolume(fsys, map[string]volumeFile{"key": {data: []byte("new"), mode: 0o644}}, at.Add(time.Minute), "uid/vol"))
	b, err := hackpadfs.ReadFile(snap, real)
	require.NoError(t, err)
	assert.Equal(t, "old", string(b), "a subPath does not follow updates")
}

func TestHostPathTypes(t *testing.T) {
	disk, err := mem.NewFS()
	require.NoError(t, err)
	k := newTestKubelet(t)
	k.cfg.Disk, k.cfg.DiskDir = disk, "disks/node01"
	tests := []struct{ path, typ, err string }{
		{path: "/srv/a", typ: "DirectoryOrCreate"},
		{path: "/srv/a", typ: "Directory"},
		{path: "/srv/b", typ: "Directory", err: "hostPath type check failed: /srv/b is not a directory"},
		{path: "/srv/f", typ: "FileOrCreate"},
		{path: "/srv/f", typ: "File"},
		{path: "/srv/a", typ: "File", err: "hostPath type check failed: /srv/a is not a file"},
		{path: "/run/x.sock", typ: "Socket", err: "hostPath type check failed: /run/x.sock is not a socket file"},
		{path: "/srv/c", typ: ""},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.typ, func(t *testing.T) {
			vol, err := k.hostPath(tt.path, tt.typ)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "disks/node01"+tt.path, vol.dir)
			_, err = hackpadfs.Stat(disk, vol.dir)
			assert.NoError(t, err)
		})
	}
}

func TestContainerMounts(t *testing.T) {
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	st := &podState{volumes: map[string]*podVolume{
		"data": {fs: fsys, dir: "."},
		"cfg":  {fs: fsys, dir: ".", readOnly: true},
		"host": {fs: fsys, dir: "disks/node01/srv"},
	}}
	c := api.Container{Name: "c", VolumeMounts: []api.VolumeMount{
		{Name: "data", MountPath: "/data"},
		{Name: "cfg", MountPath: "/etc/config"},
		{Name: "host", MountPath: "/logs", SubPathExpr: "$(POD_NAME)", ReadOnly: true},
	}}
	mounts, err := containerMounts(c, st, map[string]string{"POD_NAME": "web-0"})
	require.NoError(t, err)
	require.Len(t, mounts, 3)
	assert.Equal(t, [3]string{".", ".", "disks/node01/srv/web-0"}, [3]string{mounts[0].SubPath, mounts[1].SubPath, mounts[2].SubPath})
	assert.Equal(t, [3]bool{false, true, true}, [3]bool{mounts[0].ReadOnly, mounts[1].ReadOnly, mounts[2].ReadOnly})

	_, err = containerMounts(api.Container{Name: "c", VolumeMounts: []api.VolumeMount{{Name: "data", MountPath: "/d", SubPath: "../x"}}}, st, nil)
	assert.EqualError(t, err, `subPath "../x" must be a relative path without ..`)
	_, err = containerMounts(api.Container{Name: "c", VolumeMounts: []api.VolumeMount{{Name: "nope", MountPath: "/d"}}}, st, nil)
	assert.EqualError(t, err, `cannot find volume "nope" to mount into container "c"`)
}
