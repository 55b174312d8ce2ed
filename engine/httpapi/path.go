package httpapi

import (
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// target is what a resource path names, as kube-apiserver's
// RequestInfo: /api/v1/namespaces/NS/pods/NAME/log.
type target struct {
	group, version string
	r              *api.ResourceInfo
	namespace      string
	name           string
	subresource    string
	resource       string // as written in the path
}

// parsePath reads a path under /api or /apis; ok is false for a path
// that names no resource (the group's discovery document is handled by
// the caller).
func parsePath(path string) (t target, parts []string) {
	parts = strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] == "api" {
		parts = parts[1:]
	} else {
		parts = parts[1:]
		if len(parts) > 0 {
			t.group, parts = parts[0], parts[1:]
		}
	}
	if len(parts) > 0 {
		t.version, parts = parts[0], parts[1:]
	}
	// namespaces/NS/RESOURCE...: a namespaced request; namespaces/NS and
	// namespaces/NS/status|finalize are the namespace itself.
	if len(parts) >= 3 && parts[0] == "namespaces" && !(len(parts) == 3 && (parts[2] == "status" || parts[2] == "finalize")) {
		t.namespace, parts = parts[1], parts[2:]
	}
	if len(parts) > 0 {
		t.resource = parts[0]
	}
	if len(parts) > 1 {
		t.name = parts[1]
	}
	if len(parts) > 2 {
		t.subresource = parts[2]
	}
	return t, parts
}

// lookup finds the resource of group, version and plural name.
func lookup(group, version, resource string) *api.ResourceInfo {
	for _, r := range api.Resources {
		if r.Group == group && r.Version == version && r.Resource == resource {
			return r
		}
	}
	return nil
}

// groupVersionServed reports whether some resource is served at group/version.
func groupVersionServed(group, version string) bool {
	for _, r := range api.Resources {
		if r.Group == group && r.Version == version {
			return true
		}
	}
	return false
}
