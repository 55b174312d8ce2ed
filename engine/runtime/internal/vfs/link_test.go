package vfs

import (
	"io/fs"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// newLinkFS is a root with a file and a directory, and a read-only volume
// at /etc/config laid out as the kubelet writes one: key -> ..data/key,
// ..data -> ..ts, ..ts/key.
func newLinkFS(t *testing.T) *FS {
	root, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, hackpadfs.MkdirAll(root, "etc/config", 0o755))
	require.NoError(t, hackpadfs.MkdirAll(root, "srv/www", 0o755))
	require.NoError(t, hackpadfs.WriteFullFile(root, "srv/www/index.html", []byte("hi"), 0o644))
	vol, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, hackpadfs.Mkdir(vol, "..ts", 0o755))
	require.NoError(t, hackpadfs.WriteFullFile(vol, "..ts/key", []byte("value"), 0o644))
	require.NoError(t, Symlink(vol, "..ts", "..data", epoch))
	require.NoError(t, Symlink(vol, "..data/key", "key", epoch))
	return New([]Mount{{Path: "/", FS: root}, {Path: "/etc/config", FS: vol, ReadOnly: true}}, func() time.Time { return epoch })
}

func readAll(t *testing.T, f *FS, p string) (string, experimentalsys.Errno) {
	t.Helper()
	file, e := f.OpenFile(p, experimentalsys.O_RDONLY, 0)
	if e != 0 {
		return "", e
	}
	defer file.Close()
	buf := make([]byte, 64)
	n, e := file.Read(buf)
	return string(buf[:n]), e
}

func TestLinks(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *FS) experimentalsys.Errno
		check func(t *testing.T, f *FS)
	}{
		{
			name: "lstat describes the link, stat its target",
			check: func(t *testing.T, f *FS) {
				st, e := f.Lstat("/etc/config/key")
				require.Zero(t, e)
				assert.Equal(t, fs.ModeSymlink|0o777, st.Mode)
				assert.Equal(t, int64(len("..data/key")), st.Size)
				st, e = f.Stat("/etc/config/key")
				require.Zero(t, e)
				assert.True(t, st.Mode.IsRegular())
				assert.Equal(t, int64(5), st.Size)
				st, e = f.Stat("/etc/config/..data")
				require.Zero(t, e)
				assert.True(t, st.Mode.IsDir())
				st, e = f.Lstat("/etc/config/..data/")
				require.Zero(t, e)
				assert.True(t, st.Mode.IsDir(), "a trailing slash resolves the link, as on Linux")
			},
		},
		{
			name: "a file is read through two links",
			check: func(t *testing.T, f *FS) {
				s, e := readAll(t, f, "/etc/config/key")
				require.Zero(t, e)
				assert.Equal(t, "value", s)
			},
		},
		{
			name: "readlink gives the target; a file is not a link",
			check: func(t *testing.T, f *FS) {
				target, e := f.Readlink("/etc/config/..data")
				require.Zero(t, e)
				assert.Equal(t, "..ts", target)
				_, e = f.Readlink("/srv/www/index.html")
				assert.Equal(t, experimentalsys.EINVAL, e)
			},
		},
		{
			name:  "a relative link climbs with ..",
			setup: func(f *FS) experimentalsys.Errno { return f.Symlink("../srv/www", "/usr") },
			check: func(t *testing.T, f *FS) {
				s, e := readAll(t, f, "/usr/index.html")
				require.Zero(t, e)
				assert.Equal(t, "hi", s)
			},
		},
		{
			name:  "an absolute link starts from the root, across mounts",
			setup: func(f *FS) experimentalsys.Errno { return f.Symlink("/etc/config/key", "/srv/cfg") },
			check: func(t *testing.T, f *FS) {
				s, e := readAll(t, f, "/srv/cfg")
				require.Zero(t, e)
				assert.Equal(t, "value", s)
			},
		},
		{
			name:  "a dangling link: lstat works, stat says ENOENT, a create makes the target",
			setup: func(f *FS) experimentalsys.Errno { return f.Symlink("new.txt", "/srv/dangling") },
			check: func(t *testing.T, f *FS) {
				_, e := f.Lstat("/srv/dangling")
				assert.Zero(t, e)
				_, e = f.Stat("/srv/dangling")
				assert.Equal(t, experimentalsys.ENOENT, e)
				file, e := f.OpenFile("/srv/dangling", experimentalsys.O_CREAT|experimentalsys.O_WRONLY, 0o644)
				require.Zero(t, e)
				require.Zero(t, file.Close())
				st, e := f.Stat("/srv/new.txt")
				require.Zero(t, e)
				assert.True(t, st.Mode.IsRegular())
			},
		},
		{
			name: "a loop fails with ELOOP",
			setup: func(f *FS) experimentalsys.Errno {
				if e := f.Symlink("b", "/srv/a"); e != 0 {
					return e
				}
				return f.Symlink("a", "/srv/b")
			},
			check: func(t *testing.T, f *FS) {
				_, e := f.Stat("/srv/a")
				assert.Equal(t, experimentalsys.ELOOP, e)
				_, e = f.OpenFile("/srv/a/x", experimentalsys.O_RDONLY, 0)
				assert.Equal(t, experimentalsys.ELOOP, e)
			},
		},
		{
			name: "O_NOFOLLOW on a link fails with ELOOP",
			check: func(t *testing.T, f *FS) {
				_, e := f.OpenFile("/etc/config/key", experimentalsys.O_RDONLY|experimentalsys.O_NOFOLLOW, 0)
				assert.Equal(t, experimentalsys.ELOOP, e)
			},
		},
		{
			name: "a listing gives links their type",
			check: func(t *testing.T, f *FS) {
				dir, e := f.OpenFile("/etc/config", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
				require.Zero(t, e)
				defer dir.Close()
				entries, e := dir.Readdir(-1)
				require.Zero(t, e)
				types := map[string]fs.FileMode{}
				for _, d := range entries {
					types[d.Name] = d.Type
				}
				assert.Equal(t, map[string]fs.FileMode{"..data": fs.ModeSymlink, "..ts": fs.ModeDir, "key": fs.ModeSymlink}, types)
			},
		},
		{
			name:  "unlink removes the link, not its target",
			setup: func(f *FS) experimentalsys.Errno { return f.Symlink("www/index.html", "/srv/l") },
			check: func(t *testing.T, f *FS) {
				assert.Equal(t, experimentalsys.ENOTDIR, f.Rmdir("/srv/l"))
				require.Zero(t, f.Unlink("/srv/l"))
				_, e := f.Lstat("/srv/l")
				assert.Equal(t, experimentalsys.ENOENT, e)
				_, e = f.Stat("/srv/www/index.html")
				assert.Zero(t, e)
			},
		},
		{
			name: "a link is not made over a path, nor in a read-only mount",
			check: func(t *testing.T, f *FS) {
				assert.Equal(t, experimentalsys.EEXIST, f.Symlink("x", "/srv/www"))
				assert.Equal(t, experimentalsys.EROFS, f.Symlink("x", "/etc/config/y"))
			},
		},
		{
			name:  "a link to a file is no directory",
			setup: func(f *FS) experimentalsys.Errno { return f.Symlink("www/index.html", "/srv/l") },
			check: func(t *testing.T, f *FS) {
				_, e := f.Stat("/srv/l/x")
				assert.Equal(t, experimentalsys.ENOTDIR, e)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newLinkFS(t)
			if tt.setup != nil {
				require.Zero(t, tt.setup(f))
			}
			tt.check(t, f)
		})
	}
}

func TestLinksInTheOverlay(t *testing.T) {
	o, _ := newOverlay(t)
	require.NoError(t, Symlink(o, "passwd", "etc/pw", epoch))
	f := New([]Mount{{Path: "/", FS: o}}, func() time.Time { return epoch })
	target, e := f.Readlink("/etc/pw")
	require.Zero(t, e)
	assert.Equal(t, "passwd", target)
	s, e := readAll(t, f, "/etc/pw")
	require.Zero(t, e)
	assert.Equal(t, "root\n", s)
}

func TestEvalLinks(t *testing.T) {
	vol, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, hackpadfs.MkdirAll(vol, "..ts/dir", 0o755))
	require.NoError(t, hackpadfs.WriteFullFile(vol, "..ts/dir/f", []byte("x"), 0o644))
	require.NoError(t, Symlink(vol, "..ts", "..data", epoch))
	require.NoError(t, Symlink(vol, "..data/dir", "dir", epoch))
	require.NoError(t, Symlink(vol, "/etc", "abs", epoch))
	require.NoError(t, Symlink(vol, "../up", "up", epoch))
	require.NoError(t, Symlink(vol, "self", "self", epoch))
	tests := []struct{ in, want, err string }{
		{in: "dir/f", want: "..ts/dir/f"},
		{in: "dir", want: "..ts/dir"},
		{in: "dir/missing", want: "..ts/dir/missing"},
		{in: "..data/dir/f", want: "..ts/dir/f"},
		{in: "abs/x", err: "open abs/x: link leads out of the file system"},
		{in: "up", err: "open up: link leads out of the file system"},
		{in: "self", err: "open self: too many levels of symbolic links"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := EvalLinks(vol, tt.in)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// chmod 7777 of a regular file does not make it the link its mode marks
// in a store without links: the sticky bit, which Linux ignores on a
// regular file, is left off; a directory takes every bit.
func TestChmodEveryBitKeepsAFileAFile(t *testing.T) {
	f := newLinkFS(t)
	require.Zero(t, f.Chmod("/srv/www/index.html", linkMark))
	st, e := f.Lstat("/srv/www/index.html")
	require.Zero(t, e)
	assert.Equal(t, fs.ModeSetuid|fs.ModeSetgid|fs.ModePerm, st.Mode)
	got, e := readAll(t, f, "/srv/www/index.html")
	require.Zero(t, e)
	assert.Equal(t, "hi", got)
	require.Zero(t, f.Chmod("/srv/www", linkMark))
	st, e = f.Lstat("/srv/www")
	require.Zero(t, e)
	assert.Equal(t, fs.ModeDir|linkMark, st.Mode)
}
