package deployment

import (
	"math"
	"sort"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Reasons of the Progressing condition and of rollback events, as
// upstream's deploymentutil names them.
const (
	ReasonReplicaSetUpdated   = "ReplicaSetUpdated"
	ReasonNewRSAvailable      = "NewReplicaSetAvailable"
	ReasonNewRSCreated        = "NewReplicaSetCreated"
	ReasonFoundNewRS          = "FoundNewReplicaSet"
	ReasonFailedRSCreate      = "ReplicaSetCreateError"
	ReasonTimedOut            = "ProgressDeadlineExceeded"
	ReasonMinimumAvailable    = "MinimumReplicasAvailable"
	ReasonMinimumUnavailable  = "MinimumReplicasUnavailable"
	ReasonPaused              = "DeploymentPaused"
	ReasonResumed             = "DeploymentResumed"
	ReasonRollbackDone        = "DeploymentRollback"
	ReasonRollbackNotFound    = "DeploymentRollbackRevisionNotFound"
	ReasonRollbackUnchanged   = "DeploymentRollbackTemplateUnchanged"
	RollbackToAnnotation      = "deprecated.deployment.rollback.to"
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	lastAppliedAnnotation     = "kubectl.kubernetes.io/last-applied-configuration"
)

// annotationsToSkip are the Deployment's annotations that are not copied
// to its ReplicaSets, nor back from them on a rollback.
var annotationsToSkip = map[string]bool{
	lastAppliedAnnotation:     true,
	RevisionAnnotation:        true,
	RevisionHistoryAnnotation: true,
	DesiredReplicasAnnotation: true,
	MaxReplicasAnnotation:     true,
	RollbackToAnnotation:      true,
}

// checkPausedConditions says in the Progressing condition that a rollout
// is paused or resumed, as upstream does before anything else; it
// returns the Deployment as now stored.
func (ctl *Controller) checkPausedConditions(d *api.Deployment) (*api.Deployment, error) {
	if !hasProgressDeadline(d) {
		return d, nil
	}
	cond := condition(d.Status.Conditions, "Progressing")
	if cond != nil && cond.Reason == "ProgressDeadlineExceeded" {
		return d, nil
	}
	pausedCond := cond != nil && cond.Reason == ReasonPaused
	var c api.DeploymentCondition
	switch {
	case d.Spec.Paused && !pausedCond:
		c = api.DeploymentCondition{Type: "Progressing", Status: "Unknown", Reason: ReasonPaused, Message: "Deployment is paused"}
	case !d.Spec.Paused && pausedCond:
		c = api.DeploymentCondition{Type: "Progressing", Status: "Unknown", Reason: ReasonResumed, Message: "Deployment is resumed"}
	default:
		return d, nil
	}
	upd := api.Clone(d)
	upd.Status.Conditions = setCondition(upd.Status.Conditions, *ctl.newCondition("Progressing", api.ConditionUnknown, c.Reason, c.Message))
	return client.UpdateStatus(ctl.c, upd)
}

// sync is what a paused Deployment, or one being scaled, gets: the
// ReplicaSets are scaled (proportionally during a rollout) but no new
// one is rolled out.
func (ctl *Controller) sync(d *api.Deployment, rsList []*api.ReplicaSet) error {
	oldRSs := oldReplicaSets(rsList, findNewReplicaSet(d, rsList))
	newRS, d, err := ctl.getNewReplicaSet(d, rsList, oldRSs, false)
	if err != nil {
		return err
	}
	if err := ctl.scaleAll(d, newRS, oldRSs); err != nil {
		return err
	}
	if d.Spec.Paused && rollbackTo(d) == nil {
		if err := ctl.cleanup(d, oldRSs); err != nil {
			return err
		}
	}
	return ctl.syncStatus(d, withNew(oldRSs, newRS), newRS)
}

// isScalingEvent reports whether the Deployment's replicas changed since
// its active ReplicaSets were last scaled.
func isScalingEvent(d *api.Deployment, rsList []*api.ReplicaSet) bool {
	for _, rs := range activeReplicaSets(rsList) {
		desired, ok := annotatedInt(rs, DesiredReplicasAnnotation)
		if ok && desired != replicas(d) {
			return true
		}
	}
	return false
}

func annotatedInt(rs *api.ReplicaSet, key string) (int32, bool) {
	v, err := strconv.ParseInt(rs.Annotations[key], 10, 32)
	return int32(v), err == nil
}

// scaleAll scales the ReplicaSets to the Deployment's replicas, as
// upstream's scale: the one active ReplicaSet takes them all; old ones go
// to zero once the new one is saturated; during a rolling update the
// change is shared out in proportion to each ReplicaSet's size.
func (ctl *Controller) scaleAll(d *api.Deployment, newRS *api.ReplicaSet, oldRSs []*api.ReplicaSet) error {
	if rs := activeOrLatest(newRS, oldRSs); rs != nil {
		if api.Deref(rs.Spec.Replicas, 0) == replicas(d) {
			return nil
		}
		_, err := ctl.scale(d, rs, replicas(d))
		return err
	}
	if saturated(d, newRS) {
		for _, rs := range activeReplicaSets(oldRSs) {
			if _, err := ctl.scale(d, rs, 0); err != nil {
				return err
			}
		}
		return nil
	}
	if d.Spec.Strategy.Type != "RollingUpdate" {
		return nil
	}
	return ctl.scaleProportionally(d, activeReplicaSets(withNew(oldRSs, newRS)))
}

// saturated is IsSaturated: the new ReplicaSet has all the replicas, was
// last scaled for this size, and has them all available.
func saturated(d *api.Deployment, rs *api.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	desired, ok := annotatedInt(rs, DesiredReplicasAnnotation)
	return ok && api.Deref(rs.Spec.Replicas, 0) == replicas(d) && desired == replicas(d) && rs.Status.AvailableReplicas == replicas(d)
}

func withNew(oldRSs []*api.ReplicaSet, newRS *api.ReplicaSet) []*api.ReplicaSet {
	all := append([]*api.ReplicaSet(nil), oldRSs...)
	if newRS != nil {
		all = append(all, newRS)
	}
	return all
}

// activeOrLatest returns the only active ReplicaSet, or the newest one
// when none is active, or nil when several are.
func activeOrLatest(newRS *api.ReplicaSet, oldRSs []*api.ReplicaSet) *api.ReplicaSet {
	all := withNew(oldRSs, newRS)
	if len(all) == 0 {
		return nil
	}
	active := activeReplicaSets(all)
	switch len(active) {
	case 0:
		if newRS != nil {
			return newRS
		}
		sorted := byCreation(all)
		return sorted[len(sorted)-1]
	case 1:
		return active[0]
	}
	return nil
}

// scaleProportionally shares the replicas to add or remove among the
// active ReplicaSets by their size, largest first.
func (ctl *Controller) scaleProportionally(d *api.Deployment, active []*api.ReplicaSet) error {
	allowed := int32(0)
	if replicas(d) > 0 {
		allowed = replicas(d) + int32(maxSurge(d))
	}
	toAdd := allowed - int32(sumReplicas(active))
	sortForScaling(active, toAdd > 0)
	sizes := make([]int32, len(active))
	added := int32(0)
	for i, rs := range active {
		sizes[i] = api.Deref(rs.Spec.Replicas, 0)
		if toAdd != 0 {
			p := proportion(rs, d, toAdd, added)
			sizes[i] += p
			added += p
		}
	}
	for i, rs := range active {
		if i == 0 && toAdd != 0 {
			sizes[0] = max(sizes[0]+toAdd-added, 0)
		}
		if _, err := ctl.scale(d, rs, sizes[i]); err != nil {
			return err
		}
	}
	return nil
}

// sortForScaling orders by size, largest first; among equals the newer
// first when scaling up and the older first when scaling down.
func sortForScaling(rss []*api.ReplicaSet, up bool) {
	sort.SliceStable(rss, func(i, j int) bool {
		a, b := api.Deref(rss[i].Spec.Replicas, 0), api.Deref(rss[j].Spec.Replicas, 0)
		if a != b {
			return a > b
		}
		if up {
			return byCreationLess(rss[j], rss[i])
		}
		return byCreationLess(rss[i], rss[j])
	})
}

// proportion is a ReplicaSet's share of the replicas to add (or remove),
// from the size the Deployment had when it was last scaled.
func proportion(rs *api.ReplicaSet, d *api.Deployment, toAdd, added int32) int32 {
	if api.Deref(rs.Spec.Replicas, 0) == 0 || toAdd == added {
		return 0
	}
	left := toAdd - added
	fraction := fractionOf(rs, d)
	if toAdd > 0 {
		return min(fraction, left)
	}
	return max(fraction, left)
}

func fractionOf(rs *api.ReplicaSet, d *api.Deployment) int32 {
	cur := api.Deref(rs.Spec.Replicas, 0)
	if replicas(d) == 0 {
		return -cur
	}
	maxNow := replicas(d) + int32(maxSurge(d))
	before, ok := annotatedInt(rs, MaxReplicasAnnotation)
	if !ok || before == 0 {
		if before = d.Status.Replicas; before == 0 {
			return 0
		}
	}
	return int32(math.Round(float64(cur*maxNow)/float64(before))) - cur
}

// rollbackTo reads the revision the deprecated rollback annotation asks
// for; nil when there is none or it is not a number.
func rollbackTo(d *api.Deployment) *int64 {
	v := d.Annotations[RollbackToAnnotation]
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// rollback rolls the template back to a revision's (0: the one before
// the current), as upstream still does for the extensions/v1beta1
// rollbackTo field kept in an annotation; kubectl rollout undo patches
// the template itself.
func (ctl *Controller) rollback(d *api.Deployment, rsList []*api.ReplicaSet, to int64) error {
	if to == 0 {
		if to = lastRevision(rsList); to == 0 {
			ctl.rec.Eventf(d, api.EventWarning, ReasonRollbackNotFound, "Unable to find last revision.")
			return ctl.clearRollbackTo(d)
		}
	}
	for _, rs := range rsList {
		if revision(rs) != to {
			continue
		}
		if equalIgnoreHash(&d.Spec.Template, &rs.Spec.Template) {
			ctl.rec.Eventf(d, api.EventWarning, ReasonRollbackUnchanged, "The rollback revision contains the same template as current deployment %q", d.Name)
			return ctl.clearRollbackTo(d)
		}
		upd := api.Clone(d)
		upd.Spec.Template = *api.Clone(&rs.Spec.Template)
		delete(upd.Spec.Template.Labels, PodTemplateHashLabel)
		setAnnotationsFrom(upd, rs)
		if err := ctl.clearRollbackTo(upd); err != nil {
			return err
		}
		ctl.rec.Eventf(d, api.EventNormal, ReasonRollbackDone, "Rolled back deployment %q to revision %d", d.Name, to)
		return nil
	}
	ctl.rec.Eventf(d, api.EventWarning, ReasonRollbackNotFound, "Unable to find the revision to rollback to.")
	return ctl.clearRollbackTo(d)
}

// lastRevision is the second highest revision: the one before the current.
func lastRevision(rsList []*api.ReplicaSet) int64 {
	var maxRev, second int64
	for _, rs := range rsList {
		switch v := revision(rs); {
		case v > maxRev:
			second, maxRev = maxRev, v
		case v > second:
			second = v
		}
	}
	return second
}

// setAnnotationsFrom gives the Deployment the annotations of the
// ReplicaSet it rolls back to, keeping its own of those not copied.
func setAnnotationsFrom(d *api.Deployment, rs *api.ReplicaSet) {
	kept := map[string]string{}
	for k, v := range d.Annotations {
		if annotationsToSkip[k] {
			kept[k] = v
		}
	}
	for k, v := range rs.Annotations {
		if !annotationsToSkip[k] {
			kept[k] = v
		}
	}
	d.Annotations = kept
}

func (ctl *Controller) clearRollbackTo(d *api.Deployment) error {
	upd := api.Clone(d)
	delete(upd.Annotations, RollbackToAnnotation)
	_, err := client.Update(ctl.c, upd)
	return err
}
