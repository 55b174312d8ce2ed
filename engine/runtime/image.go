package runtime

import (
	"fmt"
	"sort"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// ImageConfig is what an image says about how to run it, as an OCI image
// config does: the module that is its code, the entrypoint and command, the
// environment and working directory.
type ImageConfig struct {
	Module     string // the WASI module, by file name without .wasm
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	// Component marks an image that stands for a cluster component the
	// engine itself runs (kube-apiserver, etcd, ...): its container is the
	// pause module, and the component's work happens in the engine.
	Component bool
}

var busybox = ImageConfig{Module: "busybox", Cmd: []string{"sh"}, Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}

// catalog maps image repositories to their configs. Any tag of a known
// repository resolves to the same module: the playground cannot have every
// release of every image, and says so in the docs.
var catalog = map[string]ImageConfig{
	"docker.io/library/busybox":               busybox,
	"registry.k8s.io/busybox":                 busybox, // the documentation's examples use these
	"k8s.gcr.io/busybox":                      busybox,
	"gcr.io/google-containers/busybox":        busybox,
	"registry.k8s.io/pause":                   {Module: "pause", Entrypoint: []string{"/pause"}},
	"registry.k8s.io/etcd":                    {Module: "pause", Component: true, Entrypoint: []string{"etcd"}},
	"registry.k8s.io/kube-apiserver":          {Module: "pause", Component: true, Entrypoint: []string{"kube-apiserver"}},
	"registry.k8s.io/kube-controller-manager": {Module: "pause", Component: true, Entrypoint: []string{"kube-controller-manager"}},
	"registry.k8s.io/kube-scheduler":          {Module: "pause", Component: true, Entrypoint: []string{"kube-scheduler"}},
	"registry.k8s.io/kube-proxy":              {Module: "pause", Component: true, Entrypoint: []string{"/usr/local/bin/kube-proxy"}},
	"registry.k8s.io/coredns/coredns":         {Module: "pause", Component: true, Entrypoint: []string{"/coredns"}},
}

// LookupImage returns the config of an image reference.
func LookupImage(ref string) (ImageConfig, bool) {
	cfg, ok := catalog[api.ImageRepository(ref)]
	return cfg, ok
}

// KnownRepositories lists the repositories the registry serves, sorted.
func KnownRepositories() []string {
	out := make([]string, 0, len(catalog))
	for k := range catalog {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Module is a WASI module as the registry serves it.
type Module struct {
	Name   string
	Size   int64
	Digest string // "sha256:<hex>"
}

// ModuleSource is where modules come from: embedded in the native binary,
// or fetched over HTTP in the browser.
type ModuleSource interface {
	// Stat describes a module without fetching it.
	Stat(name string) (Module, bool)
	// Fetch returns a module's bytes. It may block on the network; the
	// caller holds the virtual clock meanwhile.
	Fetch(name string) ([]byte, error)
}

// Image is an image present on a node.
type Image struct {
	Ref    string // as the pod named it
	Name   string // normalized, "docker.io/library/busybox:latest"
	ID     string // "docker.io/library/busybox@sha256:..."
	Size   int64
	Config ImageConfig
}

// pullDuration models how long a pull takes: a registry round trip and the
// transfer at a modest bandwidth. It depends only on the image, so a run
// is reproducible however fast the host's own fetch is.
func pullDuration(size int64) time.Duration {
	const latency = 400 * time.Millisecond
	const bytesPerSecond = 20 << 20
	return latency + time.Duration(size*int64(time.Second)/bytesPerSecond)
}

// ErrImageNotFound is returned for an image the registry does not have,
// with containerd's wording.
type ErrImageNotFound struct{ Ref string }

func (e ErrImageNotFound) Error() string {
	n := api.NormalizeImage(e.Ref)
	return fmt.Sprintf("rpc error: code = NotFound desc = failed to pull and unpack image %q: failed to resolve reference %q: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed", n, n)
}
