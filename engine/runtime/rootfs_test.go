package runtime

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	root, err := newRootFS(cfg, func() time.Time { return at })
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
