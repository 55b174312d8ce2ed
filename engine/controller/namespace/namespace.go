// Package namespace is the namespace controller: when a namespace is
// deleted it deletes everything in it, and once it is empty removes the
// "kubernetes" finalizer so the namespace itself goes.
package namespace

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// recheck is how soon a namespace whose content is still going is looked at again.
const recheck = 2 * time.Second

// Controller is the namespace controller.
type Controller struct {
	c     *client.Client
	nss   *client.Informer[*api.Namespace]
	queue *loop.Queue
}

// New returns a namespace controller sharing the namespace informer.
func New(c *client.Client, nss *client.Informer[*api.Namespace]) *Controller {
	ctl := &Controller{c: c, nss: nss}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers.
func (ctl *Controller) Start() error {
	enqueue := func(ns *api.Namespace) {
		if ns.DeletionTimestamp != nil {
			ctl.queue.Add(ns.Name)
		}
	}
	ctl.nss.AddHandler(client.Handler[*api.Namespace]{Add: enqueue, Update: func(_, ns *api.Namespace) { enqueue(ns) }})
	return nil
}

// Reconcile empties a terminating namespace, reports what is left in its
// conditions, then finalizes it.
func (ctl *Controller) Reconcile(name string) (loop.Result, error) {
	ns, ok := ctl.nss.Get("", name)
	if !ok || ns.DeletionTimestamp == nil {
		return loop.Result{}, nil
	}
	var left remaining
	for _, r := range api.Resources {
		if !r.Namespaced || r.Alternate() || r.Aggregated {
			continue
		}
		if err := ctl.deleteAll(r, name, &left); err != nil {
			return loop.Result{}, err
		}
	}
	if err := ctl.updateConditions(ns, &left); err != nil {
		return loop.Result{}, err
	}
	if len(left.resources) > 0 {
		return loop.Result{RequeueAfter: recheck}, nil
	}
	if !slices.Contains(ns.Spec.Finalizers, "kubernetes") {
		return loop.Result{}, nil
	}
	rest := slices.DeleteFunc(slices.Clone(ns.Spec.Finalizers), func(f string) bool { return f == "kubernetes" })
	return loop.Result{}, ignoreNotFound(ctl.c.FinalizeNamespace(name, rest))
}

// remaining counts what is left in a namespace after a round of deletes:
// instances by "resource.group", and instances by finalizer.
type remaining struct {
	resources  map[string]int
	finalizers map[string]int
}

func (r *remaining) add(res *api.ResourceInfo, o api.Object) {
	if r.resources == nil {
		r.resources, r.finalizers = map[string]int{}, map[string]int{}
	}
	r.resources[res.Resource+"."+res.Group]++
	for _, f := range o.GetObjectMeta().Finalizers {
		r.finalizers[f]++
	}
}

// deleteAll deletes every object of r in ns and counts what is left.
func (ctl *Controller) deleteAll(r *api.ResourceInfo, ns string, left *remaining) error {
	l, err := ctl.c.List(r, ns, apiserver.ListOptions{})
	if err != nil {
		return err
	}
	for _, o := range l.Items {
		if o.GetObjectMeta().DeletionTimestamp != nil {
			continue
		}
		if _, err := ctl.c.Delete(r, ns, o.GetObjectMeta().Name, apiserver.DeleteOptions{}); ignoreNotFound(err) != nil {
			return err
		}
	}
	l, err = ctl.c.List(r, ns, apiserver.ListOptions{})
	if err != nil {
		return err
	}
	for _, o := range l.Items {
		left.add(r, o)
	}
	return nil
}

// The namespace's deletion conditions, in the controller's order, with
// the reason and message each has when all is well.
var conditionTypes = []struct{ typ, okReason, okMessage string }{
	{"NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered", "All resources successfully discovered"},
	{"NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions", "All legacy kube types successfully parsed"},
	{"NamespaceDeletionContentFailure", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	{"NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"},
	{"NamespaceFinalizersRemaining", "ContentHasNoFinalizers", "All content-preserving finalizers finished"},
}

// updateConditions writes the conditions the namespace controller keeps
// on a terminating namespace; a condition's time changes only with it.
func (ctl *Controller) updateConditions(ns *api.Namespace, left *remaining) error {
	failing := map[string]api.NamespaceCondition{}
	if len(left.resources) > 0 {
		var parts []string
		for _, res := range slices.Sorted(maps.Keys(left.resources)) {
			parts = append(parts, fmt.Sprintf("%s has %d resource instances", res, left.resources[res]))
		}
		failing["NamespaceContentRemaining"] = api.NamespaceCondition{Reason: "SomeResourcesRemain",
			Message: "Some resources are remaining: " + strings.Join(parts, ", ")}
	}
	if len(left.finalizers) > 0 {
		var parts []string
		for _, f := range slices.Sorted(maps.Keys(left.finalizers)) {
			parts = append(parts, fmt.Sprintf("%s in %d resource instances", f, left.finalizers[f]))
		}
		failing["NamespaceFinalizersRemaining"] = api.NamespaceCondition{Reason: "SomeFinalizersRemain",
			Message: "Some content in the namespace has finalizers remaining: " + strings.Join(parts, ", ")}
	}
	upd := api.Clone(ns)
	now := api.NewTime(ctl.c.Now())
	changed := false
	for _, ct := range conditionTypes {
		want := api.NamespaceCondition{Type: ct.typ, Status: api.ConditionFalse, LastTransitionTime: now, Reason: ct.okReason, Message: ct.okMessage}
		if f, ok := failing[ct.typ]; ok {
			want.Status, want.Reason, want.Message = api.ConditionTrue, f.Reason, f.Message
		}
		i := slices.IndexFunc(upd.Status.Conditions, func(c api.NamespaceCondition) bool { return c.Type == ct.typ })
		switch {
		case i < 0:
			upd.Status.Conditions = append(upd.Status.Conditions, want)
			changed = true
		case upd.Status.Conditions[i].Status != want.Status || upd.Status.Conditions[i].Reason != want.Reason || upd.Status.Conditions[i].Message != want.Message:
			upd.Status.Conditions[i] = want
			changed = true
		}
	}
	if !changed {
		return nil
	}
	_, err := ctl.c.UpdateStatus(api.ResourceFor(upd), upd)
	return ignoreNotFound(err)
}

func ignoreNotFound(err error) error {
	if apiserver.IsNotFound(err) || apiserver.IsConflict(err) {
		return nil // a newer namespace is on its way through the informer
	}
	return err
}
