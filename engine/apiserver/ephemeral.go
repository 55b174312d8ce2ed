package apiserver

import (
	"fmt"
	"reflect"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// The pods/ephemeralcontainers subresource, as EphemeralContainersREST
// and podEphemeralContainersStrategy: its object is the whole Pod, of
// which a write keeps only spec.ephemeralContainers; containers may be
// added there, never changed or removed.

// ephemeralContainersSub is the subresource's name, as managedFields
// record it.
const ephemeralContainersSub = "ephemeralcontainers"

// GetEphemeralContainers reads a pod through its ephemeralcontainers
// subresource: the pod.
func (s *Server) GetEphemeralContainers(ns, name string) (*api.Pod, error) {
	obj, err := s.Get(resourceOf("pods"), ns, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Pod), nil
}

// UpdateEphemeralContainers writes a pod's spec.ephemeralContainers
// through the subresource: the rest of pod is ignored but its name and
// resourceVersion (a resourceVersion that is set must match).
func (s *Server) UpdateEphemeralContainers(ns string, pod *api.Pod, dryRun bool) (*api.Pod, error) {
	defer s.startDryRun(dryRun)()
	r := resourceOf("pods")
	pod = api.Clone(pod)
	if pod.Namespace == "" {
		pod.Namespace = ns
	}
	s.subresource = ephemeralContainersSub
	out, err := s.update(r, pod, false)
	s.subresource = ""
	if err != nil {
		return nil, err
	}
	return out.(*api.Pod), nil
}

// PatchEphemeralContainers patches a pod through the subresource, as
// kubectl debug does with a strategic merge patch of
// {"spec":{"ephemeralContainers":[...]}}: the patch applies to the pod,
// and the result is written as UpdateEphemeralContainers writes it.
func (s *Server) PatchEphemeralContainers(ns, name string, pt patch.Type, data []byte, dryRun bool) (*api.Pod, error) {
	cur, err := s.GetEphemeralContainers(ns, name)
	if err != nil {
		return nil, err
	}
	patched, err := patchObject(cur, pt, data)
	if err != nil {
		return nil, err
	}
	obj, err := s.Decode(resourceOf("pods"), patched)
	if err != nil {
		return nil, err
	}
	return s.UpdateEphemeralContainers(ns, obj.(*api.Pod), dryRun)
}

// ephemeralContainersStrategy is podEphemeralContainersStrategy.
var ephemeralContainersStrategy = &strategy{
	prepareUpdate:  prepareEphemeralContainersUpdate,
	validate:       validatePod,
	validateUpdate: validateEphemeralContainersUpdate,
}

// prepareEphemeralContainersUpdate is dropNonEphemeralContainerUpdates:
// of the written pod, only spec.ephemeralContainers counts; its metadata
// is reset as a status write's (ResetObjectMetaForStatus).
func prepareEphemeralContainersUpdate(s *Server, obj, old api.Object) {
	p, o := obj.(*api.Pod), old.(*api.Pod)
	ecs := p.Spec.EphemeralContainers
	p.Spec = *o.Spec.DeepCopy()
	p.Spec.EphemeralContainers = ecs
	for i := range p.Spec.EphemeralContainers {
		defaultEphemeralContainer(&p.Spec.EphemeralContainers[i])
	}
	p.Labels, p.Annotations = o.Labels, o.Annotations
	p.Finalizers, p.OwnerReferences = o.Finalizers, o.OwnerReferences
}

// defaultEphemeralContainer gives an ephemeral container a container's
// defaults (terminationMessagePath, terminationMessagePolicy,
// imagePullPolicy).
func defaultEphemeralContainer(ec *api.EphemeralContainer) {
	c := api.Container(ec.EphemeralContainerCommon)
	defaultContainer(&c)
	ec.EphemeralContainerCommon = api.EphemeralContainerCommon(c)
}

// validateEphemeralContainersUpdate is the second part of
// ValidatePodEphemeralContainersUpdate: existing ephemeral containers may
// be neither removed nor changed. Upstream appends a diff of the change
// (cmp.Diff, whose spacing is randomized on purpose); it is left out.
func validateEphemeralContainersUpdate(obj, old api.Object) []FieldError {
	p, o := obj.(*api.Pod), old.(*api.Pod)
	if _, ok := o.Annotations["kubernetes.io/config.mirror"]; ok {
		return []FieldError{Forbidden("", "static pods do not support ephemeral containers")}
	}
	const path = "spec.ephemeralContainers"
	var errs []FieldError
	for _, oc := range o.Spec.EphemeralContainers {
		i := -1
		for j := range p.Spec.EphemeralContainers {
			if p.Spec.EphemeralContainers[j].Name == oc.Name {
				i = j
			}
		}
		switch {
		case i < 0:
			errs = append(errs, Forbidden(path, fmt.Sprintf("existing ephemeral containers %q may not be removed\n", oc.Name)))
		case !reflect.DeepEqual(oc, p.Spec.EphemeralContainers[i]):
			errs = append(errs, Forbidden(path, fmt.Sprintf("existing ephemeral containers %q may not be changed\n", oc.Name)))
		}
	}
	return errs
}

// allowedEphemeralContainerFields are the fields of an ephemeral
// container that may be set (upstream's allow list); the others are
// forbidden, as lifecycle, probes, resources and ports would have the pod
// rely on a debugging container.
var allowedEphemeralContainerFields = map[string]bool{
	"Name": true, "Image": true, "Command": true, "Args": true, "WorkingDir": true,
	"EnvFrom": true, "Env": true, "VolumeMounts": true, "VolumeDevices": true,
	"TerminationMessagePath": true, "TerminationMessagePolicy": true, "ImagePullPolicy": true,
	"SecurityContext": true, "Stdin": true, "StdinOnce": true, "TTY": true,
}

// validateEphemeralContainers is validateEphemeralContainers: each one is
// checked as a container is, its name unique among all the pod's
// containers, its target one of the pod's (non-ephemeral) containers,
// and only the allowed fields set.
func validateEphemeralContainers(spec *api.PodSpec, path string) []FieldError {
	if len(spec.EphemeralContainers) == 0 {
		return nil
	}
	others, all := map[string]bool{}, map[string]bool{}
	for _, list := range [][]api.Container{spec.Containers, spec.InitContainers} {
		for _, c := range list {
			others[c.Name], all[c.Name] = true, true
		}
	}
	var errs []FieldError
	for i, ec := range spec.EphemeralContainers {
		p := fmt.Sprintf("%s[%d]", path, i)
		c := api.Container(ec.EphemeralContainerCommon)
		// The name's uniqueness is checked below, across all containers.
		cerrs := validateContainers([]api.Container{c}, path, map[string]bool{})
		for _, e := range cerrs {
			e.Field = p + e.Field[len(path)+len("[0]"):]
			errs = append(errs, e)
		}
		if all[ec.Name] {
			errs = append(errs, Duplicate(p+".name", ec.Name))
		} else {
			all[ec.Name] = true
		}
		if ec.TargetContainerName != "" && !others[ec.TargetContainerName] {
			errs = append(errs, FieldError{Type: "Not found", Field: p + ".targetContainerName", BadValue: ec.TargetContainerName, hasValue: true})
		}
		v, t := reflect.ValueOf(ec.EphemeralContainerCommon), reflect.TypeOf(ec.EphemeralContainerCommon)
		for f := range t.NumField() {
			if !allowedEphemeralContainerFields[t.Field(f).Name] && !v.Field(f).IsZero() {
				errs = append(errs, Forbidden(p+"."+jsonName(t.Field(f)), "cannot be set for an Ephemeral Container"))
			}
		}
		for j, m := range ec.VolumeMounts {
			if m.SubPath != "" {
				errs = append(errs, Forbidden(fmt.Sprintf("%s.volumeMounts[%d].subPath", p, j), "cannot be set for an Ephemeral Container"))
			}
			if m.SubPathExpr != "" {
				errs = append(errs, Forbidden(fmt.Sprintf("%s.volumeMounts[%d].subPathExpr", p, j), "cannot be set for an Ephemeral Container"))
			}
		}
	}
	return errs
}

// jsonName is a struct field's name in JSON.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := range len(tag) {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	return tag
}
