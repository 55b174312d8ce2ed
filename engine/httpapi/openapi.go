package httpapi

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/kubectl"
)

// openAPI serves /openapi/v3: the index of group-versions, and for each a
// document with the paths of its resources and the schemas of its kinds.
// kubectl reads it to learn that the server validates fields itself
// (the fieldValidation parameter of each PATCH) and for kubectl explain.
type openAPI struct {
	once sync.Once
	docs map[string][]byte // "api/v1", "apis/apps/v1": the document
	hash map[string]string
}

func newOpenAPI() *openAPI { return &openAPI{} }

func (o *openAPI) build() {
	o.docs, o.hash = map[string][]byte{}, map[string]string{}
	byGV := map[string][]*api.ResourceInfo{}
	var order []string
	for _, r := range api.Resources {
		p := gvPath(r.Group, r.Version)
		if _, ok := byGV[p]; !ok {
			order = append(order, p)
		}
		byGV[p] = append(byGV[p], r)
	}
	for _, p := range order {
		data, err := json.Marshal(gvDocument(byGV[p]))
		if err != nil {
			panic(err)
		}
		sum := sha512.Sum512(data)
		o.docs[p], o.hash[p] = data, strings.ToUpper(fmt.Sprintf("%x", sum[:]))
	}
}

func gvPath(group, version string) string {
	if group == "" {
		return "api/" + version
	}
	return "apis/" + group + "/" + version
}

func (o *openAPI) serve(w http.ResponseWriter, r *http.Request, rest string) {
	o.once.Do(o.build)
	if rest == "" {
		paths := map[string]any{}
		for p, h := range o.hash {
			paths[p] = map[string]string{"serverRelativeURL": "/openapi/v3/" + p + "?hash=" + h}
		}
		writeJSON(w, http.StatusOK, map[string]any{"paths": paths})
		return
	}
	doc, ok := o.docs[rest]
	if !ok {
		writeStatus(w, notFound(""))
		return
	}
	w.Header().Set("Etag", `"`+o.hash[rest]+`"`)
	writeRaw(w, http.StatusOK, "application/json", doc)
}

// gvDocument is the OpenAPI v3 document of one group-version.
func gvDocument(rs []*api.ResourceInfo) map[string]any {
	paths := map[string]any{}
	for _, r := range rs {
		switch {
		case r.Group == api.MetricsGroup:
			// metrics-server's OpenAPI is its own.
		case r.Aggregated:
			// What the API server answers itself is read-only.
			paths[objectPath(r)] = map[string]any{"get": getOperation(r)}
		default:
			paths[objectPath(r)] = map[string]any{"patch": patchOperation(r)}
		}
	}
	return map[string]any{
		"openapi": "3.0.0",
		"info":    map[string]string{"title": "Kubernetes", "version": apiserver.Version},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemasOf(rs),
		},
	}
}

func objectPath(r *api.ResourceInfo) string {
	p := "/" + gvPath(r.Group, r.Version)
	if r.Namespaced {
		p += "/namespaces/{namespace}"
	}
	return p + "/" + r.Resource + "/{name}"
}

// getOperation is a read-only resource's GET, whose kind kubectl explain
// finds there.
func getOperation(r *api.ResourceInfo) map[string]any {
	return map[string]any{
		"operationId":                     "read" + r.Kind,
		"responses":                       map[string]any{"200": map[string]any{"description": "OK"}},
		"x-kubernetes-action":             "get",
		"x-kubernetes-group-version-kind": map[string]string{"group": r.Group, "version": r.Version, "kind": r.Kind},
	}
}

// patchOperation is a resource's PATCH: kubectl looks for the
// fieldValidation parameter to know that the server validates fields.
// The strategic merge patch is left out of the media types on purpose:
// kubectl apply then computes its patches from its own built-in types,
// which know every field's merge strategy, rather than from these
// schemas, which do not carry it.
func patchOperation(r *api.ResourceInfo) map[string]any {
	query := func(name, desc string) map[string]any {
		return map[string]any{"name": name, "in": "query", "description": desc, "schema": map[string]any{"type": "string", "uniqueItems": true}}
	}
	body := map[string]any{"schema": map[string]any{"type": "object"}}
	return map[string]any{
		"operationId": "patch" + r.Kind,
		"parameters": []any{
			query("dryRun", "When present, indicates that modifications should not be persisted."),
			query("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
			query("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields."),
		},
		"requestBody": map[string]any{"content": map[string]any{
			"application/json-patch+json":  body,
			"application/merge-patch+json": body,
		}, "required": true},
		"responses":                       map[string]any{"200": map[string]any{"description": "OK"}},
		"x-kubernetes-action":             "patch",
		"x-kubernetes-group-version-kind": map[string]string{"group": r.Group, "version": r.Version, "kind": r.Kind},
	}
}

// schemasOf returns the schemas of a group-version's kinds, those the
// in-page kubectl explain reads.
func schemasOf(rs []*api.ResourceInfo) map[string]any {
	s, err := kubectl.OpenAPISchemas(rs[0].Group, rs[0].Version)
	if err != nil {
		panic(err) // the schemas are embedded: a build problem
	}
	return s
}
