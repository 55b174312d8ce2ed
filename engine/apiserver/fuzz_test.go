package apiserver

import (
	"testing"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/stretchr/testify/require"
)

// FuzzSelectors: any label and field selector of a list or watch is
// accepted or refused with a bad request (400), never a panic; an accepted
// pair matches a pod without a panic.
func FuzzSelectors(f *testing.F) {
	for _, s := range [][2]string{
		{"", ""},
		{"app=web", "metadata.name=web-0"},
		{"app in (web,api),tier!=db", "spec.nodeName=node-1,status.phase!=Running"},
		{"!canary", "metadata.namespace==default"},
		{"app", "status.podIP="},
		{"a>1,b<2", "spec.nodeName"},
		{"app=", "=x"},
		{"app=web,", "metadata.name!=,spec.hostNetwork=true"},
		{"example.com/tier notin ()", "spec.unschedulable=true"},
		{"-bad", "a=b=c"},
		{",", ",,"},
		{"app in (web", "status.phase==Running!=x"},
	} {
		f.Add(s[0], s[1], "web", "node-1")
	}
	pods, ok := api.LookupResource("pods")
	require.True(f, ok)
	f.Fuzz(func(t *testing.T, labels, fields, label, node string) {
		m, err := newMatcher(pods, ListOptions{LabelSelector: labels, FieldSelector: fields})
		if err != nil {
			var se *StatusError
			require.ErrorAs(t, err, &se)
			require.Equal(t, int32(400), se.Status.Code)
			return
		}
		pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web-0", Namespace: "default", Labels: map[string]string{"app": label}}}
		pod.Spec.NodeName = node
		m.matches(pod)
	})
}
