package kubectl

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestPatchLabelCreate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"strategic", []string{"patch", "deployment", "web", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"busybox:1.37"}]}}}}`}, "deployment.apps/web patched\n"},
		{"no change", []string{"patch", "deployment/web", "-p", `{"spec":{"replicas":3}}`}, "deployment.apps/web patched (no change)\n"},
		{"yaml patch", []string{"patch", "deployment/web", "--type", "merge", "-p", "spec:\n  replicas: 1"}, "deployment.apps/web patched\n"},
		{"json", []string{"patch", "deployment/web", "--type=json", "-p", `[{"op":"replace","path":"/spec/replicas","value":2}]`}, "deployment.apps/web patched\n"},
		{"json not a list", []string{"patch", "deployment/web", "--type=json", "-p", `{}`}, "--- stderr\nError from server (BadRequest): json: cannot unmarshal object into Go value of type jsonpatch.Patch\n[exit 1]\n"},
		{"bad yaml", []string{"patch", "deployment/web", "-p", `{bad`}, "--- stderr\nerror: unable to parse \"{bad\": yaml: line 1: did not find expected ',' or '}'\n[exit 1]\n"},
		{"client dry run", []string{"patch", "deployment/web", "-p", `{"spec":{"replicas":5}}`, "--dry-run=client"}, "deployment.apps/web patched (dry run)\n"},
		{"missing", []string{"patch", "deployment/nope", "-p", `{}`}, "--- stderr\nError from server (NotFound): deployments.apps \"nope\" not found\n[exit 1]\n"},
		{"both patches", []string{"patch", "deployment/web", "-p", `{}`, "--patch-file", "x"}, "--- stderr\nerror: cannot specify --patch and --patch-file together\n[exit 1]\n"},
		{"label", []string{"label", "deployment/web", "tier=front"}, "deployment.apps/web labeled\n"},
		{"label overwrite refused", []string{"label", "pod/p", "app=x"}, "--- stderr\nerror: 'app' already has a value (web), and --overwrite is false\n[exit 1]\n"},
		{"label bad value", []string{"label", "deployment/web", "a=-x"}, "--- stderr\nerror: invalid label value: \"a=-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')\n[exit 1]\n"},
		{"label and remove", []string{"label", "deployment/web", "a=b", "a-"}, "--- stderr\nerror: can not both modify and remove a label in the same command\n[exit 1]\n"},
		{"label no resource", []string{"label", "a=b"}, "--- stderr\nerror: one or more resources must be specified as <resource> <name> or <resource>/<name>\n[exit 1]\n"},
		{"label none matched", []string{"label", "pods", "-l", "app=none", "a=b"}, "No resources found in default namespace.\n"},
		{"label dry run", []string{"label", "deployment/web", "tier=front", "--dry-run=server"}, "deployment.apps/web labeled (server dry run)\n"},
		{"annotate", []string{"annotate", "deployment/web", "note=hello world"}, "deployment.apps/web annotated\n"},
		{"annotate list", []string{"annotate", "deployment/web", "--list"}, "deployment.kubernetes.io/revision=1\n"},
		{"annotate nothing", []string{"annotate", "deployment/web"}, "--- stderr\nerror: at least one annotation update is required\n[exit 1]\n"},
		{"create namespace", []string{"create", "namespace", "dev"}, "namespace/dev created\n"},
		{"create configmap name", []string{"create", "configmap", "c", "--from-literal=a=1", "-o", "name"}, "configmap/c\n"},
		{"create configmap bad literal", []string{"create", "configmap", "c", "--from-literal=a"}, "--- stderr\nerror: invalid literal source a, expected key=value\n[exit 1]\n"},
		{"create two names", []string{"create", "namespace", "a", "b"}, "--- stderr\nerror: exactly one NAME is required, got 2\nSee 'kubectl create namespace -h' for help and examples\n[exit 1]\n"},
		{"create service externalname", []string{"create", "service", "externalname", "ext", "--external-name=example.com"}, "service/ext created\n"},
		{"expose", []string{"expose", "deployment/web", "--port=80"}, "service/web exposed\n"},
		{"autoscale", []string{"autoscale", "deployment/web", "--max=4"}, "horizontalpodautoscaler.autoscaling/web autoscaled\n"},
		{"autoscale no max", []string{"autoscale", "deployment/web"}, "--- stderr\nerror: --max=MAXPODS is required and must be at least 1, max: -1\n[exit 1]\n"},
		{"autoscale a pod", []string{"autoscale", "pod/p", "--max=2"}, "--- stderr\nerror: cannot autoscale a Pod: p\n[exit 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			deployWeb(f)
			create(f, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default", Labels: map[string]string{"app": "web"}}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}, nil)
			assert.Equal(t, tt.want, f.kubectl("", tt.args...))
		})
	}
}

func TestServerDryRunStoresNothing(t *testing.T) {
	f := newDescribeFixture(t)
	assert.Equal(t, "pod/p created (server dry run)\n", f.kubectl("", "run", "p", "--image=busybox", "--dry-run=server"))
	assert.Equal(t, "deployment.apps/web created (server dry run)\n", f.kubectl("", "create", "deployment", "web", "--image=busybox", "--dry-run=server"))
	_, err := f.c.Get(api.ResourceFor(&api.Pod{}), "default", "p")
	assert.Error(t, err)
	_, err = f.c.Get(api.ResourceFor(&api.Deployment{}), "default", "web")
	assert.Error(t, err)
}
