package client

import (
	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// DryRun returns a copy of c whose writes are server-side dry runs
// (dryRun=All): validated, defaulted and admitted, never stored.
func (c *Client) DryRun() *Client {
	cp := *c
	cp.dryRun = true
	return &cp
}

// Patch applies a patch of type pt to an object.
func (c *Client) Patch(r *api.ResourceInfo, ns, name string, pt patch.Type, data []byte) (api.Object, error) {
	defer c.as()()
	out, err := c.s.Patch(r, ns, name, pt, data, c.dryRun)
	c.record("patch", r, "", ns, name, err)
	return out, err
}

// GetScale reads an object's scale subresource.
func (c *Client) GetScale(r *api.ResourceInfo, ns, name string) (*api.Scale, error) {
	out, err := c.s.GetScale(r, ns, name)
	c.record("get", r, "scale", ns, name, err)
	return out, err
}

// PatchScale patches an object's scale subresource.
func (c *Client) PatchScale(r *api.ResourceInfo, ns, name string, pt patch.Type, data []byte) (*api.Scale, error) {
	defer c.as()()
	out, err := c.s.PatchScale(r, ns, name, pt, data, c.dryRun)
	c.record("patch", r, "scale", ns, name, err)
	return out, err
}

// UpdateScale writes an object's scale subresource.
func (c *Client) UpdateScale(r *api.ResourceInfo, ns, name string, sc *api.Scale) (*api.Scale, error) {
	defer c.as()()
	out, err := c.s.UpdateScale(r, ns, name, sc, c.dryRun)
	c.record("update", r, "scale", ns, name, err)
	return out, err
}

// Apply is server-side apply of config (JSON) as the client's field
// manager; force takes over the fields other managers own.
func (c *Client) Apply(r *api.ResourceInfo, ns, name string, config []byte, force bool) (api.Object, error) {
	out, err := c.s.Apply(r, ns, name, config, apiserver.ApplyOptions{FieldManager: c.FieldManager(), Force: force, DryRun: c.dryRun})
	c.record("patch", r, "", ns, name, err)
	return out, err
}

// GetEphemeralContainers reads a pod through its ephemeralcontainers
// subresource.
func (c *Client) GetEphemeralContainers(ns, name string) (*api.Pod, error) {
	out, err := c.s.GetEphemeralContainers(ns, name)
	c.record("get", resource("pods"), "ephemeralcontainers", ns, name, err)
	return out, err
}

// PatchEphemeralContainers patches a pod's ephemeral containers (the
// ephemeralcontainers subresource), as kubectl debug adds one with a
// strategic merge patch of {"spec":{"ephemeralContainers":[...]}}.
func (c *Client) PatchEphemeralContainers(ns, name string, pt patch.Type, data []byte) (*api.Pod, error) {
	defer c.as()()
	out, err := c.s.PatchEphemeralContainers(ns, name, pt, data, c.dryRun)
	c.record("patch", resource("pods"), "ephemeralcontainers", ns, name, err)
	return out, err
}

// UpdateEphemeralContainers writes a pod's spec.ephemeralContainers
// through the ephemeralcontainers subresource.
func (c *Client) UpdateEphemeralContainers(pod *api.Pod) (*api.Pod, error) {
	defer c.as()()
	out, err := c.s.UpdateEphemeralContainers(pod.Namespace, pod, c.dryRun)
	c.record("update", resource("pods"), "ephemeralcontainers", pod.Namespace, pod.Name, err)
	return out, err
}
