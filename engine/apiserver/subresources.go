package apiserver

import (
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// Patch applies a patch to an object, as a PATCH request does: the patch
// applies to the stored object's JSON, the result is decoded strictly and
// written as an update. With dryRun nothing is stored.
func (s *Server) Patch(r *api.ResourceInfo, ns, name string, pt patch.Type, data []byte, dryRun bool) (api.Object, error) {
	if r.Aggregated {
		return nil, readOnly(r, "patch")
	}
	defer s.startDryRun(dryRun)()
	obj, err := s.patched(r, ns, name, pt, data)
	if err != nil {
		return nil, err
	}
	return s.Update(r, obj)
}

// PatchStatus applies a patch through the status subresource: of the
// patched object, only the status is written.
func (s *Server) PatchStatus(r *api.ResourceInfo, ns, name string, pt patch.Type, data []byte) (api.Object, error) {
	if r.Aggregated {
		return nil, readOnly(r, "patch")
	}
	obj, err := s.patched(r, ns, name, pt, data)
	if err != nil {
		return nil, err
	}
	return s.UpdateStatus(r, obj)
}

// patched returns the stored object with a patch applied, decoded.
func (s *Server) patched(r *api.ResourceInfo, ns, name string, pt patch.Type, data []byte) (api.Object, error) {
	cur, err := s.Get(r, ns, name)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(cur)
	if err != nil {
		return nil, NewInternal(err)
	}
	patched, err := applyPatch(pt, doc, data, reflect.TypeOf(r.New()).Elem())
	if err != nil {
		return nil, err
	}
	return s.Decode(r, patched)
}

// patchObject applies a patch to the JSON of cur, a pointer to a
// struct of the API.
func patchObject(cur any, pt patch.Type, data []byte) ([]byte, error) {
	doc, err := json.Marshal(cur)
	if err != nil {
		return nil, NewInternal(err)
	}
	return applyPatch(pt, doc, data, reflect.TypeOf(cur).Elem())
}

// applyPatch applies a patch, failing in the API server's words: a patch
// that cannot be read is a bad request, a JSON patch whose operations do
// not apply is unprocessable.
func applyPatch(pt patch.Type, doc, data []byte, t reflect.Type) ([]byte, error) {
	if pt == patch.JSON {
		if _, err := patch.DecodeJSON(data); err != nil {
			return nil, NewBadRequest(err.Error())
		}
		out, err := patch.ApplyJSON(doc, data)
		if err != nil {
			return nil, newStatus(http.StatusUnprocessableEntity, "Invalid", "the server rejected our request due to an error in our request", &api.StatusDetails{})
		}
		return out, nil
	}
	out, err := patch.Apply(pt, doc, data, t)
	if err != nil {
		return nil, NewBadRequest(err.Error())
	}
	return out, nil
}

// The scale subresource (autoscaling/v1 Scale) of the kinds that have one.
var scalable = map[string]bool{"Deployment.apps": true, "ReplicaSet.apps": true, "StatefulSet.apps": true, "ReplicationController": true}

// HasScale reports whether a resource has the scale subresource.
func HasScale(r *api.ResourceInfo) bool { return scalable[r.GroupKind()] }

// errNoScale is the 404 of a kind without a scale subresource.
func errNoScale() error {
	return newStatus(http.StatusNotFound, "NotFound", "the server could not find the requested resource", &api.StatusDetails{})
}

// GetScale returns an object's scale subresource.
func (s *Server) GetScale(r *api.ResourceInfo, ns, name string) (*api.Scale, error) {
	if !scalable[r.GroupKind()] {
		return nil, errNoScale()
	}
	obj, err := s.Get(r, ns, name)
	if err != nil {
		return nil, err
	}
	return scaleOf(obj), nil
}

// UpdateScale sets an object's replicas through its scale subresource; a
// resourceVersion in sc must match the object's.
func (s *Server) UpdateScale(r *api.ResourceInfo, ns, name string, sc *api.Scale, dryRun bool) (*api.Scale, error) {
	if !scalable[r.GroupKind()] {
		return nil, errNoScale()
	}
	defer s.startDryRun(dryRun)()
	obj, err := s.Get(r, ns, name)
	if err != nil {
		return nil, err
	}
	if sc.Spec.Replicas < 0 {
		scaleRes := &api.ResourceInfo{Group: "autoscaling", Version: "v1", Resource: "scale", Kind: "Scale"}
		return nil, NewInvalid(scaleRes, name, []FieldError{Invalid("spec.replicas", sc.Spec.Replicas, "must be greater than or equal to 0")})
	}
	if sc.ResourceVersion != "" && sc.ResourceVersion != obj.GetObjectMeta().ResourceVersion {
		return nil, NewConflict(r, name, errModified)
	}
	upd := api.Clone(obj)
	setReplicas(upd, sc.Spec.Replicas)
	s.subresource = "scale"
	out, err := s.Update(r, upd)
	s.subresource = ""
	if err != nil {
		return nil, err
	}
	return scaleOf(out), nil
}

// PatchScale patches an object's scale subresource, as kubectl scale does
// with a merge patch of spec.replicas: the patch applies to the Scale's
// JSON and the result is written as UpdateScale writes it.
func (s *Server) PatchScale(r *api.ResourceInfo, ns, name string, pt patch.Type, data []byte, dryRun bool) (*api.Scale, error) {
	cur, err := s.GetScale(r, ns, name)
	if err != nil {
		return nil, err
	}
	patched, err := patchObject(cur, pt, data)
	if err != nil {
		return nil, err
	}
	var sc api.Scale
	if err := json.Unmarshal(patched, &sc); err != nil {
		return nil, NewBadRequest(err.Error())
	}
	return s.UpdateScale(r, ns, name, &sc, dryRun)
}

// scaleOf is the Scale view of a scalable object.
func scaleOf(obj api.Object) *api.Scale {
	m := obj.GetObjectMeta()
	sc := &api.Scale{
		TypeMeta:   api.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: api.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion, CreationTimestamp: m.CreationTimestamp},
	}
	switch o := obj.(type) {
	case *api.Deployment:
		sc.Spec.Replicas, sc.Status.Replicas, sc.Status.Selector = api.Deref(o.Spec.Replicas, 1), o.Status.Replicas, selectorString(o.Spec.Selector)
	case *api.ReplicaSet:
		sc.Spec.Replicas, sc.Status.Replicas, sc.Status.Selector = api.Deref(o.Spec.Replicas, 1), o.Status.Replicas, selectorString(o.Spec.Selector)
	case *api.StatefulSet:
		sc.Spec.Replicas, sc.Status.Replicas, sc.Status.Selector = api.Deref(o.Spec.Replicas, 1), o.Status.Replicas, selectorString(o.Spec.Selector)
	case *api.ReplicationController:
		sc.Spec.Replicas, sc.Status.Replicas, sc.Status.Selector = api.Deref(o.Spec.Replicas, 1), o.Status.Replicas, api.SelectorFromSet(o.Spec.Selector).String()
	}
	return sc
}

func selectorString(ls *api.LabelSelector) string {
	sel, err := api.SelectorFromLabelSelector(ls)
	if err != nil {
		return ""
	}
	return sel.String()
}

func setReplicas(obj api.Object, n int32) {
	switch o := obj.(type) {
	case *api.Deployment:
		o.Spec.Replicas = api.Ptr(n)
	case *api.ReplicaSet:
		o.Spec.Replicas = api.Ptr(n)
	case *api.StatefulSet:
		o.Spec.Replicas = api.Ptr(n)
	case *api.ReplicationController:
		o.Spec.Replicas = api.Ptr(n)
	}
}
