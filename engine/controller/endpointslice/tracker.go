package endpointslice

import "github.com/kubeplay/kubeplay/engine/api"

// Tracker is upstream's EndpointSliceTracker: the generation of every
// EndpointSlice a controller last wrote, by Service, so that a sync can
// tell an informer that has not yet seen those writes (and wait) from one
// that has.
type Tracker struct {
	byService map[string]map[string]int64 // service key -> slice UID -> generation
}

// deletionExpected marks a slice the controller deleted.
const deletionExpected = -1

// NewTracker returns an empty tracker.
func NewTracker() *Tracker { return &Tracker{byService: map[string]map[string]int64{}} }

// serviceKey is the namespace/name of the Service a slice belongs to.
func serviceKey(s *api.EndpointSlice) string {
	return s.Namespace + "/" + s.Labels[LabelServiceName]
}

func (t *Tracker) gens(key string) map[string]int64 {
	g, ok := t.byService[key]
	if !ok {
		g = map[string]int64{}
		t.byService[key] = g
	}
	return g
}

// Has reports whether the slice is tracked.
func (t *Tracker) Has(s *api.EndpointSlice) bool {
	_, ok := t.byService[serviceKey(s)][s.UID]
	return ok
}

// ShouldSync reports whether the informer's slice is not one this
// controller wrote: unknown, or newer than what it wrote.
func (t *Tracker) ShouldSync(s *api.EndpointSlice) bool {
	g, ok := t.byService[serviceKey(s)][s.UID]
	return !ok || s.Generation > g
}

// Update records a slice as written.
func (t *Tracker) Update(s *api.EndpointSlice) { t.gens(serviceKey(s))[s.UID] = s.Generation }

// ExpectDeletion records a slice as deleted.
func (t *Tracker) ExpectDeletion(s *api.EndpointSlice) {
	t.gens(serviceKey(s))[s.UID] = deletionExpected
}

// HandleDeletion forgets a deleted slice; it reports whether the deletion
// was expected.
func (t *Tracker) HandleDeletion(s *api.EndpointSlice) bool {
	g, ok := t.byService[serviceKey(s)]
	if !ok {
		return false
	}
	gen, ok := g[s.UID]
	delete(g, s.UID)
	return ok && gen == deletionExpected
}

// DeleteService forgets a Service's slices.
func (t *Tracker) DeleteService(key string) { delete(t.byService, key) }

// StaleSlices reports whether the informer's slices of a Service lag the
// writes: one is older than written or was deleted, or a written one is
// missing.
func (t *Tracker) StaleSlices(key string, slices []*api.EndpointSlice) bool {
	g, ok := t.byService[key]
	if !ok {
		return false
	}
	seen := map[string]bool{}
	for _, s := range slices {
		seen[s.UID] = true
		if gen, ok := g[s.UID]; ok && (gen == deletionExpected || gen > s.Generation) {
			return true
		}
	}
	for uid, gen := range g {
		if gen != deletionExpected && !seen[uid] {
			return true
		}
	}
	return false
}
