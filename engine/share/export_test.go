package share

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/session"
)

// The export holds the user's objects without the server's fields, and
// applies as it is to a fresh cluster.
func TestExport(t *testing.T) {
	s, err := session.New(config(t))
	require.NoError(t, err)
	defer s.Close()
	for _, line := range []string{
		"kubectl create namespace shop",
		"kubectl create deployment web --image=busybox --replicas=2 -n shop -- sleep 3600",
		"kubectl expose deployment web --port=80 -n shop",
		"kubectl run solo --image=busybox -- sleep 3600",
		"kubectl create job once --image=busybox -- echo hi",
		"kubectl create cronjob tick --image=busybox --schedule='*/5 * * * *' -- date",
		"kubectl create configmap settings --from-literal=mode=fast",
		"sleep 20",
	} {
		var out bytes.Buffer
		require.Equal(t, 0, s.Exec(context.Background(), line, &out, &out), "%s: %s", line, out.String())
	}
	s.Lock()
	got, err := Export(client.New(s.Cluster().API(), "test"))
	s.Unlock()
	require.NoError(t, err)
	text := string(got)
	for _, want := range []string{"kind: Namespace\nmetadata:\n  name: shop\n", "kind: Deployment", "kind: Service", "name: solo", "kind: Job", "kind: CronJob", "name: settings", "image: busybox"} {
		assert.Contains(t, text, want)
	}
	for _, server := range []string{"uid:", "resourceVersion:", "creationTimestamp:", "status:", "generation:", "managedFields", "clusterIP", "nodeName:", "kube-api-access", "priority:", "controller-uid", "tolerationSeconds", "kind: ReplicaSet", "kube-root-ca.crt", "name: kubernetes\n", "kube-system", "last-applied", "deployment.kubernetes.io/revision"} {
		assert.NotContains(t, text, server)
	}

	fresh, err := session.New(config(t))
	require.NoError(t, err)
	defer fresh.Close()
	require.NoError(t, hackpadfs.WriteFullFile(fresh.Shell().FS(), "root/export.yaml", got, 0o644))
	var out bytes.Buffer
	require.Equal(t, 0, fresh.Exec(context.Background(), "kubectl apply -f export.yaml", &out, &out), out.String())
	assert.Contains(t, out.String(), "namespace/shop created\n")
	assert.Contains(t, out.String(), "deployment.apps/web created\n")
	assert.Contains(t, out.String(), "job.batch/once created\n")
	fresh.Exec(context.Background(), "sleep 10", io.Discard, io.Discard)
	out.Reset()
	fresh.Exec(context.Background(), "kubectl get deploy -n shop web -o jsonpath='{.status.readyReplicas}'", &out, &out)
	assert.Equal(t, "2", out.String())
}
