package shell

import (
	"errors"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRegistry is a cloud with an image registry.
type fakeRegistry struct {
	Cloud
	images []RegistryImage
	loaded map[string][]byte
}

func (r *fakeRegistry) Images() []RegistryImage { return r.images }

func (r *fakeRegistry) TagImage(source, target string) error {
	if source != "busybox" {
		return errors.New("Error response from daemon: No such image: " + source + ":latest")
	}
	r.images = append(r.images, RegistryImage{Repository: "quay.io/acme/web", Tag: "v2", Digest: "sha256:" + digest64, Size: 7729817})
	return nil
}

func (r *fakeRegistry) LoadImage(name string, module []byte, from string) (string, error) {
	if string(module[:4]) != "\x00asm" {
		return "", errors.New("not a WebAssembly module: it does not start with \\0asm")
	}
	r.loaded[from] = module
	return "docker.io/library/" + name + ":latest", nil
}

const digest64 = "001b019e0862284c14d5bd1e6a062a8e386e1656063a9b87bf7da27d6613c6a7"

func newRegistryShell(t *testing.T, reg Cloud) *testShell {
	t.Helper()
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	require.NoError(t, fsys.Mkdir("root", 0o755))
	host := &fakeHost{now: start}
	s, err := New(Config{Host: host, FS: fsys, Dir: "/root", Cloud: reg, Now: func() time.Time { return host.now }})
	require.NoError(t, err)
	return &testShell{Shell: s, host: host, fs: fsys}
}

func TestKubeplayImage(t *testing.T) {
	reg := &fakeRegistry{loaded: map[string][]byte{}, images: []RegistryImage{
		{Repository: "docker.io/library/busybox", Digest: "sha256:" + digest64, Size: 7729817},
		{Repository: "docker.io/polinux/stress", Digest: "sha256:92dcc396448a" + digest64[12:], Size: 2562828},
		{Repository: "registry.k8s.io/pause", Digest: "sha256:387baba5ce85" + digest64[12:], Size: 141, Component: true},
	}}
	ts := newRegistryShell(t, reg)
	ts.write(t, "app.wasm", "\x00asm\x01\x00\x00\x00")
	ts.write(t, "notes.txt", "hello")
	for _, c := range []scriptCase{
		{cmd: "kubeplay image ls", out: "REPOSITORY              TAG     IMAGE ID       SIZE\nbusybox                 <any>   001b019e0862   7.73MB\npolinux/stress          <any>   92dcc396448a   2.56MB\nregistry.k8s.io/pause   <any>   387baba5ce85   141B\n"},
		{cmd: "kubeplay image list busybox", out: "REPOSITORY   TAG     IMAGE ID       SIZE\nbusybox      <any>   001b019e0862   7.73MB\n"},
		{cmd: "kubeplay image ls --digests docker.io/polinux/stress:1.0", out: "REPOSITORY       TAG     DIGEST                                                                    IMAGE ID       SIZE\npolinux/stress   <any>   sha256:92dcc396448a284c14d5bd1e6a062a8e386e1656063a9b87bf7da27d6613c6a7   92dcc396448a   2.56MB\n"},
		{cmd: "kubeplay image ls -q --no-trunc registry.k8s.io/pause", out: "sha256:387baba5ce85284c14d5bd1e6a062a8e386e1656063a9b87bf7da27d6613c6a7\n"},
		{cmd: "kubeplay image ls a b", out: "kubeplay image ls: extra operand 'b'\nTry 'kubeplay image ls --help' for more information.\n", code: 1},
		{cmd: "kubeplay image tag busybox quay.io/acme/web:v2", out: "The push refers to repository [quay.io/acme/web]\nv2: digest: sha256:" + digest64 + " size: 7729817\n"},
		{cmd: "kubeplay image tag nosuch x", out: "Error response from daemon: No such image: nosuch:latest\n", code: 1},
		{cmd: "kubeplay image tag busybox", out: "kubeplay image tag: requires exactly 2 arguments\nTry 'kubeplay image tag --help' for more information.\n", code: 1},
		{cmd: "kubeplay image load app.wasm app", out: "Loaded image: app:latest\n"},
		{cmd: "kubeplay image load notes.txt notes", out: "Error response from daemon: notes.txt: not a WebAssembly module: it does not start with \\0asm\n", code: 1},
		{cmd: "kubeplay image load nofile.wasm app", out: "open nofile.wasm: no such file or directory\n", code: 1},
		{cmd: "kubeplay image", out: "kubeplay: missing command after 'image'\nTry 'kubeplay --help' for more information.\n", code: 1},
		{cmd: "kubeplay image push x", out: "kubeplay: unknown command 'image push'\nTry 'kubeplay --help' for more information.\n", code: 1},
	} {
		out, code := ts.run(c.cmd)
		assert.Equal(t, c.out, out, c.cmd)
		assert.Equal(t, c.code, code, c.cmd)
	}
	assert.Equal(t, []byte("\x00asm\x01\x00\x00\x00"), reg.loaded["/root/app.wasm"], "the file, by its absolute name")

	help, _ := ts.run("kubeplay image load --help")
	assert.Contains(t, help, "Usage: kubeplay image load FILE NAME[:TAG]\n")

	plain := newRegistryShell(t, nil)
	out, code := plain.run("kubeplay image ls")
	assert.Equal(t, "kubeplay: this shell has no registry to drive\n", out)
	assert.Equal(t, 1, code)
}
