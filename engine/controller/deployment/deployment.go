// Package deployment is the Deployment controller: it rolls a pod template
// out through ReplicaSets, one per template (named by the pod-template-hash),
// with the RollingUpdate and Recreate strategies, revisions, and the
// deployment's status and conditions.
package deployment

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Annotations and labels the controller maintains, as upstream.
const (
	RevisionAnnotation        = "deployment.kubernetes.io/revision"
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	PodTemplateHashLabel      = "pod-template-hash"
)

// Controller is the Deployment controller.
type Controller struct {
	c     *client.Client
	rec   *client.Recorder
	ds    *client.Informer[*api.Deployment]
	rss   *client.Informer[*api.ReplicaSet]
	pods  *client.Informer[*api.Pod]
	queue *loop.Queue
	// requeue is when the sync under way asks to run again: the
	// progress deadline of a rollout that has stalled.
	requeue time.Duration
	// written is the Deployment as the sync under way last wrote it.
	written *api.Deployment
}

// New returns a Deployment controller sharing the given informers.
func New(c *client.Client, rss *client.Informer[*api.ReplicaSet], pods *client.Informer[*api.Pod]) *Controller {
	ctl := &Controller{
		c:    c,
		rec:  client.NewRecorder(c, "deployment-controller", ""),
		ds:   client.NewInformer[*api.Deployment](c, "", apiserver.ListOptions{}),
		rss:  rss,
		pods: pods,
	}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the Deployment informer.
func (ctl *Controller) Start() error {
	enqueue := func(d *api.Deployment) { ctl.queue.Add(client.KeyOf(d)) }
	ctl.ds.AddHandler(client.Handler[*api.Deployment]{Add: enqueue, Update: func(_, d *api.Deployment) { enqueue(d) }, Delete: enqueue})
	ownerOf := func(obj api.Object) {
		if ref := controller.ControllerRef(obj); ref != nil && ref.Kind == "Deployment" {
			ctl.queue.Add(client.Key(obj.GetObjectMeta().Namespace, ref.Name))
		}
	}
	ctl.rss.AddHandler(client.Handler[*api.ReplicaSet]{
		Add:    func(rs *api.ReplicaSet) { ownerOf(rs) },
		Update: func(_, rs *api.ReplicaSet) { ownerOf(rs) },
		Delete: func(rs *api.ReplicaSet) { ownerOf(rs) },
	})
	// Recreate waits for the old pods to be gone.
	ctl.pods.AddHandler(client.Handler[*api.Pod]{Delete: func(p *api.Pod) {
		if ref := controller.ControllerRef(p); ref != nil && ref.Kind == "ReplicaSet" {
			if rs, ok := ctl.rss.Get(p.Namespace, ref.Name); ok {
				ownerOf(rs)
			}
		}
	}})
	return ctl.ds.Start()
}

// Reconcile is syncDeployment: it moves one Deployment a step along its
// rollout and writes its status. A rollout that makes no progress is
// looked at again when its progress deadline passes.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ctl.requeue, ctl.written = 0, nil
	err := ctl.syncDeployment(key)
	return loop.Result{RequeueAfter: ctl.requeue}, err
}

func (ctl *Controller) syncDeployment(key string) error {
	ns, name := client.SplitKey(key)
	d, ok := ctl.ds.Get(ns, name)
	if !ok {
		return nil
	}
	if d.Spec.Selector != nil && reflect.DeepEqual(*d.Spec.Selector, api.LabelSelector{}) {
		ctl.rec.Event(d, api.EventWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		if d.Status.ObservedGeneration < d.Generation {
			upd := api.Clone(d)
			upd.Status.ObservedGeneration = d.Generation
			_, err := client.UpdateStatus(ctl.c, upd)
			return err
		}
		return nil
	}
	rsList, err := ctl.claimReplicaSets(d)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		return ctl.syncStatus(d, rsList, findNewReplicaSet(d, rsList))
	}
	if d, err = ctl.checkPausedConditions(d); err != nil {
		return err
	}
	if d.Spec.Paused {
		return ctl.sync(d, rsList)
	}
	if to := rollbackTo(d); to != nil {
		return ctl.rollback(d, rsList, *to)
	}
	if isScalingEvent(d, rsList) {
		return ctl.sync(d, rsList)
	}
	if d.Spec.Strategy.Type == "Recreate" {
		return ctl.rolloutRecreate(d, rsList)
	}
	return ctl.rolloutRolling(d, rsList)
}

// claimReplicaSets returns the ReplicaSets d controls, adopting orphans
// that match its selector and releasing its own that no longer do.
func (ctl *Controller) claimReplicaSets(d *api.Deployment) ([]*api.ReplicaSet, error) {
	sel, err := api.SelectorFromLabelSelector(d.Spec.Selector)
	if err != nil {
		return nil, nil
	}
	return controller.Claim(ctl.c, d, sel, ctl.rss.Select(d.Namespace, api.Everything()))
}

// equalIgnoreHash compares two templates, ignoring the pod-template-hash label.
func equalIgnoreHash(a, b *api.PodTemplateSpec) bool {
	ac, bc := api.Clone(a), api.Clone(b)
	delete(ac.Labels, PodTemplateHashLabel)
	delete(bc.Labels, PodTemplateHashLabel)
	if len(ac.Labels) == 0 {
		ac.Labels = nil
	}
	if len(bc.Labels) == 0 {
		bc.Labels = nil
	}
	x, _ := api.Marshal(ac)
	y, _ := api.Marshal(bc)
	return string(x) == string(y)
}

// findNewReplicaSet returns the ReplicaSet running d's current template,
// the oldest one if several match.
func findNewReplicaSet(d *api.Deployment, rsList []*api.ReplicaSet) *api.ReplicaSet {
	sorted := byCreation(rsList)
	for _, rs := range sorted {
		if equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

func byCreation(rsList []*api.ReplicaSet) []*api.ReplicaSet {
	out := append([]*api.ReplicaSet(nil), rsList...)
	sort.SliceStable(out, func(i, j int) bool { return byCreationLess(out[i], out[j]) })
	return out
}

// byCreationLess is ReplicaSetsByCreationTimestamp: older first, then by name.
func byCreationLess(a, b *api.ReplicaSet) bool {
	if !a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
		return a.CreationTimestamp.Before(b.CreationTimestamp.Time)
	}
	return a.Name < b.Name
}

func oldReplicaSets(rsList []*api.ReplicaSet, newRS *api.ReplicaSet) []*api.ReplicaSet {
	var out []*api.ReplicaSet
	for _, rs := range byCreation(rsList) {
		if newRS == nil || rs.UID != newRS.UID {
			out = append(out, rs)
		}
	}
	return out
}

func revision(obj api.Object) int64 {
	v, _ := strconv.ParseInt(obj.GetObjectMeta().Annotations[RevisionAnnotation], 10, 64)
	return v
}

func maxRevision(rsList []*api.ReplicaSet) int64 {
	var m int64
	for _, rs := range rsList {
		m = max(m, revision(rs))
	}
	return m
}

// getNewReplicaSet returns the new ReplicaSet, creating it if asked, and
// keeps its revision the highest; the Deployment takes its revision, and
// a Progressing condition when the rollout starts (FoundNewReplicaSet,
// NewReplicaSetCreated) or cannot (ReplicaSetCreateError).
func (ctl *Controller) getNewReplicaSet(d *api.Deployment, rsList, oldRSs []*api.ReplicaSet, create bool) (*api.ReplicaSet, *api.Deployment, error) {
	rs, err := ctl.newReplicaSetOf(d, rsList, oldRSs, create)
	if err != nil {
		return nil, d, err
	}
	if ctl.written != nil {
		d, ctl.written = ctl.written, nil
	}
	return rs, d, nil
}

func (ctl *Controller) newReplicaSetOf(d *api.Deployment, rsList, oldRSs []*api.ReplicaSet, create bool) (*api.ReplicaSet, error) {
	existing := findNewReplicaSet(d, rsList)
	newRevision := strconv.FormatInt(maxRevision(oldRSs)+1, 10)
	if existing != nil {
		upd := api.Clone(existing)
		ctl.setReplicaSetAnnotations(d, upd, newRevision)
		// The replica annotations change when the ReplicaSet is scaled:
		// proportional scaling reads the size it had before.
		for _, k := range []string{DesiredReplicasAnnotation, MaxReplicasAnnotation} {
			if v, ok := existing.Annotations[k]; ok {
				upd.Annotations[k] = v
			}
		}
		upd.Spec.MinReadySeconds = d.Spec.MinReadySeconds
		if !reflect.DeepEqual(upd, existing) {
			return client.Update(ctl.c, upd)
		}
		var cond *api.DeploymentCondition
		if hasProgressDeadline(d) && condition(d.Status.Conditions, "Progressing") == nil {
			cond = ctl.newCondition("Progressing", api.ConditionTrue, ReasonFoundNewRS, fmt.Sprintf("Found new replica set %q", existing.Name))
		}
		return existing, ctl.setRevisionAndCondition(d, existing.Annotations[RevisionAnnotation], cond)
	}
	if !create {
		return nil, nil
	}
	rs := ctl.newReplicaSet(d, oldRSs, newRevision)
	out, err := client.Create(ctl.c, rs)
	switch {
	case apiserver.IsAlreadyExists(err):
		return ctl.newReplicaSetExists(d, rs, err)
	case apiserver.IsNamespaceTerminating(err):
		return nil, err
	case err != nil:
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err)
		if hasProgressDeadline(d) {
			upd := api.Clone(d)
			upd.Status.Conditions = setCondition(upd.Status.Conditions, *ctl.newCondition("Progressing", api.ConditionFalse, ReasonFailedRSCreate, msg))
			_, _ = client.UpdateStatus(ctl.c, upd)
		}
		ctl.rec.Event(d, api.EventWarning, ReasonFailedRSCreate, msg)
		return nil, err
	}
	if n := *out.Spec.Replicas; n > 0 {
		ctl.rec.Eventf(d, api.EventNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", out.Name, n)
	}
	var cond *api.DeploymentCondition
	if hasProgressDeadline(d) {
		cond = ctl.newCondition("Progressing", api.ConditionTrue, ReasonNewRSCreated, fmt.Sprintf("Created new replica set %q", out.Name))
	}
	return out, ctl.setRevisionAndCondition(d, newRevision, cond)
}

// newReplicaSet is the ReplicaSet of d's template: named by its hash,
// which its pods carry in the pod-template-hash label, and as large as
// the rollout allows now.
func (ctl *Controller) newReplicaSet(d *api.Deployment, oldRSs []*api.ReplicaSet, revision string) *api.ReplicaSet {
	hash := controller.ComputeHash(&d.Spec.Template, d.Status.CollisionCount)
	tmpl := api.Clone(&d.Spec.Template)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[PodTemplateHashLabel] = hash
	sel := api.Clone(d.Spec.Selector)
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[PodTemplateHashLabel] = hash
	rs := &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			Labels:          tmpl.Labels,
			OwnerReferences: []api.OwnerReference{controller.NewControllerRef(d)},
		},
		Spec: api.ReplicaSetSpec{Replicas: api.Ptr(int32(0)), MinReadySeconds: d.Spec.MinReadySeconds, Selector: sel, Template: *tmpl},
	}
	rs.Spec.Replicas = api.Ptr(newRSReplicas(d, append(slices.Clone(oldRSs), rs), rs))
	ctl.setReplicaSetAnnotations(d, rs, revision)
	return rs
}

// newReplicaSetExists handles a new ReplicaSet's name being taken: by the
// Deployment's own ReplicaSet of this template (a stale cache), or by
// another, a hash collision that bumps the collision count and retries.
func (ctl *Controller) newReplicaSetExists(d *api.Deployment, rs *api.ReplicaSet, createErr error) (*api.ReplicaSet, error) {
	have, ok := ctl.rss.Get(rs.Namespace, rs.Name)
	if !ok {
		got, err := client.Get[*api.ReplicaSet](ctl.c, rs.Namespace, rs.Name)
		if err != nil {
			return nil, err
		}
		have = got
	}
	if ref := controller.ControllerRef(have); ref != nil && ref.UID == d.UID && equalIgnoreHash(&d.Spec.Template, &have.Spec.Template) {
		return have, ctl.setRevisionAndCondition(d, rs.Annotations[RevisionAnnotation], nil)
	}
	upd := api.Clone(d)
	upd.Status.CollisionCount = api.Ptr(api.Deref(d.Status.CollisionCount, 0) + 1)
	_, _ = client.UpdateStatus(ctl.c, upd)
	return nil, createErr
}

// setRevisionAndCondition writes the Deployment's revision annotation and
// a Progressing condition, when they change.
func (ctl *Controller) setRevisionAndCondition(d *api.Deployment, rev string, cond *api.DeploymentCondition) error {
	if d.Annotations[RevisionAnnotation] != rev {
		upd := api.Clone(d)
		if upd.Annotations == nil {
			upd.Annotations = map[string]string{}
		}
		upd.Annotations[RevisionAnnotation] = rev
		out, err := client.Update(ctl.c, upd)
		if err != nil {
			return err
		}
		d, ctl.written = out, out
	}
	if cond == nil {
		return nil
	}
	upd := api.Clone(d)
	upd.Status.Conditions = setCondition(upd.Status.Conditions, *cond)
	out, err := client.UpdateStatus(ctl.c, upd)
	if err == nil {
		ctl.written = out
	}
	return err
}

func (ctl *Controller) setReplicaSetAnnotations(d *api.Deployment, rs *api.ReplicaSet, rev string) {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	for k, v := range d.Annotations {
		if !annotationsToSkip[k] {
			rs.Annotations[k] = v
		}
	}
	if old := revision(rs); old < mustAtoi(rev) {
		if old > 0 {
			recordRevisionHistory(rs, rs.Annotations[RevisionAnnotation])
		}
		rs.Annotations[RevisionAnnotation] = rev
	}
	rs.Annotations[DesiredReplicasAnnotation] = strconv.Itoa(int(replicas(d)))
	rs.Annotations[MaxReplicasAnnotation] = strconv.Itoa(int(replicas(d)) + maxSurge(d))
}

// recordRevisionHistory keeps the revisions a ReplicaSet had before in
// the revision-history annotation, within upstream's 2000 characters.
func recordRevisionHistory(rs *api.ReplicaSet, old string) {
	const limit = 2000
	hist := rs.Annotations[RevisionHistoryAnnotation]
	if hist == "" {
		rs.Annotations[RevisionHistoryAnnotation] = old
		return
	}
	revs := strings.Split(hist, ",")
	total := len(hist) + len(old) + 1
	start := 0
	for total > limit && start < len(revs) {
		total -= len(revs[start]) + 1
		start++
	}
	if total <= limit {
		rs.Annotations[RevisionHistoryAnnotation] = strings.Join(append(revs[start:], old), ",")
	}
}

func mustAtoi(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

func replicas(d *api.Deployment) int32 { return api.Deref(d.Spec.Replicas, 1) }

// maxSurge and maxUnavailable resolve the strategy's bounds against the
// replica count, surge rounding up and unavailability down; if both are 0,
// one pod may be unavailable, as upstream's ResolveFenceposts.
func maxSurge(d *api.Deployment) int {
	s, _ := resolveFenceposts(d)
	return s
}

func maxUnavailable(d *api.Deployment) int {
	_, u := resolveFenceposts(d)
	return min(u, int(replicas(d)))
}

func resolveFenceposts(d *api.Deployment) (int, int) {
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != "RollingUpdate" || ru == nil {
		return 0, 0
	}
	n := int(replicas(d))
	surge, _ := api.Deref(ru.MaxSurge, api.FromString("25%")).ScaledValue(n, true)
	unavail, _ := api.Deref(ru.MaxUnavailable, api.FromString("25%")).ScaledValue(n, false)
	if surge == 0 && unavail == 0 {
		unavail = 1
	}
	return surge, unavail
}

func sumReplicas(rsList []*api.ReplicaSet) int {
	n := 0
	for _, rs := range rsList {
		if rs != nil {
			n += int(api.Deref(rs.Spec.Replicas, 0))
		}
	}
	return n
}

func sumAvailable(rsList []*api.ReplicaSet) int {
	n := 0
	for _, rs := range rsList {
		if rs != nil {
			n += int(rs.Status.AvailableReplicas)
		}
	}
	return n
}

// newRSReplicas is how many replicas the new ReplicaSet may have now.
func newRSReplicas(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) int32 {
	if d.Spec.Strategy.Type == "Recreate" {
		return replicas(d)
	}
	maxTotal := int(replicas(d)) + maxSurge(d)
	current := sumReplicas(all)
	cur := int(api.Deref(newRS.Spec.Replicas, 0))
	if current >= maxTotal {
		return int32(cur)
	}
	up := min(maxTotal-current, int(replicas(d))-cur)
	return int32(cur + max(up, 0))
}

// scale sets a ReplicaSet's replica count and records the event.
func (ctl *Controller) scale(d *api.Deployment, rs *api.ReplicaSet, n int32) (*api.ReplicaSet, error) {
	from := api.Deref(rs.Spec.Replicas, 0)
	if from == n && rs.Annotations[DesiredReplicasAnnotation] == strconv.Itoa(int(replicas(d))) &&
		rs.Annotations[MaxReplicasAnnotation] == strconv.Itoa(int(replicas(d))+maxSurge(d)) {
		return rs, nil
	}
	upd := api.Clone(rs)
	upd.Spec.Replicas = api.Ptr(n)
	if upd.Annotations == nil {
		upd.Annotations = map[string]string{}
	}
	upd.Annotations[DesiredReplicasAnnotation] = strconv.Itoa(int(replicas(d)))
	upd.Annotations[MaxReplicasAnnotation] = strconv.Itoa(int(replicas(d)) + maxSurge(d))
	out, err := client.Update(ctl.c, upd)
	if err != nil {
		return nil, err
	}
	if from != n {
		dir := "up"
		if n < from {
			dir = "down"
		}
		ctl.rec.Eventf(d, api.EventNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", dir, rs.Name, from, n)
	}
	return out, nil
}

func activeReplicaSets(rsList []*api.ReplicaSet) []*api.ReplicaSet {
	var out []*api.ReplicaSet
	for _, rs := range rsList {
		if api.Deref(rs.Spec.Replicas, 0) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// cleanup is cleanupDeployment: of the old ReplicaSets not being deleted,
// the ones beyond revisionHistoryLimit are deleted, oldest revision
// first, skipping those that still have pods or whose spec their
// controller has not observed.
func (ctl *Controller) cleanup(d *api.Deployment, oldRSs []*api.ReplicaSet) error {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var alive []*api.ReplicaSet
	for _, rs := range oldRSs {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return nil
	}
	sort.SliceStable(alive, func(i, j int) bool {
		if ri, rj := revision(alive[i]), revision(alive[j]); ri != rj {
			return ri < rj
		}
		return byCreationLess(alive[i], alive[j])
	})
	for _, rs := range alive[:diff] {
		if rs.Status.Replicas != 0 || api.Deref(rs.Spec.Replicas, 0) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		err := client.Delete[*api.ReplicaSet](ctl.c, rs.Namespace, rs.Name, apiserver.DeleteOptions{})
		if err != nil && !apiserver.IsNotFound(err) {
			return err
		}
	}
	return nil
}
