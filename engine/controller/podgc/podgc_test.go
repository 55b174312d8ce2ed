package podgc

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Finished pods go evicted ones first, then the oldest.
func TestCollectionOrder(t *testing.T) {
	at := func(name, phase, reason string, min int) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, CreationTimestamp: api.NewTime(time.Unix(0, 0).Add(time.Duration(min) * time.Minute))}}
		p.Status.Phase, p.Status.Reason = phase, reason
		return p
	}
	pods := []*api.Pod{at("new", "Succeeded", "", 3), at("old", "Failed", "", 1), at("evicted", "Failed", "Evicted", 5), at("b", "Succeeded", "", 1)}
	sort.SliceStable(pods, func(i, j int) bool { return evictedFirst(pods[i], pods[j]) })
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"evicted", "b", "old", "new"}, names)
	assert.False(t, terminated(at("x", "Running", "", 0)))
	assert.True(t, terminated(at("x", "Failed", "", 0)))
}
