package runtime

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
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
	// Layer names the files the image carries besides its program (see
	// layers), "" for none.
	Layer string `json:",omitempty"`
	// Component marks an image that stands for a cluster component the
	// engine itself runs (kube-apiserver, etcd, ...): its container is the
	// pause module, and the component's work happens in the engine.
	Component bool
	// Programs are the commands Module provides in this image, by base
	// name; with a Userland, every other command runs the Userland.
	Programs []string `json:",omitempty"`
	// Userland is the image's distribution: the shell and utilities that
	// `kubectl exec -it nginx -- bash` or `-- ls /` reach. "" for none (a
	// scratch image such as http-echo's), else one of userlands.
	Userland string `json:",omitempty"`
	// StopSignal is the signal that stops the container (STOPSIGNAL in a
	// Dockerfile), "" for SIGTERM.
	StopSignal string `json:",omitempty"`
}

// pathEnv is the PATH of the images built on Alpine and Debian.
const pathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

var (
	busybox = ImageConfig{Module: "busybox", Cmd: []string{"sh"}, Env: []string{pathEnv}}
	alpine  = ImageConfig{Module: "busybox", Cmd: []string{"/bin/sh"}, Env: []string{pathEnv}}
	// bash is docker.io/library/bash: Alpine's BusyBox with GNU bash. Its
	// _BASH_VERSION, which the real image sets too, is what tells the
	// busybox module it runs as this image and has bash.
	bash = ImageConfig{Module: "busybox", Entrypoint: []string{"docker-entrypoint.sh"}, Cmd: []string{"bash"},
		Env: []string{pathEnv, "_BASH_VERSION=5.3.3", "_BASH_BASELINE=5.3"}}
	// The Debian-based images (nginx, redis, perl, php) have bash and the
	// usual utilities besides their program.
	perl = ImageConfig{Module: "perl", Cmd: []string{"perl5.42.0", "-de0"}, Env: []string{pathEnv},
		Programs: []string{"perl", "perl5.42.0"}, Userland: debianUserland}
	nginx = ImageConfig{Module: "servers", Layer: "nginx", StopSignal: "SIGQUIT", Entrypoint: []string{"/docker-entrypoint.sh"}, Cmd: []string{"nginx", "-g", "daemon off;"},
		Env:      []string{pathEnv, "NGINX_VERSION=1.29.3", "NJS_VERSION=0.9.4", "NJS_RELEASE=1~bookworm", "PKG_RELEASE=1~bookworm", "DYNPKG_RELEASE=1~bookworm"},
		Programs: []string{"nginx", "docker-entrypoint.sh"}, Userland: debianUserland}
	// hpaExample is php:5-apache with the walkthrough's index.php.
	hpaExample = ImageConfig{Module: "servers", Cmd: []string{"apache2-foreground"}, WorkingDir: "/var/www/html",
		Env:      []string{pathEnv, "PHP_VERSION=5.6.40", "APACHE_CONFDIR=/etc/apache2"},
		Programs: []string{"apache2-foreground"}, Userland: debianUserland}
	// nginxSlim is the StatefulSet tutorial's registry.k8s.io/nginx-slim:
	// nginx on ubuntu-slim, started without an entrypoint script.
	nginxSlim = ImageConfig{Module: "servers", Layer: "nginx", Cmd: []string{"nginx", "-g", "daemon off;"}, Env: []string{pathEnv},
		Programs: []string{"nginx"}, Userland: debianUserland}
	// polinux/stress is built on Alpine.
	stress = ImageConfig{Module: "stress", Cmd: []string{"/usr/local/bin/stress"}, Env: []string{pathEnv},
		Programs: []string{"stress"}, Userland: alpineUserland}
)

// catalog maps image repositories to their configs. Any tag of a known
// repository resolves to the same module: the playground cannot have every
// release of every image, and says so in the docs.
var catalog = map[string]ImageConfig{
	"docker.io/library/busybox":               busybox,
	"registry.k8s.io/busybox":                 busybox, // the documentation's examples use these
	"k8s.gcr.io/busybox":                      busybox,
	"gcr.io/google-containers/busybox":        busybox,
	"docker.io/library/alpine":                alpine,
	"docker.io/library/bash":                  bash,
	"docker.io/library/perl":                  perl,
	"docker.io/polinux/stress":                stress,
	"docker.io/progrium/stress":               {Module: "stress", Entrypoint: []string{"/usr/bin/stress", "--verbose"}, Env: []string{pathEnv}, Programs: []string{"stress"}},
	"docker.io/library/nginx":                 nginx,
	"registry.k8s.io/nginx-slim":              nginxSlim,
	"k8s.gcr.io/nginx-slim":                   nginxSlim,
	"docker.io/hashicorp/http-echo":           {Module: "servers", Entrypoint: []string{"/http-echo"}, Programs: []string{"http-echo"}},
	"registry.k8s.io/e2e-test-images/agnhost": {Module: "servers", Entrypoint: []string{"/agnhost"}, Programs: []string{"agnhost"}, Userland: alpineUserland},
	"registry.k8s.io/hpa-example":             hpaExample,
	"docker.io/library/redis": {Module: "servers", Layer: "redis", Entrypoint: []string{"docker-entrypoint.sh"}, Cmd: []string{"redis-server"},
		Env: []string{pathEnv, "REDIS_VERSION=" + "8.2.2"}, WorkingDir: "/data",
		Programs: []string{"redis-server", "redis-cli", "docker-entrypoint.sh"}, Userland: debianUserland},
	"k8s.gcr.io/hpa-example":        hpaExample,
	"docker.io/library/hello-world": {Module: "hello-world", Cmd: []string{"/hello"}, Env: []string{pathEnv}, Programs: []string{"hello"}},
	"registry.k8s.io/pause":         {Module: "pause", Entrypoint: []string{"/pause"}, Programs: []string{"pause"}},
	// The ingress-nginx controller runs as its deploy manifests' args
	// say (/nginx-ingress-controller ...).
	"registry.k8s.io/ingress-nginx/controller": {Module: "servers", Cmd: []string{"/nginx-ingress-controller"}, Programs: []string{"nginx-ingress-controller"}},
	// hello-app's 1.0 and 2.0 were built FROM alpine:latest with
	// ENTRYPOINT ["./hello-app"] and ENV PORT 8080: BusyBox's printenv
	// answers the documentation's `kubectl exec envar-demo -- printenv`.
	"gcr.io/google-samples/hello-app": {Module: "servers", Entrypoint: []string{"./hello-app"}, Env: []string{pathEnv, "PORT=8080"},
		Programs: []string{"hello-app"}, Userland: alpineUserland},
	"registry.k8s.io/etcd":                    {Module: "pause", Component: true, Entrypoint: []string{"etcd"}},
	"registry.k8s.io/kube-apiserver":          {Module: "pause", Component: true, Entrypoint: []string{"kube-apiserver"}},
	"registry.k8s.io/kube-controller-manager": {Module: "pause", Component: true, Entrypoint: []string{"kube-controller-manager"}},
	"registry.k8s.io/kube-scheduler":          {Module: "pause", Component: true, Entrypoint: []string{"kube-scheduler"}},
	"registry.k8s.io/kube-proxy":              {Module: "pause", Component: true, Entrypoint: []string{"/usr/local/bin/kube-proxy"}},
	"registry.k8s.io/coredns/coredns":         {Module: "pause", Component: true, Entrypoint: []string{"/coredns"}},
}

// LookupImage returns the config of an image reference in the built-in
// catalog. A cluster's registry (Registry) also knows what its users
// tagged and loaded; the runtime asks it through Engine.LookupImage.
func LookupImage(ref string) (ImageConfig, bool) {
	repo := api.ImageRepository(ref)
	cfg, ok := catalog[repo]
	if ok && !catalogHasTag(repo, ref) {
		return ImageConfig{}, false
	}
	if ok && repo == helloApp {
		// Each of hello-app's two tags is a build of its own version.
		cfg.Env = append(slices.Clip(cfg.Env), "HELLO_APP_VERSION="+api.ImageTag(ref)+".0")
	}
	return cfg, ok
}

// catalogTags are the tag rules of repositories whose tags are well
// known: a reference to a tag the real registry does not have fails to
// pull as it would there, so the documentation's mistyped nginx:1.161
// leaves its rollout stuck in ImagePullBackOff. Other repositories take
// any tag.
var catalogTags = map[string]*regexp.Regexp{
	helloApp: regexp.MustCompile(`^(1\.0|2\.0)$`),
	// nginx's official image: 1, 1.N and 1.N.P (stable and mainline
	// lines up to 1.31), the named lines and the variants' suffixes.
	"docker.io/library/nginx": regexp.MustCompile(`^(latest|mainline|stable|(1(\.([0-9]|[12][0-9]|3[01])(\.[0-9]|\.[12][0-9])?)?|mainline|stable)(-(alpine|alpine-perl|alpine-slim|alpine-otel|perl|bookworm|bookworm-perl|bookworm-otel|trixie|trixie-perl|trixie-otel|otel))?|alpine|alpine-perl|alpine-slim|perl|bookworm|trixie|otel)$`),
}

// helloApp is the Ingress tutorial's sample server.
const helloApp = "gcr.io/google-samples/hello-app"

// catalogHasTag reports whether the catalog's repository has ref's tag.
func catalogHasTag(repo, ref string) bool {
	re, ok := catalogTags[repo]
	if !ok || strings.Contains(api.NormalizeImage(ref), "@") {
		return true
	}
	return re.MatchString(api.ImageTag(ref))
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

// LookupImage resolves an image reference with the engine's registry:
// what users tagged and loaded, then the catalog. An engine over a plain
// module source knows the catalog only.
func (e *Engine) LookupImage(ref string) (ImageConfig, bool) {
	if reg, ok := e.src.(*Registry); ok {
		return reg.Lookup(ref)
	}
	return LookupImage(ref)
}

// ImageNotFound is the pull error for an image the engine's registry does
// not hold, naming those it does.
func (e *Engine) ImageNotFound(ref string) error {
	err := ErrImageNotFound{Ref: ref}
	if reg, ok := e.src.(*Registry); ok {
		err.Holds = reg.Names()
	}
	return err
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
// with containerd's wording, then what kubeplay's registry holds instead:
// the playground has no internet to pull from.
type ErrImageNotFound struct {
	Ref   string
	Holds []string // the registry's images, by familiar name; nil: the catalog's
}

func (e ErrImageNotFound) Error() string {
	n := api.NormalizeImage(e.Ref)
	if _, ok := catalog[api.ImageRepository(e.Ref)]; ok {
		// The repository exists; the tag does not.
		return fmt.Sprintf("rpc error: code = NotFound desc = failed to pull and unpack image %q: failed to resolve reference %q: %s: not found", n, n, n)
	}
	holds := e.Holds
	if holds == nil {
		holds = catalogNames(nil)
	}
	return fmt.Sprintf("rpc error: code = NotFound desc = failed to pull and unpack image %q: failed to resolve reference %q: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"+
		" (kubeplay: the registry holds: %s; see kubeplay image ls)", n, n, strings.Join(holds, ", "))
}

// catalogNames are the catalog's images users run, by familiar name: the
// cluster's components are left out, being the engine's own, and so are
// images whose module has (when has is not nil) is not in the build.
func catalogNames(has func(module string) bool) []string {
	var out []string
	for _, repo := range KnownRepositories() {
		cfg := catalog[repo]
		if !cfg.Component && (has == nil || has(cfg.Module)) {
			out = append(out, FamiliarName(repo))
		}
	}
	sort.Strings(out)
	return out
}

// FamiliarName is how docker shows a repository: without docker.io/ and
// library/.
func FamiliarName(repo string) string {
	repo = strings.TrimPrefix(repo, "docker.io/")
	if rest, ok := strings.CutPrefix(repo, "library/"); ok && !strings.Contains(rest, "/") {
		return rest
	}
	return repo
}
