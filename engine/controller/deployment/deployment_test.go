package deployment

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/controller/controllertest"
)

// fixture runs the Deployment controller alone: the test plays the
// ReplicaSet controller, making ReplicaSets' pods available (or not).
type fixture struct{ *controllertest.Fixture }

func newFixture(t *testing.T) *fixture {
	return &fixture{controllertest.New(t, 1, func(cl *client.Client) ([]controller.Controller, []controllertest.Starter) {
		rss := client.NewInformer[*api.ReplicaSet](cl, "", apiserver.ListOptions{})
		pods := client.NewInformer[*api.Pod](cl, "", apiserver.ListOptions{})
		return []controller.Controller{New(cl, rss, pods)}, []controllertest.Starter{rss, pods}
	})}
}

func web(replicas int32, image string) *api.Deployment {
	labels := map[string]string{"app": "web"}
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.DeploymentSpec{
			Replicas: api.Ptr(replicas),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels}, Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: image}}}},
		},
	}
}

func (f *fixture) deployment() *api.Deployment {
	d, err := client.Get[*api.Deployment](f.C, "default", "web")
	require.NoError(f.T, err)
	return d
}

func (f *fixture) edit(change func(*api.Deployment)) {
	d := api.Clone(f.deployment())
	change(d)
	_, err := client.Update(f.C, d)
	require.NoError(f.T, err)
	f.L.RunUntilIdle()
}

// replicaSets returns "revision image replicas" of each ReplicaSet, by revision.
func (f *fixture) replicaSets() []*api.ReplicaSet {
	rss, err := client.List[*api.ReplicaSet](f.C, "default", apiserver.ListOptions{})
	require.NoError(f.T, err)
	sort.Slice(rss, func(i, j int) bool { return revision(rss[i]) < revision(rss[j]) })
	return rss
}

func sizes(rss []*api.ReplicaSet) []int32 {
	out := make([]int32, len(rss))
	for i, rs := range rss {
		out[i] = *rs.Spec.Replicas
	}
	return out
}

// settle lets the controller run, making the pods of the ReplicaSets
// whose image is not broken available, until nothing changes.
func (f *fixture) settle(broken string) {
	for range 50 {
		f.L.RunUntilIdle()
		changed := false
		for _, rs := range f.replicaSets() {
			n := *rs.Spec.Replicas
			avail := n
			if rs.Spec.Template.Spec.Containers[0].Image == broken {
				avail = 0
			}
			if rs.Status.Replicas == n && rs.Status.AvailableReplicas == avail && rs.Status.ObservedGeneration == rs.Generation {
				continue
			}
			upd := api.Clone(rs)
			upd.Status = api.ReplicaSetStatus{Replicas: n, ReadyReplicas: avail, AvailableReplicas: avail, FullyLabeledReplicas: n, ObservedGeneration: rs.Generation}
			_, err := client.UpdateStatus(f.C, upd)
			require.NoError(f.T, err)
			changed = true
		}
		if !changed {
			return
		}
	}
	f.T.Fatal("the rollout does not settle")
}

func progressingReason(d *api.Deployment) string {
	if c := condition(d.Status.Conditions, "Progressing"); c != nil {
		return c.Status + " " + c.Reason + ": " + c.Message
	}
	return ""
}

func TestPausedDeploymentDoesNotRollOut(t *testing.T) {
	f := newFixture(t)
	_, err := client.Create(f.C, web(3, "busybox:1.36"))
	require.NoError(t, err)
	f.settle("")
	require.Len(t, f.replicaSets(), 1)

	f.edit(func(d *api.Deployment) { d.Spec.Paused = true })
	assert.Equal(t, "Unknown DeploymentPaused: Deployment is paused", progressingReason(f.deployment()))

	f.edit(func(d *api.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox:1.37" })
	f.settle("")
	assert.Len(t, f.replicaSets(), 1, "no new ReplicaSet while paused")
	assert.Equal(t, "Unknown DeploymentPaused: Deployment is paused", progressingReason(f.deployment()))

	f.edit(func(d *api.Deployment) { d.Spec.Replicas = api.Ptr(int32(5)) })
	f.settle("")
	assert.Equal(t, []int32{5}, sizes(f.replicaSets()), "a paused Deployment still scales")

	f.edit(func(d *api.Deployment) { d.Spec.Paused = false })
	rss := f.replicaSets()
	require.Len(t, rss, 2, "resuming rolls the new template out")
	f.settle("")
	assert.Equal(t, []int32{0, 5}, sizes(f.replicaSets()))
	d := f.deployment()
	assert.Equal(t, "True NewReplicaSetAvailable: ReplicaSet \""+rss[1].Name+"\" has successfully progressed.", progressingReason(d))
	assert.Equal(t, "2", d.Annotations[RevisionAnnotation])
}

func TestRollbackAnnotation(t *testing.T) {
	f := newFixture(t)
	_, err := client.Create(f.C, web(2, "busybox:1.36"))
	require.NoError(t, err)
	f.settle("")
	f.edit(func(d *api.Deployment) {
		d.Spec.Template.Spec.Containers[0].Image = "busybox:1.37"
		d.Annotations = map[string]string{"kubernetes.io/change-cause": "second"}
	})
	f.settle("")

	f.edit(func(d *api.Deployment) { d.Annotations[RollbackToAnnotation] = "0" })
	f.settle("")
	d := f.deployment()
	assert.Equal(t, "busybox:1.36", d.Spec.Template.Spec.Containers[0].Image)
	assert.NotContains(t, d.Annotations, RollbackToAnnotation)
	assert.NotContains(t, d.Annotations, "kubernetes.io/change-cause", "the annotations of revision 1 come back")
	assert.Equal(t, "3", d.Annotations[RevisionAnnotation])
	rss := f.replicaSets()
	assert.Equal(t, "1", rss[1].Annotations[RevisionHistoryAnnotation])
	assert.Equal(t, []int32{0, 2}, sizes(rss))

	f.edit(func(d *api.Deployment) { d.Annotations[RollbackToAnnotation] = "9" })
	f.edit(func(d *api.Deployment) { d.Annotations[RollbackToAnnotation] = "3" })
	assert.Equal(t, []string{
		`DeploymentRollback: Rolled back deployment "web" to revision 1`,
		`DeploymentRollbackRevisionNotFound: Unable to find the revision to rollback to.`,
		`DeploymentRollbackTemplateUnchanged: The rollback revision contains the same template as current deployment "web"`,
	}, rollbackEvents(controllertest.Events(t, f.C, "Deployment", "web")))
}

func rollbackEvents(evs []string) []string {
	var out []string
	for _, e := range evs {
		if len(e) > 18 && e[:18] == "DeploymentRollback" {
			out = append(out, e)
		}
	}
	return out
}

// The documentation's example: 10 replicas, maxSurge 3, maxUnavailable
// 2, rolled to an image that never starts, then scaled to 15: the 5 new
// replicas go 3 to the old ReplicaSet and 2 to the new one.
func TestProportionalScaling(t *testing.T) {
	f := newFixture(t)
	d := web(10, "busybox:1.36")
	d.Spec.Strategy = api.DeploymentStrategy{Type: "RollingUpdate", RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: api.Ptr(api.FromInt(3)), MaxUnavailable: api.Ptr(api.FromInt(2))}}
	_, err := client.Create(f.C, d)
	require.NoError(t, err)
	f.settle("")
	f.edit(func(d *api.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox:broken" })
	f.settle("busybox:broken")
	assert.Equal(t, []int32{8, 5}, sizes(f.replicaSets()))
	f.edit(func(d *api.Deployment) { d.Spec.Replicas = api.Ptr(int32(15)) })
	f.settle("busybox:broken")
	assert.Equal(t, []int32{11, 7}, sizes(f.replicaSets()))
}

func conditionsOf(d *api.Deployment) []string {
	var out []string
	for _, c := range d.Status.Conditions {
		out = append(out, c.Type+" "+c.Status+" "+c.Reason+": "+c.Message)
	}
	return out
}

// A new Deployment's conditions come in the order upstream's writes leave
// them: Progressing first while the ReplicaSet is new, Available first
// once the rollout has moved.
func TestConditionsOfANewDeployment(t *testing.T) {
	f := newFixture(t)
	_, err := client.Create(f.C, web(3, "nginx:1.14.2"))
	require.NoError(t, err)
	f.L.RunUntilIdle()
	rs := f.replicaSets()[0]
	assert.Equal(t, []string{
		`Progressing True NewReplicaSetCreated: Created new replica set "` + rs.Name + `"`,
		`Available False MinimumReplicasUnavailable: Deployment does not have minimum availability.`,
	}, conditionsOf(f.deployment()))
	assert.Equal(t, "web-"+controller.ComputeHash(&f.deployment().Spec.Template, nil), rs.Name)

	f.settle("")
	d := f.deployment()
	assert.Equal(t, []string{
		`Available True MinimumReplicasAvailable: Deployment has minimum availability.`,
		`Progressing True NewReplicaSetAvailable: ReplicaSet "` + rs.Name + `" has successfully progressed.`,
	}, conditionsOf(d))
	assert.Equal(t, api.DeploymentStatus{
		ObservedGeneration: 1, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, Conditions: d.Status.Conditions,
	}, d.Status)
	assert.Equal(t, []string{"ScalingReplicaSet: Scaled up replica set " + rs.Name + " from 0 to 3"}, controllertest.Events(t, f.C, "Deployment", "web"))
}

// A rollout that makes no progress for progressDeadlineSeconds is marked
// ProgressDeadlineExceeded a second after the deadline, when the
// controller looks again on its own.
func TestProgressDeadlineExceeded(t *testing.T) {
	f := newFixture(t)
	d := web(3, "nginx:1.14.2")
	d.Spec.ProgressDeadlineSeconds = api.Ptr(int32(60))
	_, err := client.Create(f.C, d)
	require.NoError(t, err)
	f.settle("")
	f.edit(func(d *api.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:missing" })
	f.settle("nginx:missing")
	newRS := f.replicaSets()[1]
	assert.Equal(t, []int32{3, 1}, sizes(f.replicaSets()), "25% surge of 3 rounds up to 1, 25% unavailability down to 0")
	assert.Equal(t, `True ReplicaSetUpdated: ReplicaSet "`+newRS.Name+`" is progressing.`, progressingReason(f.deployment()))

	f.L.AdvanceBy(60 * time.Second)
	assert.Equal(t, `True ReplicaSetUpdated: ReplicaSet "`+newRS.Name+`" is progressing.`, progressingReason(f.deployment()), "not before the deadline has passed")
	f.L.AdvanceBy(time.Second)
	assert.Equal(t, `False ProgressDeadlineExceeded: ReplicaSet "`+newRS.Name+`" has timed out progressing.`, progressingReason(f.deployment()))
	assert.Equal(t, []int32{3, 1}, sizes(f.replicaSets()), "the rollout stays where it was")

	// A fix resumes the rollout: the condition moves again.
	f.edit(func(d *api.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:1.16.1" })
	f.settle("")
	rss := f.replicaSets()
	assert.Equal(t, `True NewReplicaSetAvailable: ReplicaSet "`+rss[2].Name+`" has successfully progressed.`, progressingReason(f.deployment()))
	assert.Equal(t, []int32{0, 0, 3}, sizes(rss))
}

// revisionHistoryLimit keeps that many old ReplicaSets once a rollout is
// complete, deleting the oldest revisions first.
func TestRevisionHistoryLimit(t *testing.T) {
	f := newFixture(t)
	d := web(2, "busybox:1.30")
	d.Spec.RevisionHistoryLimit = api.Ptr(int32(2))
	_, err := client.Create(f.C, d)
	require.NoError(t, err)
	f.settle("")
	for _, tag := range []string{"1.31", "1.32", "1.33", "1.34"} {
		f.edit(func(d *api.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox:" + tag })
		f.settle("")
	}
	var revs []int64
	for _, rs := range f.replicaSets() {
		revs = append(revs, revision(rs))
	}
	assert.Equal(t, []int64{3, 4, 5}, revs)
}

// A ReplicaSet that cannot create pods passes its ReplicaFailure
// condition to the Deployment.
func TestReplicaFailureCondition(t *testing.T) {
	f := newFixture(t)
	_, err := client.Create(f.C, web(1, "nginx"))
	require.NoError(t, err)
	f.L.RunUntilIdle()
	rs := api.Clone(f.replicaSets()[0])
	rs.Status.Conditions = []api.ReplicaSetCondition{{Type: "ReplicaFailure", Status: "True", Reason: "FailedCreate", Message: "pods \"x\" is forbidden: quota", LastTransitionTime: api.NewTime(f.L.Now())}}
	_, err = client.UpdateStatus(f.C, rs)
	require.NoError(t, err)
	f.L.RunUntilIdle()
	c := condition(f.deployment().Status.Conditions, "ReplicaFailure")
	require.NotNil(t, c)
	assert.Equal(t, "FailedCreate", c.Reason)
}
