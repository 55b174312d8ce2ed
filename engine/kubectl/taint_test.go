package kubectl

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

func TestParseTaints(t *testing.T) {
	tests := []struct {
		specs       []string
		add, remove []api.Taint
		err         string
	}{
		{specs: []string{"dedicated=special-user:NoSchedule", "gpu:NoExecute"},
			add: []api.Taint{{Key: "dedicated", Value: "special-user", Effect: "NoSchedule"}, {Key: "gpu", Effect: "NoExecute"}}},
		{specs: []string{"dedicated:NoSchedule-", "gpu-"},
			remove: []api.Taint{{Key: "dedicated", Effect: "NoSchedule"}, {Key: "gpu"}}},
		{specs: []string{"example.com/role=db:PreferNoSchedule"}, add: []api.Taint{{Key: "example.com/role", Value: "db", Effect: "PreferNoSchedule"}}},
		{specs: []string{"gpu"}, err: "invalid taint spec: gpu"},
		{specs: []string{"a=b:Maybe"}, err: "invalid taint effect: Maybe, unsupported taint effect"},
		{specs: []string{"a=b=c:NoSchedule"}, err: "invalid taint spec: a=b=c:NoSchedule"},
		{specs: []string{"a:b:NoSchedule"}, err: "invalid taint spec: a:b:NoSchedule"},
		{specs: []string{"a=b c:NoSchedule"}, err: "invalid taint spec: a=b c:NoSchedule, a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
		{specs: []string{"a=1:NoSchedule", "a=2:NoSchedule"}, err: "duplicated taints with the same key and effect: {a 2 NoSchedule <nil>}"},
	}
	for _, tt := range tests {
		add, remove, err := parseTaints(tt.specs)
		if tt.err != "" {
			assert.EqualError(t, err, tt.err, "%v", tt.specs)
			continue
		}
		require.NoError(t, err, "%v", tt.specs)
		assert.Equal(t, tt.add, add, "%v", tt.specs)
		assert.Equal(t, tt.remove, remove, "%v", tt.specs)
	}
}

func TestReorganizeTaints(t *testing.T) {
	old := []api.Taint{{Key: "a", Value: "1", Effect: "NoSchedule"}, {Key: "b", Effect: "NoExecute"}}
	tests := []struct {
		name        string
		overwrite   bool
		add, remove []api.Taint
		op          string
		want        []api.Taint
		err         string
	}{
		{name: "add", add: []api.Taint{{Key: "c", Effect: "NoSchedule"}}, op: "tainted",
			want: []api.Taint{{Key: "c", Effect: "NoSchedule"}, old[0], old[1]}},
		{name: "replace", overwrite: true, add: []api.Taint{{Key: "a", Value: "2", Effect: "NoSchedule"}}, op: "modified",
			want: []api.Taint{{Key: "a", Value: "2", Effect: "NoSchedule"}, old[1]}},
		{name: "remove by key and effect", remove: []api.Taint{{Key: "a", Effect: "NoSchedule"}}, op: "untainted", want: []api.Taint{old[1]}},
		{name: "remove by key", remove: []api.Taint{{Key: "b"}}, op: "untainted", want: []api.Taint{old[0]}},
		{name: "add and remove", add: []api.Taint{{Key: "c", Effect: "NoSchedule"}}, remove: []api.Taint{{Key: "b"}}, op: "modified",
			want: []api.Taint{{Key: "c", Effect: "NoSchedule"}, old[0]}},
		{name: "remove missing", remove: []api.Taint{{Key: "z", Effect: "NoSchedule"}}, op: "untainted", want: old, err: `taint "z:NoSchedule" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, got, err := reorganizeTaints(old, tt.overwrite, tt.add, tt.remove)
			assert.Equal(t, tt.op, op)
			assert.Equal(t, tt.want, got)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

func TestNodeCommands(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"cordon node01", "node/node01 cordoned\n"},
		{"cordon node01 node/node02", "node/node01 already cordoned\nnode/node02 cordoned\n"},
		{"uncordon -l kubernetes.io/hostname=node02", "node/node02 uncordoned\n"},
		{"uncordon node01 --dry-run=server", "node/node01 uncordoned (server dry run)\n"},
		{"cordon pod/node01", "--- stderr\nerror: expected resource of type node, got \"/v1, Resource=pods\"\n[exit 1]\n"},
		{"cordon node01 --dry-run=later", "--- stderr\nerror: Invalid dry-run value (later). Must be \"none\", \"server\", or \"client\".\n[exit 1]\n"},
		{"drain", "--- stderr\nerror: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples\n[exit 1]\n"},
		{"drain node01 --delete-local-data --dry-run=client", "node/node01 already cordoned (dry run)\nnode/node01 drained (dry run)\n" +
			"--- stderr\nFlag --delete-local-data has been deprecated, This option is deprecated and will be deleted. Use --delete-emptydir-data.\n"},
		{"taint nodes node01 node02 team=a:NoSchedule", "node/node01 tainted\nnode/node02 tainted\n"},
		{"taint nodes node01 team=b:NoSchedule team-", "--- stderr\nerror: can not both modify and remove the following taint(s) in the same command: {\"team\":\"\"}\n[exit 1]\n"},
		{"taint nodes node01 team=a:NoSchedule node02", "--- stderr\nerror: all resources must be specified before taint changes: node02\n[exit 1]\n"},
		{"taint nodes node01", "--- stderr\nerror: at least one taint update is required\n[exit 1]\n"},
		{"taint nodes --all -l a=b team-", "--- stderr\nerror: setting 'all' parameter with a non empty selector is prohibited\n[exit 1]\n"},
		{"taint nodez node01 team-", "--- stderr\nerror: the server doesn't have a resource type \"nodez\"\n[exit 1]\n"},
		{"taint nodes node01 node02 team=b:NoSchedule", "--- stderr\n" +
			"node node01 already has team taint(s) with same effect(s) and --overwrite is false\n" +
			"node node02 already has team taint(s) with same effect(s) and --overwrite is false\n[exit 1]\n"},
		{"taint nodes node01 team:NoSchedule- --dry-run=client", "node/node01 untainted (dry run)\n"},
		{"taint nodes node01 team:NoSchedule- -o name", "node/node01\n"},
	}
	f := newNodeFixture(t)
	for _, tt := range tests {
		assert.Equal(t, tt.want, f.run(context.Background(), tt.line), tt.line)
	}
	n, err := client.Get[*api.Node](f.c, "", "node01")
	require.NoError(t, err)
	assert.True(t, n.Spec.Unschedulable, "a dry run changes nothing")
	assert.Empty(t, n.Spec.Taints)
	n, err = client.Get[*api.Node](f.c, "", "node02")
	require.NoError(t, err)
	assert.False(t, n.Spec.Unschedulable)
	assert.Equal(t, []api.Taint{{Key: "team", Value: "a", Effect: "NoSchedule"}}, n.Spec.Taints)
}
