package cluster

import (
	"fmt"
	"maps"
	"path"
	"slices"

	"github.com/hack-pad/hackpadfs"

	"github.com/kubeplay/kubeplay/engine/runtime"
)

// The cluster's image registry (runtime.Registry) is kept beside the
// store, as the cloud is: what users tagged in images.json, the modules
// they loaded as images/NAME.wasm. Like a registry outside the cluster,
// it is not an API object.
const (
	imagesFile = "images.json"
	imagesDir  = "images"
)

// restoreImages brings back the registry a kept cluster had; what cannot
// be read is reported with the restore.
func (c *Cluster) restoreImages() {
	if c.cfg.Data == nil || !c.restored.Restored {
		return
	}
	data, err := hackpadfs.ReadFile(c.cfg.Data, path.Join(c.dataDir(), imagesFile))
	if err != nil {
		return // none kept
	}
	err = c.registry.Restore(data, func(module string) ([]byte, error) {
		return hackpadfs.ReadFile(c.cfg.Data, path.Join(c.dataDir(), imagesDir, module+".wasm"))
	})
	if err != nil {
		c.restored.Dropped = append(c.restored.Dropped, err.Error())
	}
}

// saveImages writes the registry when users changed it: the modules
// first, then the list that refers to them.
func (c *Cluster) saveImages() error {
	if c.cfg.Data == nil || c.registry == nil || !c.registry.Changed() {
		return nil
	}
	data, modules, err := c.registry.State()
	if err != nil {
		return err
	}
	dir := path.Join(c.dataDir(), imagesDir)
	if err := hackpadfs.MkdirAll(c.cfg.Data, dir, 0o755); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		file := path.Join(dir, name+".wasm")
		if _, err := hackpadfs.Stat(c.cfg.Data, file); err == nil {
			continue // a module's name is its digest: written once
		}
		if err := hackpadfs.WriteFullFile(c.cfg.Data, file, modules[name], 0o644); err != nil {
			return fmt.Errorf("images: %w", err)
		}
	}
	name := path.Join(c.dataDir(), imagesFile)
	if err := hackpadfs.WriteFullFile(c.cfg.Data, name+".tmp", data, 0o644); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	_ = hackpadfs.Remove(c.cfg.Data, name)
	if err := hackpadfs.Rename(c.cfg.Data, name+".tmp", name); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	return nil
}

// Images lists the registry's images.
func (c *Cluster) Images() []runtime.RegistryImage { return c.registry.Images() }

// TagImage tags an image in the registry, as docker tag and push.
func (c *Cluster) TagImage(source, target string) error { return c.registry.Tag(source, target) }

// LoadImage loads a WASI module into the registry as the image name; from
// says where it came from.
func (c *Cluster) LoadImage(name string, module []byte, from string) (string, error) {
	return c.registry.Load(name, module, from)
}
