package runtime

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingFS is a memory file system that records the operations on it.
type recordingFS struct {
	*mem.FS
	ops []string
}

func (r *recordingFS) Open(name string) (hackpadfs.File, error) {
	r.ops = append(r.ops, "open "+name)
	return r.FS.Open(name)
}

func (r *recordingFS) OpenFile(name string, flag int, perm hackpadfs.FileMode) (hackpadfs.File, error) {
	r.ops = append(r.ops, "open "+name)
	return r.FS.OpenFile(name, flag, perm)
}

func (r *recordingFS) Stat(name string) (hackpadfs.FileInfo, error) {
	r.ops = append(r.ops, "stat "+name)
	return r.FS.Stat(name)
}

func (r *recordingFS) Mkdir(name string, perm hackpadfs.FileMode) error {
	r.ops = append(r.ops, "mkdir "+name)
	return r.FS.Mkdir(name, perm)
}

func (r *recordingFS) Chtimes(name string, atime, mtime time.Time) error {
	r.ops = append(r.ops, "chtimes "+name)
	return r.FS.Chtimes(name, atime, mtime)
}

// Creating and starting a container that never opens a file looks at its
// volumes' roots only: the kubelet leaves a written volume's files for
// the first operation past its root (engine/kubelet writtenTree), which
// the pause container never makes.
func TestStartLooksAtAMountsRootOnly(t *testing.T) {
	tests := []struct {
		name     string
		readOnly bool
	}{
		{name: "read-only, as a service account volume", readOnly: true},
		{name: "writable", readOnly: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			m, err := mem.NewFS()
			require.NoError(t, err)
			vol := &recordingFS{FS: m}
			id := f.start(t, ContainerConfig{Name: "c", Mounts: []Mount{{
				ContainerPath: "/var/run/secrets/kubernetes.io/serviceaccount", Source: vol, ReadOnly: tt.readOnly,
			}}}, "registry.k8s.io/pause:3.10.1")
			f.loop.AdvanceBy(time.Minute)
			s, _ := f.rt.ContainerStatus(id)
			assert.Equal(t, Running, s.State)
			assert.Equal(t, []string{"stat ."}, vol.ops)
		})
	}
}

// A root's upper layer made on first use answers a stat before then as
// the empty layer made at once does.
func TestFreshUpperIsTheEmptyLayer(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 1, 0, 5, time.UTC)
	made := &freshUpper{at: at}
	made.made()
	tests := []string{".", "etc", "etc/hosts", "/etc", "../x", ""}
	for _, name := range tests {
		t.Run(name, func(t *testing.T) {
			fresh := &freshUpper{at: at}
			want, wantErr := made.Stat(name)
			got, gotErr := fresh.Stat(name)
			if wantErr != nil {
				require.Error(t, gotErr)
				assert.Equal(t, wantErr.Error(), gotErr.Error())
				assert.Equal(t, errors.Is(wantErr, fs.ErrNotExist), errors.Is(gotErr, fs.ErrNotExist))
				return
			}
			require.NoError(t, gotErr)
			assert.Equal(t, []any{want.Name(), want.Size(), want.Mode(), want.ModTime(), want.IsDir(), want.Sys()},
				[]any{got.Name(), got.Size(), got.Mode(), got.ModTime(), got.IsDir(), got.Sys()})
		})
	}
}
