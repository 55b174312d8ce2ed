package session

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// TestDocumentationExamples applies each manifest of the Kubernetes
// documentation in testdata/k8s-examples to a fresh cluster, as a reader
// would, and checks it has the outcome a real cluster gives.
func TestDocumentationExamples(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"application/deployment.yaml", "deployment.apps/nginx-deployment created\n"},
		{"application/job/cronjob.yaml", `error: resource mapping not found for name: "hello" namespace: "" from "application/job/cronjob.yaml": no matches for kind "CronJob" in version "batch/v1beta1"
ensure CRDs are installed first
`},
		{"application/php-apache.yaml", "deployment.apps/php-apache created\nservice/php-apache created\n"},
		{"application/web/web.yaml", "service/nginx created\nstatefulset.apps/web created\n"},
		{"configmap/configmaps.yaml", "configmap/special-config created\nconfigmap/env-config created\n"},
		{"controllers/daemonset.yaml", "daemonset.apps/fluentd-elasticsearch created\n"},
		{"controllers/frontend.yaml", "replicaset.apps/frontend created\n"},
		{"controllers/job.yaml", "job.batch/pi created\n"},
		{"controllers/nginx-deployment.yaml", "deployment.apps/nginx-deployment created\n"},
		{"pods/init-containers.yaml", "pod/init-demo created\n"},
		{"pods/inject/envars.yaml", "pod/envar-demo created\n"},
		{"pods/multi-container/shared-volume.yaml", "pod/shared-volume-example created\n"},
		{"pods/pod-configmap-volume.yaml", "pod/dapi-test-pod created\n"},
		{"pods/probe/exec-liveness.yaml", "pod/liveness-exec created\n"},
		{"pods/resource/memory-request-limit-2.yaml", `Error from server (NotFound): error when creating "pods/resource/memory-request-limit-2.yaml": namespaces "mem-example" not found
`},
		{"service/networking/minimal-ingress.yaml", "ingress.networking.k8s.io/minimal-ingress created\n"},
		{"service/networking/networkpolicy.yaml", "networkpolicy.networking.k8s.io/test-network-policy created\n"},
		{"service/networking/nginx-svc.yaml", "service/my-nginx created\n"},
		{"service/networking/run-my-nginx.yaml", "deployment.apps/my-nginx created\n"},
	}
	files, err := filepath.Glob("testdata/k8s-examples/*/*.yaml")
	require.NoError(t, err)
	more, err := filepath.Glob("testdata/k8s-examples/*/*/*.yaml")
	require.NoError(t, err)
	require.Len(t, tests, len(files)+len(more), "every example has an expected outcome")

	modules := runtime.NewFSSource(wasmtest.Modules(t))
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := newTestSession(t, modules)
			data, err := os.ReadFile(filepath.Join("testdata/k8s-examples", tt.file))
			require.NoError(t, err)
			fsys := s.Shell().FS()
			dir := path.Join("root", path.Dir(tt.file))
			require.NoError(t, hackpadfs.MkdirAll(fsys, dir, 0o755))
			require.NoError(t, hackpadfs.WriteFullFile(fsys, path.Join("root", tt.file), data, 0o644))

			var out strings.Builder
			s.Exec(context.Background(), "kubectl apply -f "+tt.file, &out, &out)
			got := out.String()
			// Warnings about what the playground does not simulate are
			// its own; the outcome is the rest.
			var lines []string
			for _, l := range strings.SplitAfter(got, "\n") {
				if !strings.HasPrefix(l, "Warning: kubeplay: ") {
					lines = append(lines, l)
				}
			}
			assert.Equal(t, tt.want, strings.Join(lines, ""))
		})
	}
}
