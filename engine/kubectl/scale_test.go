package kubectl

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestScaleAndSet(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"scale", []string{"scale", "deployment/web", "--replicas=5"}, "deployment.apps/web scaled\n"},
		{"scale, type and name", []string{"scale", "--replicas", "0", "deploy", "web"}, "deployment.apps/web scaled\n"},
		{"scale without replicas", []string{"scale", "deployment/web"}, "--- stderr\nerror: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n[exit 1]\n"},
		{"scale precondition", []string{"scale", "deployment/web", "--replicas=5", "--current-replicas=2"}, "--- stderr\nerror: Expected replicas to be 2, was 3\n[exit 1]\n"},
		{"scale precondition holds", []string{"scale", "deployment/web", "--replicas=5", "--current-replicas=3"}, "deployment.apps/web scaled\n"},
		{"scale resource version", []string{"scale", "deployment/web", "--replicas=5", "--resource-version=1"}, "--- stderr\nerror: Expected resource version to be 1, was 12\n[exit 1]\n"},
		{"scale dry run", []string{"scale", "deployment/web", "--replicas=5", "--dry-run=client"}, "deployment.apps/web scaled (dry run)\n"},
		{"scale a pod", []string{"scale", "pod/p", "--replicas=2"}, "--- stderr\nError from server (NotFound): the server could not find the requested resource\n[exit 1]\n"},
		{"scale no name", []string{"scale", "deployment", "--replicas=2"}, "--- stderr\nerror: resource(s) were provided, but no name was specified\n[exit 1]\n"},
		{"scale all", []string{"scale", "deployment", "--all", "--replicas=2"}, "deployment.apps/web scaled\n"},
		{"set image", []string{"set", "image", "deployment/web", "web=busybox:1.37"}, "deployment.apps/web image updated\n"},
		{"set image unchanged", []string{"set", "image", "deployment/web", "web=busybox:1.36"}, ""},
		{"set image all containers", []string{"set", "image", "deployment/web", "*=busybox:1.37", "-o", "name"}, "deployment.apps/web\n"},
		{"set image unknown container", []string{"set", "image", "deployment/web", "nope=x"}, "--- stderr\nerror: unable to find container named \"nope\"\n[exit 1]\n"},
		{"set image nothing", []string{"set", "image", "deployment/web"}, "--- stderr\nerror: at least one image update is required\n[exit 1]\n"},
		{"set image order", []string{"set", "image", "web=x", "deployment/web"}, "--- stderr\nerror: all resources must be specified before image changes: deployment/web\n[exit 1]\n"},
		{"set image of a pod-less kind", []string{"set", "image", "cm/c", "web=x"}, "--- stderr\nerror: configmaps/c the object is not a pod or does not have a pod template: *v1.ConfigMap\n[exit 1]\n"},
		{"set env", []string{"set", "env", "deployment/web", "A=1", "B=2"}, "deployment.apps/web env updated\n"},
		{"set env list", []string{"set", "env", "deployment/web", "--list"}, "# Deployment web, container web\nX=1\n"},
		{"set env remove", []string{"set", "env", "deployment/web", "X-"}, "deployment.apps/web env updated\n"},
		{"set env no overwrite", []string{"set", "env", "deployment/web", "X=2", "--overwrite=false"}, "--- stderr\nerror: deployments.apps/web 'X' already has a value (1), and --overwrite is false\n[exit 1]\n"},
		{"set env from", []string{"set", "env", "deployment/web", "--from=configmap/c", "--list"}, "# Deployment web, container web\nX=1\n# KEY_ONE from configmap c, key key-one\n"},
		{"set resources", []string{"set", "resources", "deployment/web", "--limits=cpu=200m,memory=512Mi"}, "deployment.apps/web resource requirements updated\n"},
		{"set resources nothing", []string{"set", "resources", "deployment/web"}, "--- stderr\nerror: you must specify an update to requests or limits (in the form of --requests/--limits)\n[exit 1]\n"},
		{"set serviceaccount", []string{"set", "sa", "deployment/web", "robot"}, "deployment.apps/web serviceaccount updated\n"},
		{"set record", []string{"set", "image", "deployment/web", "web=busybox:1.37", "--record"}, "deployment.apps/web image updated\n--- stderr\nFlag --record has been deprecated, --record will be removed in the future\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			deployWeb(f, func(d *api.Deployment) {
				d.Spec.Template.Spec.Containers[0].Env = []api.EnvVar{{Name: "X", Value: "1"}}
			})
			create(f, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "c", Namespace: "default"}, Data: map[string]string{"key-one": "1"}}, nil)
			create(f, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}, nil)
			assert.Equal(t, tt.want, f.kubectl("", tt.args...))
		})
	}
}

func TestSetRecordsTheCommand(t *testing.T) {
	f := newDescribeFixture(t)
	deployWeb(f)
	f.kubectl("", "set", "image", "deployment/web", "web=busybox:1.37", "--record")
	obj, _ := f.c.Get(api.ResourceFor(&api.Deployment{}), "default", "web")
	assert.Equal(t, "kubectl set image deployment/web web=busybox:1.37 --record=true", obj.GetObjectMeta().Annotations[ChangeCauseAnnotation])
	f.kubectl("", "scale", "deployment/web", "--replicas=2", "--record")
	obj, _ = f.c.Get(api.ResourceFor(&api.Deployment{}), "default", "web")
	assert.Equal(t, "kubectl scale deployment/web --replicas=2 --record=true", obj.GetObjectMeta().Annotations[ChangeCauseAnnotation])
	assert.Equal(t, int32(2), *obj.(*api.Deployment).Spec.Replicas)
}
