package kubelet

import (
	"crypto/ed25519"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/hack-pad/hackpadfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/runtime"
)

// dumpVolume lists a tree's entries as a guest would see them: path,
// mode, time, and a file's contents or a link's target.
func dumpVolume(t *testing.T, fsys hackpadfs.FS) []string {
	t.Helper()
	var out []string
	err := hackpadfs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		fi, err := hackpadfs.Stat(fsys, p)
		require.NoError(t, err)
		line := fmt.Sprintf("%s %v %s", p, fi.Mode(), fi.ModTime().UTC().Format(time.RFC3339Nano))
		if target, err := runtime.Readlink(fsys, p); err == nil {
			line += " -> " + target
		} else if !fi.IsDir() {
			b, err := hackpadfs.ReadFile(fsys, p)
			require.NoError(t, err)
			line += " " + string(b)
		}
		out = append(out, line)
		return nil
	})
	require.NoError(t, err)
	return out
}

// A volume whose first write is left for its first use is the volume
// written at once, through its updates, times and links included.
func TestWrittenTreeIsTheEagerTree(t *testing.T) {
	at := time.Date(2026, 12, 1, 2, 30, 0, 123456789, time.UTC)
	token := volumeFile{data: []byte("eyJ.token"), mode: 0o644}
	sa := map[string]volumeFile{"ca.crt": {data: []byte("-----BEGIN CERTIFICATE-----"), mode: 0o644}, "namespace": {data: []byte("default"), mode: 0o644}, "token": token}
	tests := []struct {
		name    string
		writes  []map[string]volumeFile // one a minute
		pending []bool                  // whether the write is left for the first use after each write
	}{
		{name: "a service account volume", writes: []map[string]volumeFile{sa}, pending: []bool{true}},
		{name: "the same files again leave it for the first use", writes: []map[string]volumeFile{sa, sa, sa}, pending: []bool{true, true, true}},
		{name: "a mode alone changed is no change, as writeVolume's", writes: []map[string]volumeFile{
			{"a": {data: []byte("1"), mode: 0o644}}, {"a": {data: []byte("1"), mode: 0o400}},
		}, pending: []bool{true, true}},
		{name: "an update writes the first files, then the new", writes: []map[string]volumeFile{
			sa, {"ca.crt": sa["ca.crt"], "namespace": sa["namespace"], "token": {data: []byte("eyJ.renewed"), mode: 0o644}},
		}, pending: []bool{true, false}},
		{name: "a path gone", writes: []map[string]volumeFile{
			{"a": {data: []byte("1"), mode: 0o644}, "d/b": {data: []byte("2"), mode: 0o400}}, {"a": {data: []byte("1"), mode: 0o644}},
		}, pending: []bool{true, false}},
		{name: "nested items with modes", writes: []map[string]volumeFile{
			{"d/e/f": {data: []byte("3"), mode: 0o600}, "d/g": {data: []byte("4"), mode: 0o755}, "h": {data: nil, mode: 0o644}},
		}, pending: []bool{true}},
		{name: "no files", writes: []map[string]volumeFile{{}}, pending: []bool{true}},
		{name: "a file where a directory must be is written at once", writes: []map[string]volumeFile{
			{"d": {data: []byte("1"), mode: 0o644}, "d/b": {data: []byte("2"), mode: 0o644}},
		}, pending: []bool{false}},
		{name: "a path named like the layout's is written at once", writes: []map[string]volumeFile{
			{"..data": {data: []byte("1"), mode: 0o644}},
		}, pending: []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eager, err := newTree(at)
			require.NoError(t, err)
			lazy := newWrittenTree(at)
			for i, files := range tt.writes {
				now := at.Add(time.Duration(i) * time.Minute)
				eagerErr := writeVolume(eager, files, now, "uid/vol")
				lazyErr := lazy.write(files, now, "uid/vol")
				if eagerErr != nil {
					require.Error(t, lazyErr)
					assert.Equal(t, eagerErr.Error(), lazyErr.Error())
					return
				}
				require.NoError(t, lazyErr)
				assert.Equal(t, tt.pending[i], lazy.deferred(), "write %d", i)
			}
			root, err := hackpadfs.Stat(lazy, ".")
			require.NoError(t, err)
			eagerRoot, err := hackpadfs.Stat(eager, ".")
			require.NoError(t, err)
			assert.Equal(t, []any{eagerRoot.Name(), eagerRoot.Size(), eagerRoot.Mode(), eagerRoot.ModTime(), eagerRoot.IsDir(), eagerRoot.Sys()},
				[]any{root.Name(), root.Size(), root.Mode(), root.ModTime(), root.IsDir(), root.Sys()}, "the root's stat")
			assert.Equal(t, tt.pending[len(tt.pending)-1], lazy.deferred(), "a stat of the root does not finish the tree")
			assert.Equal(t, dumpVolume(t, eager), dumpVolume(t, lazy))
			assert.False(t, lazy.deferred(), "the first use finished the tree")
		})
	}
}

// A subPath of a volume left for its first use is the file written then.
func TestSubPathOfAWrittenTree(t *testing.T) {
	at := time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)
	tree := newWrittenTree(at)
	require.NoError(t, tree.write(map[string]volumeFile{"key": {data: []byte("old"), mode: 0o644}}, at, "uid/vol"))
	require.True(t, tree.deferred())
	snap, real, err := snapshotSubPath(tree, "key")
	require.NoError(t, err)
	b, err := hackpadfs.ReadFile(snap, real)
	require.NoError(t, err)
	assert.Equal(t, "old", string(b))
	assert.Regexp(t, `^\.\.2026_12_01_02_30_00\.[0-9]+/key$`, real)
}

// A bound token is signed when its bytes are first needed, and they are
// the bytes the kubelet signed at once before (the tokens below are those).
func TestBoundTokenIsSignedOnFirstRead(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	at := time.Date(2026, 1, 1, 0, 2, 0, 5, time.UTC)
	tests := []struct {
		name string
		req  tokenRequest
		want string
	}{
		{
			name: "the admission's 3607 s: a year, with warnafter",
			req:  tokenRequest{namespace: "default", pod: "web", podUID: "u1", sa: "default", saUID: "s1", node: "n1", nodeUID: "nu", key: "kube-api-access-x/token", requested: 3607, at: at},
			want: "eyJhbGciOiJFZERTQSIsImtpZCI6Ik8yb252TTYycEMxaW82alFLbThOY3cifQ.eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzLmRlZmF1bHQuc3ZjLmNsdXN0ZXIubG9jYWwiXSwiZXhwIjoxNzk4NzYxNzIwLCJpYXQiOjE3NjcyMjU3MjAsImlzcyI6Imh0dHBzOi8va3ViZXJuZXRlcy5kZWZhdWx0LnN2Yy5jbHVzdGVyLmxvY2FsIiwianRpIjoiNjQzMTkzNzItNTk0OS04ZTE3LWU1MmUtMTAxOTZjY2MxMmUwIiwia3ViZXJuZXRlcy5pbyI6eyJuYW1lc3BhY2UiOiJkZWZhdWx0Iiwibm9kZSI6eyJuYW1lIjoibjEiLCJ1aWQiOiJudSJ9LCJwb2QiOnsibmFtZSI6IndlYiIsInVpZCI6InUxIn0sInNlcnZpY2VhY2NvdW50Ijp7Im5hbWUiOiJkZWZhdWx0IiwidWlkIjoiczEifSwid2FybmFmdGVyIjoxNzY3MjI5MzI3fSwibmJmIjoxNzY3MjI1NzIwLCJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpkZWZhdWx0In0.0DqX9RMeZbcG1k2Ly2IaGSOufgZxcLlDWcPI29jilb3AgWGXsSJIhE5Zqc1NedRD6AG6JMQ10p6MeiYsfhO2DQ",
		},
		{
			name: "an audience and ten minutes",
			req:  tokenRequest{namespace: "ns", pod: "p", podUID: "u2", sa: "build", saUID: "s2", node: "n2", audience: "vault", key: "v/t", requested: 600, at: at.Add(time.Hour)},
			want: "eyJhbGciOiJFZERTQSIsImtpZCI6Ik8yb252TTYycEMxaW82alFLbThOY3cifQ.eyJhdWQiOlsidmF1bHQiXSwiZXhwIjoxNzY3MjI5OTIwLCJpYXQiOjE3NjcyMjkzMjAsImlzcyI6Imh0dHBzOi8va3ViZXJuZXRlcy5kZWZhdWx0LnN2Yy5jbHVzdGVyLmxvY2FsIiwianRpIjoiMmI2MzBhMTEtNzBiNS1kNWZhLTcyZmMtNmI2MGU4NWUxYzI3Iiwia3ViZXJuZXRlcy5pbyI6eyJuYW1lc3BhY2UiOiJucyIsIm5vZGUiOnsibmFtZSI6Im4yIiwidWlkIjoiIn0sInBvZCI6eyJuYW1lIjoicCIsInVpZCI6InUyIn0sInNlcnZpY2VhY2NvdW50Ijp7Im5hbWUiOiJidWlsZCIsInVpZCI6InMyIn19LCJuYmYiOjE3NjcyMjkzMjAsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpuczpidWlsZCJ9.L-UykOPtflQQ4BnUzm6e8FGRD_DDa1PTEcSotUZsiSIS-wcKmG0oj9idQuC31DoaeNcKRE3O3TBcTFVQ9GyzBQ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed := 0
			tok := &boundToken{sign: func() (string, error) { signed++; return tt.req.sign(key) }}
			files := map[string]volumeFile{"token": {token: tok, mode: 0o644}}
			tree := newWrittenTree(tt.req.at)
			require.NoError(t, tree.write(files, tt.req.at, "uid/vol"))
			require.NoError(t, tree.write(map[string]volumeFile{"token": {token: tok, mode: 0o644}}, tt.req.at.Add(time.Minute), "uid/vol"))
			assert.Zero(t, signed, "not signed before the volume is read")
			real, err := runtime.EvalLinks(tree, "token")
			require.NoError(t, err)
			b, err := hackpadfs.ReadFile(tree, real)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(b))
			assert.Equal(t, tt.want, string(tok.bytes()))
			assert.Equal(t, 1, signed, "signed once")
		})
	}
}
