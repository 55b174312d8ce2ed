package kubectl

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestAttachErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no argument", nil, "--- stderr\nerror: at least 1 argument is required for attach\n[exit 1]\n"},
		{"three arguments", []string{"pod", "a", "b"}, "--- stderr\nerror: expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw 3: [pod a b]\n[exit 1]\n"},
		{"bad timeout", []string{"p", "--pod-running-timeout=0s"}, "--- stderr\nerror: --pod-running-timeout must be higher than zero\n[exit 1]\n"},
		{"missing pod", []string{"nope"}, "--- stderr\nError from server (NotFound): pods \"nope\" not found\n[exit 1]\n"},
		{"completed pod", []string{"pod", "done"}, "--- stderr\nerror: cannot attach a container in a completed pod; current phase is Succeeded\n[exit 1]\n"},
		{"unknown container", []string{"p", "-c", "nope"}, "--- stderr\nerror: cannot attach to the container: container nope not found in pod p\n[exit 1]\n"},
		{"not on a node", []string{"pod/p", "-c", "side"}, "--- stderr\nAll commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\nIf you don't see a command prompt, try pressing enter.\nError from server (BadRequest): pod p does not have a host assigned\n[exit 1]\n"},
		{"tty refused", []string{"p", "-t"}, "--- stderr\nDefaulted container \"c\" out of: c, side\nerror: Unable to use a TTY - container c did not allocate one\nAll commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\nIf you don't see a command prompt, try pressing enter.\nError from server (BadRequest): pod p does not have a host assigned\n[exit 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			create(f, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}, {Name: "side", Image: "busybox"}}}}, nil)
			create(f, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "done", Namespace: "default"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}},
				func(p *api.Pod) { p.Status.Phase = api.PodSucceeded })
			assert.Equal(t, tt.want, f.kubectl("", append([]string{"attach"}, tt.args...)...))
		})
	}
}
