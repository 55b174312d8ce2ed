// Package controller holds what kube-controller-manager's controllers share:
// owner references, pods made from templates, expectations and pod health.
// Each controller lives in its own package below and works the way
// controller-runtime's do: a queue of keys and a Reconcile(key) that reads
// current state and moves it one step toward the desired state.
package controller

import (
	"encoding/binary"
	"hash/fnv"
	"maps"
	"reflect"
	"strconv"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Controller is one control loop of the controller manager.
type Controller interface {
	Start() error
}

// ControllerRef returns the owner reference that controls obj, if any.
func ControllerRef(obj api.Object) *api.OwnerReference {
	for i, r := range obj.GetObjectMeta().OwnerReferences {
		if api.Deref(r.Controller, false) {
			return &obj.GetObjectMeta().OwnerReferences[i]
		}
	}
	return nil
}

// NewControllerRef returns an owner reference marking owner as obj's controller.
func NewControllerRef(owner api.Object) api.OwnerReference {
	r := api.ResourceFor(owner)
	m := owner.GetObjectMeta()
	return api.OwnerReference{
		APIVersion: r.APIVersion(), Kind: r.Kind, Name: m.Name, UID: m.UID,
		Controller: api.Ptr(true), BlockOwnerDeletion: api.Ptr(true),
	}
}

// Adopt makes owner the controller of an orphan.
func Adopt[T api.Object](c *client.Client, obj T, owner api.Object) (T, error) {
	upd := api.Clone(obj)
	m := upd.GetObjectMeta()
	m.OwnerReferences = append(m.OwnerReferences, NewControllerRef(owner))
	return client.Update(c, upd)
}

// PodFromTemplate returns a new pod for owner from a pod template.
func PodFromTemplate(tmpl *api.PodTemplateSpec, owner api.Object, generateName string) *api.Pod {
	t := api.Clone(tmpl)
	p := &api.Pod{
		ObjectMeta: api.ObjectMeta{
			GenerateName:    generateName,
			Namespace:       owner.GetObjectMeta().Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []api.OwnerReference{NewControllerRef(owner)},
		},
		Spec: t.Spec,
	}
	return p
}

// SafeEncode respells s with an alphabet of consonants and digits that
// cannot spell words, as apimachinery's rand.SafeEncodeString does for the
// hashes in pod-template-hash labels and ControllerRevision names.
func SafeEncode(s string) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := []byte(s)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// ComputeHash is kube-controller-manager's controller.ComputeHash: FNV-32a
// of the template as it prints for hashing (api.AppendForHash) and of the
// collision count, if any, spelled with the safe alphabet. It names a
// Deployment's ReplicaSets (pod-template-hash) and a DaemonSet's
// ControllerRevisions (controller-revision-hash).
func ComputeHash(t *api.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	h.Write(api.AppendForHash(nil, t))
	if collisionCount != nil {
		var b [8]byte
		binary.LittleEndian.PutUint32(b[:], uint32(*collisionCount))
		h.Write(b[:])
	}
	return SafeEncode(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// AddOrReplace returns list with item put in place of every element same
// says it replaces, or appended if there is none, as core/v1's helpers
// add or update a taint or a toleration; it reports whether anything
// changed (an equal element stays as it is).
func AddOrReplace[T any](list []T, item T, same func(have, item T) bool) ([]T, bool) {
	out := make([]T, 0, len(list)+1)
	replaced := false
	for _, have := range list {
		if !same(have, item) {
			out = append(out, have)
			continue
		}
		if reflect.DeepEqual(have, item) {
			return list, false
		}
		out = append(out, item)
		replaced = true
	}
	if !replaced {
		out = append(out, item)
	}
	return out, true
}

// IsPodActive reports whether a pod is neither finished nor being deleted.
func IsPodActive(p *api.Pod) bool {
	return p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed && p.DeletionTimestamp == nil
}

// PodCondition returns the pod's condition of the given type, if present.
func PodCondition(p *api.Pod, t string) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// LabelsEqual is reflect.DeepEqual of two label maps (a nil map is not an
// empty one) without its copies of each value: the controllers compare a
// pod's labels at each of its updates.
func LabelsEqual(a, b map[string]string) bool {
	return (a == nil) == (b == nil) && maps.Equal(a, b)
}

// IsPodReady reports whether the pod's Ready condition is True.
func IsPodReady(p *api.Pod) bool {
	c := PodCondition(p, api.PodReady)
	return c != nil && c.Status == api.ConditionTrue
}

// IsPodAvailable reports whether the pod has been ready for minReadySeconds.
func IsPodAvailable(p *api.Pod, minReadySeconds int32, now time.Time) bool {
	c := PodCondition(p, api.PodReady)
	if c == nil || c.Status != api.ConditionTrue {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	return !c.LastTransitionTime.IsZero() && !c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).After(now)
}

// Expectations remember the creations and deletions a controller has asked
// for and not yet seen in its informer, so that it does not act twice on a
// stale cache (as kube-controller-manager's ControllerExpectations).
type Expectations struct {
	m map[string]*expectation
}

type expectation struct {
	add, del int
	at       time.Time
	// deleting, when set, names the objects whose deletions are expected
	// (UIDTrackingControllerExpectations): each counts once, however
	// often its deletion is seen.
	deleting map[string]bool
}

// expectationsTTL is how long unmet expectations are trusted.
const expectationsTTL = 5 * time.Minute

// NewExpectations returns empty expectations.
func NewExpectations() *Expectations { return &Expectations{m: map[string]*expectation{}} }

// Expect records that key will see add creations and del deletions.
func (e *Expectations) Expect(key string, add, del int, now time.Time) {
	e.m[key] = &expectation{add: add, del: del, at: now}
}

// ExpectDeletionsOf records that key will see add creations and the
// deletions of the named objects.
func (e *Expectations) ExpectDeletionsOf(key string, add int, names []string, now time.Time) {
	x := &expectation{add: add, del: len(names), at: now, deleting: map[string]bool{}}
	for _, n := range names {
		x.deleting[n] = true
	}
	e.m[key] = x
}

// DeletedObject records that the named object's deletion was seen; with
// ExpectDeletionsOf it counts only for an expected object, and only once.
func (e *Expectations) DeletedObject(key, name string) {
	x, ok := e.m[key]
	if !ok {
		return
	}
	if x.deleting != nil {
		if !x.deleting[name] {
			return
		}
		delete(x.deleting, name)
	}
	x.del--
}

// Created records one observed creation for key.
func (e *Expectations) Created(key string) {
	if x, ok := e.m[key]; ok {
		x.add--
	}
}

// Deleted records one observed deletion for key.
func (e *Expectations) Deleted(key string) {
	if x, ok := e.m[key]; ok {
		x.del--
	}
}

// Satisfied reports whether key's expectations are met or expired.
func (e *Expectations) Satisfied(key string, now time.Time) bool {
	x, ok := e.m[key]
	if !ok {
		return true
	}
	return x.add <= 0 && x.del <= 0 || now.Sub(x.at) > expectationsTTL
}

// Forget drops key's expectations.
func (e *Expectations) Forget(key string) { delete(e.m, key) }
