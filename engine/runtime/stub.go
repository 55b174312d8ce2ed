package runtime

import (
	"context"
	"sort"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// enosys is WASI's ENOSYS, negated: the function is not implemented.
var enosys = int32(-52)

// StubImports instantiates, in rt, the kubeplay host modules a compiled
// module imports and rt lacks (an engine without a network, a test's
// bare runtime), with functions that fail as a kernel without the
// feature fails a system call: -ENOSYS for a function returning an i32,
// zero otherwise. A guest built for the full host then still starts, and
// learns at its first call that the feature is missing.
func StubImports(ctx context.Context, rt wazero.Runtime, compiled wazero.CompiledModule) error {
	byModule := map[string][]api.FunctionDefinition{}
	for _, f := range compiled.ImportedFunctions() {
		mod, _, _ := f.Import()
		if strings.HasPrefix(mod, "kubeplay") && rt.Module(mod) == nil {
			byModule[mod] = append(byModule[mod], f)
		}
	}
	names := make([]string, 0, len(byModule))
	for m := range byModule {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		b := rt.NewHostModuleBuilder(m)
		for _, f := range byModule[m] {
			_, name, _ := f.Import()
			results := f.ResultTypes()
			b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
				for i, t := range results {
					stack[i] = 0
					if t == api.ValueTypeI32 && i == 0 {
						stack[i] = uint64(uint32(enosys))
					}
				}
			}), f.ParamTypes(), results).Export(name)
		}
		if _, err := b.Instantiate(ctx); err != nil {
			return err
		}
	}
	return nil
}
