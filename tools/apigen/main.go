// Command apigen generates engine/api's resource types from k8s.io/api, by
// reflection over its Go types, so that the playground accepts every field
// Kubernetes does without linking k8s.io modules into the browser build.
//
// It walks from the root kinds (roots.go) through every struct they reach,
// stops at the types engine/api keeps hand-written (mirrors), and writes
// zz_generated.types.go and zz_generated.deepcopy.go into -out, and
// zz_generated.spew.go, the k8s.io names of the pod template's types that
// template hashes need (spew.go). With -check it writes nothing and fails
// if those files are not what it would write.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
)

// Generated file names, in the output directory.
const (
	typesFile    = "zz_generated.types.go"
	deepCopyFile = "zz_generated.deepcopy.go"
)

func main() {
	out := flag.String("out", "../../engine/api", "the engine/api directory to write into")
	check := flag.Bool("check", false, "write nothing; fail if the generated files are out of date")
	flag.Parse()
	if err := run(*out, *check, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "apigen:", err)
		os.Exit(1)
	}
}

// run generates into dir, or with check compares with what dir holds.
func run(dir string, check bool, log io.Writer) error {
	res, err := generate(dir)
	if err != nil {
		return err
	}
	if check {
		return checkFiles(dir, res.files)
	}
	for _, line := range res.report {
		fmt.Fprintln(log, line)
	}
	return writeFiles(dir, res.files)
}

// result is what one generation produces.
type result struct {
	files  map[string][]byte
	report []string // renamed and shared types
}

// generate reads the hand-written code of dir and returns the generated files.
func generate(dir string) (*result, error) {
	hand, err := parseHand(dir)
	if err != nil {
		return nil, err
	}
	mirrored := mirrorTypes()
	found, err := reachable(mirrored)
	if err != nil {
		return nil, err
	}
	n, err := settleNames(found, mirrored, hand.taken)
	if err != nil {
		return nil, err
	}
	decls, err := buildDecls(n, mirrored, hand)
	if err != nil {
		return nil, err
	}
	if err := checkMirrors(&builder{naming: n, mirrored: mirrored, hand: hand}); err != nil {
		return nil, err
	}
	return emitAll(n, decls, hand)
}

// mirrorTypes maps each mirrored k8s.io type to its hand-written name.
func mirrorTypes() map[reflect.Type]string {
	m := make(map[reflect.Type]string, len(mirrors))
	for _, mr := range mirrors {
		m[mr.typ] = mr.name
	}
	return m
}

// emitAll writes both files. Types are ordered by group, then name, so that
// a new k8s.io version changes the files only where the API changed.
func emitAll(n *naming, decls []*structDecl, hand *handPkg) (*result, error) {
	byName := map[string]*class{}
	for _, c := range n.classes {
		byName[c.name] = c
	}
	sorted := slices.Clone(decls)
	slices.SortFunc(sorted, func(a, b *structDecl) int {
		_, pa := groupOf(byName[a.name].types[0].PkgPath())
		_, pb := groupOf(byName[b.name].types[0].PkgPath())
		if pa != pb {
			return pa - pb
		}
		return strings.Compare(a.name, b.name)
	})
	types, err := emitTypes(sorted)
	if err != nil {
		return nil, err
	}
	copies, err := emitDeepCopy(copyTargets(decls, hand))
	if err != nil {
		return nil, err
	}
	spew, err := emitSpew()
	if err != nil {
		return nil, err
	}
	return &result{files: map[string][]byte{typesFile: types, deepCopyFile: copies, spewFile: spew}, report: n.report}, nil
}

// copyTargets lists every type that gets deep-copy functions, by name.
func copyTargets(decls []*structDecl, hand *handPkg) []*goType {
	out := hand.mirrorDecls()
	for _, d := range decls {
		out = append(out, &goType{kind: structKind, name: d.name, decl: d})
	}
	slices.SortStableFunc(out, func(a, b *goType) int { return strings.Compare(a.name, b.name) })
	return out
}
