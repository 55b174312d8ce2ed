package kubectl

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

// kubectl debug's checks, in kubectl's words and order.
func TestDebugErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no image", []string{"p"}, "error: you must specify --image when not using --copy-to.\n"},
		{"no name", []string{"--image=busybox"}, "error: NAME or filename is required for debug\n"},
		{"attach without a container", []string{"p", "--attach"}, "error: you must specify --container or create a new container using --image in order to attach.\n"},
		{"copy without an image", []string{"p", "--copy-to=q"}, "error: you must specify --image, --set-image or command arguments.\n"},
		{"copy with args only", []string{"p", "--copy-to=q", "--", "sh"}, "error: you must specify an existing container or a new image when specifying args.\n"},
		{"replace without a copy", []string{"p", "--image=busybox", "--replace"}, "error: --replace may only be used with --copy-to.\n"},
		{"same node without a copy", []string{"p", "--image=busybox", "--same-node"}, "error: --same-node may only be used with --copy-to.\n"},
		{"set image without a copy", []string{"p", "--image=busybox", "--set-image=c=nginx"}, "error: --set-image may only be used with --copy-to.\n"},
		{"bad pull policy", []string{"p", "--image=busybox", "--image-pull-policy=Sometimes"}, "error: invalid image pull policy: Sometimes\n"},
		{"target with a copy", []string{"p", "--image=busybox", "--copy-to=q", "--target=c"}, "error: --target is incompatible with --copy-to. Use --share-processes instead.\n"},
		{"tty without stdin", []string{"p", "--image=busybox", "-t"}, "error: -i/--stdin is required for containers with -t/--tty=true\n"},
		{"unknown profile", []string{"p", "--image=busybox", "--profile=root"}, "error: unknown profile: root\n"},
		{"bad env", []string{"p", "--image=busybox", "--env=X"}, "error: invalid argument \"X\" for \"--env\" flag: X must be formatted as key=value\n"},
		{"missing pod", []string{"nope", "--image=busybox"}, "Error from server (NotFound): pods \"nope\" not found\n"},
		{"legacy is deprecated", []string{"nope", "--image=busybox", "--profile=legacy"}, "--profile=legacy is deprecated and planned to be removed in v1.39. It is recommended to specify other profile, for example \"--profile=general\".\nError from server (NotFound): pods \"nope\" not found\n"},
		{"but checked after the others", []string{"nope", "--image=busybox", "--profile=legacy", "-t"}, "error: -i/--stdin is required for containers with -t/--tty=true\n"},
		{"a deployment", []string{"deployment/d", "--image=busybox"}, "error: \"apps/v1, Kind=Deployment\" not supported by debug\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			create(f, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "nginx"}}}}, nil)
			create(f, &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "d", Namespace: "default"}, Spec: api.DeploymentSpec{
				Selector: &api.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
				Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"a": "b"}}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "nginx"}}}}}}, nil)
			assert.Equal(t, "--- stderr\n"+tt.want+"[exit 1]\n", f.kubectl("", append([]string{"debug"}, tt.args...)...))
		})
	}
}

// The profiles' changes to the debug container and the pod, as
// kubectl's profiles.go makes them.
func TestDebugProfiles(t *testing.T) {
	keepNone := keepFlags{labels: new(bool), annotations: new(bool), liveness: new(bool), readiness: new(bool), startup: new(bool), initContainers: api.Ptr(true)}
	pod := func() *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Labels: map[string]string{"app": "x"}, Annotations: map[string]string{"a": "b"}},
			Spec: api.PodSpec{Containers: []api.Container{{Name: "c", LivenessProbe: &api.Probe{}}, {Name: "d"}}}}
	}
	tests := []struct {
		profile string
		style   debugStyle
		check   func(t *testing.T, p *api.Pod, d *api.Container)
	}{
		{profileGeneral, styleNode, func(t *testing.T, p *api.Pod, d *api.Container) {
			assert.True(t, p.Spec.HostNetwork && p.Spec.HostPID && p.Spec.HostIPC)
			assert.Equal(t, []api.VolumeMount{{Name: "host-root", MountPath: "/host"}}, d.VolumeMounts)
			assert.Equal(t, "/", p.Spec.Volumes[0].HostPath.Path)
			assert.Nil(t, d.SecurityContext)
		}},
		{profileGeneral, styleCopy, func(t *testing.T, p *api.Pod, d *api.Container) {
			assert.Nil(t, p.Labels)
			assert.Nil(t, p.Annotations)
			assert.Nil(t, p.Spec.Containers[0].LivenessProbe)
			assert.Equal(t, api.Ptr(true), p.Spec.ShareProcessNamespace)
			assert.Equal(t, []string{"SYS_PTRACE"}, d.SecurityContext.Capabilities.Add)
		}},
		{profileLegacy, styleCopy, func(t *testing.T, p *api.Pod, d *api.Container) {
			assert.Nil(t, p.Labels)
			assert.NotNil(t, p.Annotations)
			assert.NotNil(t, p.Spec.Containers[0].LivenessProbe)
			assert.Equal(t, &api.SecurityContext{RunAsUser: api.Ptr(int64(1000))}, d.SecurityContext, "left as it was")
		}},
		{profileRestricted, styleNode, func(t *testing.T, p *api.Pod, d *api.Container) {
			assert.False(t, p.Spec.HostNetwork)
			assert.Equal(t, &api.SecurityContext{RunAsNonRoot: api.Ptr(true), AllowPrivilegeEscalation: api.Ptr(false),
				Capabilities: &api.Capabilities{Drop: []string{"ALL"}}, SeccompProfile: &api.SeccompProfile{Type: "RuntimeDefault"}}, d.SecurityContext)
		}},
		{profileNetadmin, styleNode, func(t *testing.T, p *api.Pod, d *api.Container) {
			assert.True(t, p.Spec.HostNetwork)
			assert.Empty(t, d.VolumeMounts)
			assert.Equal(t, []string{"NET_ADMIN", "NET_RAW"}, d.SecurityContext.Capabilities.Add)
		}},
		{profileSysadmin, styleNode, func(t *testing.T, p *api.Pod, d *api.Container) {
			assert.True(t, p.Spec.HostPID)
			assert.Equal(t, api.Ptr(true), d.SecurityContext.Privileged)
			assert.Len(t, d.VolumeMounts, 1)
		}},
		{profileBaseline, styleCopy, func(t *testing.T, p *api.Pod, d *api.Container) {
			assert.Nil(t, d.SecurityContext)
			assert.Equal(t, api.Ptr(true), p.Spec.ShareProcessNamespace)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			p := pod()
			p.Spec.Containers[1].SecurityContext = &api.SecurityContext{RunAsUser: api.Ptr(int64(1000))}
			applyProfile(tt.profile, keepNone, p, "d", tt.style)
			tt.check(t, p, &p.Spec.Containers[1])
		})
	}
}

// TestNamedListPatch: the part of kubectl's two-way patch for a list of
// containers, as diffListsOfMaps makes it.
func TestNamedListPatch(t *testing.T) {
	ptrace := &api.SecurityContext{Capabilities: &api.Capabilities{Add: []string{"SYS_PTRACE"}}}
	twice := &api.SecurityContext{Capabilities: &api.Capabilities{Add: []string{"SYS_PTRACE", "SYS_PTRACE"}}}
	ec := func(name, image string, sc *api.SecurityContext) api.EphemeralContainer {
		return api.EphemeralContainer{EphemeralContainerCommon: api.EphemeralContainerCommon{Name: name, Image: image, SecurityContext: sc}}
	}
	tests := []struct {
		name      string
		orig, mod []api.EphemeralContainer
		want      string
	}{
		{name: "unchanged", orig: []api.EphemeralContainer{ec("a", "busybox", nil)}, mod: []api.EphemeralContainer{ec("a", "busybox", nil)}, want: `null null`},
		{name: "added", orig: []api.EphemeralContainer{ec("b", "busybox", nil)}, mod: []api.EphemeralContainer{ec("b", "busybox", nil), ec("a", "busybox", ptrace)},
			want: `[{"image":"busybox","name":"a","resources":{},"securityContext":{"capabilities":{"add":["SYS_PTRACE"]}}}] [{"name":"b"},{"name":"a"}]`},
		{name: "the name again: the first changed, the second whole", orig: []api.EphemeralContainer{ec("a", "busybox", ptrace)}, mod: []api.EphemeralContainer{ec("a", "busybox", twice), ec("a", "alpine", nil)},
			want: `[{"name":"a","securityContext":{"capabilities":{"add":["SYS_PTRACE","SYS_PTRACE"]}}},{"image":"alpine","name":"a","resources":{}}] [{"name":"a"},{"name":"a"}]`},
		{name: "a field removed is null", orig: []api.EphemeralContainer{ec("a", "busybox", ptrace)}, mod: []api.EphemeralContainer{ec("a", "busybox", nil)},
			want: `[{"name":"a","securityContext":null}] [{"name":"a"}]`},
		{name: "removed", orig: []api.EphemeralContainer{ec("a", "busybox", nil), ec("b", "busybox", nil)}, mod: []api.EphemeralContainer{ec("b", "busybox", nil)},
			want: `[{"$patch":"delete","name":"a"}] [{"name":"b"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, order, err := namedListPatch(tt.orig, tt.mod)
			require.NoError(t, err)
			l, err := json.Marshal(list)
			require.NoError(t, err)
			o, err := json.Marshal(order)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(l)+" "+string(o))
		})
	}
}
