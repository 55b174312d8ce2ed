package kubectl

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeplay/kubeplay/engine/api"
)

// deployWeb creates Deployment web with three replicas of busybox:1.36,
// at revision 1.
func deployWeb(f *describeFixture, change ...func(*api.Deployment)) *api.Deployment {
	labels := map[string]string{"app": "web"}
	d := &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", Annotations: map[string]string{revisionAnnotation: "1"}},
		Spec: api.DeploymentSpec{Replicas: api.Ptr(int32(3)), Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels}, Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: "busybox:1.36"}}}}},
	}
	for _, c := range change {
		c(d)
	}
	return create(f, d, nil)
}

// replicaSetOf creates a ReplicaSet of web at a revision, as the
// controller would have made it.
func replicaSetOf(f *describeFixture, d *api.Deployment, hash, rev, image, cause string) {
	tmpl := *api.Clone(&d.Spec.Template)
	tmpl.Labels = map[string]string{"app": "web", "pod-template-hash": hash}
	tmpl.Spec.Containers[0].Image = image
	ann := map[string]string{"deployment.kubernetes.io/revision": rev}
	if cause != "" {
		ann[ChangeCauseAnnotation] = cause
	}
	create(f, &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: "web-" + hash, Namespace: "default", Labels: tmpl.Labels, Annotations: ann,
			OwnerReferences: []api.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID, Controller: api.Ptr(true)}}},
		Spec: api.ReplicaSetSpec{Replicas: api.Ptr(int32(0)), Selector: &api.LabelSelector{MatchLabels: tmpl.Labels}, Template: tmpl},
	}, nil)
}

func TestRolloutCommands(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *describeFixture)
		args  []string
		want  string
	}{
		{"pause", nil, []string{"rollout", "pause", "deployment/web"}, "deployment.apps/web paused\n"},
		{"pause twice", func(f *describeFixture) { deployWeb(f, func(d *api.Deployment) { d.Spec.Paused = true }) },
			[]string{"rollout", "pause", "deploy", "web"}, "--- stderr\nerror: deployments.apps \"web\" is already paused\n[exit 1]\n"},
		{"resume not paused", nil, []string{"rollout", "resume", "deployment/web"}, "--- stderr\nerror: deployments.apps \"web\" is not paused\n[exit 1]\n"},
		{"pause by selector, none", nil, []string{"rollout", "pause", "deployment", "-l", "app=none"}, "No resources found in default namespace.\n"},
		{"no resource", nil, []string{"rollout", "status"}, "--- stderr\nerror: required resource not specified\n[exit 1]\n"},
		{"status not observed", nil, []string{"rollout", "status", "deployment/web", "--watch=false"}, "Waiting for deployment spec update to be observed...\n"},
		{"status of a pod", func(f *describeFixture) {
			create(f, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}, nil)
		},
			[]string{"rollout", "status", "pod/p"}, "--- stderr\nerror: no status viewer has been implemented for Pod\n[exit 1]\n"},
		{"status revision", nil, []string{"rollout", "status", "deployment/web", "--revision=-1"}, "--- stderr\nerror: revision must be a positive integer: -1\n[exit 1]\n"},
		{"history empty", nil, []string{"rollout", "history", "deployment/web"}, "deployment.apps/web \nNo rollout history found.\n"},
		{"history", func(f *describeFixture) {
			d := deployWeb(f)
			replicaSetOf(f, d, "aaaa", "1", "busybox:1.36", "")
			replicaSetOf(f, d, "bbbb", "2", "busybox:1.37", "kubectl set image deployment/web web=busybox:1.37 --record=true")
		}, []string{"rollout", "history", "deployment/web"}, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         kubectl set image deployment/web web=busybox:1.37 --record=true\n\n"},
		{"history of an unknown revision", func(f *describeFixture) { replicaSetOf(f, deployWeb(f), "aaaa", "1", "busybox:1.36", "") },
			[]string{"rollout", "history", "deployment/web", "--revision=3"}, "--- stderr\nerror: unable to find the specified revision\n[exit 1]\n"},
		{"undo without history", func(f *describeFixture) { replicaSetOf(f, deployWeb(f), "aaaa", "1", "busybox:1.36", "") },
			[]string{"rollout", "undo", "deployment/web"}, "--- stderr\nerror: no rollout history found for deployment \"web\"\n[exit 1]\n"},
		{"undo", func(f *describeFixture) {
			d := deployWeb(f)
			replicaSetOf(f, d, "aaaa", "1", "busybox:1.35", "")
			replicaSetOf(f, d, "bbbb", "2", "busybox:1.36", "")
		}, []string{"rollout", "undo", "deployment/web"}, "deployment.apps/web rolled back\n"},
		{"undo to the current template", func(f *describeFixture) {
			d := deployWeb(f)
			replicaSetOf(f, d, "aaaa", "1", "busybox:1.35", "")
			replicaSetOf(f, d, "bbbb", "2", "busybox:1.36", "")
		}, []string{"rollout", "undo", "deployment/web", "--to-revision=2"}, "deployment.apps/web skipped rollback (current template already matches revision 2)\n"},
		{"undo server dry run", func(f *describeFixture) {
			d := deployWeb(f)
			replicaSetOf(f, d, "aaaa", "1", "busybox:1.35", "")
			replicaSetOf(f, d, "bbbb", "2", "busybox:1.36", "")
		}, []string{"rollout", "undo", "deployment/web", "--dry-run=server"}, "deployment.apps/web rolled back (server dry run)\n"},
		{"restart a replica set", func(f *describeFixture) { replicaSetOf(f, deployWeb(f), "aaaa", "1", "busybox:1.35", "") },
			[]string{"rollout", "restart", "rs/web-aaaa"}, "--- stderr\nerror: replicasets.apps \"web-aaaa\" restarting is not supported\n[exit 1]\n"},
		{"restart", nil, []string{"rollout", "restart", "deployment/web"}, "deployment.apps/web restarted\n"},
		{"unknown subcommand", nil, []string{"rollout", "frob"}, "--- stderr\nerror: unknown command \"frob\"\nSee 'kubectl rollout -h' for help and examples\n[exit 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			} else {
				deployWeb(f)
			}
			assert.Equal(t, tt.want, f.kubectl("", tt.args...))
		})
	}
}

func TestRolloutUndoPatchesTemplateAndAnnotations(t *testing.T) {
	f := newDescribeFixture(t)
	d := deployWeb(f, func(d *api.Deployment) {
		d.Annotations = map[string]string{ChangeCauseAnnotation: "two", LastAppliedAnnotation: "{}"}
	})
	replicaSetOf(f, d, "aaaa", "1", "busybox:1.35", "one")
	replicaSetOf(f, d, "bbbb", "2", "busybox:1.36", "two")
	assert.Equal(t, "deployment.apps/web rolled back\n", f.kubectl("", "rollout", "undo", "deployment/web"))
	obj, _ := f.c.Get(api.ResourceFor(d), "default", "web")
	got := obj.(*api.Deployment)
	assert.Equal(t, "busybox:1.35", got.Spec.Template.Spec.Containers[0].Image)
	assert.Equal(t, map[string]string{"app": "web"}, got.Spec.Template.Labels)
	assert.Equal(t, map[string]string{ChangeCauseAnnotation: "one", LastAppliedAnnotation: "{}"}, got.Annotations)
}

func TestRestartStampsTheClock(t *testing.T) {
	f := newDescribeFixture(t)
	deployWeb(f)
	f.kubectl("", "rollout", "restart", "deployment/web")
	obj, _ := f.c.Get(api.ResourceFor(&api.Deployment{}), "default", "web")
	assert.Equal(t, f.l.Now().UTC().Format("2006-01-02T15:04:05Z07:00"), obj.(*api.Deployment).Spec.Template.Annotations[RestartedAtAnnotation])
}
