package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/patch"
)

var patchTypes = map[string]patch.Type{"json": patch.JSON, "merge": patch.Merge, "strategic": patch.Strategic}

// patchCmd is `kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]`
// (staging/src/k8s.io/kubectl/pkg/cmd/patch): the API server applies the
// patch; with --dry-run=client or --local kubectl applies it itself.
func (k *Kubectl) patchCmd(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("patch")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	patchText := fs.String("patch", "p", "")
	patchFile := fs.String("patch-file", "", "")
	typ := fs.String("type", "", "strategic")
	local := fs.Bool("local", "", false)
	output := fs.String("output", "o", "")
	dryRunValue := dryRunFlag(fs)
	record := recordFlag(fs)
	fs.String("field-manager", "", "kubectl-patch")
	fs.Bool("recursive", "R", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	strategy, err := dryRunStrategy(*dryRunValue)
	if err != nil {
		return err
	}
	if err := validatePatchFlags(*patchText, *patchFile, *typ, *local, strategy, pos); err != nil {
		return err
	}
	if err := checkOutput(*output); err != nil {
		return err
	}
	body, err := k.patchBody(*patchText, *patchFile)
	if err != nil {
		return err
	}
	pt := patchTypes[strings.ToLower(*typ)]
	var objs []object
	if *local {
		objs, err = k.localObjects(io, *files, k.ns(nsFlag))
	} else {
		objs, err = k.resolve(io, pos, *files, k.ns(nsFlag), "", false)
	}
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return fmt.Errorf("no objects passed to patch")
	}
	cause := changeCause(io, fs, *record, []string{"patch"}, pos)
	for _, o := range objs {
		if err := k.patchOne(io, o, pt, body, *local || strategy == dryRunClient, strategy, *output, cause); err != nil {
			return err
		}
	}
	return nil
}

func validatePatchFlags(text, file, typ string, local bool, strategy dryRun, pos []string) error {
	switch {
	case text != "" && file != "":
		return fmt.Errorf("cannot specify --patch and --patch-file together")
	case text == "" && file == "":
		return fmt.Errorf("must specify --patch or --patch-file containing the contents of the patch")
	case local && len(pos) != 0:
		return fmt.Errorf("cannot specify --local and server resources")
	case local && strategy == dryRunServer:
		return fmt.Errorf("cannot specify --local and --dry-run=server - did you mean --dry-run=client?")
	}
	if _, ok := patchTypes[strings.ToLower(typ)]; !ok {
		return fmt.Errorf("--type must be one of [json merge strategic], not %q", typ)
	}
	return nil
}

// patchBody reads the patch, YAML or JSON, as JSON.
func (k *Kubectl) patchBody(text, file string) ([]byte, error) {
	data := []byte(text)
	if file != "" {
		var err error
		if data, err = k.host.ReadFile(file); err != nil {
			return nil, fmt.Errorf("unable to read patch file: open %s: no such file or directory", file)
		}
	}
	out, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("unable to parse %q: %v", text, err)
	}
	return out, nil
}

// localObjects reads the objects of -f files without the server.
func (k *Kubectl) localObjects(io IO, files []string, ns string) ([]object, error) {
	ms, err := k.readManifests(io, files, ns)
	if err != nil {
		return nil, err
	}
	out := make([]object, 0, len(ms))
	for _, m := range ms {
		obj, err := api.DecodeInto(m.r, m.json)
		if err != nil {
			return nil, err
		}
		out = append(out, object{r: m.r, obj: obj})
	}
	return out, nil
}

func (k *Kubectl) patchOne(io IO, o object, pt patch.Type, body []byte, local bool, strategy dryRun, output, cause string) error {
	var out api.Object
	var err error
	if local {
		out, err = patchLocally(o, pt, body)
	} else {
		out, err = k.writer(strategy).Patch(o.r, o.ns(), o.name(), pt, body)
	}
	if err != nil {
		return err
	}
	op := "patched"
	if reflect.DeepEqual(out, o.obj) {
		op = "patched (no change)"
	}
	if !local && cause != "" {
		if err := k.recordCause(object{r: o.r, obj: out}, cause); err != nil {
			return err
		}
	}
	return k.printed(io, o.r, out, op, strategy, output)
}

// patchLocally applies a patch as kubectl's getPatchedJSON does.
func patchLocally(o object, pt patch.Type, body []byte) (api.Object, error) {
	doc, err := json.Marshal(o.obj)
	if err != nil {
		return nil, err
	}
	patched, err := patch.Apply(pt, doc, body, reflect.TypeOf(o.obj).Elem())
	if err != nil {
		if pt == patch.JSON && strings.Contains(err.Error(), "doc is missing key") {
			msg := err.Error()
			return nil, fmt.Errorf("Object to be patched is missing field (%s)", strings.TrimSuffix(msg[strings.Index(msg, "key:")+5:], ": missing value"))
		}
		return nil, err
	}
	obj := o.r.New()
	if err := json.Unmarshal(patched, obj); err != nil {
		return nil, err
	}
	return obj, nil
}
