package statefulset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/controller"
)

// RevisionHashLabel is the hash label every ControllerRevision carries.
const RevisionHashLabel = "controller.kubernetes.io/hash"

// A StatefulSet's history is kept in ControllerRevisions, as upstream's
// pkg/controller/history: each holds a patch that puts a pod template back
// ({"spec":{"template":{"$patch":"replace",...}}}), is named <set>-<hash>
// with the hash of that patch, and carries a revision number. Because the
// patch is the same JSON kube-controller-manager writes and the hash is the
// same FNV-32 of it, a revision has the name a real cluster gives it.

// patchOf returns the patch that restores set's pod template: the set's
// JSON, reduced to spec.template, with keys in sorted order (as upstream
// re-encodes it through a map).
func patchOf(set *api.StatefulSet) ([]byte, error) { return controller.TemplatePatch(set) }

// hashRevision is HashControllerRevision: FNV-32 (not 32a) of the data and
// the collision count, spelled with the safe alphabet.
func hashRevision(data []byte, collisionCount *int32) string {
	h := fnv.New32()
	h.Write(data)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return controller.SafeEncode(fmt.Sprint(h.Sum32()))
}

// revisionName is <prefix>-<hash>, the prefix cut to 223 bytes.
func revisionName(prefix, hash string) string {
	if len(prefix) > 223 {
		prefix = prefix[:223]
	}
	return prefix + "-" + hash
}

// newRevision returns the revision (not yet created) of set's current
// template, numbered revision.
func newRevision(set *api.StatefulSet, revision int64, collisionCount *int32) (*api.ControllerRevision, error) {
	patch, err := patchOf(set)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for k, v := range set.Spec.Template.Labels {
		labels[k] = v
	}
	hash := hashRevision(patch, collisionCount)
	labels[RevisionHashLabel] = hash
	cr := &api.ControllerRevision{
		ObjectMeta: api.ObjectMeta{
			Name:            revisionName(set.Name, hash),
			Namespace:       set.Namespace,
			Labels:          labels,
			OwnerReferences: []api.OwnerReference{controller.NewControllerRef(set)},
		},
		Data:     patch,
		Revision: revision,
	}
	for k, v := range set.Annotations {
		if cr.Annotations == nil {
			cr.Annotations = map[string]string{}
		}
		cr.Annotations[k] = v
	}
	return cr, nil
}

// applyRevision returns set with the pod template a revision holds.
func applyRevision(set *api.StatefulSet, rev *api.ControllerRevision) (*api.StatefulSet, error) {
	var patch struct {
		Spec struct {
			Template api.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data, &patch); err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev.Name, err)
	}
	out := api.Clone(set)
	out.Spec.Template = patch.Spec.Template
	return out, nil
}

// sortRevisions orders revisions by number, then age, then name.
func sortRevisions(revs []*api.ControllerRevision) {
	sort.SliceStable(revs, func(i, j int) bool {
		a, b := revs[i], revs[j]
		if a.Revision != b.Revision {
			return a.Revision < b.Revision
		}
		if !a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
			return a.CreationTimestamp.Before(b.CreationTimestamp.Time)
		}
		return a.Name < b.Name
	})
}

func nextRevision(revs []*api.ControllerRevision) int64 {
	if len(revs) == 0 {
		return 1
	}
	return revs[len(revs)-1].Revision + 1
}

func equalRevision(a, b *api.ControllerRevision) bool {
	if a == nil || b == nil {
		return a == b
	}
	return bytes.Equal(a.Data, b.Data)
}

func findEqualRevisions(revs []*api.ControllerRevision, needle *api.ControllerRevision) []*api.ControllerRevision {
	var out []*api.ControllerRevision
	for _, r := range revs {
		if equalRevision(r, needle) {
			out = append(out, r)
		}
	}
	return out
}

// listRevisions returns the revisions that match set's selector and are
// set's or nobody's.
func (ctl *Controller) listRevisions(set *api.StatefulSet, sel api.Selector) []*api.ControllerRevision {
	var out []*api.ControllerRevision
	for _, r := range ctl.revs.Select(set.Namespace, sel) {
		if ref := controller.ControllerRef(r); ref == nil || ref.UID == set.UID {
			out = append(out, r)
		}
	}
	return out
}

// adoptOrphanRevisions makes set the controller of the revisions that
// match its selector and have none.
func (ctl *Controller) adoptOrphanRevisions(set *api.StatefulSet, sel api.Selector) error {
	for _, r := range ctl.listRevisions(set, sel) {
		if controller.ControllerRef(r) != nil {
			continue
		}
		if _, err := controller.Adopt(ctl.c, r, set); err != nil {
			return err
		}
	}
	return nil
}

// revisions returns set's current and update revisions, creating the
// update revision or renumbering an equal older one (a rollback), and the
// collision count to record.
func (ctl *Controller) revisions(set *api.StatefulSet, revs []*api.ControllerRevision) (current, update *api.ControllerRevision, collisionCount int32, err error) {
	collisionCount = api.Deref(set.Status.CollisionCount, 0)
	update, err = newRevision(set, nextRevision(revs), &collisionCount)
	if err != nil {
		return nil, nil, collisionCount, err
	}
	equal := findEqualRevisions(revs, update)
	switch {
	case len(equal) > 0 && equalRevision(revs[len(revs)-1], equal[len(equal)-1]):
		update = revs[len(revs)-1]
	case len(equal) > 0:
		update, err = ctl.renumberRevision(equal[len(equal)-1], update.Revision)
	default:
		update, err = ctl.createRevision(set, update, &collisionCount)
	}
	if err != nil {
		return nil, nil, collisionCount, err
	}
	for _, r := range revs {
		if r.Name == set.Status.CurrentRevision {
			current = r
			break
		}
	}
	if current == nil {
		current = update
	}
	return current, update, collisionCount, nil
}

func (ctl *Controller) renumberRevision(rev *api.ControllerRevision, revision int64) (*api.ControllerRevision, error) {
	if rev.Revision == revision {
		return rev, nil
	}
	upd := api.Clone(rev)
	upd.Revision = revision
	return client.Update(ctl.c, upd)
}

// createRevision creates rev, renaming it with a higher collision count
// while its name is taken by a revision with other data.
func (ctl *Controller) createRevision(set *api.StatefulSet, rev *api.ControllerRevision, collisionCount *int32) (*api.ControllerRevision, error) {
	for {
		rev = api.Clone(rev)
		rev.Name = revisionName(set.Name, hashRevision(rev.Data, collisionCount))
		created, err := client.Create(ctl.c, rev)
		if !apiserver.IsAlreadyExists(err) {
			return created, err
		}
		exists, err := client.Get[*api.ControllerRevision](ctl.c, rev.Namespace, rev.Name)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(exists.Data, rev.Data) {
			return exists, nil
		}
		*collisionCount++
	}
}

// truncateHistory deletes the oldest revisions that neither the status nor
// a pod uses, keeping revisionHistoryLimit of them.
func (ctl *Controller) truncateHistory(set *api.StatefulSet, pods []*api.Pod, revs []*api.ControllerRevision, current, update *api.ControllerRevision) error {
	live := map[string]bool{}
	for _, r := range []*api.ControllerRevision{current, update} {
		if r != nil {
			live[r.Name] = true
		}
	}
	for _, p := range pods {
		live[revisionOf(p)] = true
	}
	var history []*api.ControllerRevision
	for _, r := range revs {
		if !live[r.Name] {
			history = append(history, r)
		}
	}
	limit := int(api.Deref(set.Spec.RevisionHistoryLimit, 10))
	if limit < 0 || len(history) <= limit {
		return nil
	}
	for _, r := range history[:len(history)-limit] {
		err := client.Delete[*api.ControllerRevision](ctl.c, r.Namespace, r.Name, apiserver.DeleteOptions{})
		if err != nil && !apiserver.IsNotFound(err) {
			return err
		}
	}
	return nil
}
