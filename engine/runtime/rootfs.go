package runtime

import (
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/tetratelabs/wazero"
)

// rootFS is a container's root file system.
type rootFS struct {
	fsys fs.FS
}

func newRootFS(cfg ContainerConfig) (*rootFS, error) {
	m := fstest.MapFS{}
	for name, data := range cfg.Files {
		m[strings.TrimPrefix(path.Clean(name), "/")] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return &rootFS{fsys: m}, nil
}

func (c *container) fsConfig() wazero.FSConfig {
	return wazero.NewFSConfig().WithFSMount(c.root.fsys, "/")
}
