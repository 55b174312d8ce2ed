package apiserver

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// createDoc does what kubectl create does with one document: find its
// resource (kubectl's kind lookup), decode it strictly, create it in its
// namespace or default. It returns the error text, or "".
func createDoc(s *Server, doc []byte) string {
	tm, err := api.TypeOf(doc)
	if err != nil {
		return err.Error()
	}
	r, err := api.LookupKind(tm.APIVersion, tm.Kind)
	if err != nil {
		return err.Error()
	}
	obj, err := s.Decode(r, doc)
	if err != nil {
		return err.Error()
	}
	ns := obj.GetObjectMeta().Namespace
	if ns == "" && r.Namespaced {
		ns = "default"
	}
	if _, err := s.Create(r, ns, obj); err != nil {
		return err.Error()
	}
	return ""
}

// TestExampleDefaults checks what -o yaml shows of some examples.
func TestExampleDefaults(t *testing.T) {
	s := newServer()
	// The documentation's examples, which engine/session's
	// TestDocumentationExamples applies through kubectl.
	data, err := os.ReadFile(filepath.Join("..", "session", "testdata", "k8s-examples", "application", "web", "web.yaml"))
	require.NoError(t, err)
	docs, err := api.SplitYAML(data)
	require.NoError(t, err)
	for _, d := range docs {
		require.Empty(t, createDoc(s, d.JSON))
	}
	svc := mustGet[*api.Service](t, s, "services", "nginx")
	assert.Equal(t, `clusterIP: None
clusterIPs:
- None
internalTrafficPolicy: Cluster
ipFamilies:
- IPv4
ipFamilyPolicy: SingleStack
ports:
- name: web
  port: 80
  protocol: TCP
  targetPort: 80
selector:
  app: nginx
sessionAffinity: None
type: ClusterIP
`, yamlOf(t, svc.Spec))
}
