package daemonset

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// A DaemonSet's history is kept in ControllerRevisions, as upstream's: each
// holds the patch that puts a template back, is named <set>-<hash> with
// the template's ComputeHash (the pods' controller-revision-hash label),
// carries the set's annotations and a revision number, the highest for the
// template the set runs now. kubectl rollout history and undo read them.

// constructHistory returns the set's current revision, creating it or
// renumbering it to be the newest, and the others.
func (ctl *Controller) constructHistory(ds *api.DaemonSet) (cur *api.ControllerRevision, old []*api.ControllerRevision, err error) {
	histories, err := ctl.controlledHistories(ds)
	if err != nil {
		return nil, nil, err
	}
	patch, err := controller.TemplatePatch(ds)
	if err != nil {
		return nil, nil, err
	}
	var current []*api.ControllerRevision
	for _, h := range histories {
		if _, ok := h.Labels[RevisionHashLabel]; !ok {
			upd := api.Clone(h)
			if upd.Labels == nil {
				upd.Labels = map[string]string{}
			}
			upd.Labels[RevisionHashLabel] = upd.Name
			if h, err = client.Update(ctl.c, upd); err != nil {
				return nil, nil, err
			}
		}
		if bytes.Equal(h.Data, patch) {
			current = append(current, h)
		} else {
			old = append(old, h)
		}
	}
	revision := maxRevision(old) + 1
	if len(current) == 0 {
		cur, err = ctl.snapshot(ds, patch, revision)
		return cur, old, err
	}
	if cur, err = ctl.dedupCurHistories(ds, current); err != nil {
		return nil, nil, err
	}
	if cur.Revision < revision {
		upd := api.Clone(cur)
		upd.Revision = revision
		if _, err := client.Update(ctl.c, upd); err != nil {
			return nil, nil, err
		}
	}
	return cur, old, nil
}

// controlledHistories returns the set's revisions, adopting orphans its
// selector matches and releasing its own that it no longer matches.
func (ctl *Controller) controlledHistories(ds *api.DaemonSet) ([]*api.ControllerRevision, error) {
	sel, err := api.SelectorFromLabelSelector(ds.Spec.Selector)
	if err != nil {
		return nil, err
	}
	return controller.Claim(ctl.c, ds, sel, ctl.revs.Select(ds.Namespace, api.Everything()))
}

func maxRevision(revs []*api.ControllerRevision) int64 {
	var m int64
	for _, r := range revs {
		m = max(m, r.Revision)
	}
	return m
}

// dedupCurHistories keeps the newest of several revisions of the current
// template, relabelling the pods of the others before deleting them.
func (ctl *Controller) dedupCurHistories(ds *api.DaemonSet, current []*api.ControllerRevision) (*api.ControllerRevision, error) {
	if len(current) == 1 {
		return current[0], nil
	}
	keep := current[0]
	for _, r := range current {
		if r.Revision >= keep.Revision {
			keep = r
		}
	}
	pods, err := ctl.daemonPods(ds)
	if err != nil {
		return nil, err
	}
	hash := keep.Labels[RevisionHashLabel]
	for _, p := range pods {
		if p.Labels[RevisionHashLabel] == hash {
			continue
		}
		upd := api.Clone(p)
		if upd.Labels == nil {
			upd.Labels = map[string]string{}
		}
		upd.Labels[RevisionHashLabel] = hash
		if _, err := client.Update(ctl.c, upd); err != nil {
			return nil, err
		}
	}
	for _, r := range current {
		if r.Name == keep.Name {
			continue
		}
		if err := client.Delete[*api.ControllerRevision](ctl.c, r.Namespace, r.Name, apiserver.DeleteOptions{}); err != nil {
			return nil, err
		}
	}
	return keep, nil
}

// snapshot creates the revision of the set's template. A revision of that
// name with another template is a hash collision: the set's collision
// count goes up and the sync is retried.
func (ctl *Controller) snapshot(ds *api.DaemonSet, patch []byte, revision int64) (*api.ControllerRevision, error) {
	hash := controller.ComputeHash(&ds.Spec.Template, ds.Status.CollisionCount)
	labels := map[string]string{RevisionHashLabel: hash}
	for k, v := range ds.Spec.Template.Labels {
		labels[k] = v
	}
	rev := &api.ControllerRevision{
		ObjectMeta: api.ObjectMeta{
			Name:            ds.Name + "-" + hash,
			Namespace:       ds.Namespace,
			Labels:          labels,
			Annotations:     ds.Annotations,
			OwnerReferences: []api.OwnerReference{controller.NewControllerRef(ds)},
		},
		Data:     patch,
		Revision: revision,
	}
	out, err := client.Create(ctl.c, rev)
	if !apiserver.IsAlreadyExists(err) {
		return out, err
	}
	existing, getErr := client.Get[*api.ControllerRevision](ctl.c, ds.Namespace, rev.Name)
	if getErr != nil {
		return nil, getErr
	}
	if bytes.Equal(existing.Data, patch) {
		return existing, nil
	}
	fresh, getErr := client.Get[*api.DaemonSet](ctl.c, ds.Namespace, ds.Name)
	if getErr != nil {
		return nil, getErr
	}
	if !reflect.DeepEqual(fresh.Status.CollisionCount, ds.Status.CollisionCount) {
		return nil, fmt.Errorf("found a stale collision count (%d, expected %d) of DaemonSet %q while processing; will retry until it is updated",
			api.Deref(ds.Status.CollisionCount, 0), api.Deref(fresh.Status.CollisionCount, 0), ds.Name)
	}
	upd := api.Clone(fresh)
	upd.Status.CollisionCount = api.Ptr(api.Deref(fresh.Status.CollisionCount, 0) + 1)
	if _, err := client.UpdateStatus(ctl.c, upd); err != nil {
		return nil, err
	}
	return nil, err
}

// cleanupHistory deletes the oldest revisions beyond revisionHistoryLimit
// that no pod (terminal pods included) still runs.
func (ctl *Controller) cleanupHistory(ds *api.DaemonSet, old []*api.ControllerRevision) error {
	byNode, err := ctl.nodesToDaemonPods(ds, true)
	if err != nil {
		return fmt.Errorf("couldn't get node to daemon pod mapping for daemon set %q: %w", ds.Name, err)
	}
	toKill := len(old) - int(api.Deref(ds.Spec.RevisionHistoryLimit, 10))
	if toKill <= 0 {
		return nil
	}
	live := map[string]bool{}
	for _, pods := range byNode {
		for _, p := range pods {
			if h := p.Labels[RevisionHashLabel]; h != "" {
				live[h] = true
			}
		}
	}
	old = append([]*api.ControllerRevision(nil), old...)
	sort.SliceStable(old, func(i, j int) bool { return old[i].Revision < old[j].Revision })
	for _, r := range old {
		if toKill <= 0 {
			break
		}
		if live[r.Labels[RevisionHashLabel]] {
			continue
		}
		if err := client.Delete[*api.ControllerRevision](ctl.c, r.Namespace, r.Name, apiserver.DeleteOptions{}); err != nil {
			return err
		}
		toKill--
	}
	return nil
}
