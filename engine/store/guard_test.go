package store

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
)

func TestGuardCatchesAChangeInPlace(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *Store, stored *api.Pod)
		want   []string // in the error; none: no error
	}{
		{name: "a new value each write", change: func(s *Store, stored *api.Pod) {
			p := api.Clone(stored)
			p.Labels = map[string]string{"app": "b"}
			_, err := s.Update("/registry/pods/default/a", p, 0)
			require.NoError(t, err)
		}},
		{name: "the stored value changed, then written again", change: func(s *Store, stored *api.Pod) {
			stored.Labels["app"] = "b"
			_, err := s.Update("/registry/pods/default/a", api.Clone(stored), 0)
			require.NoError(t, err)
		}, want: []string{"2 stored values changed in place", "before revision 3: /registry/pods/default/a at revision 2", `"labels":{"app":"a"}}`, `now:    …namespace":"default","resourceVersion":"2","labels":{"app":"b"}}`}},
		{name: "the stored value changed, not written again", change: func(s *Store, stored *api.Pod) {
			stored.Spec.NodeName = "node01"
		}, want: []string{"1 stored values changed in place", "/registry/pods/default/a at revision 2 was changed in place"}},
		{name: "a value shared with a later revision changed", change: func(s *Store, stored *api.Pod) {
			p := *stored // shares the labels
			p.Status.Phase = "Running"
			_, err := s.Update("/registry/pods/default/a", &p, 0)
			require.NoError(t, err)
			p.Labels["app"] = "c"
		}, want: []string{"2 stored values changed in place", "revision 2", "revision 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			s.Guard()
			p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "a", Namespace: "default", Labels: map[string]string{"app": "a"}}}
			kv, err := s.Create("/registry/pods/default/a", p)
			require.NoError(t, err)
			tt.change(s, kv.Value.(*api.Pod))
			err = s.CheckGuarded()
			if len(tt.want) == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
