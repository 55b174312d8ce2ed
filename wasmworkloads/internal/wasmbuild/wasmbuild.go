// Package wasmbuild compiles kubeplay's Go container images into WASI
// modules (GOOS=wasip1 GOARCH=wasm), and the browser's engine with
// patches of its own (BuildEngine, engine.go).
//
// The images are built as WASI reactors (-buildmode=c-shared): _initialize
// runs the Go runtime's start and the packages' init, and each container
// starts at the image's kubeplay_main export from a snapshot of that
// initialized memory (see wasmworkloads/sdk/start and engine/runtime).
//
// It is more than `go build` for one more reason: mvdan.cc/sh/v3's interpreter
// (v3.14.1) makes its pipes with os.Pipe on every platform but js/wasm, and
// os.Pipe always fails on wasip1 ("pipe: Not implemented on wasip1"). Under
// a plain wasip1 build, `a | b`, here-documents and here-strings are fatal
// errors in the busybox image's sh. The interpreter already has the answer
// for js/wasm, which has no OS pipes either: in-process io.Pipes, and any
// reader as standard input (interp/stdin_js.go). Nothing in that file is
// specific to js, so Build makes wasip1 take the same path.
//
// The go command will not -overlay files in the module cache, so Build
// copies the module once into a cache directory, flips two build
// constraints (stdin_os.go: !js → !js && !wasip1; stdin_js.go: js → js ||
// wasip1, renamed stdin_nopipe.go since a _js.go name alone restricts a
// file to js), and compiles with a temporary copy of the go.mod in effect
// (-modfile) that replaces mvdan.cc/sh/v3 with the patched copy. The
// repository's go.mod and go.sum are never written. Should a release of
// mvdan.cc/sh support wasip1 itself, the patch no longer applies and Build
// says so.
package wasmbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// shModule is the module whose interpreter needs the patch.
const shModule = "mvdan.cc/sh/v3"

// patch is one change to a file of a module: the line from becomes to,
// and the file may be renamed too (rename is then its new name).
type patch struct{ file, rename, from, to string }

// modulePatches are the patches of one module, and a short name for the
// directory of its patched copy.
type modulePatches struct {
	module, name string
	patches      []patch
}

// imagePatches are the images' patches.
var imagePatches = []modulePatches{{shModule, "sh-wasip1", patches}}

// patches are the changes to mvdan.cc/sh/v3, by file of the module. The
// first two are the build constraints; the others are fast paths (see
// plainLiteral).
var patches = []patch{
	{"interp/stdin_os.go", "", "//go:build !js\n", "//go:build !js && !wasip1\n"},
	{"interp/stdin_js.go", "interp/stdin_nopipe.go", "//go:build js\n", "//go:build js || wasip1\n"},
	{"expand/expand.go", "", "func Literal(cfg *Config, word *syntax.Word) (string, error) {\n",
		plainLiteral + "func Literal(cfg *Config, word *syntax.Word) (string, error) {\n" + plainLiteralReturn},
	{"expand/expand.go", "", "func Document(cfg *Config, word *syntax.Word) (string, error) {\n",
		"func Document(cfg *Config, word *syntax.Word) (string, error) {\n" + plainLiteralReturn},
	// Fields: the plain literals and plain parameters leading a command's
	// words (`wget -qO- URL`, `[ $i -lt 10 ]`) are taken without
	// FieldsSeq's iterator and closures.
	{"expand/expand.go", "", "func Fields(cfg *Config, words ...*syntax.Word) ([]string, error) {\n\tvar fields []string\n",
		"func Fields(cfg *Config, words ...*syntax.Word) ([]string, error) {\n\tvar fields []string\n" + leadingLiterals +
			// The iterator's loop in a function of its own: its closure
			// moves the variables it captures to the heap on every call.
			"\treturn fieldsSeq(cfg, fields, words)\n}\n\nfunc fieldsSeq(cfg *Config, fields []string, words []*syntax.Word) ([]string, error) {\n"},
	// test and [ comparing two integers, `[ $i -lt 10 ]`, skip the
	// expression's parse: the parser would make the same binary test of
	// the two words (neither an operator), evaluated as binTest does.
	{"interp/builtin.go", "", "\tcase \"test\":\n\t\tparseErr := false\n",
		"\tcase \"test\":\n" + classicIntTest + "\t\tparseErr := false\n"},
	// A number in decimal, `$((i+1))`'s i and `[ $i -lt 10 ]`'s words,
	// is read without the trimming, the prefixes' checks and ParseInt.
	{"expand/arith.go", "", "func atoi(s string) int64 {\n", "func atoi(s string) int64 {\n" + decimalAtoi},
	{"interp/builtin.go", "", "func atoi(s string) int64 {\n", "func atoi(s string) int64 {\n" + decimalAtoi},
	// The working directory matters to a glob only: not asked for each
	// command's words.
	{"expand/expand.go", "", "\tdir := cfg.envGet(\"PWD\")\n", ""},
	{"expand/expand.go", "", "\t\t\t\t\tmatches, err := cfg.glob(dir, path)\n", "\t\t\t\t\tmatches, err := cfg.glob(cfg.envGet(\"PWD\"), path)\n"},
	{"expand/expand.go", "", "\t\t\tword := *word // make a copy, since SplitBraces replaces the Parts slice\n",
		"\t\t\tif s, ok := plainLiteral(word); ok {\n\t\t\t\tif !yield(s, nil) {\n\t\t\t\t\treturn\n\t\t\t\t}\n\t\t\t\tcontinue\n\t\t\t}\n" +
			"\t\t\tword := *word // make a copy, since SplitBraces replaces the Parts slice\n"},
}

// plainLiteral is a function added to the interpreter's expand package: a
// word that is one literal without a character that any expansion reads
// (a leading ~, a backslash, a brace, a glob's *, ? or [, but for the
// word "[" alone, which is no pattern) expands to
// itself as a command's argument, a redirection's target or an
// assignment's value, which is what most of a script's words are (`wget
// -qO- http://web/ >/dev/null`). Expanding them the general way (the
// configuration, the field parts, the escapes, the glob check, the join)
// cost the busybox shell some thousands of interpreted instructions a
// word. Fields, Literal and Document take it first; what they return is
// unchanged.
const plainLiteral = `// plainLiteral reports the value of a word that expands to itself.
func plainLiteral(word *syntax.Word) (string, bool) {
	if word == nil || len(word.Parts) != 1 {
		return "", false
	}
	lit, ok := word.Parts[0].(*syntax.Lit)
	if !ok || lit.Value == "" || lit.Value[0] == '~' {
		return "", false
	}
	if lit.Value == "[" {
		return lit.Value, true // test's name: a bracket that no glob can close
	}
	for i := 0; i < len(lit.Value); i++ {
		switch lit.Value[i] {
		case '\\', '{', '*', '?', '[':
			return "", false
		}
	}
	return lit.Value, true
}

// plainParam reports the value of a word that is one unquoted $name or
// ${name} of a set string variable whose value is one field as it is:
// not empty, and without a character of ifs or one a glob or an
// extended glob reads, so that the splitting and the globbing leave it
// alone.
func plainParam(cfg *Config, ifs string, word *syntax.Word) (string, bool) {
	if cfg == nil || cfg.Env == nil || word == nil || len(word.Parts) != 1 {
		return "", false
	}
	pe, ok := word.Parts[0].(*syntax.ParamExp)
	if !ok || pe.Param == nil || pe.Flags != nil || pe.Excl || pe.Length || pe.Width || pe.IsSet ||
		pe.Split != syntax.OptUnset || pe.GlobSubst != syntax.OptUnset || pe.RcExpand != syntax.OptUnset ||
		pe.NestedParam != nil || pe.Index != nil || len(pe.Modifiers) != 0 || pe.Slice != nil ||
		pe.Repl != nil || pe.Names != 0 || pe.Exp != nil {
		return "", false
	}
	name := pe.Param.Value
	if name == "" || name == "LINENO" || !(name[0] == '_' || name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') {
		return "", false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", false
		}
	}
	vr := cfg.Env.Get(name)
	if !vr.IsSet() || vr.Kind != String || vr.Str == "" {
		return "", false
	}
	for i := 0; i < len(vr.Str); i++ {
		c := vr.Str[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == ',' || c == '=' || c == '%') {
			return "", false
		}
		for j := 0; j < len(ifs); j++ {
			if ifs[j] == c {
				return "", false
			}
		}
	}
	return vr.Str, true
}

`

const leadingLiterals = `	if len(words) > 0 {
		fields = make([]string, 0, len(words))
	}
	ifs, ifsKnown := "", false
	for len(words) > 0 {
		s, ok := plainLiteral(words[0])
		if !ok {
			if !ifsKnown && cfg != nil && cfg.Env != nil {
				ifs, ifsKnown = " \t\n", true
				if vr := cfg.Env.Get("IFS"); vr.IsSet() {
					ifs = vr.String()
				}
			}
			s, ok = plainParam(cfg, ifs, words[0])
		}
		if !ok {
			break
		}
		fields = append(fields, s)
		words = words[1:]
	}
	if len(words) == 0 {
		return fields, nil
	}
`

const classicIntTest = `		if len(args) == 3 && args[0] != ")" && testUnaryOp(args[0]) == illegalTok {
			x, y, known, holds := atoi(args[0]), atoi(args[2]), true, false
			switch args[1] {
			case "-eq":
				holds = x == y
			case "-ne":
				holds = x != y
			case "-lt":
				holds = x < y
			case "-le":
				holds = x <= y
			case "-gt":
				holds = x > y
			case "-ge":
				holds = x >= y
			default:
				known = false
			}
			if known {
				exit.oneIf(!holds)
				break
			}
		}
`

// decimalAtoi starts the interpreter's two atoi functions: a string of
// at most 18 decimal digits, not starting with 0 (an octal number to
// arithmetic), is its value in both, without overflow.
const decimalAtoi = `	if len(s) > 0 && len(s) <= 18 && s[0] >= '1' && s[0] <= '9' {
		var n int64
		i := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			n = n*10 + int64(s[i]-'0')
		}
		if i == len(s) {
			return n
		}
	}
`

const plainLiteralReturn = "\tif s, ok := plainLiteral(word); ok {\n\t\treturn s, nil\n\t}\n"

// Build compiles pkg (an import path, or a ./path relative to dir, a
// directory of the main module) for wasip1 into the file out. Any flags
// go to go build too, such as -ldflags=-s -w.
func Build(ctx context.Context, dir, pkg, out string, flags ...string) error {
	run, err := goRunner(ctx, dir)
	if err != nil {
		return err
	}

	buildArgs := append([]string{"build", "-trimpath", "-buildmode=c-shared", "-o", out}, withLinkFlag(flags, "-checklinkname=0")...)
	return buildPatched(run, []string{"GOOS=wasip1", "GOARCH=wasm"}, buildArgs, pkg, imagePatches)
}

// buildPatched runs go build with args for pkg, with the patched copies of
// the modules of mods the main module requires.
func buildPatched(run runFunc, env, args []string, pkg string, mods []modulePatches) error {
	var used []modulePatches
	for _, m := range mods {
		if usesModule(run, m.module) {
			used = append(used, m)
		}
	}
	if len(used) > 0 {
		modfile, cleanup, err := patchedModfile(run, used)
		if err != nil {
			return err
		}
		defer cleanup()
		args = append(args, "-modfile", modfile)
	}
	_, err := run(env, append(args, pkg)...)
	return err
}

// goRunner returns a runFunc that runs the go command in dir.
func goRunner(ctx context.Context, dir string) (runFunc, error) {
	goCmd, err := goTool()
	if err != nil {
		return nil, err
	}
	return func(env []string, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, goCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return b, nil
	}, nil
}

// goTool finds the go command.
// withLinkFlag adds a linker flag to the -ldflags among flags (the go
// command keeps only the last -ldflags given), or adds -ldflags. The images
// need -checklinkname=0: package start clears the runtime's c-shared mark.
func withLinkFlag(flags []string, f string) []string {
	out := append([]string(nil), flags...)
	for i := len(out) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(out[i], "-ldflags="); ok {
			out[i] = "-ldflags=" + strings.TrimSpace(v+" "+f)
			return out
		}
	}
	return append(out, "-ldflags="+f)
}

func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go"), nil
	}
	return "", errors.New("the go command is not on PATH")
}

type runFunc func(env []string, args ...string) ([]byte, error)

// usesModule reports whether the main module requires path.
func usesModule(run runFunc, path string) bool {
	_, err := run(nil, "list", "-m", path)
	return err == nil
}

// patchedModfile writes a copy of the go.mod in effect, with the patched
// copies replacing the modules, beside a copy of its go.sum.
func patchedModfile(run runFunc, mods []modulePatches) (modfile string, cleanup func(), err error) {
	var replaces []byte
	for _, m := range mods {
		b, err := run(nil, "mod", "download", "-json", m.module)
		if err != nil {
			return "", nil, err
		}
		var mod struct{ Path, Version, Dir string }
		if err := json.Unmarshal(b, &mod); err != nil {
			return "", nil, fmt.Errorf("go mod download: %v", err)
		}
		patched, err := patchedCopy(m, mod.Dir, mod.Version)
		if err != nil {
			return "", nil, err
		}
		replaces = fmt.Appendf(replaces, "\nreplace %s => %s\n", m.module, patched)
	}

	b, err := run(nil, "list", "-m", "-f", "{{.GoMod}}")
	if err != nil {
		return "", nil, err
	}
	gomod := strings.TrimSpace(string(b))
	tmp, err := os.MkdirTemp("", "kubeplay-wasmbuild-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", nil, err
	}
	data = append(data, replaces...)
	modfile = filepath.Join(tmp, "go.mod")
	if err := os.WriteFile(modfile, data, 0o644); err != nil {
		return "", nil, err
	}
	sum, err := os.ReadFile(strings.TrimSuffix(gomod, ".mod") + ".sum")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o644); err != nil {
		return "", nil, err
	}
	return modfile, cleanup, nil
}

// patchedCopy returns a copy of the module source in src with m's
// patches, made once per version and patch in the user's cache directory
// (a stable path lets the go command's build cache work across builds).
func patchedCopy(m modulePatches, src, version string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	h := sha256.New()
	for _, p := range m.patches {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", p.file, p.rename, p.from, p.to)
	}
	dst := filepath.Join(base, "kubeplay", "wasmbuild",
		fmt.Sprintf("%s-%s-%s", m.name, version, hex.EncodeToString(h.Sum(nil))[:12]))
	if _, err := os.Stat(filepath.Join(dst, "go.mod")); err == nil {
		return dst, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := copyTree(src, tmp); err != nil {
		return "", err
	}
	for _, p := range m.patches {
		if err := patchFile(filepath.Join(tmp, p.file), p.from, p.to); err != nil {
			return "", fmt.Errorf("patching %s@%s: %w", m.module, version, err)
		}
		if p.rename != "" {
			if err := os.Rename(filepath.Join(tmp, p.file), filepath.Join(tmp, p.rename)); err != nil {
				return "", err
			}
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		// Another build may have won the race; its copy is as good.
		if _, statErr := os.Stat(filepath.Join(dst, "go.mod")); statErr != nil {
			return "", err
		}
	}
	return dst, nil
}

// patchFile replaces the first line from with to, which must be there.
func patchFile(name, from, to string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	patched, err := Patch(data, from, to)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	return os.WriteFile(name, patched, 0o644)
}

// Patch replaces the line from with to in data. It fails when the line is
// absent, which means upstream changed the file: see whether the patch is
// still needed (for mvdan.cc/sh, whether the interpreter now supports
// wasip1) and update or drop it.
func Patch(data []byte, from, to string) ([]byte, error) {
	i := bytes.Index(data, []byte(from))
	if i < 0 || (i > 0 && data[i-1] != '\n') {
		return nil, fmt.Errorf("line %q not found; has upstream changed?", strings.TrimSpace(from))
	}
	return append(append(data[:i:i], to...), data[i+len(from):]...), nil
}

// copyTree copies a directory tree of regular files, writable.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		outFile, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(outFile, in); err != nil {
			outFile.Close()
			return err
		}
		return outFile.Close()
	})
}
