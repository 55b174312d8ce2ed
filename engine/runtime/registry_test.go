package runtime

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// wasi is the smallest WASI command: it exports _start and its memory.
var wasi = []byte("\x00asm\x01\x00\x00\x00" +
	"\x01\x04\x01\x60\x00\x00" + // type 0: () -> ()
	"\x03\x02\x01\x00" + // function 0 of type 0
	"\x05\x03\x01\x00\x01" + // one page of memory
	"\x07\x13\x02\x06_start\x00\x00\x06memory\x02\x00" + // exports
	"\x0a\x04\x01\x02\x00\x0b") // its code: nothing

func testRegistry() *Registry {
	return NewRegistry(NewFSSource(fstest.MapFS{
		"busybox.wasm": {Data: []byte("busybox module")},
		"pause.wasm":   {Data: []byte("pause module")},
		"perl.wasm":    {Data: []byte("perl module")},
	}))
}

func TestCatalog(t *testing.T) {
	for ref, module := range map[string]string{
		"busybox": "busybox", "busybox:1.28": "busybox", "registry.k8s.io/busybox:1.27.2": "busybox",
		"alpine:3.20": "busybox", "bash": "busybox", "docker.io/library/bash:5.2": "busybox",
		"perl": "perl", "perl:5.34.0": "perl", "polinux/stress": "stress", "progrium/stress:latest": "stress",
		"hello-world": "hello-world", "registry.k8s.io/pause:3.10.1": "pause",
		"registry.k8s.io/nginx-slim:0.7": "servers", "k8s.gcr.io/nginx-slim:0.8": "servers",
	} {
		cfg, ok := LookupImage(ref)
		if assert.True(t, ok, ref) {
			assert.Equal(t, module, cfg.Module, ref)
		}
	}
	bash, _ := LookupImage("bash")
	assert.Contains(t, bash.Env, "_BASH_VERSION=5.3.3", "the busybox module has bash when it runs as the bash image")
	_, ok := LookupImage("nginx-nope")
	assert.False(t, ok)
}

func TestRegistryTag(t *testing.T) {
	r := testRegistry()
	require.NoError(t, r.Tag("busybox", "quay.io/acme/web:v2"))
	cfg, ok := r.Lookup("quay.io/acme/web:v2")
	require.True(t, ok)
	assert.Equal(t, "busybox", cfg.Module)
	assert.Equal(t, []string{"sh"}, cfg.Cmd)
	_, ok = r.Lookup("quay.io/acme/web:v3")
	assert.False(t, ok, "a tag is one tag, as docker's")
	assert.True(t, r.Changed())

	require.NoError(t, r.Tag("quay.io/acme/web:v2", "mine"), "a tag of a tag")
	cfg, _ = r.Lookup("mine:latest")
	assert.Equal(t, "busybox", cfg.Module)

	for _, tc := range []struct{ src, dst, err string }{
		{"nosuch", "x", "Error response from daemon: No such image: nosuch:latest"},
		{"quay.io/acme/nope:1", "x", "Error response from daemon: No such image: quay.io/acme/nope:1"},
		{"busybox", "Foo", `Error parsing reference: "Foo" is not a valid repository/tag: invalid reference format: repository name (library/Foo) must be lowercase`},
		{"busybox", "quay.io/Acme/web", `Error parsing reference: "quay.io/Acme/web" is not a valid repository/tag: invalid reference format: repository name (Acme/web) must be lowercase`},
		{"busybox", "a:b:c", `Error parsing reference: "a:b:c" is not a valid repository/tag: invalid reference format`},
		{"busybox", "web@sha256:" + "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd", "refusing to create a tag with a digest reference"},
	} {
		assert.EqualError(t, r.Tag(tc.src, tc.dst), tc.err, "%s %s", tc.src, tc.dst)
	}
}

func TestRegistryLoad(t *testing.T) {
	r := testRegistry()
	name, err := r.Load("acme/app:1.0", wasi, "/root/app.wasm")
	require.NoError(t, err)
	assert.Equal(t, "docker.io/acme/app:1.0", name)
	cfg, ok := r.Lookup("acme/app:1.0")
	require.True(t, ok)
	assert.Equal(t, []string{"/app"}, cfg.Entrypoint)
	m, ok := r.Stat(cfg.Module)
	require.True(t, ok)
	assert.Equal(t, int64(len(wasi)), m.Size)
	b, err := r.Fetch(cfg.Module)
	require.NoError(t, err)
	assert.Equal(t, wasi, b)
	cfg2, ok := r.Lookup("acme/app@" + m.Digest)
	assert.True(t, ok, "by digest")
	assert.Equal(t, cfg, cfg2)

	for _, tc := range []struct {
		module []byte
		err    string
	}{
		{[]byte("#!/bin/sh\necho hi\n"), `not a WebAssembly module: it does not start with \0asm`},
		{[]byte("\x00asm\x0d\x00\x01\x00"), "not a WebAssembly module of version 1 (a component, or a later format?)"},
		{[]byte("\x00asm\x01\x00\x00\x00\x01\x40\x01"), "not a valid WebAssembly module: a section runs past its end"},
		{[]byte("\x00asm\x01\x00\x00\x00"), "not a WASI command: it exports no _start function (a library, or a reactor?)"},
		{append([]byte("\x00asm\x01\x00\x00\x00\x02\x0d\x01\x03env\x05abort\x00\x00"), wasi[8:]...),
			"not a WASI module: it imports env.abort, which a WASI host does not provide (only wasi_snapshot_preview1 and kubeplay's host modules are there)"},
	} {
		_, err := r.Load("x", tc.module, "x.wasm")
		assert.EqualError(t, err, tc.err)
	}

	// kubeplay's Go images are reactors that start at kubeplay_main.
	bb, err := fs.ReadFile(wasmtest.Modules(t), "busybox.wasm")
	require.NoError(t, err)
	_, err = r.Load("acme/shell:1.0", bb, "/root/busybox.wasm")
	assert.NoError(t, err)
}

func TestRegistryListsAndKeeps(t *testing.T) {
	r := testRegistry()
	require.NoError(t, r.Tag("perl:5.34.0", "registry.example.com/pi"))
	_, err := r.Load("app", wasi, "/root/app.wasm")
	require.NoError(t, err)

	var names []string
	for _, img := range r.Images() {
		names = append(names, FamiliarName(img.Repository)+":"+img.Tag)
	}
	assert.Equal(t, []string{
		"alpine:", "bash:", "busybox:", "perl:", "gcr.io/google-containers/busybox:", "k8s.gcr.io/busybox:",
		"registry.k8s.io/busybox:", "registry.k8s.io/coredns/coredns:", "registry.k8s.io/etcd:", "registry.k8s.io/kube-apiserver:",
		"registry.k8s.io/kube-controller-manager:", "registry.k8s.io/kube-proxy:", "registry.k8s.io/kube-scheduler:", "registry.k8s.io/pause:",
		"app:latest", "registry.example.com/pi:latest",
	}, names, "the catalog's images whose module is in the build, then the users'")
	assert.Contains(t, r.Names(), "registry.example.com/pi:latest")
	assert.NotContains(t, r.Names(), "registry.k8s.io/etcd", "the components are the engine's")

	state, modules, err := r.State()
	require.NoError(t, err)
	assert.False(t, r.Changed())
	require.Len(t, modules, 1)

	again := testRegistry()
	require.NoError(t, again.Restore(state, func(name string) ([]byte, error) { return modules[name], nil }))
	assert.Equal(t, r.Images(), again.Images())
	cfg, ok := again.Lookup("app")
	require.True(t, ok)
	b, err := again.Fetch(cfg.Module)
	require.NoError(t, err)
	assert.Equal(t, wasi, b)

	damaged := testRegistry()
	err = damaged.Restore(state, func(string) ([]byte, error) { return nil, errors.New("gone") })
	assert.ErrorContains(t, err, "image docker.io/library/app:latest: its module loaded-")
	_, ok = damaged.Lookup("registry.example.com/pi")
	assert.True(t, ok, "the other images stay")
}

func TestImageNotFound(t *testing.T) {
	e := NewEngine(testRegistry())
	defer e.Close()
	err := e.ImageNotFound("nginx-nope:1.0")
	assert.Equal(t, `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx-nope:1.0": failed to resolve reference "docker.io/library/nginx-nope:1.0": `+
		`pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`+
		` (kubeplay: the registry holds: alpine, bash, busybox, gcr.io/google-containers/busybox, k8s.gcr.io/busybox, perl, registry.k8s.io/busybox, registry.k8s.io/pause; see kubeplay image ls)`,
		err.Error())
	cfg, ok := e.LookupImage("alpine")
	assert.True(t, ok)
	assert.Equal(t, "busybox", cfg.Module)
}

// nginx's tags are known: a tag its registry does not have fails to pull
// with containerd's "not found", as the documentation's nginx:1.161 does.
func TestCatalogTags(t *testing.T) {
	tests := []struct {
		ref string
		ok  bool
	}{
		{"nginx", true},
		{"nginx:1.14.2", true},
		{"nginx:1.16.1", true},
		{"nginx:1.29", true},
		{"nginx:1", true},
		{"nginx:stable-alpine", true},
		{"nginx:1.27.3-alpine-slim", true},
		{"docker.io/library/nginx:mainline", true},
		{"nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000", true},
		{"nginx:1.161", false},
		{"nginx:1.16.100", false},
		{"nginx:2.0", false},
		{"nginx:lates", false},
		{"busybox:1.161", true}, // other repositories take any tag
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			_, ok := LookupImage(tt.ref)
			assert.Equal(t, tt.ok, ok)
		})
	}
	assert.Equal(t, `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.161": failed to resolve reference "docker.io/library/nginx:1.161": docker.io/library/nginx:1.161: not found`,
		ErrImageNotFound{Ref: "nginx:1.161"}.Error())
}
