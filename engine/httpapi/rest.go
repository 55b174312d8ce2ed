package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// resource serves a path under /api or /apis.
func (h *Handler) resource(w http.ResponseWriter, r *http.Request, path string) {
	t, parts := parsePath(path)
	switch {
	case t.version == "" && strings.HasPrefix(path, "/apis/"):
		h.groupDoc(w, r, t.group)
		return
	case t.version == "" || !groupVersionServed(t.group, t.version):
		writeStatus(w, notFound(""))
		return
	case len(parts) == 0:
		h.resourceList(w, r, t.group, t.version)
		return
	case len(parts) > 3 && parts[2] != "proxy":
		writeStatus(w, notFound(""))
		return
	}
	t.r = lookup(t.group, t.version, t.resource)
	if t.r == nil || (!t.r.Namespaced && t.namespace != "") {
		writeStatus(w, notFound(""))
		return
	}
	if t.subresource == "proxy" {
		// Any method, and the rest of the path, go to the proxied server.
		marker := "/" + t.resource + "/" + t.name + "/proxy"
		rest := r.URL.Path[strings.Index(r.URL.Path, marker)+len(marker):]
		if rest == "" {
			rest = "/"
		}
		if h.proxyFn == nil {
			writeStatus(w, notStreamed())
			return
		}
		if err := h.proxyFn(w, r, t, rest); err != nil {
			writeStatus(w, err)
		}
		return
	}
	var err error
	switch {
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		err = h.get(w, r, t)
	case h.writeFn != nil:
		err = h.writeFn(w, r, t)
	default:
		err = methodNotAllowed(strings.ToLower(r.Method), t.r.GroupResource())
	}
	if err != nil {
		writeStatus(w, err)
	}
}

// write serves the methods that change the cluster.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, t target) error {
	switch r.Method {
	case http.MethodPost:
		return h.post(w, r, t)
	case http.MethodPut:
		return h.put(w, r, t)
	case http.MethodPatch:
		return h.patch(w, r, t)
	case http.MethodDelete:
		return h.delete(w, r, t)
	}
	return methodNotAllowed(strings.ToLower(r.Method), t.r.GroupResource())
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, t target) error {
	q := r.URL.Query()
	switch {
	case t.name == "" && isTrue(q.Get("watch")):
		if h.watchFn == nil {
			return notStreamed()
		}
		return h.watchFn(w, r, t)
	case t.name == "":
		return h.list(w, r, t)
	case t.subresource == "" || t.subresource == "status":
		return h.answer(w, r, t, http.StatusOK, func() (any, error) { return h.api.Get(t.r, t.namespace, t.name) })
	case t.subresource == "scale":
		return h.answer(w, r, t, http.StatusOK, func() (any, error) { return h.api.GetScale(t.r, t.namespace, t.name) })
	case t.subresource == "ephemeralcontainers" && t.r.GroupResource() == "pods":
		return h.answer(w, r, t, http.StatusOK, func() (any, error) { return h.api.GetEphemeralContainers(t.namespace, t.name) })
	case t.subresource == "log" && t.r.GroupResource() == "pods":
		return h.logs(w, r, t)
	case streaming[t.subresource]:
		return h.streamOf(w, r, t)
	}
	return unsupportedSubresource(t)
}

// streamOf serves exec, attach and portforward.
func (h *Handler) streamOf(w http.ResponseWriter, r *http.Request, t target) error {
	if h.streamFn == nil {
		return notStreamed()
	}
	return h.streamFn(w, r, t)
}

// streaming are the subresources that stream over an upgraded
// connection (exec.go).
var streaming = map[string]bool{"exec": true, "attach": true, "portforward": true}

func (h *Handler) post(w http.ResponseWriter, r *http.Request, t target) error {
	q := r.URL.Query()
	if err := apiserver.ValidateFieldManager("CreateOptions", q.Get("fieldManager")); err != nil {
		return err
	}
	switch {
	case t.name == "":
		body, err := readObject(r, t.r)
		if err != nil {
			return err
		}
		return h.answer(w, r, t, http.StatusCreated, func() (any, error) {
			obj, err := h.decode(t.r, body, q.Get("fieldValidation"))
			if err != nil {
				return nil, err
			}
			defer h.api.SetFieldManager(fieldManager(r))()
			if isDryRun(q) {
				return h.api.CreateDryRun(t.r, t.namespace, obj)
			}
			return h.api.Create(t.r, t.namespace, obj)
		})
	case t.subresource == "" || t.r.GroupResource() != "pods":
	case t.subresource == "binding":
		var b api.Binding
		if err := readInto(r, &b); err != nil {
			return err
		}
		if b.Name == "" {
			b.Name = t.name
		}
		return h.answer(w, r, t, http.StatusCreated, func() (any, error) { return success(http.StatusCreated), h.api.Bind(t.namespace, &b) })
	case t.subresource == "eviction":
		var ev api.Eviction
		if err := readInto(r, &ev); err != nil {
			return err
		}
		return h.answer(w, r, t, http.StatusCreated, func() (any, error) {
			return success(http.StatusCreated), h.api.Evict(t.namespace, t.name, &ev)
		})
	}
	if streaming[t.subresource] {
		return h.streamOf(w, r, t)
	}
	if t.subresource == "" {
		return methodNotAllowed("create", t.r.GroupResource())
	}
	return unsupportedSubresource(t)
}

func (h *Handler) put(w http.ResponseWriter, r *http.Request, t target) error {
	if t.name == "" {
		return methodNotAllowed("update", t.r.GroupResource())
	}
	q := r.URL.Query()
	if err := apiserver.ValidateFieldManager("UpdateOptions", q.Get("fieldManager")); err != nil {
		return err
	}
	if t.subresource == "scale" {
		var sc api.Scale
		if err := readInto(r, &sc); err != nil {
			return err
		}
		return h.answer(w, r, t, http.StatusOK, func() (any, error) {
			defer h.api.SetFieldManager(fieldManager(r))()
			return h.api.UpdateScale(t.r, t.namespace, t.name, &sc, isDryRun(q))
		})
	}
	if t.subresource == "finalize" && t.r.GroupResource() == "namespaces" {
		var ns api.Namespace
		if err := readInto(r, &ns); err != nil {
			return err
		}
		return h.answer(w, r, t, http.StatusOK, func() (any, error) { return h.api.FinalizeNamespace(t.name, ns.Spec.Finalizers) })
	}
	ephemeral := t.subresource == "ephemeralcontainers" && t.r.GroupResource() == "pods"
	if t.subresource != "" && t.subresource != "status" && !ephemeral {
		return unsupportedSubresource(t)
	}
	body, err := readObject(r, t.r)
	if err != nil {
		return err
	}
	return h.answer(w, r, t, http.StatusOK, func() (any, error) {
		obj, err := h.decode(t.r, body, q.Get("fieldValidation"))
		if err != nil {
			return nil, err
		}
		if err := checkIdentity(t, obj.GetObjectMeta()); err != nil {
			return nil, err
		}
		defer h.api.SetFieldManager(fieldManager(r))()
		switch {
		case ephemeral:
			return h.api.UpdateEphemeralContainers(t.namespace, obj.(*api.Pod), isDryRun(q))
		case t.subresource == "status":
			return h.api.UpdateStatus(t.r, obj)
		case isDryRun(q):
			return h.api.UpdateDryRun(t.r, obj)
		}
		return h.api.Update(t.r, obj)
	})
}

// checkIdentity refuses a body that names another object than the URL.
func checkIdentity(t target, meta *api.ObjectMeta) error {
	if meta.Name != t.name {
		return apiserver.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", meta.Name, t.name))
	}
	if t.r.Namespaced {
		if meta.Namespace == "" {
			meta.Namespace = t.namespace
		}
		if meta.Namespace != t.namespace {
			return apiserver.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	}
	return nil
}

func (h *Handler) patch(w http.ResponseWriter, r *http.Request, t target) error {
	if t.name == "" {
		return methodNotAllowed("patch", t.r.GroupResource())
	}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	pt := patch.Type(strings.TrimSpace(ct))
	q := r.URL.Query()
	if err := apiserver.ValidateFieldManager("PatchOptions", q.Get("fieldManager")); err != nil {
		return err
	}
	switch pt {
	case patch.JSON, patch.Merge, patch.Strategic:
		if q.Has("force") {
			return newStatus(http.StatusUnprocessableEntity, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch`)
		}
	case applyYAML:
		return h.apply(w, r, t)
	case "application/apply-patch+cbor":
		return unsupportedEncoding(string(pt))
	default:
		return newStatus(http.StatusUnsupportedMediaType, "UnsupportedMediaType", fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s, %s", patch.JSON, patch.Merge, patch.Strategic, applyYAML))
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	return h.answer(w, r, t, http.StatusOK, func() (any, error) {
		defer h.api.SetFieldManager(fieldManager(r))()
		switch t.subresource {
		case "":
			return h.api.Patch(t.r, t.namespace, t.name, pt, data, isDryRun(q))
		case "status":
			return h.api.PatchStatus(t.r, t.namespace, t.name, pt, data)
		case "scale":
			return h.api.PatchScale(t.r, t.namespace, t.name, pt, data, isDryRun(q))
		case "ephemeralcontainers":
			if t.r.GroupResource() == "pods" {
				return h.api.PatchEphemeralContainers(t.namespace, t.name, pt, data, isDryRun(q))
			}
		}
		return nil, unsupportedSubresource(t)
	})
}

// applyYAML is the media type of a server-side apply.
const applyYAML = "application/apply-patch+yaml"

// apply serves a server-side apply: the object is created when missing,
// so the answer is 201 then.
func (h *Handler) apply(w http.ResponseWriter, r *http.Request, t target) error {
	if t.subresource != "" {
		return newStatus(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			fmt.Sprintf("server-side apply of the %s subresource is not simulated by the playground: apply the object itself", t.subresource))
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	if data, err = yaml.YAMLToJSON(data); err != nil {
		return apiserver.NewBadRequest("error decoding YAML: " + err.Error())
	}
	q := r.URL.Query()
	opts := apiserver.ApplyOptions{FieldManager: q.Get("fieldManager"), Force: isTrue(q.Get("force")), DryRun: isDryRun(q)}
	code := http.StatusOK
	return h.answer(w, r, t, code, func() (any, error) {
		if _, err := h.api.Get(t.r, t.namespace, t.name); apiserver.IsNotFound(err) {
			code = http.StatusCreated
		}
		h.api.TakeWarnings()
		out, err := h.api.Apply(t.r, t.namespace, t.name, data, opts)
		if err == nil && code == http.StatusCreated {
			return created{out}, nil
		}
		return out, err
	})
}

// created is an object a write created: the answer is 201 Created.
type created struct{ api.Object }

// fieldManager is the field manager a write records: the fieldManager
// parameter, else the user agent up to its first "/".
func fieldManager(r *http.Request) string {
	if m := r.URL.Query().Get("fieldManager"); m != "" {
		return m
	}
	return apiserver.FieldManagerOf(r.Header.Get("User-Agent"))
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, t target) error {
	if t.subresource != "" {
		return unsupportedSubresource(t)
	}
	opts, err := deleteOptions(r)
	if err != nil {
		return err
	}
	if t.name == "" {
		return h.deleteCollection(w, r, t, opts)
	}
	return h.answer(w, r, t, http.StatusOK, func() (any, error) {
		obj, err := h.api.Delete(t.r, t.namespace, t.name, opts)
		if err == nil && obj != nil && obj.GetObjectMeta().DeletionTimestamp != nil {
			return accepted{obj}, nil
		}
		return obj, err
	})
}

// accepted is an object whose deletion has begun but not finished: the
// answer is 202 Accepted, as kube-apiserver's.
type accepted struct{ api.Object }

// deleteCollection deletes every object a list with the request's
// selectors returns, and answers with that list.
func (h *Handler) deleteCollection(w http.ResponseWriter, r *http.Request, t target, opts apiserver.DeleteOptions) error {
	lo := listOptions(r.URL.Query())
	return h.answer(w, r, t, http.StatusOK, func() (any, error) {
		l, err := h.api.List(t.r, t.namespace, lo)
		if err != nil {
			return nil, err
		}
		var items []api.Object
		for _, o := range l.Items {
			m := o.GetObjectMeta()
			out, err := h.api.Delete(t.r, m.Namespace, m.Name, opts)
			if err != nil && !apiserver.IsNotFound(err) {
				return nil, err
			}
			if out != nil {
				items = append(items, out)
			}
		}
		return listBody(t.r, items, l.ResourceVersion, ""), nil
	})
}

func deleteOptions(r *http.Request) (apiserver.DeleteOptions, error) {
	var o api.DeleteOptions
	data, err := readObject(r, nil)
	if err != nil {
		return apiserver.DeleteOptions{}, err
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &o); err != nil {
			return apiserver.DeleteOptions{}, apiserver.NewBadRequest(err.Error())
		}
	}
	q := r.URL.Query()
	if v := q.Get("gracePeriodSeconds"); v != "" {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil {
			return apiserver.DeleteOptions{}, apiserver.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q", v))
		}
		o.GracePeriodSeconds = &n
	}
	if v := q.Get("propagationPolicy"); v != "" {
		o.PropagationPolicy = &v
	}
	if v := q.Get("orphanDependents"); v != "" {
		b := isTrue(v)
		o.OrphanDependents = &b
	}
	o.DryRun = append(o.DryRun, q["dryRun"]...)
	switch p := api.Deref(o.PropagationPolicy, ""); p {
	case "", apiserver.PropagationBackground, apiserver.PropagationForeground, apiserver.PropagationOrphan:
	default:
		return apiserver.DeleteOptions{}, newInvalidDeleteOptions(fmt.Sprintf("propagationPolicy: Unsupported value: %q: supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"", p))
	}
	return apiserver.DeleteOptionsOf(&o), nil
}

func newInvalidDeleteOptions(msg string) error {
	return newStatus(http.StatusUnprocessableEntity, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: "+msg)
}

// answer runs f on the loop and writes what it returns: an object (as
// JSON, or as a Table when the client asks for one), or its error.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, t target, code int, f func() (any, error)) error {
	var data []byte
	var err error
	var warnings []string
	contentType := "application/json"
	h.do(func() {
		var v any
		v, err = f()
		warnings = h.api.TakeWarnings()
		if err != nil {
			return
		}
		if a, ok := v.(accepted); ok {
			v, code = a.Object, http.StatusAccepted
		}
		if c, ok := v.(created); ok {
			v, code = c.Object, http.StatusCreated
		}
		if obj, ok := v.(api.Object); ok && wantsTable(r) && t.subresource == "" {
			v, contentType = h.objectTable(t.r, []api.Object{obj}, "", r), tableContentType
		}
		data, err = json.Marshal(v)
	})
	setWarnings(w, warnings)
	if err != nil {
		return err
	}
	writeBody(w, code, contentType, data)
	return nil
}

// decode reads a body into an object of resource r. With fieldValidation
// Strict an unknown field is an error; with Warn (the default) or Ignore
// it is dropped, with a warning for Warn.
func (h *Handler) decode(r *api.ResourceInfo, body []byte, validation string) (api.Object, error) {
	if tm, err := api.TypeOf(body); err == nil && tm.Kind != "" && (tm.Kind != r.Kind || tm.APIVersion != r.APIVersion()) {
		return nil, apiserver.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", tm.APIVersion, r.APIVersion()))
	}
	obj, err := h.api.Decode(r, body)
	if err == nil || validation == "Strict" || !strings.Contains(err.Error(), "strict decoding error: ") {
		return obj, err
	}
	lenient := r.New()
	if jerr := json.Unmarshal(body, lenient); jerr != nil {
		return nil, err
	}
	if validation != "Ignore" {
		for _, u := range unknownField.FindAllString(err.Error(), -1) {
			h.api.Warn(u)
		}
	}
	return lenient, nil
}

var unknownField = regexp.MustCompile(`unknown field "[^"]*"`)

// readObject reads a request body, JSON or YAML, as JSON.
func readObject(r *http.Request, res *api.ResourceInfo) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if strings.Contains(ct, "protobuf") || strings.Contains(ct, "cbor") {
		return nil, unsupportedEncoding(ct)
	}
	data, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if strings.Contains(ct, "yaml") {
		if data, err = yaml.YAMLToJSON(data); err != nil {
			return nil, apiserver.NewBadRequest(err.Error())
		}
	}
	return data, nil
}

// unsupportedEncoding is the 415 for a body in protobuf or CBOR, which
// the playground does not decode. client-go's generated clients send
// protobuf unless their rest.Config sets ContentType.
func unsupportedEncoding(ct string) error {
	return newStatus(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
		fmt.Sprintf("the body of the request was in %s, which kubeplay apiserver does not read: send JSON or YAML (client-go: set rest.Config.ContentType to \"application/json\")", ct))
}

func readInto(r *http.Request, v any) error {
	data, err := readObject(r, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return apiserver.NewBadRequest(err.Error())
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, apiserver.NewBadRequest(err.Error())
	}
	if len(data) > maxBody {
		return nil, newStatus(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "the server has received a request that is too large")
	}
	return data, nil
}

func isDryRun(q map[string][]string) bool {
	for _, v := range q["dryRun"] {
		if v == "All" {
			return true
		}
	}
	return false
}

func isTrue(v string) bool { return v == "true" || v == "1" }

func unsupportedSubresource(t target) error {
	return notFound(fmt.Sprintf("%s has no subresource %q here", t.r.GroupResource(), t.subresource))
}
