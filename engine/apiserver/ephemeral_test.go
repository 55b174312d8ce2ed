package apiserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/patch"
)

func TestEphemeralContainersOnCreate(t *testing.T) {
	p := busybox("p")
	p.Spec.EphemeralContainers = []api.EphemeralContainer{{EphemeralContainerCommon: api.EphemeralContainerCommon{Name: "debugger", Image: "busybox"}}}
	_, err := newServer().Create(pods, "default", p)
	assert.EqualError(t, err, `Pod "p" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create`)
}

func TestPodUpdateMayNotChangeEphemeralContainers(t *testing.T) {
	s := newServer()
	_, err := s.Create(pods, "default", busybox("p"))
	require.NoError(t, err)
	_, err = s.Patch(pods, "default", "p", patch.Strategic, []byte(`{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox"}]}}`), false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than`)
}

func TestPatchEphemeralContainers(t *testing.T) {
	const add = `{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox","stdin":true,"tty":true}]}}`
	tests := []struct {
		name  string
		pt    patch.Type
		body  string
		first string // a patch applied before, which must succeed
		want  []string
		err   string
	}{
		{name: "add, strategic", pt: patch.Strategic, body: add, want: []string{"debugger"}},
		{name: "add, merge", pt: patch.Merge, body: add, want: []string{"debugger"}},
		{name: "add, json", pt: patch.JSON, body: `[{"op":"add","path":"/spec/ephemeralContainers","value":[{"name":"debugger","image":"busybox"}]}]`, want: []string{"debugger"}},
		{name: "add a second", pt: patch.Strategic, first: add, body: `{"spec":{"ephemeralContainers":[{"name":"two","image":"busybox","targetContainerName":"c"}]}}`,
			want: []string{"two", "debugger"}}, // new elements first, as a strategic merge puts them without $setElementOrder
		{name: "add a second in order", pt: patch.Strategic, first: add,
			body: `{"spec":{"$setElementOrder/ephemeralContainers":[{"name":"debugger"},{"name":"two"}],"ephemeralContainers":[{"name":"two","image":"busybox"}]}}`,
			want: []string{"debugger", "two"}}, // as kubectl debug's two-way patch says
		{name: "other fields ignored", pt: patch.Strategic, body: `{"metadata":{"labels":{"x":"y"}},"spec":{"containers":[{"name":"c","image":"nginx"}],"ephemeralContainers":[{"name":"debugger","image":"busybox"}]}}`,
			want: []string{"debugger"}},
		{name: "remove", pt: patch.Merge, first: add, body: `{"spec":{"ephemeralContainers":null}}`, want: []string{"debugger"},
			err: `Pod "p" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be removed` + "\n"},
		{name: "change", pt: patch.Strategic, first: add, body: `{"spec":{"ephemeralContainers":[{"name":"debugger","image":"nginx"}]}}`, want: []string{"debugger"},
			err: `Pod "p" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be changed` + "\n"},
		{name: "name of a container", pt: patch.Strategic, body: `{"spec":{"ephemeralContainers":[{"name":"c","image":"busybox"}]}}`,
			err: `Pod "p" is invalid: spec.ephemeralContainers[0].name: Duplicate value: "c"`},
		{name: "two of a name", pt: patch.JSON, body: `[{"op":"add","path":"/spec/ephemeralContainers","value":[{"name":"d","image":"busybox"},{"name":"d","image":"busybox"}]}]`,
			err: `Pod "p" is invalid: spec.ephemeralContainers[1].name: Duplicate value: "d"`},
		{name: "bad target", pt: patch.Strategic, body: `{"spec":{"ephemeralContainers":[{"name":"d","image":"busybox","targetContainerName":"nope"}]}}`,
			err: `Pod "p" is invalid: spec.ephemeralContainers[0].targetContainerName: Not found: "nope"`},
		{name: "no image", pt: patch.Strategic, body: `{"spec":{"ephemeralContainers":[{"name":"d"}]}}`,
			err: `Pod "p" is invalid: spec.ephemeralContainers[0].image: Required value`},
		{name: "forbidden fields", pt: patch.Strategic,
			body: `{"spec":{"ephemeralContainers":[{"name":"d","image":"busybox","ports":[{"containerPort":80}],"resources":{"limits":{"cpu":"1"}},` +
				`"readinessProbe":{"exec":{"command":["true"]}},"lifecycle":{"preStop":{"exec":{"command":["true"]}}},"restartPolicy":"Always",` +
				`"volumeMounts":[{"name":"v","mountPath":"/v","subPath":"x"}]}]}}`,
			err: `Pod "p" is invalid: [spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container, ` +
				`spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container, ` +
				`spec.ephemeralContainers[0].restartPolicy: Forbidden: cannot be set for an Ephemeral Container, ` +
				`spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container, ` +
				`spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container, ` +
				`spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer()
			_, err := s.Create(pods, "default", busybox("p"))
			require.NoError(t, err)
			if tt.first != "" {
				_, err := s.PatchEphemeralContainers("default", "p", patch.Strategic, []byte(tt.first), false)
				require.NoError(t, err)
			}
			out, err := s.PatchEphemeralContainers("default", "p", tt.pt, []byte(tt.body), false)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, "Pod", out.Kind)
			}
			cur, err := s.GetEphemeralContainers("default", "p")
			require.NoError(t, err)
			var names []string
			for _, ec := range cur.Spec.EphemeralContainers {
				names = append(names, ec.Name)
			}
			assert.Equal(t, tt.want, names)
			assert.Equal(t, "busybox", cur.Spec.Containers[0].Image, "only ephemeral containers change")
			assert.Empty(t, cur.Labels)
		})
	}
}

func TestEphemeralContainerWrite(t *testing.T) {
	s := newServer()
	defer s.SetFieldManager("kubectl")()
	created, err := s.Create(pods, "default", busybox("p"))
	require.NoError(t, err)
	out, err := s.PatchEphemeralContainers("default", "p", patch.Strategic, []byte(`{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox"}]}}`), false)
	require.NoError(t, err)
	ec := out.Spec.EphemeralContainers[0]
	assert.Equal(t, "/dev/termination-log", ec.TerminationMessagePath, "defaulted as a container")
	assert.Equal(t, "File", ec.TerminationMessagePolicy)
	assert.Equal(t, "Always", ec.ImagePullPolicy)
	assert.NotEqual(t, created.GetObjectMeta().ResourceVersion, out.ResourceVersion)
	assert.Equal(t, int64(2), out.Generation, "a change of the spec")
	entries := decodeManaged(out.ManagedFields)
	require.Len(t, entries, 2)
	assert.Equal(t, "ephemeralcontainers", entries[1].Subresource)

	// A stale resourceVersion conflicts; a dry run stores nothing.
	stale := api.Clone(out)
	stale.ResourceVersion = created.GetObjectMeta().ResourceVersion
	stale.Spec.EphemeralContainers = append(stale.Spec.EphemeralContainers, api.EphemeralContainer{EphemeralContainerCommon: api.EphemeralContainerCommon{Name: "two", Image: "busybox"}})
	_, err = s.UpdateEphemeralContainers("default", stale, false)
	assert.EqualError(t, err, `Operation cannot be fulfilled on pods "p": the object has been modified; please apply your changes to the latest version and try again`)
	stale.ResourceVersion = ""
	_, err = s.UpdateEphemeralContainers("default", stale, true)
	require.NoError(t, err)
	cur, err := s.GetEphemeralContainers("default", "p")
	require.NoError(t, err)
	assert.Len(t, cur.Spec.EphemeralContainers, 1)

	_, err = s.GetEphemeralContainers("default", "nope")
	assert.EqualError(t, err, `pods "nope" not found`)
}
