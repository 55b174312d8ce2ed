// Package scenario reads scenario files and runs them: a cluster of a
// given shape and seed, files for the home directory, setup commands, and
// steps, each with its text, the code blocks a reader runs, a hint and a
// check that must hold before the step is done.
//
// Checks are evaluated when the cluster changes (on the store's watch
// events), never by polling on a timer: the page shows a step done the
// moment its check holds, and the headless Runner waits on virtual time
// for it, so `kubeplay test` of a scenario whose steps take an hour of
// cluster time takes a moment of the machine's.
package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is a scenario.
type File struct {
	Title       string            `yaml:"title,omitempty"`
	Description string            `yaml:"description,omitempty"` // Markdown
	Cluster     Shape             `yaml:"cluster,omitempty"`
	Seed        uint64            `yaml:"seed,omitempty"`
	Files       map[string]string `yaml:"files,omitempty"` // name relative to the home directory -> content
	Setup       []string          `yaml:"setup,omitempty"` // scripts, run before the first step
	Steps       []Step            `yaml:"steps,omitempty"`
}

// Shape is the cluster a scenario starts with; empty fields take the
// playground's defaults (two workers in zone-a and zone-b, 2 CPUs and 4Gi
// each).
type Shape struct {
	Workers *int `yaml:"workers,omitempty"`
	// FakeNodes are fake worker nodes besides (kwok's kind: their pods
	// run no program), for scale experiments.
	FakeNodes  int      `yaml:"fakeNodes,omitempty"`
	Zones      []string `yaml:"zones,omitempty"`
	NodeCPU    string   `yaml:"nodeCPU,omitempty"`
	NodeMemory string   `yaml:"nodeMemory,omitempty"`
	// MaxPods is every kubelet's --max-pods (110 by default), and
	// NodeCIDRMaskSize kube-controller-manager's --node-cidr-mask-size,
	// each node's share of the pod network 10.244.0.0/16 (24 by default:
	// 253 pod addresses a node; 23 gives 509).
	MaxPods          int `yaml:"maxPods,omitempty"`
	NodeCIDRMaskSize int `yaml:"nodeCIDRMaskSize,omitempty"`
}

// Step is one step of a scenario.
type Step struct {
	Title string   `yaml:"title,omitempty"`
	Text  string   `yaml:"text,omitempty"` // Markdown
	Code  []string `yaml:"code,omitempty"` // scripts the reader runs, in order
	Hint  string   `yaml:"hint,omitempty"` // Markdown
	Check *Check   `yaml:"check,omitempty"`
	// Timeout is how long the check may take to hold once the code has
	// run, in virtual time (2m by default).
	Timeout Duration `yaml:"timeout,omitempty"`

	line int
}

// Check is what must hold for a step to be done: a script that succeeds
// (Run), or a condition on an object read as kubectl reads it.
type Check struct {
	// Run is a script that must exit 0.
	Run string `yaml:"run,omitempty"`

	// Object is TYPE/NAME or TYPE, as kubectl get takes it; Namespace and
	// Selector narrow it.
	Object    string `yaml:"object,omitempty"`
	Namespace string `yaml:"namespace,omitempty"`
	Selector  string `yaml:"selector,omitempty"`
	// Condition is a condition type of the object's status that must be
	// Status ("True" unless said).
	Condition string `yaml:"condition,omitempty"`
	Status    string `yaml:"status,omitempty"`
	// JSONPath is a kubectl jsonpath template whose output must equal
	// Equals, or match the regular expression Matches.
	JSONPath string  `yaml:"jsonpath,omitempty"`
	Equals   *string `yaml:"equals,omitempty"`
	Matches  string  `yaml:"matches,omitempty"`
	// Absent: the object must not exist (get finds nothing).
	Absent bool `yaml:"absent,omitempty"`
}

// Duration is a time.Duration written as Go writes one ("90s", "5m").
type Duration time.Duration

// DefaultTimeout is how long a step's check may take by default.
const DefaultTimeout = 2 * time.Minute

// Limits of a scenario file.
const (
	MaxFakeNodes = 5000

	MaxSize  = 1 << 20
	maxSteps = 100
)

// Parse reads a scenario file strictly: an unknown field, a value of the
// wrong type or a check that says nothing is an error naming its line.
// name is the file's name, for messages.
func Parse(name string, data []byte) (*File, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: the file is larger than %d bytes", name, MaxSize)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("%s:%d: a scenario is one YAML document; remove the '---' and what follows", name, extra.Line)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: a scenario is a mapping (title:, steps:, ...), not a %s", name, root.Line, kindName(root))
	}
	if err := checkFields(root, reflect.TypeFor[File](), "the scenario"); err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	var f File
	if err := root.Decode(&f); err != nil {
		return nil, yamlError(name, err)
	}
	stepLines(root, &f)
	f.dropEmpty()
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	return &f, nil
}

// dropEmpty makes an empty list or map (`code: []`) what leaving it out
// makes, nil: the same scenario, written back the same way.
func (f *File) dropEmpty() {
	if len(f.Files) == 0 {
		f.Files = nil
	}
	if len(f.Setup) == 0 {
		f.Setup = nil
	}
	if len(f.Cluster.Zones) == 0 {
		f.Cluster.Zones = nil
	}
	if len(f.Steps) == 0 {
		f.Steps = nil
	}
	for i := range f.Steps {
		if len(f.Steps[i].Code) == 0 {
			f.Steps[i].Code = nil
		}
	}
}

// yamlError words the decoder's error as the others: "NAME:LINE: what",
// the first of a list.
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	msg, _, _ = strings.Cut(msg, "\n")
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", name, m[1], m[2])
	}
	return fmt.Errorf("%s: %s", name, msg)
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	}
	return "document"
}

// checkFields reports the first key of a mapping that is not a field of t,
// walking into the fields that are structs or lists of structs.
func checkFields(n *yaml.Node, t reflect.Type, what string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for _, item := range n.Content {
			if err := checkFields(item, t.Elem(), what); err != nil {
				return err
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			f, ok := fields[key.Value]
			if !ok {
				return fmt.Errorf("%d: unknown field %q in %s (known fields: %s)", key.Line, key.Value, what, strings.Join(fieldNames(t), ", "))
			}
			if err := checkFields(n.Content[i+1], f.Type, fieldWhat(key.Value, what)); err != nil {
				return err
			}
		}
	}
	return nil
}

func fieldWhat(key, parent string) string {
	switch key {
	case "steps":
		return "a step"
	case "check":
		return "a check"
	case "files":
		return "a file"
	case "cluster":
		return "cluster"
	}
	return parent
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := strings.Split(f.Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			out[tag] = f
		}
	}
	return out
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}

// stepLines notes the line each step starts at, for messages.
func stepLines(root *yaml.Node, f *File) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "steps" {
			continue
		}
		for j, s := range root.Content[i+1].Content {
			if j < len(f.Steps) {
				f.Steps[j].line = s.Line
			}
		}
	}
}

// UnmarshalYAML reads "90s", "5m", "1h30m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v <= 0 {
		return fmt.Errorf("line %d: timeout %q is not a positive duration such as 90s or 5m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as Go does.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Line is the line the step starts at in its file (0 when not parsed).
func (s *Step) Line() int { return s.line }

// TimeoutOrDefault is the step's timeout.
func (s *Step) TimeoutOrDefault() time.Duration {
	if s.Timeout == 0 {
		return DefaultTimeout
	}
	return time.Duration(s.Timeout)
}

func (f *File) validate() error {
	if strings.TrimSpace(f.Title) == "" {
		return errors.New("1: the scenario has no title")
	}
	if len(f.Steps) == 0 {
		return errors.New("1: the scenario has no steps")
	}
	if len(f.Steps) > maxSteps {
		return fmt.Errorf("%d: the scenario has %d steps, more than %d", f.Steps[maxSteps].line, len(f.Steps), maxSteps)
	}
	if w := f.Cluster.Workers; w != nil && (*w < 0 || *w > 10) {
		return fmt.Errorf("1: cluster.workers must be between 0 and 10, not %d", *w)
	}
	if n := f.Cluster.FakeNodes; n < 0 || n > MaxFakeNodes {
		return fmt.Errorf("1: cluster.fakeNodes must be between 0 and %d, not %d", MaxFakeNodes, n)
	}
	if n := f.Cluster.MaxPods; n < 0 {
		return fmt.Errorf("1: cluster.maxPods must not be negative, not %d", n)
	}
	if n := f.Cluster.NodeCIDRMaskSize; n != 0 && (n < 16 || n > 30) {
		return fmt.Errorf("1: cluster.nodeCIDRMaskSize must be between 16 and 30 (the pod network is 10.244.0.0/16), not %d", n)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Files)) {
		if err := validName(name); err != nil {
			return fmt.Errorf("1: files: %w", err)
		}
	}
	for i := range f.Steps {
		if err := f.Steps[i].validate(i); err != nil {
			return err
		}
	}
	return nil
}

// validName accepts a relative path inside the home directory.
func validName(name string) error {
	clean := path.Clean(name)
	if name == "" || path.IsAbs(name) || clean != name || clean == "." || strings.HasPrefix(clean, "../") || clean == ".." {
		return fmt.Errorf("%q is not a relative path inside the home directory", name)
	}
	return nil
}

func (s *Step) validate(i int) error {
	where := fmt.Sprintf("%d: step %d", s.line, i+1)
	if strings.TrimSpace(s.Text) == "" && strings.TrimSpace(s.Title) == "" {
		return fmt.Errorf("%s has neither a title nor text", where)
	}
	if s.Check == nil {
		return nil
	}
	if err := s.Check.validate(); err != nil {
		return fmt.Errorf("%s: check: %w", where, err)
	}
	return nil
}

func (c *Check) validate() error {
	hasRun, hasObject := strings.TrimSpace(c.Run) != "", c.Object != ""
	switch {
	case hasRun && hasObject:
		return errors.New("give either run or object, not both")
	case !hasRun && !hasObject:
		return errors.New("give run (a script that must succeed) or object (and what must hold of it)")
	case hasRun:
		if c.Namespace != "" || c.Selector != "" || c.Condition != "" || c.JSONPath != "" || c.Equals != nil || c.Matches != "" || c.Absent || c.Status != "" {
			return errors.New("run takes no object fields (namespace, selector, condition, status, jsonpath, equals, matches, absent)")
		}
		return nil
	}
	n := 0
	for _, set := range []bool{c.Condition != "", c.JSONPath != "", c.Absent} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return errors.New("give one of condition, jsonpath and absent")
	case c.Status != "" && c.Condition == "":
		return errors.New("status goes with condition")
	case (c.Equals != nil || c.Matches != "") && c.JSONPath == "":
		return errors.New("equals and matches go with jsonpath")
	case c.JSONPath != "" && c.Equals == nil && c.Matches == "":
		return errors.New("jsonpath needs equals or matches")
	case c.Equals != nil && c.Matches != "":
		return errors.New("give equals or matches, not both")
	}
	if c.Matches != "" {
		if _, err := regexp.Compile(c.Matches); err != nil {
			return fmt.Errorf("matches: %w", err)
		}
	}
	return nil
}
