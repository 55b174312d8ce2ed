package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// writeFiles writes the generated files into dir.
func writeFiles(dir string, files map[string][]byte) error {
	for _, name := range sortedNames(files) {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// checkFiles fails when a file in dir is missing or differs from the
// generated one, saying where.
func checkFiles(dir string, files map[string][]byte) error {
	var stale []string
	for _, name := range sortedNames(files) {
		have, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			stale = append(stale, name+" is missing")
			continue
		}
		if err != nil {
			return err
		}
		if d := firstDiff(have, files[name]); d != "" {
			stale = append(stale, name+" differs "+d)
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("generated files are out of date; run `make apigen`:\n%s", strings.Join(stale, "\n"))
	}
	return nil
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// firstDiff describes the first line where have and want differ, as a
// diff would, or returns "" when they are equal.
func firstDiff(have, want []byte) string {
	if bytes.Equal(have, want) {
		return ""
	}
	h := strings.Split(string(have), "\n")
	w := strings.Split(string(want), "\n")
	i := 0
	for i < len(h) && i < len(w) && h[i] == w[i] {
		i++
	}
	return fmt.Sprintf("at line %d (committed %d lines, generated %d):\n-%s\n+%s", i+1, len(h), len(w), lineAt(h, i), lineAt(w, i))
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return " (end of file)"
}
