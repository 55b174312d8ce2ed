package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

func TestModuleIsSmall(t *testing.T) {
	m := Module()
	t.Logf("hello-world module: %d bytes", len(m))
	assert.Less(t, len(m), len(Message)+200)
}

// TestHello runs the module as the kubelet would: it prints Docker's
// message and exits 0, whatever its arguments.
func TestHello(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	compiled, err := r.CompileModule(ctx, Module())
	require.NoError(t, err)
	for _, args := range [][]string{{"/hello"}, {"/hello", "ignored"}} {
		var stdout, stderr bytes.Buffer
		mod, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithArgs(args...).WithStdout(&stdout).WithStderr(&stderr))
		require.NoError(t, err, "a returning _start is exit 0")
		mod.Close(ctx)
		assert.Equal(t, Message, stdout.String())
		assert.Empty(t, stderr.String())
	}
	assert.Contains(t, Message, "\nHello from Docker!\nThis message shows that your installation appears to be working correctly.\n")
	assert.Contains(t, Message, " 2. The Docker daemon pulled the \"hello-world\" image from the Docker Hub.\n    (amd64)\n")
}
