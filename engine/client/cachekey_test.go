package client

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// A watch event's cache key, read from its store key, is the one Key
// makes from the object, for namespaced and cluster-scoped resources, in
// the core group and others; an event without a store key (a bookmark)
// has its key made from the object.
func TestCacheKeyOfWatchEvents(t *testing.T) {
	tests := []struct {
		resource string
		obj      api.Object
	}{
		{"pods", &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web-0"}}},
		{"nodes", &api.Node{ObjectMeta: api.ObjectMeta{Name: "kind-worker"}}},
		{"deployments", &api.Deployment{ObjectMeta: api.ObjectMeta{Namespace: "kube-system", Name: "coredns"}}},
		{"events", &api.Event{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "web-0.18a2b3c4d5e6f708"}}},
		{"namespaces", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}}},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			r := api.ResourceFor(tt.obj)
			m := tt.obj.GetObjectMeta()
			key := apiserver.Key(r, m.Namespace, m.Name)
			assert.Equal(t, keyOf(tt.obj), cacheKeyOf(apiserver.WatchEvent{Type: apiserver.Modified, Object: tt.obj, Key: key}), key)
			assert.Equal(t, keyOf(tt.obj), cacheKeyOf(apiserver.WatchEvent{Type: apiserver.Bookmark, Object: tt.obj}))
		})
	}
}
