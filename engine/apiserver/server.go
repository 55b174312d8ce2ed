// Package apiserver is the cluster's kube-apiserver: the only way into the
// store. It decodes, defaults, validates and admits requests, keeps status
// and spec apart, handles graceful deletion and finalizers, and fans watch
// events out to every client, in the API server's own words.
//
// Requests have the REST shape of Kubernetes (resource, namespace, name,
// subresource, verb), so an HTTP front for real clients is a thin layer.
package apiserver

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/store"
)

// Version is the Kubernetes version the cluster reports.
const Version = "v1.37.2"

// Server serves the Kubernetes API over the store.
type Server struct {
	loop  *loop.Loop
	store *store.Store
	rand  *rand.Rand

	kubelets map[string]KubeletConn
	// apiServices serve the aggregated groups (aggregated.go).
	apiServices map[string]APIService
	ipam        *ipam

	// observers see every committed change; the page draws from them.
	observers []func(store.Event)

	warnings []string // warnings of the current request
	dryRun   bool     // the current request is a dry run (dryrun.go)

	// fieldManager names the writer of the current request, applying
	// marks a server-side apply and subresource the subresource written
	// through (managedfields.go).
	fieldManager string
	applying     bool
	subresource  string

	lastEventNanos int64 // EventNanos
}

// New returns an API server over an empty store, with the namespaces and
// objects a fresh kube-apiserver creates for itself.
func New(l *loop.Loop, rng *rand.Rand) *Server {
	return NewWithStore(l, rng, store.New())
}

// NewWithStore returns an API server over a store that may already hold a
// cluster (restored from disk): it takes back the addresses its Services
// hold and creates only the bootstrap objects that are missing.
func NewWithStore(l *loop.Loop, rng *rand.Rand, st *store.Store) *Server {
	s := &Server{
		loop:     l,
		store:    st,
		rand:     rng,
		kubelets: map[string]KubeletConn{},
		ipam:     newIPAM(),
	}
	st.AddIndex(podsByNode, func(o api.Object) (string, bool) {
		if p, ok := o.(*api.Pod); ok {
			return p.Spec.NodeName, true
		}
		return "", false
	})
	kvs, _ := st.List(prefix(resourceOf("services"), ""))
	for _, kv := range kvs {
		s.ipam.reserve(kv.Value.(*api.Service))
	}
	s.bootstrap()
	s.RegisterAPIService("", serverAPIs{s})
	s.RegisterAPIService(api.RegistrationGroup, serverAPIs{s})
	return s
}

// Now returns the virtual time.
func (s *Server) Now() time.Time { return s.loop.Now() }

// Loop returns the event loop the server runs on.
func (s *Server) Loop() *loop.Loop { return s.loop }

// Store returns the underlying store, for persistence and invariant checks.
func (s *Server) Store() *store.Store { return s.store }

func (s *Server) bootstrap() {
	defer s.SetFieldManager("kube-apiserver")()
	for _, ns := range []string{"default", "kube-node-lease", "kube-public", "kube-system"} {
		_, err := s.Create(resourceOf("namespaces"), "", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: ns}})
		if err != nil && !IsAlreadyExists(err) {
			panic(err)
		}
	}
	for _, pc := range systemPriorityClasses() {
		if _, err := s.Create(resourceOf("priorityclasses"), "", pc); err != nil && !IsAlreadyExists(err) {
			panic(err)
		}
	}
	if _, err := s.Get(resourceOf("services"), "default", "kubernetes"); err == nil {
		return
	}
	svc := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: api.ServiceSpec{
			ClusterIP: s.ipam.serviceCIDRFirst(),
			Ports:     []api.ServicePort{{Name: "https", Port: 443, TargetPort: api.FromInt(6443)}},
		},
	}
	if _, err := s.Create(resourceOf("services"), "default", svc); err != nil {
		panic(err)
	}
}

func resourceOf(name string) *api.ResourceInfo {
	r, ok := api.LookupResource(name)
	if !ok {
		panic("apiserver: unknown resource " + name)
	}
	return r
}

// Key returns the store key of an object.
func Key(r *api.ResourceInfo, ns, name string) string {
	if !r.Namespaced {
		return "/registry/" + r.GroupResource() + "/" + name
	}
	return "/registry/" + r.GroupResource() + "/" + ns + "/" + name
}

func prefix(r *api.ResourceInfo, ns string) string {
	if !r.Namespaced || ns == "" {
		return "/registry/" + r.GroupResource() + "/"
	}
	return "/registry/" + r.GroupResource() + "/" + ns + "/"
}

// Observe registers f to see every committed change, in order.
func (s *Server) Observe(f func(store.Event)) {
	if len(s.observers) == 0 {
		_, _ = s.store.Watch("/registry/", s.store.Revision(), func(ev store.Event) {
			for _, o := range s.observers {
				o(ev)
			}
		})
	}
	s.observers = append(s.observers, f)
}

// getStored, listStored, createStored and the like serve the stored
// version of a resource; their exported forms in versions.go convert.
func (s *Server) getStored(r *api.ResourceInfo, ns, name string) (api.Object, error) {
	kv, ok := s.store.Get(Key(r, ns, name))
	if !ok {
		return nil, NewNotFound(r, name)
	}
	return kv.Value, nil
}

// ListOptions narrow a list or watch.
type ListOptions struct {
	LabelSelector   string
	FieldSelector   string
	ResourceVersion string
	// AllowWatchBookmarks asks a watch for BOOKMARK events: an object of
	// the kind carrying only the current resourceVersion, so a client can
	// resume from there after a break.
	AllowWatchBookmarks bool
	// Aside makes a watch an observer's (the page's cluster view): its
	// deliveries are aside tasks of the loop (loop.PostAside), which are
	// not counted among the cluster's events, as a replay has no such
	// watch. Not a Kubernetes option: the HTTP API never sets it.
	Aside bool
}

// List is the result of a list: shared objects and the revision read.
type List struct {
	Items           []api.Object
	ResourceVersion string
}

func (s *Server) listStored(r *api.ResourceInfo, ns string, opts ListOptions) (*List, error) {
	m, err := newMatcher(r, opts)
	if err != nil {
		return nil, err
	}
	kvs, rev := s.store.List(prefix(r, ns))
	out := &List{ResourceVersion: strconv.FormatInt(rev, 10)}
	for _, kv := range kvs {
		if m.matches(kv.Value) {
			out.Items = append(out.Items, kv.Value)
		}
	}
	return out, nil
}

func (s *Server) createStored(r *api.ResourceInfo, ns string, obj api.Object, owned bool) (api.Object, error) {
	if !owned {
		obj = api.Clone(obj)
	}
	meta := obj.GetObjectMeta()
	if err := s.checkNamespace(r, ns, meta); err != nil {
		return nil, err
	}
	generated := meta.Name == "" && meta.GenerateName != ""
	if generated {
		meta.Name = s.generateName(meta.GenerateName)
	}
	// The server sets uid and creationTimestamp; a strategy may draw the
	// uid early (a Job's generated selector names it), and validation tells
	// a create from an update by the missing timestamp.
	meta.UID, meta.CreationTimestamp = "", api.Time{}
	rv := meta.ResourceVersion
	st := strategyFor(r)
	st.prepareCreate(s, obj)
	// The field manager records what the request set, defaults included,
	// before the mutating admission plugins add their part (a pod's
	// service account volume, its tolerations, its priority), as
	// kube-apiserver's create handler runs it: those fields have no
	// manager.
	s.recordWrite(r, nil, obj, "")
	if err := s.admitCreate(r, obj); err != nil {
		return nil, err
	}
	if errs := append(validateMeta(r, meta), st.validate(s, obj)...); len(errs) > 0 {
		return nil, NewInvalid(r, meta.Name, errs)
	}
	if st.warnings != nil {
		s.warnings = append(s.warnings, st.warnings(obj)...)
	}
	if svc, ok := obj.(*api.Service); ok {
		if errs := s.ipam.allocate(s.rand, svc); len(errs) > 0 {
			return nil, NewInvalid(r, meta.Name, errs)
		}
	}
	s.stampNew(r, meta)
	api.SetTypeMeta(obj)
	if s.dryRun {
		return s.dryRunCreate(r, obj)
	}
	if rv != "" && rvSet(rv) {
		// etcd3's store refuses it, after admission and validation, with
		// an error that is not an API status: a 500 without a reason.
		if svc, ok := obj.(*api.Service); ok {
			s.ipam.release(svc)
		}
		return nil, newStatus(http.StatusInternalServerError, "", "resourceVersion should not be set on objects to be created", nil)
	}
	s.noteUnsimulated(obj)
	kv, err := s.store.Create(Key(r, meta.Namespace, meta.Name), obj)
	// A generated name that is taken is drawn again, up to 8 attempts in
	// all, as kube-apiserver does since RetryGenerateName (GA in 1.32).
	for attempt := 1; generated && errors.Is(err, store.ErrExists) && attempt < maxNameGenerationCreateAttempts; attempt++ {
		meta.Name = s.generateName(meta.GenerateName)
		kv, err = s.store.Create(Key(r, meta.Namespace, meta.Name), obj)
	}
	if errors.Is(err, store.ErrExists) {
		if svc, ok := obj.(*api.Service); ok {
			s.ipam.release(svc)
		}
		return nil, NewAlreadyExists(r, meta.Name)
	}
	if err != nil {
		return nil, NewInternal(err)
	}
	return kv.Value, nil
}

// rvSet reports a create's resourceVersion that etcd3's store refuses: a
// number other than 0.
func rvSet(rv string) bool {
	v, err := strconv.ParseUint(rv, 10, 64)
	return err == nil && v != 0
}

// maxNameGenerationCreateAttempts is how many names a create with
// generateName tries (k8s.io/apiserver's registry store).
const maxNameGenerationCreateAttempts = 8

func (s *Server) checkNamespace(r *api.ResourceInfo, ns string, meta *api.ObjectMeta) error {
	if !r.Namespaced {
		meta.Namespace = ""
		return nil
	}
	if meta.Namespace == "" {
		meta.Namespace = ns
	}
	if ns != "" && meta.Namespace != ns {
		return NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if meta.Namespace == "" {
		return NewBadRequest("an empty namespace may not be set during creation")
	}
	return nil
}

// admitCreate plays the admission plugins that run before validation, in
// kube-apiserver's order: NamespaceLifecycle refuses objects in missing or
// terminating namespaces, then the pod plugins (admission.go) run.
func (s *Server) admitCreate(r *api.ResourceInfo, obj api.Object) error {
	meta := obj.GetObjectMeta()
	if !r.Namespaced {
		return s.admitPriorityClass(obj)
	}
	nsObj, err := s.Get(resourceOf("namespaces"), "", meta.Namespace)
	if err != nil {
		return NewNotFound(resourceOf("namespaces"), meta.Namespace)
	}
	if nsObj.GetObjectMeta().DeletionTimestamp != nil {
		err := NewForbidden(r, meta.Name, fmt.Errorf("unable to create new content in namespace %s because it is being terminated", meta.Namespace))
		err.Status.Details.Causes = append(err.Status.Details.Causes, api.StatusCause{
			Type: NamespaceTerminatingCause, Message: fmt.Sprintf("namespace %s is being terminated", meta.Namespace), Field: "metadata.namespace",
		})
		return err
	}
	if p, ok := obj.(*api.Pod); ok {
		return s.admitPod(r, p)
	}
	return nil
}

// generational kinds count changes of their spec in metadata.generation,
// as their registry strategies do; other kinds leave it unset.
var generational = map[string]bool{
	"Pod": true, "ReplicationController": true, "Deployment.apps": true, "ReplicaSet.apps": true,
	"DaemonSet.apps": true, "StatefulSet.apps": true, "Job.batch": true, "CronJob.batch": true,
	"HorizontalPodAutoscaler.autoscaling": true, "PodDisruptionBudget.policy": true,
	"Ingress.networking.k8s.io": true, "IngressClass.networking.k8s.io": true, "EndpointSlice.discovery.k8s.io": true,
	"NetworkPolicy.networking.k8s.io": true,
}

func (s *Server) stampNew(r *api.ResourceInfo, meta *api.ObjectMeta) {
	if meta.UID == "" {
		meta.UID = s.newUID()
	}
	meta.CreationTimestamp = api.NewTime(s.Now())
	meta.Generation = 0
	if generational[r.GroupKind()] {
		meta.Generation = 1
	}
	meta.DeletionTimestamp = nil
	meta.DeletionGracePeriodSeconds = nil
	meta.ResourceVersion = ""
	meta.SelfLink = ""
}

// newUID returns a random (version 4) UUID from the seeded source.
func (s *Server) newUID() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(s.rand.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// EventNanos returns the nanoseconds a component's event is named after
// (client-go names an event "<object>.<hex nanoseconds>"): t's, or one
// more than the last it returned when t is not later. Under a wall clock
// two events about one object are hardly ever named in the same
// nanosecond; under virtual time many are (the scheduler's Scheduled and
// the kubelet's Pulled, Created and Started about a pod at one instant),
// and upstream's recorder drops an event whose name is taken.
func (s *Server) EventNanos(t time.Time) int64 {
	n := max(t.UnixNano(), s.lastEventNanos+1)
	s.lastEventNanos = n
	return n
}

// Name suffixes use the alphabet of k8s.io/apimachinery/pkg/util/rand: no
// vowels, no confusable characters.
const suffixAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// RandomSuffix returns n characters for a generated name.
func (s *Server) RandomSuffix(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = suffixAlphabet[s.rand.IntN(len(suffixAlphabet))]
	}
	return string(b)
}

func (s *Server) generateName(base string) string {
	const maxGeneratedNameLength = 63 - 5
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	return base + s.RandomSuffix(5)
}

func (s *Server) update(r *api.ResourceInfo, obj api.Object, status bool) (api.Object, error) {
	if !status {
		// A status write reads only obj's metadata and copies its status
		// (withStatusOf): the rest is not copied.
		obj = api.Clone(obj)
	}
	meta := obj.GetObjectMeta()
	if r.Namespaced && meta.Namespace == "" {
		return nil, NewBadRequest("the namespace of the object must be set")
	}
	key := Key(r, meta.Namespace, meta.Name)
	cur, ok := s.store.Get(key)
	if !ok {
		return nil, NewNotFound(r, meta.Name)
	}
	if meta.ResourceVersion != "" && meta.ResourceVersion != cur.Value.GetObjectMeta().ResourceVersion {
		return nil, NewConflict(r, meta.Name, errModified)
	}
	old := cur.Value
	if status {
		obj = withStatusOf(old, obj)
	} else {
		if errs := s.prepareUpdate(r, obj, old); len(errs) > 0 {
			return nil, NewInvalid(r, meta.Name, errs)
		}
	}
	sub := s.subresource
	if status {
		sub = "status"
	}
	s.recordWrite(r, old, obj, sub)
	if reflect.DeepEqual(obj, old) {
		return old, nil
	}
	if svc, ok := obj.(*api.Service); ok && !status {
		commit, undo, errs := s.ipam.update(s.rand, svc, old.(*api.Service))
		if len(errs) > 0 {
			return nil, NewInvalid(r, meta.Name, errs)
		}
		out, err := s.commitUpdate(r, key, obj, cur.ModRevision)
		if err != nil || s.dryRun {
			undo()
		} else {
			commit()
		}
		return out, err
	}
	return s.commitUpdate(r, key, obj, cur.ModRevision)
}

// prepareUpdate carries over what a client may not change and validates.
func (s *Server) prepareUpdate(r *api.ResourceInfo, obj, old api.Object) []FieldError {
	meta, oldMeta := obj.GetObjectMeta(), old.GetObjectMeta()
	meta.UID = oldMeta.UID
	meta.CreationTimestamp = oldMeta.CreationTimestamp
	meta.DeletionTimestamp = oldMeta.DeletionTimestamp
	meta.DeletionGracePeriodSeconds = oldMeta.DeletionGracePeriodSeconds
	meta.Generation = oldMeta.Generation
	meta.ResourceVersion = oldMeta.ResourceVersion
	copyField(obj, old, "Status")
	st := strategyFor(r)
	if s.subresource == ephemeralContainersSub {
		st = ephemeralContainersStrategy
	}
	st.prepareUpdate(s, obj, old)
	if generational[r.GroupKind()] && !reflect.DeepEqual(fieldOf(obj, "Spec"), fieldOf(old, "Spec")) {
		meta.Generation++
	}
	api.SetTypeMeta(obj)
	errs := validateMeta(r, meta)
	errs = append(errs, st.validate(s, obj)...)
	errs = append(errs, st.validateUpdate(obj, old)...)
	if len(errs) == 0 && st.warnings != nil {
		s.warnings = append(s.warnings, st.warnings(obj)...)
	}
	return errs
}

func (s *Server) commitUpdate(r *api.ResourceInfo, key string, obj api.Object, rev int64) (api.Object, error) {
	meta := obj.GetObjectMeta()
	if meta.DeletionTimestamp != nil && !hasFinalizers(obj) && s.readyToDelete(r, obj) {
		return s.storeDelete(r, key, rev, meta.Name)
	}
	if s.dryRun {
		return obj, nil
	}
	kv, err := s.store.Update(key, obj, rev)
	if errors.Is(err, store.ErrConflict) {
		return nil, NewConflict(r, meta.Name, errModified)
	}
	if err != nil {
		return nil, NewInternal(err)
	}
	return kv.Value, nil
}

// readyToDelete reports whether an object whose finalizers are gone may
// leave the store: a pod still running on a node waits for its kubelet.
func (s *Server) readyToDelete(r *api.ResourceInfo, obj api.Object) bool {
	if p, ok := obj.(*api.Pod); ok {
		return !podNeedsKubelet(p) || api.Deref(p.DeletionGracePeriodSeconds, 0) == 0
	}
	return true
}

// withStatusOf returns old with a copy of the status of obj. Stored
// objects are never changed in place (readers share them, and clone what
// they change), so the new revision shares everything but its status with
// the old one: a shallow copy of old, whose metadata the write then sets
// field by field, and a deep copy of obj's status, which the client may go
// on changing.
func withStatusOf(old, obj api.Object) api.Object {
	if o, ok := old.(*api.Pod); ok {
		// The kubelets' status writes, without reflection.
		if p, ok := obj.(*api.Pod); ok {
			out := *o
			out.Status = *p.Status.DeepCopy()
			return &out
		}
	}
	ov := reflect.ValueOf(old).Elem()
	outPtr := reflect.New(ov.Type())
	outPtr.Elem().Set(ov)
	out := outPtr.Interface().(api.Object)
	d := outPtr.Elem().FieldByName("Status")
	if !d.IsValid() {
		return out
	}
	src := reflect.ValueOf(obj).Elem().FieldByName("Status")
	if cp := src.Addr().MethodByName("DeepCopy"); cp.IsValid() && cp.Type().NumIn() == 0 && cp.Type().NumOut() == 1 && cp.Type().Out(0) == src.Addr().Type() {
		d.Set(cp.Call(nil)[0].Elem())
		return out
	}
	copyField(out, api.Clone(obj), "Status")
	return out
}

func fieldOf(obj api.Object, name string) any {
	f := reflect.ValueOf(obj).Elem().FieldByName(name)
	if !f.IsValid() {
		return nil
	}
	return f.Interface()
}

func copyField(dst, src api.Object, name string) {
	d := reflect.ValueOf(dst).Elem().FieldByName(name)
	if d.IsValid() {
		d.Set(reflect.ValueOf(src).Elem().FieldByName(name))
	}
}

// Decode reads a request body (JSON) into an object of resource r,
// strictly, failing with the API server's BadRequest wording.
func (s *Server) Decode(r *api.ResourceInfo, body []byte) (api.Object, error) {
	obj, err := api.DecodeInto(r, body)
	if err != nil {
		return nil, NewBadRequest(err.Error())
	}
	return obj, nil
}
