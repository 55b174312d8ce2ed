package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const apiDir = "../../engine/api"

// TestCheck fails when the committed generated files are not what the
// generator writes: run `make apigen` after changing either.
func TestCheck(t *testing.T) {
	if err := run(apiDir, true, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func TestVersionMatchesGoMod(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"k8s.io/api ", "k8s.io/apimachinery "} {
		if !strings.Contains(string(mod), m+k8sVersion+"\n") {
			t.Errorf("go.mod does not require %s%s, which the headers name", m, k8sVersion)
		}
	}
}

// copyAPI copies engine/api's Go files into a temporary directory.
func copyAPI(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	paths, err := filepath.Glob(filepath.Join(apiDir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckReportsStaleFiles(t *testing.T) {
	tests := []struct {
		name   string
		change func(dir string) error
		want   string
	}{
		{"edited", func(dir string) error {
			p := filepath.Join(dir, typesFile)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, []byte(strings.Replace(string(b), `json:"containers"`, `json:"containers,omitempty"`, 1)), 0o644)
		}, typesFile + " differs at line"},
		{"missing", func(dir string) error { return os.Remove(filepath.Join(dir, deepCopyFile)) }, deepCopyFile + " is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyAPI(t)
			if err := tt.change(dir); err != nil {
				t.Fatal(err)
			}
			err := run(dir, true, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestGenerateWritesWhatCheckAccepts(t *testing.T) {
	dir := copyAPI(t)
	for _, f := range []string{typesFile, deepCopyFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(dir, false, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(dir, true, io.Discard); err != nil {
		t.Fatal(err)
	}
}

// TestHandWrittenDriftIsAnError changes a hand-written mirror and expects
// the generator to name the difference.
func TestHandWrittenDriftIsAnError(t *testing.T) {
	dir := copyAPI(t)
	p := filepath.Join(dir, "meta.go")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	drifted := strings.Replace(string(b), `json:"creationTimestamp,omitempty,omitzero"`, `json:"creationTimestamp"`, 1)
	if drifted == string(b) {
		t.Fatal("meta.go has no creationTimestamp tag to change")
	}
	if err := os.WriteFile(p, []byte(drifted), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = generate(dir)
	if err == nil || !strings.Contains(err.Error(), "ObjectMeta.CreationTimestamp") {
		t.Fatalf("got %v, want an error about ObjectMeta.CreationTimestamp", err)
	}
}

func TestCollidingNames(t *testing.T) {
	res, err := generate(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"renamed events.k8s.io/v1 Event -> EventsV1Event",
		"renamed events.k8s.io/v1 EventSeries -> EventsV1EventSeries",
		"renamed autoscaling/v1 HorizontalPodAutoscaler -> AutoscalingV1HorizontalPodAutoscaler",
		"shared  autoscaling/v1 CrossVersionObjectReference = autoscaling/v2 CrossVersionObjectReference (same shape)",
	} {
		if !slices.Contains(res.report, want) {
			t.Errorf("report lacks %q; it is:\n%s", want, strings.Join(res.report, "\n"))
		}
	}
	types := string(res.files[typesFile])
	for _, want := range []string{
		"// EventsV1Event is events.k8s.io/v1 Event.\ntype EventsV1Event struct",
		"// CrossVersionObjectReference is autoscaling/v2 CrossVersionObjectReference and autoscaling/v1 CrossVersionObjectReference.\n",
		"\tTypeMeta   `json:\"\"`\n\tObjectMeta `json:\"metadata,omitempty\"`\n\tSpec       PodSpec   `json:\"spec,omitempty\"`",
	} {
		if !strings.Contains(types, want) {
			t.Errorf("generated types lack %q", want)
		}
	}
}

func TestNoTypeTakesAHandWrittenName(t *testing.T) {
	dir := copyAPI(t)
	extra := "package api\n\n// PodSpec is in the way.\ntype PodSpec struct{}\n"
	if err := os.WriteFile(filepath.Join(dir, "extra.go"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := generate(dir)
	if err == nil || !strings.Contains(err.Error(), "extra.go already declares PodSpec") {
		t.Fatalf("got %v, want a collision with extra.go", err)
	}
}
