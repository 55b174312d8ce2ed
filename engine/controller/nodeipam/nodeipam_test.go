package nodeipam

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
)

func TestNewRejectsABadClusterCIDR(t *testing.T) {
	_, s := controllertest.NewServer(t, 1)
	c := client.New(s, "kube-controller-manager")
	nodes := client.NewInformer[*api.Node](c, "", apiserver.ListOptions{})
	for _, cidr := range []string{"10.244.0.0/25", "10.244.1.0/16", "fd00::/48", "nonsense"} {
		_, err := New(c, nodes, cidr, 0)
		assert.EqualError(t, err, fmt.Sprintf("invalid --cluster-cidr %q: want an IPv4 network of /24 or wider", cidr))
	}
	tests := []struct {
		cidr string
		mask int
		want string
	}{
		{"10.244.0.0/24", 23, `invalid --cluster-cidr "10.244.0.0/24": want an IPv4 network of /23 or wider`},
		{"10.244.0.0/16", 31, "invalid --node-cidr-mask-size 31: want a mask size from 1 to 30"},
		{"10.244.0.0/16", -1, "invalid --node-cidr-mask-size -1: want a mask size from 1 to 30"},
		{"10.0.0.0/8", 25, "invalid --node-cidr-mask-size 25: the cluster CIDR 10.0.0.0/8 would hold more than 2^16 node CIDRs"},
	}
	for _, tt := range tests {
		_, err := New(c, nodes, tt.cidr, tt.mask)
		assert.EqualError(t, err, tt.want)
	}
}

// Each node gets the lowest free /24 of the cluster CIDR; past the last
// one a node gets none, and the CIDRNotAvailable event once.
func TestAllocation(t *testing.T) {
	tests := []struct {
		cidr  string
		mask  int
		nodes int
		want  []string
	}{
		{"", 0, 3, []string{"10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"}},
		{"10.244.0.0/23", 0, 3, []string{"10.244.0.0/24", "10.244.1.0/24", ""}},
		{"10.244.0.0/14", 0, 258, nil},
		{"", 23, 3, []string{"10.244.0.0/23", "10.244.2.0/23", "10.244.4.0/23"}},
		{"10.244.0.0/21", 22, 3, []string{"10.244.0.0/22", "10.244.4.0/22", ""}},
		{"10.244.0.0/24", 26, 3, []string{"10.244.0.0/26", "10.244.0.64/26", "10.244.0.128/26"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s-%d", tt.cidr, tt.mask), func(t *testing.T) {
			f := controllertest.New(t, 1, func(c *client.Client) ([]controller.Controller, []controllertest.Starter) {
				nodes := client.NewInformer[*api.Node](c, "", apiserver.ListOptions{})
				ctl, err := New(c, nodes, tt.cidr, tt.mask)
				require.NoError(t, err)
				return []controller.Controller{ctl}, []controllertest.Starter{nodes}
			})
			for i := range tt.nodes {
				_, err := client.Create(f.C, &api.Node{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("node%03d", i)}})
				require.NoError(t, err)
			}
			f.L.RunUntilIdle()
			var got []string
			for i := range tt.nodes {
				n, err := client.Get[*api.Node](f.C, "", fmt.Sprintf("node%03d", i))
				require.NoError(t, err)
				got = append(got, n.Spec.PodCIDR)
			}
			if tt.want == nil {
				assert.Equal(t, "10.244.0.0/24", got[0])
				assert.Equal(t, "10.244.255.0/24", got[255])
				assert.Equal(t, "10.245.0.0/24", got[256])
				assert.Equal(t, "10.245.1.0/24", got[257])
				return
			}
			assert.Equal(t, tt.want, got)
			var events []string
			r, _ := api.LookupResource("events")
			l, err := f.C.List(r, "", apiserver.ListOptions{})
			require.NoError(t, err)
			for _, o := range l.Items {
				e := o.(*api.Event)
				events = append(events, e.Reason+" "+e.Message)
			}
			if tt.want[len(tt.want)-1] == "" {
				assert.Equal(t, []string{"CIDRNotAvailable Node node002 status is now: CIDRNotAvailable"}, events)
			} else {
				assert.Empty(t, events)
			}
		})
	}
}
