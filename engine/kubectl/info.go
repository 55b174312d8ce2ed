package kubectl

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kubeplay/kubeplay/engine/api"
)

// version is `kubectl version`.
func (k *Kubectl) version(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("version")
	k.commonFlags(fs)
	clientOnly := fs.Bool("client", "", false)
	output := fs.String("output", "o", "")
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 && !*clientOnly {
		return fmt.Errorf("extra arguments: %v", pos)
	}
	if *output != "" && *output != "yaml" && *output != "json" {
		return errors.New("--output must be 'yaml' or 'json'")
	}
	v := versions{Client: clientVersion(), Kustomize: KustomizeVersion}
	if !*clientOnly {
		v.Server = serverVersion()
	}
	switch *output {
	case "yaml":
		b, err := api.ToYAML(v)
		if err != nil {
			return err
		}
		fmt.Fprintln(io.Out, string(b))
	case "json":
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(io.Out, string(b))
	default:
		fmt.Fprintf(io.Out, "Client Version: %s\n", v.Client.GitVersion)
		fmt.Fprintf(io.Out, "Kustomize Version: %s\n", v.Kustomize)
		if v.Server != nil {
			fmt.Fprintf(io.Out, "Server Version: %s\n", v.Server.GitVersion)
		}
	}
	return nil
}

// KustomizeVersion is the kustomize kubectl v1.37 is built with, which
// `kubectl version` reports; kubectl kustomize itself is not here.
const KustomizeVersion = "v5.8.1"

// versions is what `kubectl version -o yaml|json` prints.
type versions struct {
	Client    *versionInfo `json:"clientVersion,omitempty"`
	Kustomize string       `json:"kustomizeVersion,omitempty"`
	Server    *versionInfo `json:"serverVersion,omitempty"`
}

// versionInfo is apimachinery's version.Info. The playground is not built
// from Kubernetes' git tree, so the commit, tree state and build date are
// empty rather than made up.
type versionInfo struct {
	Major                 string `json:"major"`
	Minor                 string `json:"minor"`
	EmulationMajor        string `json:"emulationMajor,omitempty"`
	EmulationMinor        string `json:"emulationMinor,omitempty"`
	MinCompatibilityMajor string `json:"minCompatibilityMajor,omitempty"`
	MinCompatibilityMinor string `json:"minCompatibilityMinor,omitempty"`
	GitVersion            string `json:"gitVersion"`
	GitCommit             string `json:"gitCommit"`
	GitTreeState          string `json:"gitTreeState"`
	BuildDate             string `json:"buildDate"`
	GoVersion             string `json:"goVersion"`
	Compiler              string `json:"compiler"`
	Platform              string `json:"platform"`
}

func clientVersion() *versionInfo {
	minor := strings.Split(strings.TrimPrefix(ClientVersion, "v"), ".")[1]
	return &versionInfo{Major: "1", Minor: minor, GitVersion: ClientVersion, GoVersion: "go1.26.8", Compiler: "gc", Platform: "js/wasm"}
}

// serverVersion is the API server's /version: as a v1.37 kube-apiserver's,
// with the emulation and compatibility versions it reports.
func serverVersion() *versionInfo {
	return serverVersionOf("go1.26.8", "js/wasm")
}

// ServerVersion is what the API server's /version answers, built with Go
// goVersion for platform (os/arch).
func ServerVersion(goVersion, platform string) any { return serverVersionOf(goVersion, platform) }

func serverVersionOf(goVersion, platform string) *versionInfo {
	v := clientVersion()
	v.GoVersion, v.Platform = goVersion, platform
	minor, _ := strconv.Atoi(v.Minor)
	v.EmulationMajor, v.EmulationMinor = v.Major, v.Minor
	v.MinCompatibilityMajor, v.MinCompatibilityMinor = v.Major, strconv.Itoa(minor-1)
	return v
}

// clusterInfo is `kubectl cluster-info`.
func (k *Kubectl) clusterInfo(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("cluster-info")
	k.commonFlags(fs)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 && pos[0] == "dump" {
		return fmt.Errorf("cluster-info dump is not available in this playground yet")
	}
	const server = "https://172.18.0.2:6443"
	fmt.Fprintf(io.Out, "Kubernetes control plane is running at %s\n", server)
	fmt.Fprintf(io.Out, "CoreDNS is running at %s/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n", server)
	fmt.Fprintln(io.Out, "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.")
	return nil
}

// apiResources is `kubectl api-resources`: the preferred version of each
// resource the API server serves, sorted by group and then name (or by
// name or kind).
func (k *Kubectl) apiResources(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("api-resources")
	k.commonFlags(fs)
	namespaced := fs.Bool("namespaced", "", true)
	group := fs.String("api-group", "", "")
	verbs := fs.Slice("verbs", "")
	categories := fs.Slice("categories", "")
	sortBy := fs.String("sort-by", "", "")
	fs.Bool("cached", "", false)
	noHeaders := fs.Bool("no-headers", "", false)
	output := fs.String("output", "o", "")
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return helpError(fs.cmd, "unexpected arguments: %v", pos)
	}
	switch *output {
	case "", "wide", "name", "json", "yaml":
	default:
		return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,wide,yaml", *output)
	}
	if *sortBy != "" && *sortBy != "name" && *sortBy != "kind" {
		return errors.New("--sort-by accepts only name or kind")
	}
	var rs []*api.ResourceInfo
	for _, r := range sortedResources() {
		switch {
		case r.Alternate() && r.Group == r.Stored().Group:
			continue // another version of a group: discovery prefers the other
		case !k.c.Discoverable(r):
			continue
		case fs.Changed("api-group") && r.Group != *group:
			continue
		case fs.Changed("namespaced") && r.Namespaced != *namespaced:
			continue
		case !containsAll(resourceVerbs(r), *verbs) || !containsAll(r.Categories, *categories):
			continue
		}
		rs = append(rs, r)
	}
	sortResourcesBy(rs, *sortBy)
	switch *output {
	case "json", "yaml":
		return writeRendered(io.Out, resourceList(rs), *output)
	case "name":
		for _, r := range rs {
			fmt.Fprintln(io.Out, r.GroupResource())
		}
		return nil
	}
	return printResourceTable(io.Out, rs, *output == "wide", !*noHeaders)
}

func printResourceTable(out io.Writer, rs []*api.ResourceInfo, wide, headers bool) error {
	tw := tabwriter.NewWriter(out, 6, 4, 3, ' ', 0)
	if headers {
		h := "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND"
		if wide {
			h += "\tVERBS\tCATEGORIES"
		}
		fmt.Fprintln(tw, h)
	}
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s", r.Resource, strings.Join(r.ShortNames, ","), r.APIVersion(), r.Namespaced, r.Kind)
		if wide {
			fmt.Fprintf(tw, "\t%s\t%s", strings.Join(resourceVerbs(r), ","), strings.Join(r.Categories, ","))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// resourceVerbs are the verbs discovery lists for a resource: all of them,
// but namespaces have no deletecollection.
func resourceVerbs(r *api.ResourceInfo) []string {
	if r.Aggregated {
		return []string{"get", "list"}
	}
	if r.Group == "" && r.Resource == "namespaces" {
		return []string{"create", "delete", "get", "list", "patch", "update", "watch"}
	}
	return []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// sortResourcesBy sorts as api-resources' sortableResource: by group (or
// name, or kind), ties by name, stably.
func sortResourcesBy(rs []*api.ResourceInfo, by string) {
	key := func(r *api.ResourceInfo) string {
		switch by {
		case "name":
			return r.Resource
		case "kind":
			return r.Kind
		}
		return r.Group
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if a, b := key(rs[i]), key(rs[j]); a != b {
			return a < b
		}
		return rs[i].Resource < rs[j].Resource
	})
}

// APIResource is metav1.APIResource as discovery serves it.
type APIResource struct {
	Name               string   `json:"name"`
	SingularName       string   `json:"singularName"`
	Namespaced         bool     `json:"namespaced"`
	Group              string   `json:"group,omitempty"`
	Version            string   `json:"version,omitempty"`
	Kind               string   `json:"kind"`
	Verbs              []string `json:"verbs"`
	ShortNames         []string `json:"shortNames,omitempty"`
	Categories         []string `json:"categories,omitempty"`
	StorageVersionHash string   `json:"storageVersionHash,omitempty"`
}

// resourceList is the APIResourceList api-resources prints with -o json
// or yaml.
func resourceList(rs []*api.ResourceInfo) any {
	items := make([]APIResource, 0, len(rs))
	for _, r := range rs {
		e := DiscoveryEntry(r)
		e.Group, e.Version = r.Group, r.Version
		items = append(items, e)
	}
	return struct {
		Kind         string        `json:"kind"`
		APIVersion   string        `json:"apiVersion"`
		GroupVersion string        `json:"groupVersion"`
		Resources    []APIResource `json:"resources"`
	}{"APIResourceList", "v1", "", items}
}

// DiscoveryEntry is a resource's entry in its group-version's
// APIResourceList, as the API server serves it (the HTTP API does).
func DiscoveryEntry(r *api.ResourceInfo) APIResource {
	stored := r.Stored()
	return APIResource{
		Name: r.Resource, SingularName: r.Singular, Namespaced: r.Namespaced,
		Kind: r.Kind, Verbs: resourceVerbs(r), ShortNames: r.ShortNames, Categories: r.Categories,
		StorageVersionHash: storageVersionHash(stored.Group, stored.Version, stored.Kind),
	}
}

// storageVersionHash is the API server's hash of the version a resource is
// stored in: the first eight bytes of the SHA-256 of group/version/kind.
func storageVersionHash(group, version, kind string) string {
	sum := sha256.Sum256([]byte(group + "/" + version + "/" + kind))
	return base64.StdEncoding.EncodeToString(sum[:8])
}

// apiVersions is `kubectl api-versions`: every group/version served.
func (k *Kubectl) apiVersions(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("api-versions")
	k.commonFlags(fs)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return helpError(fs.cmd, "unexpected arguments: %v", pos)
	}
	var out []string
	for _, r := range api.Resources {
		if v := r.APIVersion(); !slices.Contains(out, v) && k.c.Discoverable(r) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	for _, v := range out {
		fmt.Fprintln(io.Out, v)
	}
	return nil
}

// sortedResources lists resources as kubectl api-resources does: core
// group first, then by group, then by name.
func sortedResources() []*api.ResourceInfo {
	out := append([]*api.ResourceInfo(nil), api.Resources...)
	less := func(a, b *api.ResourceInfo) bool {
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Resource < b.Resource
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && less(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
