package apiserver

import (
	"github.com/kubeplay/kubeplay/engine/api"
)

// Dry runs (?dryRun=All) go through every step of a write — decoding,
// defaulting, admission, validation — and stop short of the store: the
// server answers with the object it would have stored, and nobody sees an
// event. A request runs as one step of the loop, so the flag is the
// server's for the length of that request, like its warnings.

// startDryRun marks the current request as a dry run when on is set, and
// returns what ends it.
func (s *Server) startDryRun(on bool) func() {
	if !on {
		return func() {}
	}
	s.dryRun = true
	return func() { s.dryRun = false }
}

// CreateDryRun is Create without storing: the object comes back as it
// would have been stored, with its defaults, uid and creation time, but no
// resourceVersion.
func (s *Server) CreateDryRun(r *api.ResourceInfo, ns string, obj api.Object) (api.Object, error) {
	defer s.startDryRun(true)()
	return s.Create(r, ns, obj)
}

// UpdateDryRun is Update without storing.
func (s *Server) UpdateDryRun(r *api.ResourceInfo, obj api.Object) (api.Object, error) {
	defer s.startDryRun(true)()
	return s.Update(r, obj)
}

// dryRunCreate finishes a dry-run create: a name already taken fails as
// the real create would, and a Service gives back the address it drew.
func (s *Server) dryRunCreate(r *api.ResourceInfo, obj api.Object) (api.Object, error) {
	meta := obj.GetObjectMeta()
	if svc, ok := obj.(*api.Service); ok {
		s.ipam.release(svc)
	}
	if _, exists := s.store.Get(Key(r, meta.Namespace, meta.Name)); exists {
		return nil, NewAlreadyExists(r, meta.Name)
	}
	return obj, nil
}
