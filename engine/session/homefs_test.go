package session

import (
	"errors"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/hack-pad/hackpadfs/mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// changeFS notes every operation that can change what the home directory
// holds, and none that only reads it.
func TestChangeFS(t *testing.T) {
	tests := []struct {
		name    string
		op      func(fs hackpadfs.FS) error
		changes bool
	}{
		{"read a file", func(fs hackpadfs.FS) error { _, err := hackpadfs.ReadFile(fs, "root/a"); return err }, false},
		{"stat", func(fs hackpadfs.FS) error { _, err := hackpadfs.Stat(fs, "root/a"); return err }, false},
		{"list a directory", func(fs hackpadfs.FS) error { _, err := hackpadfs.ReadDir(fs, "root"); return err }, false},
		{"open to read", func(fs hackpadfs.FS) error {
			f, err := hackpadfs.OpenFile(fs, "root/a", hackpadfs.FlagReadOnly, 0)
			if err == nil {
				err = f.Close()
			}
			return err
		}, false},
		{"change times", func(fs hackpadfs.FS) error { return hackpadfs.Chtimes(fs, "root/a", time.Time{}, time.Time{}) }, false},
		{"write a file", func(fs hackpadfs.FS) error { return hackpadfs.WriteFullFile(fs, "root/b", []byte("b"), 0o644) }, true},
		{"open to append", func(fs hackpadfs.FS) error {
			f, err := hackpadfs.OpenFile(fs, "root/a", hackpadfs.FlagWriteOnly|hackpadfs.FlagAppend, 0)
			if err == nil {
				_, err = hackpadfs.WriteFile(f, []byte("more"))
				err = errors.Join(err, f.Close())
			}
			return err
		}, true},
		{"create", func(fs hackpadfs.FS) error {
			f, err := hackpadfs.Create(fs, "root/c")
			if err == nil {
				err = f.Close()
			}
			return err
		}, true},
		{"make a directory", func(fs hackpadfs.FS) error { return hackpadfs.Mkdir(fs, "root/d", 0o755) }, true},
		{"make directories", func(fs hackpadfs.FS) error { return hackpadfs.MkdirAll(fs, "root/e/f", 0o755) }, true},
		{"remove", func(fs hackpadfs.FS) error { return hackpadfs.Remove(fs, "root/a") }, true},
		{"remove all", func(fs hackpadfs.FS) error { return hackpadfs.RemoveAll(fs, "root") }, true},
		{"rename", func(fs hackpadfs.FS) error { return hackpadfs.Rename(fs, "root/a", "root/z") }, true},
		{"chmod", func(fs hackpadfs.FS) error { return hackpadfs.Chmod(fs, "root/a", 0o600) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, err := mem.NewFS()
			require.NoError(t, err)
			require.NoError(t, base.Mkdir("root", 0o755))
			require.NoError(t, hackpadfs.WriteFullFile(base, "root/a", []byte("a"), 0o644))
			c := newChangeFS(base)
			assert.True(t, c.take(), "a new one has everything to read")
			assert.False(t, c.take())
			require.NoError(t, tt.op(c))
			assert.Equal(t, tt.changes, c.take())
			assert.False(t, c.take(), "taking clears the note")
		})
	}
}
