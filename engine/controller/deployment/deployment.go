// Package deployment is the Deployment controller: it rolls a pod template
// out through ReplicaSets, one per template (named by the pod-template-hash),
// with the RollingUpdate and Recreate strategies, revisions, and the
// deployment's status and conditions.
package deployment

import (
	"encoding/json"
	"hash/fnv"
	"reflect"
	"sort"
	"strconv"
	"strings"

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

// Reconcile moves one Deployment a step along its rollout.
func (ctl *Controller) Reconcile(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	d, ok := ctl.ds.Get(ns, name)
	if !ok {
		return loop.Result{}, nil
	}
	rsList, err := ctl.claimReplicaSets(d)
	if err != nil {
		return loop.Result{}, err
	}
	if d.DeletionTimestamp != nil {
		return loop.Result{}, ctl.syncStatus(d, rsList, nil)
	}
	if d, err = ctl.checkPausedConditions(d); err != nil {
		return loop.Result{}, err
	}
	if d.Spec.Paused {
		return loop.Result{}, ctl.sync(d, rsList)
	}
	if to := rollbackTo(d); to != nil {
		return loop.Result{}, ctl.rollback(d, rsList, *to)
	}
	if isScalingEvent(d, rsList) {
		return loop.Result{}, ctl.sync(d, rsList)
	}
	if d.Spec.Strategy.Type == "Recreate" {
		return loop.Result{}, ctl.rolloutRecreate(d, rsList)
	}
	return loop.Result{}, ctl.rolloutRolling(d, rsList)
}

// claimReplicaSets returns the ReplicaSets d controls, adopting orphans
// that match its selector.
func (ctl *Controller) claimReplicaSets(d *api.Deployment) ([]*api.ReplicaSet, error) {
	sel, err := api.SelectorFromLabelSelector(d.Spec.Selector)
	if err != nil {
		return nil, nil
	}
	var out []*api.ReplicaSet
	for _, rs := range ctl.rss.Select(d.Namespace, api.Everything()) {
		ref := controller.ControllerRef(rs)
		switch {
		case ref != nil && ref.UID == d.UID:
			out = append(out, rs)
		case ref == nil && sel.Matches(rs.Labels) && d.DeletionTimestamp == nil:
			adopted, err := controller.Adopt(ctl.c, rs, d)
			if err != nil {
				return nil, err
			}
			out = append(out, adopted)
		}
	}
	return out, nil
}

// TemplateHash returns the pod-template-hash of a template: an FNV-32a hash
// of the template and the collision count, spelled with the same safe
// alphabet as upstream.
func TemplateHash(t *api.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, _ := json.Marshal(t)
	h.Write(b)
	if collisionCount != nil {
		h.Write([]byte(strconv.Itoa(int(*collisionCount))))
	}
	return controller.SafeEncode(strconv.FormatUint(uint64(h.Sum32()), 10))
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
	x, _ := json.Marshal(ac)
	y, _ := json.Marshal(bc)
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
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreationTimestamp.Equal(out[j].CreationTimestamp.Time) {
			return out[i].CreationTimestamp.Before(out[j].CreationTimestamp.Time)
		}
		return out[i].Name < out[j].Name
	})
	return out
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
// keeps its revision the highest.
func (ctl *Controller) getNewReplicaSet(d *api.Deployment, rsList, oldRSs []*api.ReplicaSet, create bool) (*api.ReplicaSet, error) {
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
		return existing, ctl.setDeploymentRevision(d, existing.Annotations[RevisionAnnotation])
	}
	if !create {
		return nil, nil
	}
	hash := TemplateHash(&d.Spec.Template, d.Status.CollisionCount)
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
	ctl.setReplicaSetAnnotations(d, rs, newRevision)
	rs.Spec.Replicas = api.Ptr(newRSReplicas(d, append(oldRSs, rs), rs))
	out, err := client.Create(ctl.c, rs)
	if err != nil {
		return nil, err
	}
	if *out.Spec.Replicas > 0 {
		ctl.rec.Eventf(d, api.EventNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", out.Name, *out.Spec.Replicas)
	}
	return out, ctl.setDeploymentRevision(d, newRevision)
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

func (ctl *Controller) setDeploymentRevision(d *api.Deployment, rev string) error {
	if d.Annotations[RevisionAnnotation] == rev {
		return nil
	}
	upd := api.Clone(d)
	if upd.Annotations == nil {
		upd.Annotations = map[string]string{}
	}
	upd.Annotations[RevisionAnnotation] = rev
	_, err := client.Update(ctl.c, upd)
	return err
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
	if from == n && rs.Annotations[DesiredReplicasAnnotation] == strconv.Itoa(int(replicas(d))) {
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

func complete(d *api.Deployment, st api.DeploymentStatus) bool {
	return st.UpdatedReplicas == replicas(d) && st.Replicas == replicas(d) && st.AvailableReplicas == replicas(d) && st.ObservedGeneration >= d.Generation
}

// cleanup deletes the oldest unused ReplicaSets beyond revisionHistoryLimit.
func (ctl *Controller) cleanup(d *api.Deployment, oldRSs []*api.ReplicaSet) error {
	limit := int(api.Deref(d.Spec.RevisionHistoryLimit, 10))
	var idle []*api.ReplicaSet
	for _, rs := range oldRSs {
		if api.Deref(rs.Spec.Replicas, 0) == 0 && rs.Status.Replicas == 0 && rs.DeletionTimestamp == nil {
			idle = append(idle, rs)
		}
	}
	sort.SliceStable(idle, func(i, j int) bool { return revision(idle[i]) < revision(idle[j]) })
	for i := 0; i < len(idle)-limit; i++ {
		err := client.Delete[*api.ReplicaSet](ctl.c, idle[i].Namespace, idle[i].Name, apiserver.DeleteOptions{})
		if err != nil && !apiserver.IsNotFound(err) {
			return err
		}
	}
	return nil
}
