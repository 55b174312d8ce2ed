package session

import (
	"github.com/kubeplay/kubeplay/engine/cluster"
	"github.com/kubeplay/kubeplay/engine/shell"
)

// cloud lets the shell's kubeplay command drive the cluster's machines.
type cloud struct{ c *cluster.Cluster }

func (c cloud) AddNode(o shell.NodeOptions) (string, error) {
	return c.c.AddNode(cluster.NodeOptions(o))
}

func (c cloud) StopNode(name string) error   { return c.c.StopNode(name) }
func (c cloud) StartNode(name string) error  { return c.c.StartNode(name) }
func (c cloud) DeleteNode(name string) error { return c.c.DeleteNode(name) }

func (c cloud) Machines() []shell.Machine {
	var out []shell.Machine
	for _, in := range c.c.Machines() {
		out = append(out, shell.Machine{Name: in.Name, State: in.State, Zone: in.Zone, Type: in.Type, CPU: in.CPU, Memory: in.Memory, Address: in.Address})
	}
	return out
}

// The cloud's image registry, for the shell's kubeplay image.

func (c cloud) Images() []shell.RegistryImage {
	var out []shell.RegistryImage
	for _, img := range c.c.Images() {
		out = append(out, shell.RegistryImage{Repository: img.Repository, Tag: img.Tag, Digest: img.Module.Digest, Size: img.Module.Size, Component: img.Component})
	}
	return out
}

func (c cloud) TagImage(source, target string) error { return c.c.TagImage(source, target) }

func (c cloud) LoadImage(name string, module []byte, from string) (string, error) {
	return c.c.LoadImage(name, module, from)
}

// The add-ons, for the shell's kubeplay addons.

func (c cloud) EnableAddon(name string) ([]string, error) { return c.c.EnableAddon(name) }

func (c cloud) Addons() map[string]bool { return c.c.Addons() }
