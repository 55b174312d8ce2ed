// Package rootcacert is kube-controller-manager's root-ca-cert-publisher:
// every active namespace has a ConfigMap "kube-root-ca.crt" holding the
// cluster's CA, which the service account volume projects into pods.
package rootcacert

import (
	"maps"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// The ConfigMap's name and the annotation that says what it is for, as
// upstream writes them.
const (
	ConfigMapName         = "kube-root-ca.crt"
	descriptionAnnotation = "kubernetes.io/description"
	description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
		"No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Publisher is the root CA certificate publisher.
type Publisher struct {
	c      *client.Client
	nss    *client.Informer[*api.Namespace]
	cms    *client.Informer[*api.ConfigMap]
	rootCA string
	queue  *loop.Queue
}

// New returns a publisher of rootCA (PEM) sharing the namespace informer.
func New(c *client.Client, nss *client.Informer[*api.Namespace], rootCA []byte) *Publisher {
	p := &Publisher{
		c:      c,
		nss:    nss,
		cms:    client.NewInformer[*api.ConfigMap](c, "", apiserver.ListOptions{FieldSelector: "metadata.name=" + ConfigMapName}),
		rootCA: string(rootCA),
	}
	p.queue = loop.NewQueue(c.Loop(), p.Reconcile)
	return p
}

// Start registers the handlers and starts the ConfigMap informer.
func (p *Publisher) Start() error {
	p.nss.AddHandler(client.Handler[*api.Namespace]{
		Add: func(ns *api.Namespace) { p.queue.Add(ns.Name) },
		Update: func(_, ns *api.Namespace) {
			if ns.Status.Phase == "Active" {
				p.queue.Add(ns.Name)
			}
		},
	})
	p.cms.AddHandler(client.Handler[*api.ConfigMap]{
		Update: func(_, cm *api.ConfigMap) { p.queue.Add(cm.Namespace) },
		Delete: func(cm *api.ConfigMap) { p.queue.Add(cm.Namespace) },
	})
	return p.cms.Start()
}

// Reconcile makes the namespace's kube-root-ca.crt hold the CA, creating
// it or putting back what a user changed.
func (p *Publisher) Reconcile(ns string) (loop.Result, error) {
	data := map[string]string{"ca.crt": p.rootCA}
	cm, ok := p.cms.Get(ns, ConfigMapName)
	if !ok {
		_, err := client.Create(p.c, &api.ConfigMap{
			ObjectMeta: api.ObjectMeta{Name: ConfigMapName, Namespace: ns, Annotations: map[string]string{descriptionAnnotation: description}},
			Data:       data,
		})
		// A namespace that is gone or going needs no certificate.
		if err == nil || apiserver.IsNotFound(err) || apiserver.IsForbidden(err) || apiserver.IsAlreadyExists(err) {
			return loop.Result{}, nil
		}
		return loop.Result{}, err
	}
	if maps.Equal(cm.Data, data) && cm.Annotations[descriptionAnnotation] != "" {
		return loop.Result{}, nil
	}
	cm = api.Clone(cm)
	cm.Data = data
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[descriptionAnnotation] = description
	_, err := client.Update(p.c, cm)
	return loop.Result{}, err
}
