package session

import (
	"io/fs"
	"os"
	"regexp"
	"testing"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// TestDocumentationJob runs the documentation's Job
// (controllers/job.yaml: perl computing pi to 1000 digits) to its end: its
// log is what Perl prints.
func TestDocumentationJob(t *testing.T) {
	s := newTestSession(t, runtime.NewFSSource(wasmtest.Modules(t)))
	data, err := os.ReadFile("testdata/k8s-examples/controllers/job.yaml")
	require.NoError(t, err)
	require.Contains(t, string(data), `"print bpi(1000)"`)
	require.NoError(t, hackpadfs.WriteFullFile(s.Shell().FS(), "root/job.yaml", data, 0o644))
	assert.Equal(t, "job.batch/pi created\n", run(t, s, "kubectl apply -f job.yaml"))
	run(t, s, "sleep 30")
	assert.Regexp(t, `(?m)^pi +Complete +1/1 `, run(t, s, "kubectl get job pi"))
	want, err := os.ReadFile("../../wasmworkloads/perl/testdata/bpi1000.txt")
	require.NoError(t, err)
	assert.Equal(t, string(want), run(t, s, "kubectl logs job/pi"))
}

// TestTaggedAndLoadedImagesRun pulls an image tagged in the registry and
// one loaded from a WASI module of the shell's files, and keeps both
// across a restore.
func TestTaggedAndLoadedImagesRun(t *testing.T) {
	fsys := wasmtest.Modules(t)
	modules := runtime.NewFSSource(fsys)
	data, err := mem.NewFS()
	require.NoError(t, err)
	s := persistentSession(t, data, modules)
	hello, err := fs.ReadFile(fsys, "hello-world.wasm")
	require.NoError(t, err)
	require.NoError(t, hackpadfs.WriteFullFile(s.Shell().FS(), "root/greeter.wasm", hello, 0o644))

	assert.Contains(t, run(t, s, "kubeplay image tag busybox quay.io/acme/tools:v1"), "The push refers to repository [quay.io/acme/tools]\n")
	assert.Equal(t, "Loaded image: acme/greeter:v1\n", run(t, s, "kubeplay image load greeter.wasm acme/greeter:v1"))
	require.NoError(t, s.Close())

	s = persistentSession(t, data, modules)
	defer s.Close()
	assert.Empty(t, s.Cluster().Restored().Dropped)
	ls := run(t, s, "kubeplay image ls")
	// The tag is busybox: its image ID and size.
	busybox := regexp.MustCompile(`(?m)^busybox +<any> +([0-9a-f]{12} +[0-9.]+MB)$`).FindStringSubmatch(ls)
	require.Len(t, busybox, 2, ls)
	assert.Regexp(t, `(?m)^quay.io/acme/tools +v1 +`+regexp.QuoteMeta(busybox[1])+`$`, ls)
	assert.Regexp(t, `(?m)^acme/greeter +v1 +[0-9a-f]{12} +936B$`, ls)

	run(t, s, "kubectl run tools --image=quay.io/acme/tools:v1 --restart=Never -- echo from the tagged image")
	run(t, s, "kubectl run greeter --image=acme/greeter:v1 --restart=Never")
	run(t, s, "sleep 10")
	assert.Equal(t, "from the tagged image\n", run(t, s, "kubectl logs tools"))
	assert.Contains(t, run(t, s, "kubectl logs greeter"), "\nHello from Docker!\n")
}
