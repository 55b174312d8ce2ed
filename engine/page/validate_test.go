package page

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const deployment = `# a web server
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replcas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 80
          protocl: TCP
`

func TestLocate(t *testing.T) {
	es := entries(strings.Split(deployment, "\n"), 1)
	for path, line := range map[string]int{
		"kind":                                   3,
		"spec.replcas":                           9,
		"spec.template.spec":                     17,
		"spec.template.spec.containers[0].image": 20,
		"spec.template.spec.containers[0].ports[0].protocl": 23,
		"spec.template.spec.containers[0].ports[0]":         22,
		"spec.template.spec.containers[1].image":            18, // the deepest found
		"metadata.labels[app]":                              7,
		"spec.selector.matchLabels.app":                     12,
	} {
		e, ok := locate(es, parsePath(path))
		assert.True(t, ok, path)
		assert.Equal(t, line, e.line, path)
	}
	_, ok := locate(es, parsePath("status"))
	assert.False(t, ok)

	// Block scalars are text, not keys; flow style is not followed.
	text := "data:\n  script: |\n    name: not a key\n  name: real\nlist: [a, b]\n"
	es = entries(strings.Split(text, "\n"), 10)
	e, _ := locate(es, parsePath("data.name"))
	assert.Equal(t, 13, e.line)
	e, _ = locate(es, parsePath("list[1]"))
	assert.Equal(t, 14, e.line)
}

func TestValidate(t *testing.T) {
	f := newFixture(t)
	res := f.page.Validate("web.yaml", deployment)
	require.Len(t, res.Marks, 2, "%+v", res.Marks)
	assert.Equal(t, Mark{Line: 9, Column: 3, Severity: "error", Field: "spec.replcas", Message: `unknown field "spec.replcas"`,
		Detail: `Error from server (BadRequest): error when creating "web.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replcas", unknown field "spec.template.spec.containers[0].ports[0].protocl"`}, res.Marks[0])
	assert.Equal(t, 23, res.Marks[1].Line)
	assert.Equal(t, 11, res.Marks[1].Column)

	fixed := strings.NewReplacer("replcas", "replicas", "protocl", "protocol").Replace(deployment)
	assert.Equal(t, ValidateResult{Marks: []Mark{}, Objects: 1}, f.page.Validate("web.yaml", fixed))

	// Validation errors, in the second document of a file.
	bad := strings.Replace(fixed, "replicas: 2", "replicas: -1", 1)
	res = f.page.Validate("two.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n"+bad)
	assert.Equal(t, 2, res.Objects)
	require.Len(t, res.Marks, 1)
	assert.Equal(t, 5+9, res.Marks[0].Line)
	assert.Equal(t, "spec.replicas: Invalid value: -1: must be greater than or equal to 0", res.Marks[0].Message)
	assert.Contains(t, res.Marks[0].Detail, `Error from server (Invalid): error when creating "two.yaml": Deployment.apps "web" is invalid`)

	// YAML syntax, at the line the parser names.
	res = f.page.Validate("x.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n")
	require.Len(t, res.Marks, 1)
	assert.Equal(t, 5, res.Marks[0].Line)
	assert.Contains(t, res.Marks[0].Detail, "error parsing x.yaml: error converting YAML to JSON: yaml: line 5:")

	// Wrong types, unknown kinds and missing kinds.
	res = f.page.Validate("x.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: two\n")
	require.Len(t, res.Marks, 1)
	assert.Equal(t, 6, res.Marks[0].Line)
	assert.Contains(t, res.Marks[0].Message, "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32")
	res = f.page.Validate("x.yaml", "apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: x\n")
	require.Len(t, res.Marks, 1)
	assert.Equal(t, 2, res.Marks[0].Line)
	res = f.page.Validate("x.yaml", "metadata:\n  name: x\n")
	assert.Equal(t, "apiVersion not set", res.Marks[0].Message)

	// An object that exists is checked as the patch apply would send.
	f.run("kubectl create deployment web --image=nginx")
	assert.Empty(t, f.page.Validate("web.yaml", fixed).Marks)
	immutable := strings.ReplaceAll(fixed, "app: web", "app: other")
	res = f.page.Validate("web.yaml", immutable)
	require.NotEmpty(t, res.Marks)
	assert.Contains(t, res.Marks[0].Detail, `error when patching "web.yaml"`)
	assert.Equal(t, "spec.selector", res.Marks[0].Field)
	assert.Equal(t, 10, res.Marks[0].Line)
}

// Checking draws nothing from the cluster's random source: the history
// is the same with and without it.
func TestValidateKeepsHistory(t *testing.T) {
	names := func(check bool) string {
		f := newFixture(t)
		if check {
			for range 3 {
				f.page.Validate("p.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n")
			}
		}
		f.run("kubectl create deployment web --image=nginx --replicas=2")
		f.run("kubectl expose deployment web --port 80")
		return f.run("kubectl get pods,svc -o custom-columns=NAME:.metadata.name,UID:.metadata.uid,IP:.spec.clusterIP")
	}
	assert.Equal(t, names(false), names(true))
}
