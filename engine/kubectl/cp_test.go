package kubectl

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExtractFileSpec(t *testing.T) {
	tests := []struct {
		arg  string
		want fileSpec
		err  string
	}{
		{arg: "/tmp/foo", want: fileSpec{file: "/tmp/foo"}},
		{arg: "dir/", want: fileSpec{file: "dir"}},
		{arg: "/", want: fileSpec{file: "/"}},
		{arg: "pod:/tmp/foo", want: fileSpec{pod: "pod", file: "/tmp/foo"}},
		{arg: "ns/pod:tmp/", want: fileSpec{namespace: "ns", pod: "pod", file: "tmp"}},
		{arg: `pod:C:\x`, want: fileSpec{pod: "pod", file: "C:/x"}},
		{arg: "pod:", want: fileSpec{pod: "pod"}},
		{arg: ":foo", err: errFileSpec.Error()},
		{arg: "a/b/c:foo", err: errFileSpec.Error()},
	}
	for _, tt := range tests {
		got, err := extractFileSpec(tt.arg)
		if tt.err != "" {
			assert.EqualError(t, err, tt.err, tt.arg)
			continue
		}
		require.NoError(t, err, tt.arg)
		assert.Equal(t, tt.want, got, tt.arg)
	}
}

func TestIsRelative(t *testing.T) {
	tests := []struct {
		base, target string
		want         bool
	}{
		{".", "a", true}, {".", ".", true}, {".", "../a", false}, {".", "/a", false},
		{"out", "out/a/b", true}, {"out", "out", true}, {"out", "outside", false}, {"out", "out/../x", false},
		{"/", "/etc", true}, {"/data", "/data/x", true}, {"/data", "/etc", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, isRelative(tt.base, tt.target), "%s in %s", tt.target, tt.base)
	}
}

// memFiles is LocalFiles over an in-memory file system, paths relative to its root.
type memFiles struct{ fs *mem.FS }

func (m memFiles) p(name string) string {
	return strings.TrimPrefix(strings.TrimPrefix(name, "./"), "/")
}
func (m memFiles) Lstat(name string) (fs.FileInfo, error) {
	return hackpadfs.LstatOrStat(m.fs, m.p(name))
}
func (m memFiles) ReadDir(name string) ([]fs.DirEntry, error) {
	return hackpadfs.ReadDir(m.fs, m.p(name))
}
func (m memFiles) ReadFile(name string) ([]byte, error) { return hackpadfs.ReadFile(m.fs, m.p(name)) }
func (m memFiles) MkdirAll(name string, perm fs.FileMode) error {
	return hackpadfs.MkdirAll(m.fs, m.p(name), perm)
}
func (m memFiles) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return hackpadfs.WriteFullFile(m.fs, m.p(name), data, perm)
}

func TestCopyTarRoundTrip(t *testing.T) {
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	files := memFiles{fsys}
	require.NoError(t, files.MkdirAll("site/css", 0o755))
	require.NoError(t, files.MkdirAll("site/empty", 0o755))
	require.NoError(t, files.WriteFile("site/index.html", []byte("<h1>hi</h1>\n"), 0o644))
	require.NoError(t, files.WriteFile("site/css/a.css", []byte("h1{}\n"), 0o644))

	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	require.NoError(t, cpTar(files, tw, "site", "www"))
	require.NoError(t, tw.Close())
	var names []string
	tr := tar.NewReader(bytes.NewReader(archive.Bytes()))
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		names = append(names, h.Name)
	}
	assert.Equal(t, []string{"www/css/a.css", "www/empty", "www/index.html"}, names, "an empty directory has an entry, the others only their files")

	// What `tar cf - /srv/www` would write, unpacked into "out".
	var remote bytes.Buffer
	tw = tar.NewWriter(&remote)
	for _, h := range []*tar.Header{
		{Name: "srv/www/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "srv/www/index.html", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3},
		{Name: "srv/www/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		{Name: "srv/www/../../../evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 3},
	} {
		h.ModTime = time.Unix(0, 0)
		require.NoError(t, tw.WriteHeader(h))
		if h.Size > 0 {
			_, err := tw.Write([]byte("hi\n"))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	var errOut bytes.Buffer
	require.NoError(t, untarAll(IO{Err: &errOut}, files, &remote, "srv/www", "out", [3]string{"default", "box", "/srv/www"}))
	data, err := files.ReadFile("out/index.html")
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(data))
	assert.Equal(t, `warning: skipping symlink: "out/link" -> "/etc/passwd" (consider using "kubectl exec -n "default" "box" -- tar cf - "/srv/www" | tar xf -")
warning: file "../../evil" is outside target destination, skipping
`, errOut.String())

	err = untarAll(IO{Err: &errOut}, files, bytes.NewReader(archive.Bytes()), "srv", "out", [3]string{})
	assert.EqualError(t, err, "tar contents corrupted")
}
