// Command explaingen writes the schema `kubectl explain` prints, for every
// kind the playground serves, as kube-apiserver's OpenAPI v3 documents
// describe it: each type's fields with their JSON names, types, required
// marks and enum values, and the descriptions openapi-gen makes from
// k8s.io/api's doc comments, enum values included.
//
// It reads the Go types by reflection and their doc comments from the
// module sources with go/ast, applying kube-openapi's rules (comment tags
// dropped, "---" ending a comment, indented lines kept on lines of their
// own, "Possible enum values" appended to an enum field's description).
// The result is JSON with every description stored once, gzip'd, in
// engine/kubectl/zz_generated.explain.json.gz; kubectl reads it the first
// time explain runs. With -check it writes nothing and fails if the file
// holds something else.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// outFile is the generated file's name in the output directory.
const outFile = "zz_generated.explain.json.gz"

func main() {
	out := flag.String("out", "../../engine/kubectl", "the engine/kubectl directory to write into")
	check := flag.Bool("check", false, "write nothing; fail if the generated file is out of date")
	flag.Parse()
	if err := run(*out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "explaingen:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	doc, err := build()
	if err != nil {
		return err
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, outFile)
	if check {
		return checkFile(path, data)
	}
	return os.WriteFile(path, compress(data), 0o644)
}

// compress gzips data at the best compression, with no name or time in
// the header, so the same input gives the same bytes.
func compress(data []byte) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// checkFile compares what the file holds, decompressed, with data: a newer
// Go may compress the same JSON to other bytes.
func checkFile(path string, data []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	have, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !bytes.Equal(have, data) {
		return errors.New(path + " is out of date: run make apigen")
	}
	return nil
}
