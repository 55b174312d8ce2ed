package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"runtime"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/kubectl"
)

var (
	goVersion = runtime.Version()
	platform  = runtime.GOOS + "/" + runtime.GOARCH
)

// subresource is one subresource of a resource in discovery.
type subresource struct {
	name                 string
	group, version, kind string
	verbs                []string
}

// subresources lists what a resource serves below an object.
func subresources(r *api.ResourceInfo) []subresource {
	if r.Aggregated {
		return nil
	}
	var out []subresource
	gr := r.GroupResource()
	if gr == "pods" {
		out = append(out,
			subresource{"binding", "", "v1", "Binding", []string{"create"}},
			subresource{"ephemeralcontainers", "", "v1", "Pod", []string{"get", "patch", "update"}},
			subresource{"eviction", "policy", "v1", "Eviction", []string{"create"}},
			subresource{"exec", "", "v1", "PodExecOptions", []string{"create", "get"}},
			subresource{"log", "", "v1", "Pod", []string{"get"}})
	}
	if gr == "namespaces" {
		out = append(out, subresource{"finalize", "", "v1", "Namespace", []string{"update"}})
	}
	if apiserver.HasScale(r) {
		out = append(out, subresource{"scale", "autoscaling", "v1", "Scale", []string{"get", "patch", "update"}})
	}
	if _, ok := reflect.TypeOf(r.New()).Elem().FieldByName("Status"); ok {
		out = append(out, subresource{"status", r.Group, r.Version, r.Kind, []string{"get", "patch", "update"}})
	}
	return out
}

// groupVersions lists the served groups in discovery order, each with
// its versions in preference order.
func groupVersions() (groups []string, versions map[string][]string) {
	versions = map[string][]string{}
	for _, r := range api.Resources {
		if r.Group == "" {
			continue
		}
		vs, seen := versions[r.Group]
		if !seen {
			groups = append(groups, r.Group)
		}
		if !contains(vs, r.Version) {
			versions[r.Group] = append(vs, r.Version)
		}
	}
	return groups, versions
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type groupVersion struct {
	GroupVersion string `json:"groupVersion"`
	Version      string `json:"version"`
}

type apiGroup struct {
	Name             string         `json:"name"`
	Versions         []groupVersion `json:"versions"`
	PreferredVersion groupVersion   `json:"preferredVersion"`
}

// discoverable runs on the loop: whether the group has a resource that
// discovery lists now (an aggregated group only while its server is up).
func (h *Handler) discoverable(group, version string) bool {
	for _, r := range api.Resources {
		if r.Group == group && (version == "" || r.Version == version) && h.api.Discoverable(r) {
			return true
		}
	}
	return false
}

func (h *Handler) apiGroups() []apiGroup {
	groups, versions := groupVersions()
	out := []apiGroup{}
	for _, g := range groups {
		if !h.discoverable(g, "") {
			continue
		}
		out = append(out, h.apiGroup(g, versions[g]))
	}
	return out
}

func (h *Handler) apiGroup(g string, versions []string) apiGroup {
	ag := apiGroup{Name: g}
	for _, v := range versions {
		ag.Versions = append(ag.Versions, groupVersion{GroupVersion: g + "/" + v, Version: v})
	}
	ag.PreferredVersion = ag.Versions[0]
	return ag
}

// discoveryRoot serves /api and /apis, in the aggregated form
// (apidiscovery.k8s.io/v2) when the client asks for it, as kubectl does.
func (h *Handler) discoveryRoot(w http.ResponseWriter, r *http.Request, path string) {
	if v := aggregatedVersion(r); v != "" {
		var doc any
		h.do(func() { doc = h.aggregated(path == "/api", v) })
		writeJSONAs(w, "application/json;g=apidiscovery.k8s.io;v="+v+";as=APIGroupDiscoveryList", doc)
		return
	}
	// The fields in the order of metav1's types, as kube-apiserver
	// writes them.
	if path == "/api" {
		writeJSON(w, http.StatusOK, struct {
			Kind     string              `json:"kind"`
			Versions []string            `json:"versions"`
			Servers  []map[string]string `json:"serverAddressByClientCIDRs"`
		}{"APIVersions", []string{"v1"}, []map[string]string{{"clientCIDR": "0.0.0.0/0", "serverAddress": r.Host}}})
		return
	}
	var groups []apiGroup
	h.do(func() { groups = h.apiGroups() })
	writeJSON(w, http.StatusOK, struct {
		Kind       string     `json:"kind"`
		APIVersion string     `json:"apiVersion"`
		Groups     []apiGroup `json:"groups"`
	}{"APIGroupList", "v1", groups})
}

// groupDoc serves /apis/GROUP.
func (h *Handler) groupDoc(w http.ResponseWriter, r *http.Request, group string) {
	_, versions := groupVersions()
	ok := false
	h.do(func() { ok = h.discoverable(group, "") })
	if len(versions[group]) == 0 || !ok {
		writeStatus(w, notFound(""))
		return
	}
	ag := h.apiGroup(group, versions[group])
	writeJSON(w, http.StatusOK, struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
		apiGroup
	}{"APIGroup", "v1", ag})
}

// resourceList serves /api/v1 and /apis/GROUP/VERSION: APIResourceList.
func (h *Handler) resourceList(w http.ResponseWriter, r *http.Request, group, version string) {
	ok := false
	h.do(func() { ok = h.discoverable(group, version) })
	if !ok {
		writeStatus(w, notFound(""))
		return
	}
	gv := version
	if group != "" {
		gv = group + "/" + version
	}
	list := []kubectl.APIResource{}
	for _, res := range api.Resources {
		if res.Group != group || res.Version != version {
			continue
		}
		list = append(list, kubectl.DiscoveryEntry(res))
		for _, sub := range subresources(res) {
			list = append(list, kubectl.APIResource{Name: res.Resource + "/" + sub.name, Namespaced: res.Namespaced,
				Group: sub.group, Version: sub.version, Kind: sub.kind, Verbs: sub.verbs})
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Kind         string                `json:"kind"`
		APIVersion   string                `json:"apiVersion"`
		GroupVersion string                `json:"groupVersion"`
		Resources    []kubectl.APIResource `json:"resources"`
	}{"APIResourceList", "v1", gv, list})
}

// aggregatedVersion returns the version of aggregated discovery the
// client accepts ("v2" or "v2beta1"), or "".
func aggregatedVersion(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if !strings.Contains(part, "g=apidiscovery.k8s.io") || !strings.Contains(part, "as=APIGroupDiscoveryList") {
			continue
		}
		for _, p := range strings.Split(part, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "v="); ok && (v == "v2" || v == "v2beta1") {
				return v
			}
		}
	}
	return ""
}

type gvk struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

type discoveryResource struct {
	Resource         string                 `json:"resource"`
	ResponseKind     gvk                    `json:"responseKind"`
	Scope            string                 `json:"scope"`
	SingularResource string                 `json:"singularResource"`
	Verbs            []string               `json:"verbs"`
	ShortNames       []string               `json:"shortNames,omitempty"`
	Categories       []string               `json:"categories,omitempty"`
	Subresources     []discoverySubresource `json:"subresources,omitempty"`
}

type discoverySubresource struct {
	Subresource  string   `json:"subresource"`
	ResponseKind gvk      `json:"responseKind"`
	Verbs        []string `json:"verbs"`
}

type discoveryVersion struct {
	Version   string              `json:"version"`
	Resources []discoveryResource `json:"resources"`
	Freshness string              `json:"freshness"`
}

type discoveryGroup struct {
	Metadata struct {
		Name string `json:"name,omitempty"`
	} `json:"metadata"`
	Versions []discoveryVersion `json:"versions"`
}

// aggregated is the APIGroupDiscoveryList of /api (core) or /apis.
func (h *Handler) aggregated(core bool, v string) any {
	items := []discoveryGroup{}
	if core {
		items = append(items, h.discoveryGroup("", []string{"v1"}))
	} else {
		groups, versions := groupVersions()
		for _, g := range groups {
			if h.discoverable(g, "") {
				items = append(items, h.discoveryGroup(g, versions[g]))
			}
		}
	}
	return struct {
		Kind       string           `json:"kind"`
		APIVersion string           `json:"apiVersion"`
		Metadata   struct{}         `json:"metadata"`
		Items      []discoveryGroup `json:"items"`
	}{Kind: "APIGroupDiscoveryList", APIVersion: "apidiscovery.k8s.io/" + v, Items: items}
}

func (h *Handler) discoveryGroup(g string, versions []string) discoveryGroup {
	var dg discoveryGroup
	dg.Metadata.Name = g
	for _, v := range versions {
		dv := discoveryVersion{Version: v, Freshness: "Current", Resources: []discoveryResource{}}
		for _, r := range api.Resources {
			if r.Group != g || r.Version != v || !h.api.Discoverable(r) {
				continue
			}
			dv.Resources = append(dv.Resources, discoveryEntry(r))
		}
		dg.Versions = append(dg.Versions, dv)
	}
	return dg
}

func discoveryEntry(r *api.ResourceInfo) discoveryResource {
	scope := "Cluster"
	if r.Namespaced {
		scope = "Namespaced"
	}
	e := kubectl.DiscoveryEntry(r)
	dr := discoveryResource{Resource: r.Resource, ResponseKind: gvk{r.Group, r.Version, r.Kind}, Scope: scope,
		SingularResource: r.Singular, Verbs: e.Verbs, ShortNames: r.ShortNames, Categories: r.Categories}
	for _, sub := range subresources(r) {
		dr.Subresources = append(dr.Subresources, discoverySubresource{Subresource: sub.name, ResponseKind: gvk{sub.group, sub.version, sub.kind}, Verbs: sub.verbs})
	}
	return dr
}

func writeJSONAs(w http.ResponseWriter, contentType string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeStatus(w, err)
		return
	}
	writeBody(w, http.StatusOK, contentType, data)
}
