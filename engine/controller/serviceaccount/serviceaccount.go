// Package serviceaccount is the service account controller: every active
// namespace has a "default" ServiceAccount.
package serviceaccount

import (
	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Controller is the service account controller.
type Controller struct {
	c     *client.Client
	nss   *client.Informer[*api.Namespace]
	sas   *client.Informer[*api.ServiceAccount]
	queue *loop.Queue
}

// New returns a service account controller sharing the namespace informer.
func New(c *client.Client, nss *client.Informer[*api.Namespace]) *Controller {
	ctl := &Controller{c: c, nss: nss, sas: client.NewInformer[*api.ServiceAccount](c, "", apiserver.ListOptions{})}
	ctl.queue = loop.NewQueue(c.Loop(), ctl.Reconcile)
	return ctl
}

// Start registers the handlers and starts the ServiceAccount informer.
func (ctl *Controller) Start() error {
	ctl.nss.AddHandler(client.Handler[*api.Namespace]{
		Add:    func(ns *api.Namespace) { ctl.queue.Add(ns.Name) },
		Update: func(_, ns *api.Namespace) { ctl.queue.Add(ns.Name) },
	})
	ctl.sas.AddHandler(client.Handler[*api.ServiceAccount]{Delete: func(sa *api.ServiceAccount) { ctl.queue.Add(sa.Namespace) }})
	return ctl.sas.Start()
}

// Reconcile creates the namespace's default ServiceAccount if it is missing.
func (ctl *Controller) Reconcile(ns string) (loop.Result, error) {
	n, ok := ctl.nss.Get("", ns)
	if !ok || n.DeletionTimestamp != nil {
		return loop.Result{}, nil
	}
	if _, err := client.Get[*api.ServiceAccount](ctl.c, ns, "default"); err == nil || !apiserver.IsNotFound(err) {
		return loop.Result{}, err
	}
	_, err := client.Create(ctl.c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "default", Namespace: ns}})
	if apiserver.IsAlreadyExists(err) {
		return loop.Result{}, nil
	}
	return loop.Result{}, err
}
