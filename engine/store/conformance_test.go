package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	hackos "github.com/hack-pad/hackpadfs/os"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/store"
	"github.com/kubeplay/kubeplay/engine/store/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		var s *store.Store
		return storetest.Backend{
			Open:   func(t *testing.T) *store.Store { s = store.New(); return s },
			Flush:  func(t *testing.T) {},
			Reopen: func(t *testing.T) *store.Store { return s },
		}
	})
}

func persisted(fsys hackpadfs.FS, dir string) func(t *testing.T) storetest.Backend {
	now := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	n := 0
	return func(t *testing.T) storetest.Backend {
		var p *store.Persister
		n++
		dir := fmt.Sprintf("%s/%d", dir, n)
		open := func(t *testing.T) *store.Store {
			s, per, _, err := store.Open(fsys, dir, now)
			require.NoError(t, err)
			p = per
			return s
		}
		return storetest.Backend{
			Open:   open,
			Flush:  func(t *testing.T) { require.NoError(t, p.Flush()) },
			Reopen: open,
		}
	}
}

func TestPersistedInMemoryFS(t *testing.T) {
	fsys, err := mem.NewFS()
	require.NoError(t, err)
	storetest.Run(t, persisted(fsys, "data"))
}

func TestPersistedInDirectory(t *testing.T) {
	fsys, err := hackos.NewFS().Sub(t.TempDir()[1:])
	require.NoError(t, err)
	storetest.Run(t, persisted(fsys, "data"))
}
