package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Engine compiles WASI modules and instantiates them. One Engine serves
// every node of a cluster: a module is fetched and compiled once, however
// many nodes pull the image (each node still models its own pull).
type Engine struct {
	ctx      context.Context
	rt       wazero.Runtime
	src      ModuleSource
	compiled map[string]wazero.CompiledModule
	digests  map[string]string
}

// NewEngine returns an engine using wazero's interpreter, which works the
// same natively and in the browser (where no compiler is available).
func NewEngine(src ModuleSource) *Engine {
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfigInterpreter().WithCloseOnContextDone(true)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	return &Engine{ctx: ctx, rt: rt, src: src, compiled: map[string]wazero.CompiledModule{}, digests: map[string]string{}}
}

// Close releases every compiled module.
func (e *Engine) Close() error { return e.rt.Close(e.ctx) }

// Stat describes a module.
func (e *Engine) Stat(name string) (Module, bool) { return e.src.Stat(name) }

// load fetches and compiles a module, once. It runs on the event loop and
// blocks it while the host fetches and compiles: the virtual clock does not
// move meanwhile, so the history does not depend on the host's speed.
func (e *Engine) load(name string) (wazero.CompiledModule, error) {
	if m, ok := e.compiled[name]; ok {
		return m, nil
	}
	bin, err := e.src.Fetch(name)
	if err != nil {
		return nil, fmt.Errorf("fetch module %s: %w", name, err)
	}
	if want, ok := e.src.Stat(name); ok && want.Digest != "" {
		sum := sha256.Sum256(bin)
		if got := "sha256:" + hex.EncodeToString(sum[:]); got != want.Digest {
			return nil, fmt.Errorf("module %s: digest %s does not match %s", name, got, want.Digest)
		}
	}
	m, err := e.rt.CompileModule(e.ctx, bin)
	if err != nil {
		return nil, fmt.Errorf("compile module %s: %w", name, err)
	}
	e.compiled[name] = m
	return m, nil
}
