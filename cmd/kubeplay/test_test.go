package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTestCommand(t *testing.T) {
	useTestModules(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"pass", []string{"testdata/pass.yaml"}, 0, "=== testdata/pass.yaml: A pod that says hello\nok   1/1 Run it (held after ", ""},
		{"fail", []string{"testdata/pass.yaml", "testdata/fail.yaml"}, 1,
			"FAIL 1/2 Wait for a Deployment nobody made\n    the check did not hold within 1m0s; it last said:\n        Error from server (NotFound): deployments.apps \"web\" not found\nskip 2/2 Never run\nFAIL testdata/fail.yaml (0 of 2 steps passed)\n", ""},
		{"verbose", []string{"-v", "testdata/pass.yaml"}, 0, "    | pod/hello created\nPASS testdata/pass.yaml (1 steps; history ", ""},
		{"bad file", []string{"testdata/bad.yaml"}, 2, "", `kubeplay test: testdata/bad.yaml:4: unknown field "command" in a step (known fields: title, text, code, hint, check, timeout)`},
		{"missing file", []string{"testdata/none.yaml"}, 2, "", "kubeplay test: open testdata/none.yaml: no such file or directory"},
		{"no files", nil, 2, "", "kubeplay test: no scenario files given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tt.code, run(append([]string{"test"}, tt.args...), strings.NewReader(""), &stdout, &stderr), stdout.String()+stderr.String())
			assert.Contains(t, stdout.String(), tt.stdout)
			assert.Contains(t, stderr.String(), tt.stderr)
		})
	}
}

// TestGallery runs every scenario of the page's gallery through the
// headless runner, twice: each check of each step must hold, and the
// second run must print the same, down to the digest of the cluster's
// history (every store revision).
func TestGallery(t *testing.T) {
	useTestModules(t)
	files, err := filepath.Glob("../../web/scenarios/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			var runs []string
			for range 2 {
				var stdout, stderr bytes.Buffer
				code := run([]string{"test", file}, strings.NewReader(""), &stdout, &stderr)
				require.Equal(t, 0, code, "%s%s", stdout.String(), stderr.String())
				assert.Regexp(t, `(?m)^PASS .* steps; history [0-9a-f]{64}\)$`, stdout.String())
				runs = append(runs, stdout.String())
			}
			assert.Equal(t, runs[0], runs[1], "the same scenario twice, the same history")
		})
	}
}

// kubeplay share in kubeplay shell prints a link to the playground at --url.
func TestShellShare(t *testing.T) {
	useTestModules(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"shell", "--url", "https://play.example/"}, strings.NewReader("kubectl create deployment web --image=busybox -- sleep 3600\nkubeplay share\n"), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Regexp(t, `(?m)^https://play\.example/#share=[A-Za-z0-9_-]+$`, stdout.String())
	assert.Regexp(t, `^kubeplay share: the link is \d+ bytes\n$`, stderr.String())
}
