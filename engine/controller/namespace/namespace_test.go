package namespace

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

func TestNamespaceDeletion(t *testing.T) {
	l := loop.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	c := client.New(s, "test")
	cm := client.New(s, "kube-controller-manager")
	nss := client.NewInformer[*api.Namespace](cm, "", apiserver.ListOptions{})
	require.NoError(t, New(cm, nss).Start())
	require.NoError(t, nss.Start())

	_, err := client.Create(c, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "shop"}})
	require.NoError(t, err)
	for _, name := range []string{"held", "free"} {
		obj := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "shop"}}
		if name == "held" {
			obj.Finalizers = []string{"example.com/hold"}
		}
		_, err := client.Create(c, obj)
		require.NoError(t, err)
	}
	_, err = client.Create(c, &api.Secret{ObjectMeta: api.ObjectMeta{Name: "s", Namespace: "shop"}})
	require.NoError(t, err)
	l.RunUntilIdle()

	require.NoError(t, client.Delete[*api.Namespace](c, "", "shop", apiserver.DeleteOptions{}))
	l.RunUntilIdle()

	ns, err := client.Get[*api.Namespace](c, "", "shop")
	require.NoError(t, err, "the namespace waits for its content")
	assert.Equal(t, "Terminating", ns.Status.Phase)
	_, err = client.Create(c, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "late", Namespace: "shop"}})
	assert.EqualError(t, err, `configmaps "late" is forbidden: unable to create new content in namespace shop because it is being terminated`)

	type cond struct{ typ, status, reason, message string }
	var got []cond
	for _, c := range ns.Status.Conditions {
		got = append(got, cond{c.Type, c.Status, c.Reason, c.Message})
	}
	assert.Equal(t, []cond{
		{"NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"},
		{"NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"},
		{"NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
		{"NamespaceContentRemaining", "True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 resource instances"},
		{"NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"},
	}, got)
	_, err = client.Get[*api.Secret](c, "shop", "s")
	assert.True(t, apiserver.IsNotFound(err), "the rest of the content is gone")

	held, err := client.Get[*api.ConfigMap](c, "shop", "held")
	require.NoError(t, err)
	held = api.Clone(held)
	held.Finalizers = nil
	_, err = client.Update(c, held)
	require.NoError(t, err)
	l.AdvanceBy(5 * time.Second)

	_, err = client.Get[*api.Namespace](c, "", "shop")
	assert.True(t, apiserver.IsNotFound(err), "the namespace goes once empty: %v", err)
}
