package runtime

import (
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
