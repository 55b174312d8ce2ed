package kubectl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/controller"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// revisionAnnotation is the Deployment controller's revision number.
const revisionAnnotation = "deployment.kubernetes.io/revision"

// revisionEntry is one revision of a workload: its number, the object
// that holds it (a ReplicaSet or ControllerRevision), and its template.
type revisionEntry struct {
	number   int64
	holder   api.Object
	template *api.PodTemplateSpec
}

// revisions lists a workload's revisions by number, as the history
// viewers find them: a Deployment's ReplicaSets, a DaemonSet's or
// StatefulSet's ControllerRevisions applied to the object.
func (k *Kubectl) revisions(o object) ([]revisionEntry, error) {
	var out []revisionEntry
	switch obj := o.obj.(type) {
	case *api.Deployment:
		rss, err := k.ownedReplicaSets(obj)
		if err != nil {
			return nil, fmt.Errorf("failed to retrieve replica sets from deployment %s: %v", obj.Name, err)
		}
		for _, rs := range rss {
			if n, err := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64); err == nil {
				out = append(out, revisionEntry{number: n, holder: rs, template: &rs.Spec.Template})
			}
		}
	case *api.DaemonSet, *api.StatefulSet:
		crs, err := k.controllerRevisions(o)
		if err != nil {
			return nil, err
		}
		for _, cr := range crs {
			t, err := templateAt(o, cr)
			if err != nil {
				return nil, fmt.Errorf("unable to parse history %s", cr.Name)
			}
			out = append(out, revisionEntry{number: cr.Revision, holder: cr, template: t})
		}
	default:
		return nil, fmt.Errorf("no history viewer has been implemented for %q", o.r.GroupKind())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].number < out[j].number })
	return out, nil
}

// ownedReplicaSets lists the ReplicaSets a Deployment controls.
func (k *Kubectl) ownedReplicaSets(d *api.Deployment) ([]*api.ReplicaSet, error) {
	sel, err := api.SelectorFromLabelSelector(d.Spec.Selector)
	if err != nil {
		return nil, err
	}
	l, err := k.c.List(api.ResourceFor(&api.ReplicaSet{}), d.Namespace, apiserver.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	var out []*api.ReplicaSet
	for _, o := range l.Items {
		if ref := controller.ControllerRef(o); ref != nil && ref.UID == d.UID {
			out = append(out, o.(*api.ReplicaSet))
		}
	}
	return out, nil
}

// controllerRevisions lists the ControllerRevisions a workload controls.
func (k *Kubectl) controllerRevisions(o object) ([]*api.ControllerRevision, error) {
	var ls *api.LabelSelector
	switch obj := o.obj.(type) {
	case *api.DaemonSet:
		ls = obj.Spec.Selector
	case *api.StatefulSet:
		ls = obj.Spec.Selector
	}
	sel, err := api.SelectorFromLabelSelector(ls)
	if err != nil {
		return nil, err
	}
	l, err := k.c.List(api.ResourceFor(&api.ControllerRevision{}), o.ns(), apiserver.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	var out []*api.ControllerRevision
	for _, cr := range l.Items {
		if ref := controller.ControllerRef(cr); ref != nil && ref.UID == o.obj.GetObjectMeta().UID {
			out = append(out, cr.(*api.ControllerRevision))
		}
	}
	return out, nil
}

// applyRevision returns the workload with a ControllerRevision's patch
// applied: the object as it was at that revision.
func applyRevision(o object, cr *api.ControllerRevision) (api.Object, error) {
	doc, err := json.Marshal(o.obj)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(cr.Data)
	if err != nil {
		return nil, err
	}
	out, err := patch.ApplyStrategic(doc, data, reflect.TypeOf(o.obj).Elem())
	if err != nil {
		return nil, err
	}
	obj := o.r.New()
	return obj, json.Unmarshal(out, obj)
}

func templateAt(o object, cr *api.ControllerRevision) (*api.PodTemplateSpec, error) {
	obj, err := applyRevision(o, cr)
	if err != nil {
		return nil, err
	}
	switch w := obj.(type) {
	case *api.DaemonSet:
		return &w.Spec.Template, nil
	case *api.StatefulSet:
		return &w.Spec.Template, nil
	}
	return nil, errors.New("no template")
}

// printTemplate is the pod template as describe writes it, without the
// tabwriter: history and undo print it as upstream does, with tabs.
func printTemplate(t *api.PodTemplateSpec) string {
	var buf bytes.Buffer
	describePodTemplate(&prefixWriter{out: &buf}, t)
	return buf.String()
}

// rolloutHistory is `kubectl rollout history`.
func (k *Kubectl) rolloutHistory(ctx context.Context, io IO, args []string) error {
	f := k.newRolloutFlags("history")
	revision := f.fs.Int("revision", "", 0)
	f.output = f.fs.String("output", "o", "")
	pos, _, err := f.fs.Parse(args)
	if err != nil {
		return err
	}
	if *revision < 0 {
		return fmt.Errorf("revision must be a positive integer: %v", *revision)
	}
	if err := checkOutput(*f.output); err != nil {
		return err
	}
	objs, err := k.rolloutObjects(io, f, pos)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := k.history(io, o, *revision, *f.output); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kubectl) history(io IO, o object, revision int64, output string) error {
	revs, err := k.revisions(o)
	if err != nil {
		return err
	}
	if output != "" {
		return k.printHistoryObjects(io, o, revs, revision, output)
	}
	text, err := historyText(revs, revision, o.r.Kind == "Deployment")
	if err != nil {
		return err
	}
	with := ""
	if revision > 0 {
		with = fmt.Sprintf("with revision #%d", revision)
	}
	fmt.Fprintf(io.Out, "%s %s\n%s\n", kindName(o.r, o.name()), with, text)
	return nil
}

// historyText is the REVISION/CHANGE-CAUSE table, or one revision's template.
func historyText(revs []revisionEntry, revision int64, deployment bool) (string, error) {
	if len(revs) == 0 {
		return "No rollout history found.", nil
	}
	if revision > 0 {
		for _, r := range revs {
			if r.number == revision {
				return printTemplate(templateWithCause(r, deployment)), nil
			}
		}
		return "", errors.New("unable to find the specified revision")
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "REVISION\tCHANGE-CAUSE\n")
	for _, r := range revs {
		cause := r.holder.GetObjectMeta().Annotations[ChangeCauseAnnotation]
		if cause == "" {
			cause = "<none>"
		}
		fmt.Fprintf(tw, "%d\t%s\n", r.number, cause)
	}
	tw.Flush()
	return buf.String(), nil
}

// templateWithCause is a Deployment revision's template carrying its
// ReplicaSet's change cause, as the history viewer shows it.
func templateWithCause(r revisionEntry, deployment bool) *api.PodTemplateSpec {
	t := api.Clone(r.template)
	if cause := r.holder.GetObjectMeta().Annotations[ChangeCauseAnnotation]; deployment && cause != "" {
		if t.Annotations == nil {
			t.Annotations = map[string]string{}
		}
		t.Annotations[ChangeCauseAnnotation] = cause
	}
	return t
}

// printHistoryObjects prints the revisions' objects for -o.
func (k *Kubectl) printHistoryObjects(io IO, o object, revs []revisionEntry, revision int64, output string) error {
	for _, r := range revs {
		if revision > 0 && r.number != revision {
			continue
		}
		obj := r.holder
		if cr, ok := obj.(*api.ControllerRevision); ok {
			applied, err := applyRevision(o, cr)
			if err != nil {
				return err
			}
			obj = applied
		}
		if err := k.printObject(io, obj, output); err != nil {
			return err
		}
		if revision > 0 {
			return nil
		}
	}
	if revision > 0 {
		return fmt.Errorf("unable to find the specified revision %d", revision)
	}
	return nil
}

// rolloutUndo is `kubectl rollout undo [--to-revision=N]`.
func (k *Kubectl) rolloutUndo(ctx context.Context, io IO, args []string) error {
	f := k.newRolloutFlags("undo")
	to := f.fs.Int("to-revision", "", 0)
	dryRunValue := dryRunFlag(f.fs)
	f.output = f.fs.String("output", "o", "")
	pos, _, err := f.fs.Parse(args)
	if err != nil {
		return err
	}
	strategy, err := dryRunStrategy(*dryRunValue)
	if err != nil {
		return err
	}
	objs, err := k.rolloutObjects(io, f, pos)
	if err != nil {
		return err
	}
	for _, o := range objs {
		result, err := k.undo(o, *to, strategy)
		if err != nil {
			return err
		}
		if err := k.printed(io, o.r, o.obj, result, strategy, *f.output); err != nil {
			return err
		}
	}
	return nil
}

func revisionNotFound(n int64) error {
	return fmt.Errorf("unable to find specified revision %v in history", n)
}

// undo rolls a workload back and says what happened, as the Rollbackers.
func (k *Kubectl) undo(o object, to int64, strategy dryRun) (string, error) {
	if to < 0 {
		return "", revisionNotFound(to)
	}
	if _, ok := o.obj.(*api.Deployment); !ok {
		if _, err := k.revisions(o); err != nil {
			return "", fmt.Errorf("no rollbacker has been implemented for %q", o.r.GroupKind())
		}
		return k.undoControllerRevision(o, to, strategy)
	}
	return k.undoDeployment(o, to, strategy)
}

func (k *Kubectl) undoDeployment(o object, to int64, strategy dryRun) (string, error) {
	d := o.obj.(*api.Deployment)
	revs, err := k.revisions(o)
	if err != nil {
		return "", err
	}
	target, err := deploymentRevision(d, revs, to)
	if err != nil {
		return "", err
	}
	if strategy == dryRunClient {
		return printTemplate(target.template), nil
	}
	if d.Spec.Paused {
		return "", fmt.Errorf("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/%s' and try again", d.Name)
	}
	if sameTemplate(target.template, &d.Spec.Template) {
		return fmt.Sprintf("skipped rollback (current template already matches revision %d)", to), nil
	}
	tmpl := api.Clone(target.template)
	delete(tmpl.Labels, "pod-template-hash")
	body, err := json.Marshal([]map[string]any{
		{"op": "replace", "path": "/spec/template", "value": tmpl},
		{"op": "replace", "path": "/metadata/annotations", "value": rollbackAnnotations(d, target.holder)},
	})
	if err != nil {
		return "", err
	}
	if _, err := k.writer(strategy).Patch(o.r, d.Namespace, d.Name, patch.JSON, body); err != nil {
		return "", fmt.Errorf("failed restoring revision %d: %v", to, err)
	}
	return "rolled back", nil
}

// deploymentRevision finds the ReplicaSet of a revision; 0 is the one
// before the newest.
func deploymentRevision(d *api.Deployment, revs []revisionEntry, to int64) (revisionEntry, error) {
	if to > 0 {
		for _, r := range revs {
			if r.number == to {
				return r, nil
			}
		}
		return revisionEntry{}, revisionNotFound(to)
	}
	if len(revs) < 2 {
		return revisionEntry{}, fmt.Errorf("no rollout history found for deployment %q", d.Name)
	}
	return revs[len(revs)-2], nil
}

// sameTemplate compares templates ignoring the pod-template-hash label.
func sameTemplate(a, b *api.PodTemplateSpec) bool {
	ac, bc := api.Clone(a), api.Clone(b)
	for _, t := range []*api.PodTemplateSpec{ac, bc} {
		delete(t.Labels, "pod-template-hash")
		if len(t.Labels) == 0 {
			t.Labels = nil
		}
	}
	return reflect.DeepEqual(ac, bc)
}

// rollbackSkipped are the Deployment's annotations a rollback keeps, not
// taking the ReplicaSet's.
var rollbackSkipped = map[string]bool{
	LastAppliedAnnotation: true, revisionAnnotation: true, "deployment.kubernetes.io/revision-history": true,
	"deployment.kubernetes.io/desired-replicas": true, "deployment.kubernetes.io/max-replicas": true,
	"deprecated.deployment.rollback.to": true,
}

func rollbackAnnotations(d *api.Deployment, rs api.Object) map[string]string {
	out := map[string]string{}
	for k, v := range d.Annotations {
		if rollbackSkipped[k] {
			out[k] = v
		}
	}
	for k, v := range rs.GetObjectMeta().Annotations {
		if !rollbackSkipped[k] {
			out[k] = v
		}
	}
	return out
}

// undoControllerRevision rolls a DaemonSet or StatefulSet back by
// applying a ControllerRevision's patch.
func (k *Kubectl) undoControllerRevision(o object, to int64, strategy dryRun) (string, error) {
	revs, err := k.revisions(o)
	if err != nil {
		return "", err
	}
	if to == 0 && len(revs) <= 1 {
		return "", errors.New("no last revision to roll back to")
	}
	var target *revisionEntry
	for i := range revs {
		if (to == 0 && i == len(revs)-2) || (to != 0 && revs[i].number == to) {
			target = &revs[i]
		}
	}
	if target == nil {
		return "", revisionNotFound(to)
	}
	if strategy == dryRunClient {
		return "will roll back to " + printTemplate(target.template), nil
	}
	cr := target.holder.(*api.ControllerRevision)
	current, err := currentTemplatePatch(o)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(cr.Data)
	if err != nil {
		return "", err
	}
	if bytes.Equal(current, data) {
		return fmt.Sprintf("skipped rollback (current template already matches revision %d)", to), nil
	}
	if _, err := k.writer(strategy).Patch(o.r, o.ns(), o.name(), patch.Strategic, data); err != nil {
		return "", fmt.Errorf("failed restoring revision %d: %v", to, err)
	}
	return "rolled back", nil
}

// currentTemplatePatch is the patch a ControllerRevision of the
// workload's current template would hold.
func currentTemplatePatch(o object) ([]byte, error) {
	raw, err := json.Marshal(o.obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	spec, _ := m["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	if tmpl == nil {
		tmpl = map[string]any{}
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}
