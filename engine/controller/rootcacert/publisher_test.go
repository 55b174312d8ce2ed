package rootcacert

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

const ca = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"

func start(t *testing.T) (*loop.Loop, *client.Client) {
	l := loop.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	c := client.New(s, "test")
	nss := client.NewInformer[*api.Namespace](c, "", apiserver.ListOptions{})
	require.NoError(t, New(client.New(s, "kube-controller-manager"), nss, []byte(ca)).Start())
	require.NoError(t, nss.Start())
	l.RunUntilIdle()
	return l, c
}

func rootCA(t *testing.T, c *client.Client, ns string) *api.ConfigMap {
	cm, err := client.Get[*api.ConfigMap](c, ns, ConfigMapName)
	require.NoError(t, err)
	return cm
}

func TestEveryNamespaceGetsTheCA(t *testing.T) {
	l, c := start(t)
	for _, ns := range []string{"default", "kube-node-lease", "kube-public", "kube-system"} {
		cm := rootCA(t, c, ns)
		assert.Equal(t, map[string]string{"ca.crt": ca}, cm.Data)
		assert.Contains(t, cm.Annotations["kubernetes.io/description"], "Contains a CA bundle")
	}
	_, err := client.Create(c, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "shop"}})
	require.NoError(t, err)
	l.RunUntilIdle()
	assert.Equal(t, ca, rootCA(t, c, "shop").Data["ca.crt"])
}

func TestChangesAreUndone(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, c *client.Client)
	}{
		{"data edited", func(t *testing.T, c *client.Client) {
			cm := api.Clone(rootCA(t, c, "default"))
			cm.Data["ca.crt"] = "mine"
			_, err := client.Update(c, cm)
			require.NoError(t, err)
		}},
		{"annotation removed", func(t *testing.T, c *client.Client) {
			cm := api.Clone(rootCA(t, c, "default"))
			cm.Annotations = nil
			_, err := client.Update(c, cm)
			require.NoError(t, err)
		}},
		{"deleted", func(t *testing.T, c *client.Client) {
			require.NoError(t, client.Delete[*api.ConfigMap](c, "default", ConfigMapName, apiserver.DeleteOptions{}))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, c := start(t)
			tt.edit(t, c)
			l.RunUntilIdle()
			cm := api.Clone(rootCA(t, c, "default"))
			assert.Equal(t, map[string]string{"ca.crt": ca}, cm.Data)
			assert.NotEmpty(t, cm.Annotations["kubernetes.io/description"])
		})
	}
}
