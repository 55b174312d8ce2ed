package main

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/wasmworkloads/wasmtest"
)

// TestWasm runs the image as the documentation's Job does, under wazero's
// interpreter: the 2000 digits, and the time they take.
func TestWasm(t *testing.T) {
	module := wasmtest.Build(t, "perl")
	t.Logf("perl.wasm: %d bytes", len(module))
	guest := wasmtest.Compile(t, module, 0)
	want, err := os.ReadFile("testdata/bpi2000.txt")
	require.NoError(t, err)
	start := time.Now()
	r := guest.Run(t, wasmtest.Run{Args: []string{"perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"}})
	t.Logf("bpi(2000) in %v", time.Since(start).Round(time.Millisecond))
	assert.Equal(t, string(want), r.Stdout)
	assert.Empty(t, r.Stderr)
	assert.Equal(t, 0, r.Code)

	r = guest.Run(t, wasmtest.Run{Args: []string{"perl", "-MList::Util=sum", "-le", "print sum(1,2)"}})
	assert.Contains(t, r.Stderr, "Can't locate List/Util.pm in @INC (you may need to install the List::Util module)")
	assert.Equal(t, 2, r.Code)
}
