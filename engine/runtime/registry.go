package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Registry is a cluster's image registry, as a node's runtime sees a
// registry it pulls from: the built-in catalog (busybox, nginx, pause, ...,
// any tag), plus the images the cluster's users tagged (`kubeplay image
// tag`, as docker tag and push) and loaded from their own WASI modules
// (`kubeplay image load`). It is the engine's module source too, serving
// the built-in modules and the loaded ones. Its state is the cluster's
// and is kept with it (see State and Restore).
type Registry struct {
	src     ModuleSource
	tags    map[string]tagged // by normalized name, "docker.io/acme/web:v2"
	modules map[string][]byte // loaded modules, by module name
	changed bool
}

// tagged is an image a user made: a tag of another, or a loaded module.
type tagged struct {
	Config ImageConfig `json:"config"`
	From   string      `json:"from"` // the image it was tagged from, or the file loaded
}

// NewRegistry returns a registry serving the modules of src.
func NewRegistry(src ModuleSource) *Registry {
	return &Registry{src: src, tags: map[string]tagged{}, modules: map[string][]byte{}}
}

// Stat implements ModuleSource.
func (r *Registry) Stat(name string) (Module, bool) {
	if b, ok := r.modules[name]; ok {
		return Module{Name: name, Size: int64(len(b)), Digest: digestOf(b)}, true
	}
	return r.src.Stat(name)
}

// Fetch implements ModuleSource.
func (r *Registry) Fetch(name string) ([]byte, error) {
	if b, ok := r.modules[name]; ok {
		return b, nil
	}
	return r.src.Fetch(name)
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Lookup resolves a reference: a name users tagged or loaded, exactly
// (docker.io/acme/web:v2, or the loaded module's digest), else any tag of
// a catalog repository.
func (r *Registry) Lookup(ref string) (ImageConfig, bool) {
	n := api.NormalizeImage(ref)
	if t, ok := r.tags[n]; ok {
		return t.Config, true
	}
	if repo, digest, ok := strings.Cut(n, "@"); ok {
		for name, t := range r.tags {
			if api.ImageRepository(name) == repo {
				if m, ok := r.Stat(t.Config.Module); ok && m.Digest == digest {
					return t.Config, true
				}
			}
		}
	}
	return LookupImage(ref)
}

// RegistryImage is one image of the registry's listing.
type RegistryImage struct {
	Repository string // normalized, "docker.io/library/busybox"
	Tag        string // "" for a catalog image: any tag
	Module     Module
	From       string // what a user's image was tagged or loaded from
	Component  bool   // a cluster component the engine runs
}

// Images lists the registry's images: the catalog's (those this build has
// the module of), then the users', each sorted by name.
func (r *Registry) Images() []RegistryImage {
	var out []RegistryImage
	for _, repo := range KnownRepositories() {
		cfg := catalog[repo]
		if m, ok := r.Stat(cfg.Module); ok {
			out = append(out, RegistryImage{Repository: repo, Module: m, Component: cfg.Component})
		}
	}
	for _, name := range r.tagNames() {
		t := r.tags[name]
		m, _ := r.Stat(t.Config.Module)
		out = append(out, RegistryImage{Repository: api.ImageRepository(name), Tag: api.ImageTag(name), Module: m, From: t.From})
	}
	return out
}

func (r *Registry) tagNames() []string {
	names := make([]string, 0, len(r.tags))
	for n := range r.tags {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Names lists what the registry holds, by familiar name, for the pull
// error of an image it does not: the catalog's images users run (of the
// modules in this build), then theirs.
func (r *Registry) Names() []string {
	out := catalogNames(func(module string) bool {
		_, ok := r.Stat(module)
		return ok
	})
	for _, n := range r.tagNames() {
		out = append(out, FamiliarName(api.ImageRepository(n))+":"+api.ImageTag(n))
	}
	return out
}

// Tag makes target name the image source names, as `docker tag SOURCE
// TARGET` then `docker push TARGET` would: the target then resolves to
// the same module and configuration. Errors are docker's.
func (r *Registry) Tag(source, target string) error {
	if _, err := ParseReference(source); err != nil {
		return err
	}
	cfg, ok := r.Lookup(source)
	if !ok {
		return fmt.Errorf("Error response from daemon: No such image: %s", familiarWithTag(source))
	}
	name, err := ParseReference(target)
	if err != nil {
		return err
	}
	if strings.Contains(name, "@") {
		return errors.New("refusing to create a tag with a digest reference")
	}
	r.tags[name] = tagged{Config: cfg, From: api.NormalizeImage(source)}
	r.changed = true
	return nil
}

// familiarWithTag is a reference as docker's messages show it:
// "nosuch:latest".
func familiarWithTag(ref string) string {
	n := api.NormalizeImage(ref)
	repo := api.ImageRepository(n)
	return FamiliarName(repo) + strings.TrimPrefix(n, repo)
}

// Load registers a WASI module as the image name (docker load, then tag):
// its entrypoint is /NAME, the module run with no other argument unless
// the pod says so. It returns the image's normalized name.
func (r *Registry) Load(name string, module []byte, from string) (string, error) {
	full, err := ParseReference(name)
	if err != nil {
		return "", err
	}
	if strings.Contains(full, "@") {
		return "", errors.New("refusing to create a tag with a digest reference")
	}
	if err := ValidateWASI(module); err != nil {
		return "", err
	}
	digest := digestOf(module)
	mod := "loaded-" + strings.TrimPrefix(digest, "sha256:")[:12]
	r.modules[mod] = module
	entry := "/" + path.Base(api.ImageRepository(full))
	r.tags[full] = tagged{Config: ImageConfig{Module: mod, Entrypoint: []string{entry}}, From: from}
	r.changed = true
	return full, nil
}

// Changed reports whether users changed the registry since the last
// State.
func (r *Registry) Changed() bool { return r.changed }

// registryState is the registry's kept state: the users' images; loaded
// modules are kept as files of their own, by module name.
type registryState struct {
	Images map[string]tagged `json:"images"`
}

// State returns the registry's state to keep: a JSON document and the
// loaded modules by module name. It clears Changed.
func (r *Registry) State() ([]byte, map[string][]byte, error) {
	data, err := json.MarshalIndent(registryState{Images: r.tags}, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	r.changed = false
	mods := make(map[string][]byte, len(r.modules))
	for name, b := range r.modules {
		mods[name] = b
	}
	return data, mods, nil
}

// Restore brings back a kept state; read returns a loaded module's bytes
// by module name. An image whose module cannot be read is dropped, and
// said so in the error; the others stay.
func (r *Registry) Restore(data []byte, read func(module string) ([]byte, error)) error {
	var st registryState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	var errs []error
	for name, t := range st.Images {
		if mod := t.Config.Module; strings.HasPrefix(mod, "loaded-") && r.modules[mod] == nil {
			b, err := read(mod)
			if err != nil || !strings.HasPrefix(digestOf(b), "sha256:"+strings.TrimPrefix(mod, "loaded-")) {
				errs = append(errs, fmt.Errorf("image %s: its module %s is missing or damaged", name, mod))
				continue
			}
			r.modules[mod] = b
		}
		r.tags[name] = t
	}
	return errors.Join(errs...)
}

// Reference grammar, as github.com/distribution/reference has it.
var (
	referenceRE = regexp.MustCompile(`^((?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?/)?` +
		`([a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)` +
		`(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`)
	anyCaseRE = regexp.MustCompile(`^(?:[^/]+/)?([a-zA-Z0-9._/-]+)(?::[\w][\w.-]*)?(?:@.*)?$`)
)

// ParseReference checks an image reference as docker does and returns it
// normalized; its errors are docker's ("Error parsing reference: ...").
func ParseReference(ref string) (string, error) {
	invalid := func(why string) error {
		if why != "" {
			why = ": " + why
		}
		return fmt.Errorf("Error parsing reference: %q is not a valid repository/tag: invalid reference format%s", ref, why)
	}
	if !referenceRE.MatchString(ref) {
		if anyCaseRE.MatchString(ref) && strings.ToLower(ref) != ref && referenceRE.MatchString(strings.ToLower(ref)) {
			repo := strings.TrimPrefix(api.ImageRepository(ref), "docker.io/")
			if i := strings.IndexByte(repo, '/'); i >= 0 && strings.ContainsAny(repo[:i], ".:") {
				repo = repo[i+1:]
			}
			return "", invalid(fmt.Sprintf("repository name (%s) must be lowercase", repo))
		}
		return "", invalid("")
	}
	if len(api.ImageRepository(ref)) > 255 {
		return "", invalid("repository name must not be more than 255 characters")
	}
	return api.NormalizeImage(ref), nil
}
