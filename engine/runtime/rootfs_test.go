package runtime

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"

	"github.com/kubeplay/kubeplay/engine/runtime/internal/vfs"
)

// sh runs a script in a container and returns its output once it ends.
func (f *fixture) sh(t *testing.T, cfg ContainerConfig, script string) string {
	t.Helper()
	cfg.Name, cfg.Args = "c", []string{"sh", "-c", script}
	id := f.start(t, cfg, "busybox")
	f.loop.AdvanceBy(time.Minute)
	return f.output(t, id)
}

func (f *fixture) output(t *testing.T, id string) string {
	t.Helper()
	lines, err := f.rt.Logs(id)
	require.NoError(t, err)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}

func newVolume(t *testing.T, files map[string]string) hackpadfs.FS {
	t.Helper()
	v, err := mem.NewFS()
	require.NoError(t, err)
	for name, data := range files {
		require.NoError(t, hackpadfs.MkdirAll(v, "sub", 0o755))
		require.NoError(t, hackpadfs.WriteFullFile(v, name, []byte(data), 0o644))
	}
	return v
}

func TestRootFileSystem(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(t *testing.T) ContainerConfig
		script string
		want   string
	}{
		{
			name: "the kubelet's files and the image's",
			cfg: func(*testing.T) ContainerConfig {
				return ContainerConfig{Files: map[string][]byte{"/etc/hosts": []byte("10.244.1.2\tweb\n")}}
			},
			script: "cat /etc/hosts; head -1 /etc/passwd; ls /",
			want:   "10.244.1.2\tweb\nroot:x:0:0:root:/root:/bin/sh\nbin\ndev\netc\nhome\nproc\nroot\nsys\ntmp\nusr\nvar\n",
		},
		{
			name:   "a writable root, copy on write",
			cfg:    func(*testing.T) ContainerConfig { return ContainerConfig{} },
			script: "echo x >> /etc/passwd; wc -l < /etc/passwd; rm /etc/group; ls /etc; mkdir -p /tmp/a/b; echo hi > /tmp/a/b/c; cat /tmp/a/b/c",
			want:   "3\nhostname\npasswd\nhi\n",
		},
		{
			name: "mounts at their paths, with subPath",
			cfg: func(t *testing.T) ContainerConfig {
				v := newVolume(t, map[string]string{"a.txt": "A\n", "sub/b.txt": "B\n"})
				return ContainerConfig{Mounts: []Mount{{ContainerPath: "/data", Source: v}, {ContainerPath: "/etc/b", Source: v, SubPath: "sub"}}}
			},
			script: "cat /data/a.txt /etc/b/b.txt; ls /data; echo new > /data/new; cat /data/new",
			want:   "A\nB\na.txt\nsub\nnew\n",
		},
		{
			name: "a read-only mount refuses writes",
			cfg: func(t *testing.T) ContainerConfig {
				return ContainerConfig{Mounts: []Mount{{ContainerPath: "/config", Source: newVolume(t, map[string]string{"k": "v"}), ReadOnly: true}}}
			},
			script: "cat /config/k; echo; echo x > /config/k || echo refused; touch /config/new || echo refused; rm /config/k || echo refused",
			want: "v\nopen /config/k: Read-only file system\nrefused\ntouch: /config/new: Read-only file system\nrefused\n" +
				"rm: can't remove '/config/k': Read-only file system\nrefused\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			assert.Equal(t, tt.want, f.sh(t, tt.cfg(t), tt.script))
		})
	}
}

func TestEmptyDirIsShared(t *testing.T) {
	f := newFixture(t)
	shared := newVolume(t, nil)
	writer := f.start(t, ContainerConfig{Name: "w", Args: []string{"sh", "-c", "echo from-writer > /cache/msg; echo private > /tmp/own; sleep 3600"}, Mounts: []Mount{{ContainerPath: "/cache", Source: shared}}}, "busybox")
	f.loop.AdvanceBy(time.Second)
	out := f.sh(t, ContainerConfig{Mounts: []Mount{{ContainerPath: "/shared", Source: shared}}}, "cat /shared/msg; cat /tmp/own || echo not-here")
	assert.Contains(t, out, "from-writer\n")
	assert.Contains(t, out, "not-here\n", "each container has its own root")
	var got strings.Builder
	var res *ExecResult
	require.NoError(t, f.rt.ExecSync(context.Background(), writer, ExecRequest{Cmd: []string{"cat", "/tmp/own", "/cache/msg"}, Stdout: &got, Done: func(r ExecResult) { res = &r }}))
	f.loop.AdvanceBy(time.Second)
	require.NotNil(t, res)
	assert.Equal(t, "private\nfrom-writer\n", got.String(), "an exec sees its container's root and mounts")
}

// A container sees no time but the virtual clock's and its images': its
// root, the directories made for its mounts and files, and the base
// image's directories carry them, never the host's clock.
func TestRootFileSystemTimes(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)
	cfg := ContainerConfig{
		Files:  map[string][]byte{"/etc/kubeplay/deep/file": []byte("x")},
		Mounts: []Mount{{ContainerPath: "/srv/www/data", Source: newVolume(t, map[string]string{"k": "v"})}},
	}
	cfg.Image.Config = ImageConfig{Layer: "nginx"}
	root, err := newRootFS(cfg, func() time.Time { return at }, nil)
	require.NoError(t, err)
	want := map[string]time.Time{
		"/":                     at,
		"/srv":                  at,
		"/srv/www":              at,
		"/etc/kubeplay/deep":    at,
		"/bin":                  baseBuilt,
		"/usr/share/nginx":      nginxBuilt,
		"/usr/share/nginx/html": nginxBuilt,
	}
	for name, when := range want {
		st, errno := root.fs.Stat(name)
		require.Zero(t, errno, name)
		got := time.Unix(0, st.Mtim).UTC()
		assert.True(t, got.Equal(when), "%s: %v, want %v", name, got, when)
	}
}

// dumpTree lists every path of a container's file system with its mode,
// time and contents, mounts included.
func dumpTree(t *testing.T, fsys *vfs.FS, dir string, out *strings.Builder) {
	t.Helper()
	st, errno := fsys.Stat(dir)
	require.Zero(t, errno, dir)
	fmt.Fprintf(out, "%s %v %d", dir, st.Mode, st.Mtim)
	f, errno := fsys.OpenFile(dir, experimentalsys.O_RDONLY, 0)
	require.Zero(t, errno, dir)
	defer f.Close()
	if !st.Mode.IsDir() {
		buf := make([]byte, st.Size)
		n, _ := f.Read(buf)
		fmt.Fprintf(out, " %q\n", buf[:n])
		return
	}
	out.WriteString("\n")
	entries, errno := f.Readdir(-1)
	require.Zero(t, errno, dir)
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	for _, name := range names {
		dumpTree(t, fsys, path.Join(dir, name), out)
	}
}

// A root left to be finished on first use is the root made at once, to
// the byte and the nanosecond, though used later; one whose changes may
// fail is made at once and fails the same way.
func TestLazyRootIsTheEagerRoot(t *testing.T) {
	built := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	volume := func(t *testing.T) hackpadfs.FS {
		v, err := mem.NewFS()
		require.NoError(t, err)
		require.NoError(t, hackpadfs.Chtimes(v, ".", built, built))
		require.NoError(t, writeFile(v, "sub/b.txt", []byte("B\n"), built))
		return v
	}
	tests := []struct {
		name  string
		layer string
		files map[string]string
		// mounts: ContainerPath, SubPath, read-only
		mounts   [][3]string
		deferred bool
		err      string
	}{
		{name: "a pod's pause container", files: map[string]string{"/etc/hosts": "h", "/etc/hostname": "web-0\n", "/etc/resolv.conf": "nameserver 10.96.0.10\n"},
			mounts: [][3]string{{"/var/run/secrets/kubernetes.io/serviceaccount", "", "ro"}, {"/dev/termination-log", "sub/b.txt", ""}}, deferred: true},
		{name: "an image's layer, deep files and mounts", layer: "nginx", files: map[string]string{"/usr/share/nginx/html/x/y": "y", "/etc/a/b/c": "c"},
			mounts: [][3]string{{"/srv/www", "", ""}, {"/srv/www/inner", "sub", ""}, {"/etc/hosts", "", ""}, {"/tmp", "", ""}, {"/new/file", "sub/b.txt", "ro"}}, deferred: true},
		{name: "a file mounted where the kubelet wrote one", files: map[string]string{"/etc/hosts": "h"}, mounts: [][3]string{{"/etc/hosts", "sub/b.txt", ""}}, deferred: true},
		{name: "a missing subPath made in a writable volume", mounts: [][3]string{{"/data", "made/here", ""}}, deferred: true},
		{name: "a file under a file", files: map[string]string{"/etc/passwd/x": "x"}, err: "write /etc/passwd/x: open etc/passwd/x: not a directory"},
		{name: "a directory where a file is to be", files: map[string]string{"/etc": "x"}, err: "write /etc: open etc: is a directory"},
		{name: "a file then a file under it", files: map[string]string{"/a/b": "1", "/a/b/c": "2"}},
		{name: "a mount under a file", mounts: [][3]string{{"/etc/hostname/x", "", ""}}},
		{name: "a mount under the kubelet's file", files: map[string]string{"/etc/hosts": "h"}, mounts: [][3]string{{"/srv", "", ""}, {"/etc/hosts/x", "", ""}}},
		{name: "a mount over /", mounts: [][3]string{{"/", "", ""}}, err: "mount /: cannot mount over /"},
		{name: "a missing subPath in a read-only volume", mounts: [][3]string{{"/data", "nope", "ro"}}, err: "mount /data: stat nope: file does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			build := func(lazy bool) (*rootFS, error) {
				cfg := ContainerConfig{Files: map[string][]byte{}}
				cfg.Image.Config = ImageConfig{Layer: tt.layer}
				for name, data := range tt.files {
					cfg.Files[name] = []byte(data)
				}
				for _, m := range tt.mounts {
					cfg.Mounts = append(cfg.Mounts, Mount{ContainerPath: m[0], SubPath: m[1], ReadOnly: m[2] == "ro", Source: volume(t)})
				}
				at := time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)
				root, err := buildRootFS(cfg, func() time.Time { return at }, lazy, nil)
				at = at.Add(time.Hour) // first used an hour later
				return root, err
			}
			eager, eagerErr := build(false)
			lazy, lazyErr := build(true)
			if eagerErr != nil || tt.err != "" {
				require.Error(t, eagerErr)
				assert.Equal(t, tt.err, eagerErr.Error())
				require.Error(t, lazyErr)
				assert.Equal(t, eagerErr.Error(), lazyErr.Error())
				return
			}
			require.NoError(t, lazyErr)
			assert.Equal(t, tt.deferred, lazy.deferred > 0, "deferred changes: %d", lazy.deferred)
			var want, got strings.Builder
			dumpTree(t, eager.fs, "/", &want)
			dumpTree(t, lazy.fs, "/", &got)
			assert.Equal(t, want.String(), got.String())
		})
	}
}

// A root's plan finds a path's kind in the image's map as fs.Stat does:
// entries, directories fstest infers, and missing paths, with and without
// a layer.
func TestRootPlanKind(t *testing.T) {
	for _, layer := range []string{"", "nginx"} {
		lower := withLayer(layer)
		names := []string{"missing", "etc/missing", "usr/share", "usr/share/nginx", "etc/nginx/conf.d/default.conf/x"}
		for name := range lower.(fstest.MapFS) {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			p := rootPlan{lower: lower, made: map[string]bool{}}
			dir, ok := p.kind(name)
			fi, err := fs.Stat(lower, name)
			assert.Equal(t, err == nil, ok, "%s %s", layer, name)
			if err == nil {
				assert.Equal(t, fi.IsDir(), dir, "%s %s", layer, name)
			}
		}
	}
}
