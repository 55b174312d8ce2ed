package wasmbuild

import "context"

// wazeroModule is the WebAssembly runtime the engine runs the images on.
const wazeroModule = "github.com/tetratelabs/wazero"

// enginePatches are the browser's engine's patches: they take out of
// wazero (v1.12.0) what the engine never runs, which Go's linker cannot
// see is dead because wazero's Runtime reaches it through an interface.
// The engine uses wazero's interpreter (engine/runtime.NewEngine), gives
// its modules no host sockets and turns DWARF off, so the patched and
// the unpatched wazero do the same for it; the patches only make the
// engine smaller (see docs/RATIONALE.md, "The engine's size").
var enginePatches = []modulePatches{{wazeroModule, "wazero-engine", wazeroPatches}}

var wazeroPatches = []patch{
	// Instantiating a module builds the TCP listeners its configuration
	// asks for, with net.Listen, which links net's resolver and dialer:
	// 0.35 MB. The engine's modules ask for none; the network of its
	// images is host calls (wasmworkloads/sdk).
	{"internal/sock/sock.go", "", "\t\tln, err = net.Listen(\"tcp\", tcpAddr.String())\n",
		"\t\terr = fmt.Errorf(\"listen tcp %s: not in kubeplay's engine\", tcpAddr)\n"},
	// Decoding a module reads its DWARF sections when debug information
	// is on, for source lines in a trapped guest's stack trace; the engine
	// turns it off (its metering moves every instruction, so the lines
	// would be wrong), and these two take debug/dwarf's reader out.
	{"internal/wasm/binary/decoder.go", "", "\t\td, _ := dwarf.New(abbrev, nil, nil, info, line, nil, ranges, str)\n",
		"\t\tvar d *dwarf.Data\n\t\t_, _, _, _, _ = abbrev, info, line, ranges, str\n"},
	{"internal/wasmdebug/dwarf.go", "", "func (d *DWARFLines) Line(instructionOffset uint64) (ret []string) {\n\tif d == nil {\n",
		"func (d *DWARFLines) Line(instructionOffset uint64) (ret []string) {\n\tif true { // kubeplay's engine: no DWARF\n"},
	// The optimizing compiler (wazevo), which a js/wasm host cannot use:
	// its package init ran at every start of the engine.
	{"runtime.go", "", "\t\"github.com/tetratelabs/wazero/internal/engine/wazevo\"\n", ""},
	{"runtime.go", "", "\t\t\tconfigEngine = wazevo.NewEngine\n", "\t\t\tconfigEngine = interpreter.NewEngine\n"},
}

// BuildEngine compiles pkg, the browser's engine (./cmd/wasm), for
// js/wasm into the file out, with enginePatches. Any flags go to go
// build too, such as -ldflags=-s -w. A plain go build of the engine works
// as well, and does the same, in 0.9 MB more.
func BuildEngine(ctx context.Context, dir, pkg, out string, flags ...string) error {
	run, err := goRunner(ctx, dir)
	if err != nil {
		return err
	}
	args := append([]string{"build", "-trimpath", "-o", out}, flags...)
	return buildPatched(run, []string{"GOOS=js", "GOARCH=wasm"}, args, pkg, enginePatches)
}
