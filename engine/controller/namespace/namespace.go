// Package namespace is the namespace controller: when a namespace is
// deleted it deletes everything in it, and once it is empty removes the
// "kubernetes" finalizer so the namespace itself goes.
package namespace

import (
	"slices"
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

// Reconcile empties a terminating namespace, then finalizes it.
func (ctl *Controller) Reconcile(name string) (loop.Result, error) {
	ns, ok := ctl.nss.Get("", name)
	if !ok || ns.DeletionTimestamp == nil {
		return loop.Result{}, nil
	}
	remaining := 0
	for _, r := range api.Resources {
		if !r.Namespaced || r.Alternate() {
			continue
		}
		n, err := ctl.deleteAll(r, name)
		if err != nil {
			return loop.Result{}, err
		}
		remaining += n
	}
	if remaining > 0 {
		return loop.Result{RequeueAfter: recheck}, nil
	}
	if !slices.Contains(ns.Spec.Finalizers, "kubernetes") {
		return loop.Result{}, nil
	}
	rest := slices.DeleteFunc(slices.Clone(ns.Spec.Finalizers), func(f string) bool { return f == "kubernetes" })
	return loop.Result{}, ignoreNotFound(ctl.c.FinalizeNamespace(name, rest))
}

// deleteAll deletes every object of r in ns and returns how many are left.
func (ctl *Controller) deleteAll(r *api.ResourceInfo, ns string) (int, error) {
	l, err := ctl.c.List(r, ns, apiserver.ListOptions{})
	if err != nil {
		return 0, err
	}
	for _, o := range l.Items {
		if o.GetObjectMeta().DeletionTimestamp != nil {
			continue
		}
		if _, err := ctl.c.Delete(r, ns, o.GetObjectMeta().Name, apiserver.DeleteOptions{}); ignoreNotFound(err) != nil {
			return 0, err
		}
	}
	l, err = ctl.c.List(r, ns, apiserver.ListOptions{})
	if err != nil {
		return 0, err
	}
	return len(l.Items), nil
}

func ignoreNotFound(err error) error {
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}
