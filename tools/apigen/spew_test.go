package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/dump"
)

var updateSpew = flag.Bool("update-spew", false, "rewrite engine/api/testdata/spew/*.golden from k8s.io")

// TestSpewGoldens prints each object of engine/api/testdata/spew as
// kube-controller-manager hashes it: decoded into core/v1, through
// protobuf as its informer receives it, by dump.ForHash. engine/api's
// tests print the same objects with its own printer and compare. A
// fixture named subset-* is an EndpointSubset, port-* an EndpointPort,
// sliceport-* a discovery/v1 EndpointPort, any other a PodTemplateSpec.
func spewFixture(name string) (in, out protoObject) {
	switch {
	case strings.HasPrefix(name, "subset-"):
		return &corev1.EndpointSubset{}, &corev1.EndpointSubset{}
	case strings.HasPrefix(name, "port-"):
		return &corev1.EndpointPort{}, &corev1.EndpointPort{}
	case strings.HasPrefix(name, "sliceport-"):
		return &discoveryv1.EndpointPort{}, &discoveryv1.EndpointPort{}
	}
	return &corev1.PodTemplateSpec{}, &corev1.PodTemplateSpec{}
}

type protoObject interface {
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
}

func TestSpewGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(apiDir, "testdata", "spew", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no templates")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		in, out := spewFixture(filepath.Base(file))
		if err := json.Unmarshal(data, in); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		wire, err := in.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Unmarshal(wire); err != nil {
			t.Fatal(err)
		}
		got := dump.ForHash(reflect.ValueOf(out).Elem().Interface()) + "\n"
		golden := strings.TrimSuffix(file, ".json") + ".golden"
		if *updateSpew {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if string(want) != got {
			t.Errorf("%s is stale: run go test -run TestSpewGoldens -update-spew", golden)
		}
	}
}
