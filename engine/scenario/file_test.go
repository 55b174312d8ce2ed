package scenario

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const good = `title: Pods
description: |
  A **pod** is one or more containers.
cluster:
  workers: 1
  fakeNodes: 3
  maxPods: 400
  nodeCIDRMaskSize: 23
  zones: [zone-a]
seed: 7
files:
  pod.yaml: |
    apiVersion: v1
    kind: Pod
setup:
  - kubectl create namespace demo
steps:
  - title: Run a pod
    text: Run it.
    code:
      - kubectl run hello --image=busybox --restart=Never -- echo hello
    hint: Use kubectl run.
    timeout: 90s
    check:
      object: pod/hello
      jsonpath: '{.status.phase}'
      equals: Succeeded
  - text: Look at its logs.
    code: [kubectl logs hello]
    check:
      run: kubectl logs hello | grep -q hello
`

func TestParse(t *testing.T) {
	f, err := Parse("pods.yaml", []byte(good))
	require.NoError(t, err)
	assert.Equal(t, "Pods", f.Title)
	assert.Equal(t, 1, *f.Cluster.Workers)
	assert.Equal(t, 3, f.Cluster.FakeNodes)
	assert.Equal(t, 400, f.Cluster.MaxPods)
	assert.Equal(t, 23, f.Cluster.NodeCIDRMaskSize)
	assert.Equal(t, uint64(7), f.Seed)
	assert.Contains(t, f.Files["pod.yaml"], "kind: Pod")
	require.Len(t, f.Steps, 2)
	assert.Equal(t, 18, f.Steps[0].Line())
	assert.Equal(t, 90*time.Second, f.Steps[0].TimeoutOrDefault())
	assert.Equal(t, DefaultTimeout, f.Steps[1].TimeoutOrDefault())
	assert.Equal(t, "Succeeded", *f.Steps[0].Check.Equals)
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"unknown top field", "title: x\nstep: []\n", `x.yaml:2: unknown field "step" in the scenario (known fields: title, description, cluster, seed, files, setup, steps)`},
		{"unknown step field", "title: x\nsteps:\n  - text: a\n    cmd: ls\n", `x.yaml:4: unknown field "cmd" in a step (known fields: title, text, code, hint, check, timeout)`},
		{"unknown check field", "title: x\nsteps:\n  - text: a\n    check:\n      command: ls\n", `x.yaml:5: unknown field "command" in a check`},
		{"unknown cluster field", "title: x\ncluster:\n  nodes: 3\nsteps: [{text: a}]\n", `x.yaml:3: unknown field "nodes" in cluster`},
		{"wrong type", "title: x\nseed: abc\nsteps: [{text: a}]\n", "x.yaml:2: cannot unmarshal !!str `abc` into uint64"},
		{"bad timeout", "title: x\nsteps:\n  - text: a\n    timeout: soon\n", `x.yaml:4: timeout "soon" is not a positive duration`},
		{"syntax", "title: x\nsteps: [\n", "x.yaml:2: did not find expected node content"},
		{"not a mapping", "- a\n", "x.yaml:1: a scenario is a mapping (title:, steps:, ...), not a list"},
		{"two documents", "title: x\nsteps: [{text: a}]\n---\ntitle: y\n", "x.yaml:3: a scenario is one YAML document"},
		{"no title", "steps: [{text: a}]\n", "x.yaml:1: the scenario has no title"},
		{"no steps", "title: x\n", "x.yaml:1: the scenario has no steps"},
		{"empty step", "title: x\nsteps:\n  - hint: h\n", "x.yaml:3: step 1 has neither a title nor text"},
		{"empty check", "title: x\nsteps:\n  - text: a\n    check: {}\n", "x.yaml:3: step 1: check: give run (a script that must succeed) or object"},
		{"run and object", "title: x\nsteps:\n  - text: a\n    check: {run: ls, object: pod/a}\n", "give either run or object, not both"},
		{"jsonpath alone", "title: x\nsteps:\n  - text: a\n    check: {object: pod/a, jsonpath: '{.x}'}\n", "jsonpath needs equals or matches"},
		{"bad regexp", "title: x\nsteps:\n  - text: a\n    check: {object: pod/a, jsonpath: '{.x}', matches: '('}\n", "matches: error parsing regexp"},
		{"file outside home", "title: x\nfiles: {../x: a}\nsteps: [{text: a}]\n", `files: "../x" is not a relative path inside the home directory`},
		{"duplicate key", "title: x\ntitle: y\nsteps: [{text: a}]\n", `mapping key "title" already defined at line 1`},
		{"too many workers", "title: x\ncluster: {workers: 50}\nsteps: [{text: a}]\n", "cluster.workers must be between 0 and 10, not 50"},
		{"too many fake nodes", "title: x\ncluster: {fakeNodes: 9000}\nsteps: [{text: a}]\n", "cluster.fakeNodes must be between 0 and 5000, not 9000"},
		{"negative max pods", "title: x\ncluster: {maxPods: -1}\nsteps: [{text: a}]\n", "cluster.maxPods must not be negative, not -1"},
		{"node mask too wide", "title: x\ncluster: {nodeCIDRMaskSize: 12}\nsteps: [{text: a}]\n", "cluster.nodeCIDRMaskSize must be between 16 and 30 (the pod network is 10.244.0.0/16), not 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.input))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
