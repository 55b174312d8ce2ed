// Package client is the only way a component touches the cluster: every
// read and write of the scheduler, the controllers, the kubelets, kubectl
// and the page goes through a Client to the API server. A Client names its
// component, so the page can draw who asked what of whom.
package client

import (
	"context"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/loop"
)

// Request describes one API call, for observers.
type Request struct {
	Component   string
	Verb        string // get, list, watch, create, update, patch, delete
	Resource    *api.ResourceInfo
	Subresource string
	Namespace   string
	Name        string
	Err         error
}

// Client makes API requests on behalf of one component.
type Client struct {
	s         *apiserver.Server
	component string
	observe   func(Request)
	warnings  *warningsOf
	dryRun    bool
	// fieldManager names the client's writes in managedFields; without
	// one, they are the component's (its user agent up to the "/").
	fieldManager string
}

// New returns a client for component (a user agent such as "kubelet/node01").
func New(s *apiserver.Server, component string) *Client {
	return &Client{s: s, component: component, warnings: &warningsOf{}}
}

// WithObserver returns a copy of c that reports each request to f.
func (c *Client) WithObserver(f func(Request)) *Client {
	cp := *c
	cp.observe = f
	return &cp
}

// WithFieldManager returns a copy of c whose writes are manager's in
// metadata.managedFields (the fieldManager parameter of a request).
func (c *Client) WithFieldManager(manager string) *Client {
	cp := *c
	cp.fieldManager = manager
	return &cp
}

// WithWarningHandler returns a copy of c, with warnings of its own, that
// hands each warning to f as the response carrying it arrives (once in
// the copy's life), as client-go's warning handler does, instead of
// keeping it for Warnings.
func (c *Client) WithWarningHandler(f func(string)) *Client {
	cp := *c
	cp.warnings = &warningsOf{handle: f}
	return &cp
}

// FieldManager is the field manager the client's writes are recorded as.
func (c *Client) FieldManager() string {
	if c.fieldManager != "" {
		return c.fieldManager
	}
	return apiserver.FieldManagerOf(c.component)
}

// as makes the server record the writes of the request that follows as
// the client's field manager's.
func (c *Client) as() func() { return c.s.SetFieldManager(c.FieldManager()) }

// Component returns the name the client acts under.
func (c *Client) Component() string { return c.component }

// RandomSuffix returns n characters for a generated name, from the
// cluster's seeded source: what kubectl draws at random (kubectl debug's
// debugger-XXXXX) is the same in every run of a scenario.
func (c *Client) RandomSuffix(n int) string { return c.s.RandomSuffix(n) }

// Now returns the cluster's virtual time.
func (c *Client) Now() time.Time { return c.s.Now() }

// Loop returns the event loop the cluster runs on.
func (c *Client) Loop() *loop.Loop { return c.s.Loop() }

func (c *Client) record(verb string, r *api.ResourceInfo, sub, ns, name string, err error) {
	c.takeWarnings()
	if c.observe != nil {
		c.observe(Request{Component: c.component, Verb: verb, Resource: r, Subresource: sub, Namespace: ns, Name: name, Err: err})
	}
}

// Get returns an object. The result is shared: clone it before changing it.
func (c *Client) Get(r *api.ResourceInfo, ns, name string) (api.Object, error) {
	obj, err := c.s.Get(r, ns, name)
	c.record("get", r, "", ns, name, err)
	return obj, err
}

// List returns the matching objects (shared) and the revision read.
func (c *Client) List(r *api.ResourceInfo, ns string, opts apiserver.ListOptions) (*apiserver.List, error) {
	l, err := c.s.List(r, ns, opts)
	c.record("list", r, "", ns, "", err)
	return l, err
}

// Watch streams changes to handler as loop tasks.
func (c *Client) Watch(r *api.ResourceInfo, ns string, opts apiserver.ListOptions, handler func(apiserver.WatchEvent)) (func(), error) {
	stop, err := c.s.Watch(r, ns, opts, handler)
	c.record("watch", r, "", ns, "", err)
	return stop, err
}

// Create creates obj in ns (or obj's own namespace when ns is "").
func (c *Client) Create(r *api.ResourceInfo, ns string, obj api.Object) (api.Object, error) {
	if c.dryRun {
		return c.create(r, ns, obj, c.s.CreateDryRun)
	}
	return c.create(r, ns, obj, c.s.Create)
}

// CreateOwned is Create of an object the server may keep as it is: the
// caller must not change obj afterwards, nor use it again when the
// create fails (apiserver.Server.CreateOwned).
func (c *Client) CreateOwned(r *api.ResourceInfo, ns string, obj api.Object) (api.Object, error) {
	if c.dryRun {
		return c.Create(r, ns, obj)
	}
	return c.create(r, ns, obj, c.s.CreateOwned)
}

func (c *Client) create(r *api.ResourceInfo, ns string, obj api.Object, create func(*api.ResourceInfo, string, api.Object) (api.Object, error)) (api.Object, error) {
	defer c.as()()
	if ns == "" {
		ns = obj.GetObjectMeta().Namespace
	}
	name := obj.GetObjectMeta().Name // as asked: an owned create may change obj
	out, err := create(r, ns, obj)
	if out != nil {
		name = out.GetObjectMeta().Name
	}
	c.record("create", r, "", ns, name, err)
	return out, err
}

// Update replaces obj's spec and metadata.
func (c *Client) Update(r *api.ResourceInfo, obj api.Object) (api.Object, error) {
	defer c.as()()
	update := c.s.Update
	if c.dryRun {
		update = c.s.UpdateDryRun
	}
	out, err := update(r, obj)
	c.record("update", r, "", obj.GetObjectMeta().Namespace, obj.GetObjectMeta().Name, err)
	return out, err
}

// UpdateStatus replaces obj's status.
func (c *Client) UpdateStatus(r *api.ResourceInfo, obj api.Object) (api.Object, error) {
	defer c.as()()
	out, err := c.s.UpdateStatus(r, obj)
	c.record("update", r, "status", obj.GetObjectMeta().Namespace, obj.GetObjectMeta().Name, err)
	return out, err
}

// Delete deletes an object.
func (c *Client) Delete(r *api.ResourceInfo, ns, name string, opts apiserver.DeleteOptions) (api.Object, error) {
	opts.DryRun = opts.DryRun || c.dryRun
	out, err := c.s.Delete(r, ns, name, opts)
	c.record("delete", r, "", ns, name, err)
	return out, err
}

// Bind binds a pod to a node.
func (c *Client) Bind(ns string, b *api.Binding) error {
	err := c.s.Bind(ns, b)
	c.record("create", resource("pods"), "binding", ns, b.Name, err)
	return err
}

// Evict evicts a pod through the pods/eviction subresource: it is deleted
// with opts (which may be nil) unless a PodDisruptionBudget forbids it,
// which fails with 429 TooManyRequests.
func (c *Client) Evict(ns, name string, opts *api.DeleteOptions) error {
	ev := &api.Eviction{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns}, DeleteOptions: opts}
	err := c.s.Evict(ns, name, ev)
	c.record("create", resource("pods"), "eviction", ns, name, err)
	return err
}

// PodLogs reads a container's log through the API server.
func (c *Client) PodLogs(ns, name, container string, opts apiserver.LogOptions) ([]byte, error) {
	out, err := c.s.PodLogs(ns, name, container, opts)
	c.record("get", resource("pods"), "log", ns, name, err)
	return out, err
}

// NodeStatsSummary reads a node's stats through the API server's node
// proxy (/api/v1/nodes/NAME/proxy/stats/summary).
func (c *Client) NodeStatsSummary(node string) (apiserver.Summary, error) {
	out, err := c.s.NodeStatsSummary(node)
	c.record("get", resource("nodes"), "proxy", "", node, err)
	return out, err
}

// Discoverable reports whether discovery lists a resource.
func (c *Client) Discoverable(r *api.ResourceInfo) bool { return c.s.Discoverable(r) }

// RegisterAPIService makes svc serve an aggregated group.
func (c *Client) RegisterAPIService(group string, svc apiserver.APIService) {
	c.s.RegisterAPIService(group, svc)
}

// RegisterKubelet connects a node's kubelet to the API server.
func (c *Client) RegisterKubelet(node string, conn apiserver.KubeletConn) {
	c.s.RegisterKubelet(node, conn)
}

func resource(name string) *api.ResourceInfo {
	r, ok := api.LookupResource(name)
	if !ok {
		panic("client: unknown resource " + name)
	}
	return r
}

// Typed helpers.

func resourceOf[T api.Object]() *api.ResourceInfo {
	var zero T
	return api.ResourceFor(zero)
}

// Get returns a typed object.
func Get[T api.Object](c *Client, ns, name string) (T, error) {
	obj, err := c.Get(resourceOf[T](), ns, name)
	if err != nil {
		var zero T
		return zero, err
	}
	return obj.(T), nil
}

// List returns typed objects.
func List[T api.Object](c *Client, ns string, opts apiserver.ListOptions) ([]T, error) {
	l, err := c.List(resourceOf[T](), ns, opts)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(l.Items))
	for i, o := range l.Items {
		out[i] = o.(T)
	}
	return out, nil
}

// Create creates a typed object.
func Create[T api.Object](c *Client, obj T) (T, error) {
	out, err := c.Create(resourceOf[T](), obj.GetObjectMeta().Namespace, obj)
	if err != nil {
		var zero T
		return zero, err
	}
	return out.(T), nil
}

// CreateOwned creates a typed object that the server may keep as it is
// (Client.CreateOwned).
func CreateOwned[T api.Object](c *Client, obj T) (T, error) {
	out, err := c.CreateOwned(resourceOf[T](), obj.GetObjectMeta().Namespace, obj)
	if err != nil {
		var zero T
		return zero, err
	}
	return out.(T), nil
}

// Update updates a typed object.
func Update[T api.Object](c *Client, obj T) (T, error) {
	out, err := c.Update(resourceOf[T](), obj)
	if err != nil {
		var zero T
		return zero, err
	}
	return out.(T), nil
}

// UpdateStatus updates a typed object's status.
func UpdateStatus[T api.Object](c *Client, obj T) (T, error) {
	out, err := c.UpdateStatus(resourceOf[T](), obj)
	if err != nil {
		var zero T
		return zero, err
	}
	return out.(T), nil
}

// Delete deletes a typed object.
func Delete[T api.Object](c *Client, ns, name string, opts apiserver.DeleteOptions) error {
	_, err := c.Delete(resourceOf[T](), ns, name, opts)
	return err
}

// FinalizeNamespace sets a namespace's spec.finalizers.
func (c *Client) FinalizeNamespace(name string, finalizers []string) error {
	_, err := c.s.FinalizeNamespace(name, finalizers)
	c.record("update", resource("namespaces"), "finalize", "", name, err)
	return err
}

// Decode reads a manifest body into an object as the API server would.
func (c *Client) Decode(r *api.ResourceInfo, body []byte) (api.Object, error) {
	return c.s.Decode(r, body)
}

// Warnings returns the API server's warnings about the requests made since
// the last call (kubectl prints them as "Warning: ..."), each at most once
// in the client's life.
func (c *Client) Warnings() []string {
	w := c.warnings.pending
	c.warnings.pending = nil
	return w
}

// warningsOf keeps the server's warnings for a client.
type warningsOf struct {
	seen    map[string]bool
	pending []string
	handle  func(string) // WithWarningHandler
}

// takeWarnings collects the warnings of the request just made.
func (c *Client) takeWarnings() {
	for _, w := range c.s.TakeWarnings() {
		if c.warnings.seen == nil {
			c.warnings.seen = map[string]bool{}
		}
		if !c.warnings.seen[w] {
			c.warnings.seen[w] = true
			if c.warnings.handle != nil {
				c.warnings.handle(w)
				continue
			}
			c.warnings.pending = append(c.warnings.pending, w)
		}
	}
}

// PodAttach attaches to a pod's container through the API server.
func (c *Client) PodAttach(ctx context.Context, ns, name string, opts apiserver.AttachOptions) (apiserver.Attachment, error) {
	a, err := c.s.PodAttach(ctx, ns, name, opts)
	c.record("create", resource("pods"), "attach", ns, name, err)
	return a, err
}

// PodExec runs a command in a pod's container through the API server.
func (c *Client) PodExec(ctx context.Context, ns, name string, opts apiserver.ExecOptions) error {
	err := c.s.PodExec(ctx, ns, name, opts)
	c.record("create", resource("pods"), "exec", ns, name, err)
	return err
}

// PodPortForward opens a connection to a port inside a pod through the
// API server (pods/portforward).
func (c *Client) PodPortForward(ns, name string, port int32) (apiserver.PortForwardStream, error) {
	st, err := c.s.PodPortForward(ns, name, port)
	c.record("create", resource("pods"), "portforward", ns, name, err)
	return st, err
}
