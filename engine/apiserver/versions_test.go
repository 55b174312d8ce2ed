package apiserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestEventsAreOneStorageInTwoGroups(t *testing.T) {
	s := newServer()
	core, _ := api.LookupKind("v1", "Event")
	v1, _ := api.LookupKind("events.k8s.io/v1", "Event")
	_, err := s.Create(core, "default", &api.Event{ObjectMeta: api.ObjectMeta{Name: "a"}, Reason: "Started", Message: "hello",
		InvolvedObject: api.ObjectReference{Kind: "Pod", Name: "web"}})
	require.NoError(t, err)
	obj, err := s.Get(v1, "default", "a")
	require.NoError(t, err)
	ev := obj.(*api.EventsV1Event)
	assert.Equal(t, "hello", ev.Note)
	assert.Equal(t, "web", ev.Regarding.Name)
	assert.Equal(t, "events.k8s.io/v1", ev.APIVersion)

	_, err = s.Create(v1, "default", &api.EventsV1Event{ObjectMeta: api.ObjectMeta{Name: "b"}, Reason: "Scheduled", Note: "placed",
		Regarding: api.ObjectReference{Kind: "Pod", Name: "web"}})
	require.NoError(t, err)
	obj, err = s.Get(core, "default", "b")
	require.NoError(t, err)
	assert.Equal(t, "placed", obj.(*api.Event).Message)

	l, err := s.List(v1, "default", ListOptions{FieldSelector: "regarding.name=web,reason=Scheduled"})
	require.NoError(t, err)
	require.Len(t, l.Items, 1)
	assert.Equal(t, "b", l.Items[0].GetObjectMeta().Name)
}

func TestAutoscalerV1IsStoredAsV2(t *testing.T) {
	s := newServer()
	v1, _ := api.LookupKind("autoscaling/v1", "HorizontalPodAutoscaler")
	v2, _ := api.LookupKind("autoscaling/v2", "HorizontalPodAutoscaler")
	h := &api.AutoscalingV1HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: "web"},
		Spec: api.AutoscalingV1HorizontalPodAutoscalerSpec{
			ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    5, TargetCPUUtilizationPercentage: api.Ptr(int32(50)),
		},
	}
	_, err := s.Create(v1, "default", h)
	require.NoError(t, err)
	obj, err := s.Get(v2, "default", "web")
	require.NoError(t, err)
	got := obj.(*api.HorizontalPodAutoscaler)
	require.Len(t, got.Spec.Metrics, 1)
	assert.Equal(t, int32(50), *got.Spec.Metrics[0].Resource.Target.AverageUtilization)
	back, err := s.Get(v1, "default", "web")
	require.NoError(t, err)
	assert.Equal(t, int32(50), *back.(*api.AutoscalingV1HorizontalPodAutoscaler).Spec.TargetCPUUtilizationPercentage)
	assert.Equal(t, "autoscaling/v1", back.GetTypeMeta().APIVersion)
}

func TestErrorsNameTheServedResource(t *testing.T) {
	s := newServer()
	events := resourceOf("events.events.k8s.io")
	_, err := s.Get(events, "default", "nope")
	require.EqualError(t, err, `events.events.k8s.io "nope" not found`)
	assert.Equal(t, "events.k8s.io", err.(*StatusError).Status.Details.Group)
	_, err = s.Get(resourceOf("events"), "default", "nope")
	require.EqualError(t, err, `events "nope" not found`)
}

// A create stores a copy of the request's object, unless the object is
// the server's already: given with CreateOwned, or made by converting it
// to its stored version (an events.k8s.io event). What comes back is the
// same either way.
func TestCreateStoresACopyUnlessOwned(t *testing.T) {
	core, _ := api.LookupKind("v1", "Event")
	v1, _ := api.LookupKind("events.k8s.io/v1", "Event")
	event := func(name string) *api.Event {
		return &api.Event{ObjectMeta: api.ObjectMeta{Name: name}, Reason: "Started", Message: "hello",
			InvolvedObject: api.ObjectReference{Kind: "Pod", Name: "web"}}
	}
	stored := func(s *Server, name string) api.Object {
		kv, ok := s.store.Get(Key(core, "default", name))
		require.True(t, ok)
		return kv.Value
	}
	s := newServer()
	copied, owned := event("a"), event("b")
	_, err := s.Create(core, "default", copied)
	require.NoError(t, err)
	_, err = s.CreateOwned(core, "default", owned)
	require.NoError(t, err)
	assert.NotSame(t, copied, stored(s, "a"))
	assert.Empty(t, copied.UID, "the request's object is not changed")
	assert.Same(t, owned, stored(s, "b"))
	converted := &api.EventsV1Event{ObjectMeta: api.ObjectMeta{Name: "c", Labels: map[string]string{"k": "v"}}, Reason: "Scheduled", Note: "placed",
		Related: &api.ObjectReference{Kind: "Node", Name: "n1"}}
	_, err = s.Create(v1, "default", converted)
	require.NoError(t, err)
	assert.Empty(t, converted.UID, "the request's object is not changed")
	// Nothing stored is the request's (the events.k8s.io recorder sends
	// the event it keeps, shallowly copied).
	converted.Labels["k"], converted.Related.Name = "changed", "changed"
	c := stored(s, "c").(*api.Event)
	assert.Equal(t, "v", c.Labels["k"])
	assert.Equal(t, "n1", c.Related.Name)

	// Both kinds of create store the same object.
	a, b := stored(s, "a").(*api.Event), stored(s, "b").(*api.Event)
	assert.NotEqual(t, a.UID, b.UID)
	b2 := *b
	b2.Name, b2.UID, b2.ResourceVersion = a.Name, a.UID, a.ResourceVersion
	assert.Equal(t, a, &b2)
}
