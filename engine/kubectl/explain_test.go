package kubectl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExplain compares kubectl explain's output with goldens in
// testdata/explain (go test -run TestExplain -update rewrites them; read
// the diff against kubectl's plaintext template before keeping it).
func TestExplain(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"pods", []string{"pods"}},
		{"deployment-strategy", []string{"deployment.spec.strategy"}},
		{"deploy-apps-v1", []string{"deploy", "--api-version=apps/v1"}},
		{"container-resources-recursive", []string{"pods.spec.containers.resources", "--recursive"}},
		{"service-type", []string{"svc.spec.type"}},
		{"cronjob-schedule", []string{"cronjobs.spec.schedule"}},
		{"configmap-data", []string{"cm.data"}},
		{"hpa-v2-metrics", []string{"hpa.spec.metrics", "--recursive", "--max-depth=1"}},
		{"no-such-field", []string{"pods.spec.nope"}},
		{"no-such-resource", []string{"widgets"}},
		{"wrong-version", []string{"svc", "--api-version=v2"}},
		{"no-args", nil},
		{"max-depth-alone", []string{"pods", "--max-depth=2"}},
		{"openapiv2", []string{"pods", "-o", "plaintext-openapiv2"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			f := newDescribeFixture(t)
			got := f.kubectl("", append([]string{"explain"}, tt.args...)...)
			path := filepath.Join("testdata", "explain", tt.golden+".golden")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(want), got)
		})
	}
}

// Every field of every kind's schema resolves: explain of each top-level
// field of each resource prints its FIELD line.
func TestExplainEveryKind(t *testing.T) {
	f := newDescribeFixture(t)
	for _, r := range []string{"pods", "services", "deployments.apps", "statefulsets", "daemonsets", "jobs", "cronjobs",
		"ingresses", "ingressclasses", "networkpolicies", "hpa", "pvc", "pv", "storageclasses", "nodes", "namespaces", "configmaps", "secrets",
		"serviceaccounts", "endpoints", "endpointslices", "events", "events.events.k8s.io", "leases", "limitranges",
		"resourcequotas", "priorityclasses", "controllerrevisions", "replicationcontrollers", "replicasets", "poddisruptionbudgets",
		"componentstatuses", "apiservices"} {
		out := f.kubectl("", "explain", r)
		require.Contains(t, out, "KIND:", r)
		require.NotContains(t, out, "[exit", r)
		fields := out[strings.Index(out, "FIELDS:"):]
		for _, line := range strings.Split(fields, "\n") {
			if !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "   ") || !strings.Contains(line, "\t<") {
				continue
			}
			name := strings.TrimSpace(line[:strings.Index(line, "\t")])
			sub := f.kubectl("", "explain", r+"."+name)
			assert.Contains(t, sub, "FIELD: "+name+" <", r+"."+name)
		}
	}
}
