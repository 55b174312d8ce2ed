package scenario

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// FuzzParse: any file up to MaxSize parses or gives an error, never a
// panic; a parsed scenario written out as YAML parses to the same
// scenario. Seeds are the gallery's scenarios and edge cases.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("../../web/scenarios/*.yaml")
	require.NoError(f, err)
	require.NotEmpty(f, files)
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	for _, s := range []string{
		"", "---", "title: t\n", "title: t\nsteps: [{text: a}]\n", "title: t\nsteps: [{text: a}]\n---\ntitle: u\n",
		"title: t\nsteps: [{text: a, check: {}}]\n", "title: t\nsteps: [{text: a, check: {run: 'true', object: pod/x}}]\n",
		"title: t\nsteps: [{text: a, timeout: -1s, check: {object: pods, jsonpath: '{.items}', equals: ''}}]\n",
		"title: t\nsteps: [{text: a, check: {object: deploy/web, condition: Available, matches: '('}}]\n",
		"title: t\ncluster: {workers: -1, zones: [a], nodeCPU: lots, nodeMemory: 4Gi}\nseed: -1\n",
		"title: t\nfiles: {../etc/passwd: x, /abs: y, 'a/b.yaml': 'kind: Pod'}\nsteps: [{text: a}]\n",
		"title: &a t\nsteps: [{text: *a, bogus: 1}]\n", "title: t\nsteps: [{text: a, code: []}]\nsetup: []\nfiles: {}\ncluster: {zones: []}\n", "[1, 2]", "title: [t]\n", "title: t\nsetup: 'x'\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		out, err := yaml.Marshal(sc)
		require.NoError(t, err)
		again, err := Parse("again.yaml", out)
		require.NoError(t, err, "%s", out)
		for _, s := range [][]Step{sc.Steps, again.Steps} {
			for i := range s {
				s[i].line = 0
			}
		}
		require.Equal(t, sc, again, "%s", out)
	})
}
