package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/kubectl"
)

func listOptions(q url.Values) apiserver.ListOptions {
	return apiserver.ListOptions{
		LabelSelector:       q.Get("labelSelector"),
		FieldSelector:       q.Get("fieldSelector"),
		ResourceVersion:     q.Get("resourceVersion"),
		AllowWatchBookmarks: isTrue(q.Get("allowWatchBookmarks")),
	}
}

// continueToken is the state of a chunked list, as the API server's
// opaque continue token (base64 of this JSON): where the next chunk starts.
type continueToken struct {
	APIVersion      string `json:"v"`
	ResourceVersion int64  `json:"rv"`
	Start           string `json:"start"`
}

func parseContinue(s string) (*continueToken, error) {
	if s == "" {
		return nil, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(s)
	var tok continueToken
	if err == nil {
		err = json.Unmarshal(data, &tok)
	}
	if err != nil || tok.APIVersion != "meta.k8s.io/v1" {
		return nil, apiserver.NewBadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	}
	return &tok, nil
}

func (t continueToken) encode() string {
	data, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(data)
}

// list serves a list: the core filters by selectors; limit and continue
// cut the result into chunks in key order. A chunk after the first reads
// the objects as they are now, not as they were at the first chunk's
// revision (the store keeps no snapshots to list from).
func (h *Handler) list(w http.ResponseWriter, r *http.Request, t target) error {
	q := r.URL.Query()
	opts := listOptions(q)
	limit, err := strconv.ParseInt(q.Get("limit"), 10, 64)
	if q.Get("limit") == "" || limit < 0 {
		limit, err = 0, nil
	}
	if err != nil {
		return apiserver.NewBadRequest(fmt.Sprintf("invalid limit %q", q.Get("limit")))
	}
	cont, err := parseContinue(q.Get("continue"))
	if err != nil {
		return err
	}
	if cont != nil && opts.ResourceVersion != "" {
		return apiserver.NewBadRequest("specifying resource version is not allowed when using continue")
	}
	opts.ResourceVersion = ""
	var data []byte
	var warnings []string
	contentType := "application/json"
	h.do(func() {
		var l *apiserver.List
		l, err = h.api.List(t.r, t.namespace, opts)
		warnings = h.api.TakeWarnings()
		if err != nil {
			return
		}
		items, next := chunk(l, cont, limit)
		if wantsTable(r) {
			tbl := h.objectTable(t.r, items, l.ResourceVersion, r)
			tbl.Metadata.Continue = next
			data, err = json.Marshal(tbl)
			contentType = tableContentType
			return
		}
		data, err = json.Marshal(listBody(t.r, items, l.ResourceVersion, next))
	})
	setWarnings(w, warnings)
	if err != nil {
		return err
	}
	writeBody(w, http.StatusOK, contentType, data)
	return nil
}

// chunk cuts a list at the continue token and the limit, and returns the
// token of the next chunk ("" when this is the last).
func chunk(l *apiserver.List, cont *continueToken, limit int64) ([]api.Object, string) {
	items := l.Items
	if cont != nil {
		i := 0
		for i < len(items) && objectKey(items[i]) <= cont.Start {
			i++
		}
		items = items[i:]
	}
	if limit <= 0 || int64(len(items)) <= limit {
		return items, ""
	}
	rv, _ := strconv.ParseInt(l.ResourceVersion, 10, 64)
	items = items[:limit]
	return items, continueToken{APIVersion: "meta.k8s.io/v1", ResourceVersion: rv, Start: objectKey(items[len(items)-1])}.encode()
}

func objectKey(obj api.Object) string {
	m := obj.GetObjectMeta()
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}

// listBody is a list as kube-apiserver answers it: kind PodList and so on.
func listBody(r *api.ResourceInfo, items []api.Object, rv, next string) any {
	if items == nil {
		items = []api.Object{}
	}
	return struct {
		api.TypeMeta `json:",inline"`
		Metadata     api.ListMeta `json:"metadata"`
		Items        []api.Object `json:"items"`
	}{
		TypeMeta: api.TypeMeta{Kind: r.Kind + "List", APIVersion: r.APIVersion()},
		Metadata: api.ListMeta{ResourceVersion: rv, Continue: next},
		Items:    items,
	}
}

// The Table of meta.k8s.io/v1, as kubectl get asks for it.
const tableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io"

type table struct {
	api.TypeMeta      `json:",inline"`
	Metadata          api.ListMeta `json:"metadata"`
	ColumnDefinitions []column     `json:"columnDefinitions"`
	Rows              []row        `json:"rows"`
}

type column struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Format      string `json:"format"`
	Description string `json:"description"`
	Priority    int32  `json:"priority"`
}

type row struct {
	Cells  []any `json:"cells"`
	Object any   `json:"object,omitempty"`
}

// wantsTable reports whether the client asks for a Table.
func wantsTable(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if strings.Contains(part, "as=Table") && strings.Contains(part, "g=meta.k8s.io") {
			return true
		}
	}
	return false
}

// objectTable makes the Table of objects with the columns the in-page
// kubectl prints (kubectl.ServerTable), at the loop's virtual time.
func (h *Handler) objectTable(r *api.ResourceInfo, objs []api.Object, rv string, req *http.Request) *table {
	headers, wide, cells := kubectl.ServerTable(r)
	t := &table{TypeMeta: api.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"}, Metadata: api.ListMeta{ResourceVersion: rv}, Rows: []row{}}
	for i, hd := range headers {
		c := column{Name: hd, Type: "string"}
		if hd == "NAME" {
			c.Format = "name"
		}
		if wide[i] {
			c.Priority = 1
		}
		t.ColumnDefinitions = append(t.ColumnDefinitions, c)
	}
	include := req.URL.Query().Get("includeObject")
	now := h.api.Now()
	for _, obj := range objs {
		cs := cells(obj, now)
		rw := row{Cells: make([]any, len(cs))}
		for i, c := range cs {
			rw.Cells[i] = c
		}
		switch include {
		case "None":
		case "Object":
			rw.Object = obj
		default:
			rw.Object = partialMetadata(obj)
		}
		t.Rows = append(t.Rows, rw)
	}
	return t
}

func partialMetadata(obj api.Object) any {
	return struct {
		api.TypeMeta `json:",inline"`
		Metadata     *api.ObjectMeta `json:"metadata"`
	}{api.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"}, obj.GetObjectMeta()}
}
