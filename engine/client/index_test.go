package client_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
)

func names(pods []*api.Pod) []string {
	out := []string{}
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

// TestIndexFollowsChanges checks the controller index as pods come, are
// adopted, released and deleted, and that Select and List stay sorted.
func TestIndexFollowsChanges(t *testing.T) {
	l, s := controllertest.NewServer(t, 1)
	c := client.New(s, "test")
	inf := client.NewInformer[*api.Pod](c, "", apiserver.ListOptions{})
	mk := func(name string) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "x"}}}
		p.Spec.Containers = []api.Container{{Name: "c", Image: "pause"}}
		out, err := client.Create(c, p)
		require.NoError(t, err)
		return out
	}
	mk("c")
	require.NoError(t, inf.Start())
	inf.AddIndex(controller.ControllerIndex, controller.ControllerIndexValues[*api.Pod])
	mk("b")
	a := mk("a")
	l.RunUntilIdle()
	orphans := controller.OrphanIndexValue("default")
	assert.Equal(t, []string{"a", "b", "c"}, names(inf.ByIndex(controller.ControllerIndex, orphans)))
	owner := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "rs", Namespace: "default", UID: "rs-uid"}}
	_, err := controller.Adopt(c, a, owner)
	require.NoError(t, err)
	l.RunUntilIdle()
	assert.Equal(t, []string{"a"}, names(inf.ByIndex(controller.ControllerIndex, "rs-uid")))
	assert.Equal(t, []string{"b", "c"}, names(inf.ByIndex(controller.ControllerIndex, orphans)))
	_, err = c.Delete(api.ResourceFor(a), "default", "a", apiserver.DeleteOptions{})
	require.NoError(t, err)
	l.RunUntilIdle()
	assert.Empty(t, inf.ByIndex(controller.ControllerIndex, "rs-uid"))
	mk("aa")
	l.RunUntilIdle()
	assert.Equal(t, []string{"aa", "b", "c"}, names(inf.ByIndex(controller.ControllerIndex, orphans)))
	assert.Equal(t, []string{"aa", "b", "c"}, names(inf.List()))
	assert.Equal(t, []string{"aa", "b", "c"}, names(inf.Select("default", api.Everything())))
}
