package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unsafe"

	"github.com/kubeplay/kubeplay/engine/api"
)

// metadata.managedFields, as kube-apiserver's field manager keeps them:
// every write names a field manager (the request's fieldManager, else the
// client's user agent up to its first "/"), and the fields the write set
// or changed become that manager's; server-side apply (Apply) makes the
// fields of the applied configuration the applier's, refuses to change a
// field another manager owns unless forced, and removes the fields the
// applier owned and no longer applies when nobody else owns them.

// Field manager operations.
const (
	OperationApply  = "Apply"
	OperationUpdate = "Update"
)

// managedEntry is one entry of metadata.managedFields.
type managedEntry struct {
	Manager     string    `json:"manager,omitempty"`
	Operation   string    `json:"operation,omitempty"`
	APIVersion  string    `json:"apiVersion,omitempty"`
	Time        *api.Time `json:"time,omitempty"`
	FieldsType  string    `json:"fieldsType,omitempty"`
	FieldsV1    any       `json:"fieldsV1,omitempty"`
	Subresource string    `json:"subresource,omitempty"`

	set fieldSet
	// raw is the entry as read, while nothing in it changes.
	raw json.RawMessage
	// fieldsV1 is set's text, when known.
	fieldsV1 []byte
}

// id identifies a manager: appliers by name and subresource, updaters by
// name, API version and subresource (BuildManagerIdentifier).
func (e *managedEntry) id() string {
	v := e.APIVersion
	if e.Operation == OperationApply {
		v = ""
	}
	return e.Manager + "\x00" + e.Operation + "\x00" + v + "\x00" + e.Subresource
}

// sameID reports whether two entries are the same manager's (their ids
// are equal).
func (e *managedEntry) sameID(o *managedEntry) bool {
	if e.Manager != o.Manager || e.Operation != o.Operation || e.Subresource != o.Subresource {
		return false
	}
	return e.Operation == OperationApply || e.APIVersion == o.APIVersion
}

// setTo changes the entry's set; an entry whose set changes is written
// anew.
func (e *managedEntry) setTo(s fieldSet) {
	if !sameSet(e.set, s) {
		e.set, e.raw, e.fieldsV1 = s, nil, nil
	}
}

// describe names a manager in a conflict, as upstream's printManager.
func (e *managedEntry) describe() string {
	s := fmt.Sprintf("%q", e.Manager)
	if e.Subresource != "" {
		s += fmt.Sprintf(" with subresource %q", e.Subresource)
	}
	if e.Operation == OperationUpdate {
		s += " using " + e.APIVersion
	}
	return s
}

// decodeManaged reads metadata.managedFields; entries that do not decode
// are dropped, as the API server resets undecodable managed fields.
func decodeManaged(raw []json.RawMessage) []*managedEntry { return decodeEntries(raw, false) }

// decodeStored is decodeManaged of a stored object's managed fields,
// whose text is never changed (stored objects are not), so the entries
// read may keep it rather than a copy.
func decodeStored(raw []json.RawMessage) []*managedEntry { return decodeEntries(raw, true) }

func decodeEntries(raw []json.RawMessage, stored bool) []*managedEntry {
	out := make([]*managedEntry, 0, len(raw))
	for _, r := range raw {
		e, ok := decodeEntry(r, stored)
		if !ok {
			return nil
		}
		out = append(out, e)
	}
	return out
}

// decoded holds recently read entries by their text: most writes read
// the entries the previous write of the object wrote. Entries and their
// sets are never changed once made; a caller gets its own copy.
var decoded struct {
	sync.Mutex
	m map[string]*managedEntry
}

func decodeEntry(r json.RawMessage, stored bool) (*managedEntry, bool) {
	decoded.Lock()
	c, ok := decoded.m[string(r)]
	decoded.Unlock()
	if !ok {
		c, ok = parseOwnEntry(r)
		switch {
		case ok && stored:
			// A stored text is the server's own and never changes: no
			// copy (most of what a status write reads is a pod's
			// kubelet entry written thousands of writes before, long
			// gone from interned's).
			c.raw = r
		case ok:
			c.raw = internEntry(r)
		default:
			c = &managedEntry{}
			if err := json.Unmarshal(r, c); err != nil {
				return nil, false
			}
			m, _ := c.FieldsV1.(map[string]any)
			c.set, c.FieldsV1 = fieldSetOf(m), nil
			// The text kept is the API server's own (a client may have
			// reordered the keys).
			c.raw = c.encode()
		}
		// The key is the interned text when it is r's (never changed,
		// as every stored entry's), else a copy of r, which the caller
		// may change.
		key := textOf(c.raw)
		if !bytes.Equal(c.raw, r) {
			key = string(r)
		}
		decoded.Lock()
		if len(decoded.m) >= 1024 || decoded.m == nil {
			decoded.m = make(map[string]*managedEntry, 1024)
		}
		decoded.m[key] = c
		decoded.Unlock()
	}
	e := *c
	return &e, true
}

// encodeManaged writes the entries in upstream's order: appliers first,
// then by time, manager, API version and subresource. Empty entries go.
func encodeManaged(entries []*managedEntry) []json.RawMessage {
	var keep []*managedEntry
	for _, e := range entries {
		if !e.set.empty() {
			keep = append(keep, e)
		}
	}
	sort.SliceStable(keep, func(i, j int) bool {
		p, q := keep[i], keep[j]
		if p.Operation != q.Operation {
			return p.Operation < q.Operation
		}
		var ps, qs int64
		if p.Time != nil {
			ps = p.Time.Unix()
		}
		if q.Time != nil {
			qs = q.Time.Unix()
		}
		if ps != qs {
			return ps < qs
		}
		if p.Manager != q.Manager {
			return p.Manager < q.Manager
		}
		if p.APIVersion != q.APIVersion {
			return p.APIVersion < q.APIVersion
		}
		return p.Subresource < q.Subresource
	})
	if len(keep) == 0 {
		return nil
	}
	out := make([]json.RawMessage, len(keep))
	for i, e := range keep {
		if e.raw != nil {
			out[i] = e.raw
		} else {
			out[i] = e.encode()
		}
	}
	return out
}

// isResetManagedFields reports a request's managedFields that ask for
// none: an empty list, or one empty entry.
func isResetManagedFields(raw []json.RawMessage) bool {
	if raw == nil {
		return false
	}
	if len(raw) == 0 {
		return true
	}
	return len(raw) == 1 && (string(raw[0]) == "{}" || string(raw[0]) == "null")
}

// strippedFields are never managed (upstream's stripMetaManager).
var strippedFields = func() fieldSet {
	s := fieldSet{}
	for _, p := range []string{"apiVersion", "kind", "metadata", "metadata.name", "metadata.namespace",
		"metadata.creationTimestamp", "metadata.selfLink", "metadata.uid", "metadata.clusterName",
		"metadata.generation", "metadata.managedFields", "metadata.resourceVersion"} {
		var path []string
		for _, f := range strings.Split(p, ".") {
			path = append(path, "f:"+f)
		}
		s.insert(path)
	}
	return s
}()

// objectJSON is an object as generic JSON, numbers kept as written.
func objectJSON(v any) map[string]any {
	data, err := api.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	return decodeJSONObject(data)
}

func decodeJSONObject(data []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || m == nil {
		return map[string]any{}
	}
	return m
}

// scoped is the part of an object a write of subresource sub may own:
// the status for the status subresource, everything else otherwise.
func scoped(obj map[string]any, sub string) map[string]any {
	if sub == "status" {
		if st, ok := obj["status"]; ok {
			return map[string]any{"status": st}
		}
		return map[string]any{}
	}
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "status" {
			out[k] = v
		}
	}
	delete(out, "apiVersion")
	delete(out, "kind")
	if m, ok := out["metadata"].(map[string]any); ok {
		meta := make(map[string]any, len(m))
		for k, v := range m {
			meta[k] = v
		}
		delete(meta, "managedFields")
		out["metadata"] = meta
	}
	return out
}

// SetFieldManager names the field manager of the writes that follow,
// until the returned function restores the previous one. Writes without
// a field manager leave metadata.managedFields as they are.
func (s *Server) SetFieldManager(manager string) (restore func()) {
	prev := s.fieldManager
	s.fieldManager = manager
	return func() { s.fieldManager = prev }
}

// FieldManagerOf is the field manager a request without one writes as:
// its user agent up to the first "/" (prefixFromUserAgent).
func FieldManagerOf(userAgent string) string {
	m, _, _ := strings.Cut(userAgent, "/")
	if len(m) <= 128 && printableASCII(m) {
		return m
	}
	var b strings.Builder
	for _, r := range m {
		if b.Len() >= 128 {
			break
		}
		if unicode.IsPrint(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// printableASCII reports whether s is printable ASCII only (space
// included), which FieldManagerOf keeps as it is.
func printableASCII(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// ValidateFieldManager is ValidateFieldManager of the create, update and
// patch options (kind names which): at most 128 bytes, printable.
func ValidateFieldManager(kind, manager string) error {
	if len(manager) > 128 {
		return newOptionsInvalid(kind, "fieldManager: Too long: may not be more than 128 bytes")
	}
	for i, r := range manager {
		if !unicode.IsPrint(r) {
			return newOptionsInvalid(kind, fmt.Sprintf("fieldManager: Invalid value: %q: invalid character %#U (at position %d)", manager, r, i))
		}
	}
	return nil
}

func newOptionsInvalid(kind, msg string) error {
	return newStatus(http.StatusUnprocessableEntity, "Invalid", fmt.Sprintf("%s.meta.k8s.io \"\" is invalid: %s", kind, msg),
		&api.StatusDetails{Group: "meta.k8s.io", Kind: kind})
}

// zeroJSON is an empty object of resource r, as the field manager takes
// the "before" of a create.
func zeroJSON(r *api.ResourceInfo) map[string]any {
	return objectJSON(r.New())
}

// recordWrite sets the managedFields of obj, which the current field
// manager writes over old (nil on create) through subresource sub: the
// fields the write adds or changes become the manager's (and no longer
// another's), the fields it removes are nobody's.
func (s *Server) recordWrite(r *api.ResourceInfo, old, obj api.Object, sub string) {
	if s.fieldManager == "" || s.applying {
		return
	}
	meta := obj.GetObjectMeta()
	var base []json.RawMessage
	if old != nil {
		base = old.GetObjectMeta().ManagedFields
	}
	decode := decodeStored // base is old's
	if sub == "" {
		switch {
		case isResetManagedFields(meta.ManagedFields):
			base = nil
		case len(meta.ManagedFields) > 0:
			if e := decodeManaged(meta.ManagedFields); len(e) > 0 {
				base, decode = meta.ManagedFields, decodeManaged
			}
		}
	}
	keep := func(f string) bool { return f != "status" && f != "apiVersion" && f != "kind" }
	if sub == "status" {
		keep = func(f string) bool { return f == "status" }
	}
	if old == nil && len(base) == 0 && !noCreatedMemo {
		meta.ManagedFields = s.createdFields(r, obj, sub, keep)
		return
	}
	var c comparison
	if old == nil {
		c = compareObjects(zeroObject(reflect.TypeOf(obj).Elem()), reflect.ValueOf(obj), keep)
	} else {
		c = compareUpdate(reflect.ValueOf(old), reflect.ValueOf(obj), keep, sub)
	}
	changed := c.changed()
	if changed.empty() && c.removed.empty() {
		if old != nil && sameRaw(base, old.GetObjectMeta().ManagedFields) {
			meta.ManagedFields = base
			return
		}
		// Managed fields the request sets are kept, in the order the API
		// server writes them.
		meta.ManagedFields = encodeManaged(decode(base))
		return
	}
	entries := decode(base)
	self := changed.difference(c.removed).difference(strippedFields)
	me := &managedEntry{Manager: s.fieldManager, Operation: OperationUpdate, APIVersion: r.APIVersion(), Subresource: sub}
	// The writer's own entry becomes (its set - changed - removed) ∪
	// self, which is (its set ∪ changed) - removed when no stripped field
	// changed; and that costs less, as most of what a write changes is
	// its writer's already (a kubelet's status writes).
	mine := !self.empty() && !overlaps(changed, strippedFields)
	for _, e := range entries {
		if mine && e.sameID(me) {
			e.setTo(e.set.union(changed).difference(c.removed))
			continue
		}
		e.setTo(e.set.difference(changed).difference(c.removed))
	}
	if !self.empty() {
		found := false
		for _, e := range entries {
			if e.sameID(me) {
				if !mine {
					e.setTo(e.set.union(self))
				}
				e.Time, e.raw, found = api.NewTimePtr(s.Now()), nil, true
			}
		}
		if !found {
			me.set, me.Time = self, api.NewTimePtr(s.Now())
			entries = append(entries, me)
		}
	}
	meta.ManagedFields = encodeManaged(entries)
}

// createdFields is the managed fields of a created object: its writer's
// entry alone, its set what the object sets. The objects a component
// creates come in few shapes (a ReplicaSet's pods, a kubelet's events),
// so the comparison with the zero object first writes what it finds to a
// log, and the set and its fieldsV1 are made once for each log (and
// manager, API version and subresource), then remembered. The log holds
// every path the comparison inserts, so two creates with the same log
// have the same sets.
func (s *Server) createdFields(r *api.ResourceInfo, obj api.Object, sub string, keep func(string) bool) []json.RawMessage {
	t := reflect.TypeOf(obj).Elem()
	kind := createdKind{t: t, sub: sub, manager: s.fieldManager, apiVersion: r.APIVersion()}
	if created.skip(kind) {
		// The creates of this kind have not been alike lately (each pod
		// has its own service account volume's name).
		return s.createdEntry(r, sub, newCreatedMemo(t, obj, keep))
	}
	bp := logBuffers.Get().(*[]byte)
	defer logBuffers.Put(bp)
	b := append((*bp)[:0], t.PkgPath()...)
	b = append(b, '.')
	b = append(b, t.Name()...)
	for _, x := range []string{sub, s.fieldManager, r.APIVersion()} {
		b = append(b, 0)
		b = append(b, x...)
	}
	*bp = append(b, 0)
	compareObjectsTo(comparison{log: bp, zeroLeft: true}, zeroObject(t), reflect.ValueOf(obj), keep)
	m, ok := created.get(kind, *bp)
	if !ok {
		m = newCreatedMemo(t, obj, keep)
		created.put(kind, *bp, m)
	}
	return s.createdEntry(r, sub, m)
}

// newCreatedMemo compares a created object with the zero object of its
// type t.
func newCreatedMemo(t reflect.Type, obj api.Object, keep func(string) bool) *createdMemo {
	m := &createdMemo{}
	c := compareObjects(zeroObject(t), reflect.ValueOf(obj), keep)
	self := c.changed().difference(c.removed).difference(strippedFields)
	if !self.empty() {
		m.set = self
		var fb bytes.Buffer
		self.writeFieldsV1(&fb)
		m.fieldsV1 = fb.Bytes()
	}
	return m
}

// createdEntry is the managed fields of a create whose set m holds.
func (s *Server) createdEntry(r *api.ResourceInfo, sub string, m *createdMemo) []json.RawMessage {
	if m.set == nil {
		return nil
	}
	// The entry's text changes only with its time, written in seconds:
	// the creates of one second share it.
	now := s.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.raw == nil || m.at != now.Unix() {
		me := &managedEntry{Manager: s.fieldManager, Operation: OperationUpdate, APIVersion: r.APIVersion(), Subresource: sub,
			Time: api.NewTimePtr(now), set: m.set, fieldsV1: m.fieldsV1}
		m.raw, m.at = me.encode(), now.Unix()
	}
	return []json.RawMessage{m.raw}
}

// createdKind is who creates what: a create's log starts with it.
type createdKind struct {
	t                        reflect.Type
	sub, manager, apiVersion string
}

// noCreatedMemo turns createdFields off (a test compares with it off).
var noCreatedMemo = false

// createdMemo is what a create's log makes: the writer's set (nil when
// empty) and its fieldsV1.
type createdMemo struct {
	set      fieldSet
	fieldsV1 []byte

	// raw is the entry last written from it, at second at (createdEntry).
	mu  sync.Mutex
	at  int64
	raw json.RawMessage
}

// created holds the recent creates' memos by their log (logMemo).
var created logMemo[createdKind, *createdMemo]

var logBuffers = sync.Pool{New: func() any { return new([]byte) }}

// ApplyOptions are the options of a server-side apply.
type ApplyOptions struct {
	FieldManager string
	Force        bool
	DryRun       bool
}

// Apply is server-side apply (a PATCH of type application/apply-patch+yaml,
// here its JSON): config, a partial object, is merged into the live object
// (created when there is none) and its fields become opts.FieldManager's.
// A field another manager owns with a different value is a conflict,
// refused with 409 unless opts.Force takes it over; a field the manager
// applied before and leaves out now is removed, unless another manager
// owns it too.
func (s *Server) Apply(r *api.ResourceInfo, ns, name string, config []byte, opts ApplyOptions) (api.Object, error) {
	if r.Aggregated {
		return nil, readOnly(r, "patch")
	}
	if opts.FieldManager == "" {
		return nil, newOptionsInvalid("PatchOptions", "fieldManager: Required value: is required for apply patch")
	}
	if err := ValidateFieldManager("PatchOptions", opts.FieldManager); err != nil {
		return nil, err
	}
	defer s.startDryRun(opts.DryRun)()
	cfg := decodeJSONObject(config)
	if len(cfg) == 0 && len(bytes.TrimSpace(config)) > 0 && !bytes.HasPrefix(bytes.TrimSpace(config), []byte("{")) {
		return nil, NewBadRequest("error decoding YAML: the body is not an object")
	}
	if v, _ := cfg["apiVersion"].(string); v != r.APIVersion() {
		return nil, NewBadRequest(fmt.Sprintf("Incorrect version specified in apply patch. Specified patch version: %s, expected: %s", v, r.APIVersion()))
	}
	if k, _ := cfg["kind"].(string); k != r.Kind {
		return nil, NewBadRequest(fmt.Sprintf("unable to decode an apply patch of kind %q as a %s", k, r.Kind))
	}
	meta, _ := cfg["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		cfg["metadata"] = meta
	}
	if _, ok := meta["managedFields"]; ok {
		return nil, NewBadRequest("metadata.managedFields must be nil")
	}
	if n, _ := meta["name"].(string); n != name {
		return nil, NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n, name))
	}
	if r.Namespaced {
		if n, ok := meta["namespace"].(string); ok && n != ns {
			return nil, NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	}
	s.warnDeprecated(r)
	live, err := s.getStored(r.Stored(), ns, name)
	if err != nil && !IsNotFound(err) {
		return nil, served(r, err)
	}
	live = r.FromStorage(live)
	if _, err := s.Decode(r, config); err != nil {
		return nil, err
	}

	var liveJSON map[string]any
	var entries []*managedEntry
	if live == nil {
		liveJSON = zeroJSON(r)
	} else {
		liveJSON = objectJSON(live)
		entries = decodeManaged(live.GetObjectMeta().ManagedFields)
		if len(entries) == 0 {
			// The fields set before the first managed write are a
			// manager's of their own.
			c := compare(scoped(zeroJSON(r), ""), scoped(liveJSON, ""), shapeOf(reflect.TypeOf(live)))
			if set := c.added.union(c.modified).difference(strippedFields); !set.empty() {
				entries = []*managedEntry{{Manager: "before-first-apply", Operation: OperationUpdate, APIVersion: r.APIVersion(), set: set}}
			}
		}
	}
	sh := shapeOf(reflect.TypeOf(r.New()))
	applied := toFieldSet(scoped(cfg, ""), sh).difference(strippedFields)
	merged := mergeApplied(liveJSON, cfg, sh).(map[string]any)

	me := &managedEntry{Manager: opts.FieldManager, Operation: OperationApply, APIVersion: r.APIVersion()}
	var last fieldSet
	others := fieldSet{}
	for _, e := range entries {
		if e.id() == me.id() {
			last = e.set
		} else {
			others = others.union(e.set)
		}
	}
	// Prune what the applier owned and applies no more, if nobody else
	// owns it.
	// Only what ToFieldSet finds in the merged object goes: leaves and
	// list items, never a whole map because its "." was owned.
	for _, p := range last.difference(applied).difference(others).intersection(toFieldSet(merged, sh)).paths() {
		merged = removePath(merged, p, sh).(map[string]any)
	}

	c := compare(scoped(liveJSON, ""), scoped(merged, ""), sh)
	changed := c.modified.union(c.added)
	var conflicts []conflict
	for _, e := range entries {
		if e.id() == me.id() {
			continue
		}
		for _, p := range e.set.intersection(changed).paths() {
			conflicts = append(conflicts, conflict{e, p})
		}
	}
	if len(conflicts) > 0 && !opts.Force && opts.FieldManager == "kubectl" && live != nil {
		conflicts = notLastApplied(conflicts, liveJSON, r, sh)
	}
	if len(conflicts) > 0 && !opts.Force {
		return nil, newApplyConflict(conflicts)
	}
	kept := entries[:0]
	for _, e := range entries {
		if e.id() == me.id() {
			continue
		}
		e.setTo(e.set.difference(changed).difference(c.removed))
		kept = append(kept, e)
	}
	me.set, me.Time = applied, api.NewTimePtr(s.Now())
	entries = append(kept, me)

	if m, ok := merged["metadata"].(map[string]any); ok {
		delete(m, "managedFields")
		if ann, ok := m["annotations"].(map[string]any); ok && opts.FieldManager == "kubectl" && ann[lastAppliedAnnotation] != nil && ann[lastAppliedAnnotation] != "" {
			// kubectl's own applies keep a client-side apply's annotation
			// up to date (upstream's lastAppliedUpdater).
			ann = copyMap(ann)
			ann[lastAppliedAnnotation] = lastAppliedOf(cfg)
			m["annotations"] = ann
		}
	}
	data, err := json.Marshal(merged)
	if err != nil {
		return nil, NewInternal(err)
	}
	obj, err := s.Decode(r, data)
	if err != nil {
		return nil, err
	}
	obj.GetObjectMeta().ManagedFields = encodeManaged(entries)
	if live != nil && sameManagedFields(obj.GetObjectMeta().ManagedFields, live.GetObjectMeta().ManagedFields) {
		// An apply that changes nothing keeps the times, and so is no write.
		obj.GetObjectMeta().ManagedFields = live.GetObjectMeta().ManagedFields
	}
	s.applying = true
	defer func() { s.applying = false }()
	if live == nil {
		return s.Create(r, ns, obj)
	}
	return s.Update(r, obj)
}

// sameManagedFields reports whether two managedFields differ at most in
// their times (upstream's IgnoreManagedFieldsTimestampsTransformer).
func sameManagedFields(a, b []json.RawMessage) bool {
	ea, eb := decodeManaged(a), decodeManaged(b)
	if len(ea) != len(eb) || len(ea) != len(a) || len(eb) != len(b) {
		return false
	}
	for i := range ea {
		x, y := *ea[i], *eb[i]
		var bx, by bytes.Buffer
		x.set.writeFieldsV1(&bx)
		y.set.writeFieldsV1(&by)
		x.Time, y.Time, x.set, y.set, x.raw, y.raw = nil, nil, nil, nil, nil, nil
		if !reflect.DeepEqual(x, y) || !bytes.Equal(bx.Bytes(), by.Bytes()) {
			return false
		}
	}
	return true
}

type conflict struct {
	manager *managedEntry
	path    []string
}

// newApplyConflict is the 409 of an apply that would change fields other
// managers own, in upstream's words.
func newApplyConflict(cs []conflict) *StatusError {
	details := &api.StatusDetails{}
	for _, c := range cs {
		details.Causes = append(details.Causes, api.StatusCause{
			Type: "FieldManagerConflict", Message: "conflict with " + c.manager.describe(), Field: pathString(c.path),
		})
	}
	if len(cs) == 1 {
		return newStatus(http.StatusConflict, "Conflict",
			fmt.Sprintf("Apply failed with 1 conflict: conflict with %s: %s", cs[0].manager.describe(), pathString(cs[0].path)), details)
	}
	byManager := map[string][]string{}
	var ids []string
	names := map[string]string{}
	for _, c := range cs {
		id := c.manager.id()
		if _, ok := byManager[id]; !ok {
			ids = append(ids, id)
			names[id] = c.manager.describe()
		}
		byManager[id] = append(byManager[id], pathString(c.path))
	}
	sort.Strings(ids)
	var lines []string
	for _, id := range ids {
		lines = append(lines, fmt.Sprintf("conflicts with %s:", names[id]))
		for _, p := range byManager[id] {
			lines = append(lines, "- "+p)
		}
	}
	return newStatus(http.StatusConflict, "Conflict", fmt.Sprintf("Apply failed with %d conflicts: %s", len(cs), strings.Join(lines, "\n")), details)
}

const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// notLastApplied drops the conflicts kubectl may take over when it moves
// an object from client-side to server-side apply (upstream's
// lastAppliedManager): fields of the last-applied-configuration annotation
// that still have the value it gives them.
func notLastApplied(cs []conflict, live map[string]any, r *api.ResourceInfo, sh shape) []conflict {
	meta, _ := live["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	text, _ := ann[lastAppliedAnnotation].(string)
	if text == "" {
		return cs
	}
	last := decodeJSONObject([]byte(text))
	if v, _ := last["apiVersion"].(string); v != r.APIVersion() {
		return cs
	}
	c := compare(last, live, sh)
	allowed := toFieldSet(last, sh).difference(c.modified).difference(c.added).difference(c.removed)
	var out []conflict
	for _, x := range cs {
		if !allowed.has(x.path) {
			out = append(out, x)
		}
	}
	return out
}

// lastAppliedOf is the applied configuration as the annotation holds it:
// compact JSON, without the annotation itself.
func lastAppliedOf(cfg map[string]any) string {
	c := copyMap(cfg)
	if m, ok := c["metadata"].(map[string]any); ok {
		m = copyMap(m)
		if ann, ok := m["annotations"].(map[string]any); ok {
			ann = copyMap(ann)
			delete(ann, lastAppliedAnnotation)
			m["annotations"] = ann
		}
		c["metadata"] = m
	}
	return compactJSON(c) + "\n"
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sameRaw reports whether two managedFields are the same bytes.
func sameRaw(a, b []json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// encode writes the entry as JSON, in metav1.ManagedFieldsEntry's order.
func (e *managedEntry) encode() json.RawMessage {
	b := encodeBuffers.Get().(*bytes.Buffer)
	defer encodeBuffers.Put(b)
	b.Reset()
	b.WriteByte('{')
	sep := ""
	str := func(name, v string) {
		if v != "" {
			b.WriteString(sep + `"` + name + `":`)
			writeJSONString(b, v)
			sep = ","
		}
	}
	str("manager", e.Manager)
	str("operation", e.Operation)
	str("apiVersion", e.APIVersion)
	if e.Time != nil {
		str("time", e.Time.UTC().Format(time.RFC3339))
	}
	str("fieldsType", "FieldsV1")
	b.WriteString(sep + `"fieldsV1":`)
	if e.fieldsV1 != nil {
		b.Write(e.fieldsV1)
	} else {
		e.set.writeFieldsV1(b)
	}
	str("subresource", e.Subresource)
	b.WriteByte('}')
	return internEntry(b.Bytes()) // a copy, or the interned one
}

// encodeBuffers are encode's scratch buffers: internEntry keeps a copy.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// interned holds recent encoded entries, so that the many objects with
// the same managers (a ReplicaSet's pods) share one copy of each.
var interned struct {
	sync.Mutex
	m map[string]json.RawMessage
}

func internEntry(b []byte) json.RawMessage {
	interned.Lock()
	defer interned.Unlock()
	if out, ok := interned.m[string(b)]; ok {
		return out
	}
	if len(interned.m) >= 1024 || interned.m == nil {
		interned.m = make(map[string]json.RawMessage, 1024)
	}
	out := json.RawMessage(bytes.Clone(b))
	interned.m[textOf(out)] = out
	return out
}

// textOf is an interned entry's text as a string, sharing its bytes:
// interned entries are never changed (stored objects share them), and a
// key made with string(b) would be a second copy of each.
func textOf(b json.RawMessage) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// LastAppliedPath is the path of the last-applied-configuration annotation
// in a field set, as kubectl looks for its owners.
var lastAppliedPath = []string{"f:metadata", "f:annotations", "f:" + lastAppliedAnnotation}

// LastAppliedOwners are the managers whose entries of operation op own
// the last-applied-configuration annotation (client-go's
// csaupgrade.FindFieldsOwners, as kubectl apply calls it).
func LastAppliedOwners(raw []json.RawMessage, op string) []string {
	var out []string
	for _, e := range decodeManaged(raw) {
		if e.Operation == op && e.set.has(lastAppliedPath) {
			out = append(out, e.Manager)
		}
	}
	return out
}

// UpgradeManagedFields moves what client-side apply's managers own to the
// server-side applier ssa, as kubectl does after its first server-side
// apply of an object it applied client-side (client-go's csaupgrade):
// each one's Update entry is merged into ssa's Apply entry, or becomes it.
// It reports whether anything changed.
func UpgradeManagedFields(raw []json.RawMessage, csa []string, ssa string) ([]json.RawMessage, bool) {
	entries := decodeManaged(raw)
	changed := false
	for _, name := range csa {
		target := -1
		for i, e := range entries {
			if e.Manager == ssa && e.Operation == OperationApply && e.Subresource == "" {
				target = i
				break
			}
		}
		if target < 0 {
			for i, e := range entries {
				if e.Manager == name && e.Operation == OperationUpdate && e.Subresource == "" {
					target = i
					break
				}
			}
			if target < 0 {
				continue
			}
			entries[target].Manager, entries[target].Operation, entries[target].raw = ssa, OperationApply, nil
		}
		for _, e := range entries {
			if e.Manager == name && e.Operation == OperationUpdate && e.Subresource == "" && e.APIVersion == entries[target].APIVersion {
				entries[target].setTo(entries[target].set.union(e.set))
				break
			}
		}
		kept := entries[:0]
		for _, e := range entries {
			if !(e.Manager == name && e.Operation == OperationUpdate && e.Subresource == "") {
				kept = append(kept, e)
			}
		}
		entries = kept
		changed = true
	}
	if !changed {
		return raw, false
	}
	out := make([]json.RawMessage, len(entries))
	for i, e := range entries {
		out[i] = e.encode()
	}
	return out, true
}
