package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// LastAppliedAnnotation holds the manifest client-side apply last applied.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// manifest is one object read from a file: its JSON, resource and name.
type manifest struct {
	source string
	r      *api.ResourceInfo
	json   []byte
	name   string
	ns     string
}

// readManifests reads the objects of the files given with -f; "-" is stdin.
func (k *Kubectl) readManifests(io IO, files []string, nsFlag string) ([]manifest, error) {
	var out []manifest
	for _, f := range files {
		data, source, err := k.readSource(io, f)
		if err != nil {
			return nil, err
		}
		docs, err := api.SplitYAML(data)
		if err != nil {
			return nil, fmt.Errorf("error parsing %s: %v", source, err)
		}
		for _, d := range docs {
			m, err := k.toManifest(source, d.JSON, nsFlag)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no objects passed to apply")
	}
	return out, nil
}

func (k *Kubectl) readSource(io IO, f string) ([]byte, string, error) {
	if f == "-" {
		if io.In == nil {
			return nil, "STDIN", nil
		}
		data, err := readAll(io.In)
		return data, "STDIN", err
	}
	if len(f) > 7 && (f[:7] == "http://" || f[:8] == "https://") {
		return nil, f, fmt.Errorf("unable to read URL %q: the playground has no access to the internet; paste the manifest into a file (or use a here-document) instead", f)
	}
	data, err := k.host.ReadFile(f)
	if err != nil {
		return nil, f, fmt.Errorf("the path %q does not exist", f)
	}
	return data, f, nil
}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }

func (k *Kubectl) toManifest(source string, data []byte, nsFlag string) (manifest, error) {
	var head struct {
		api.TypeMeta
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return manifest{}, fmt.Errorf("error validating %q: %v", source, err)
	}
	if head.Kind == "" || head.APIVersion == "" {
		missing := "kind"
		if head.APIVersion == "" {
			missing = "apiVersion"
		}
		return manifest{}, fmt.Errorf("error validating %q: error validating data: %s not set; if you choose to ignore these errors, turn validation off with --validate=false", source, missing)
	}
	r, err := api.LookupKind(head.APIVersion, head.Kind)
	if err != nil {
		return manifest{}, fmt.Errorf("resource mapping not found for name: %q namespace: %q from %q: %v\nensure CRDs are installed first", head.Metadata.Name, head.Metadata.Namespace, source, err)
	}
	ns := head.Metadata.Namespace
	switch {
	case !r.Namespaced:
		ns = ""
	case ns == "":
		ns = nsFlag
	case nsFlag != "" && ns != nsFlag:
		return manifest{}, fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation.", ns, nsFlag, ns)
	}
	if r.Namespaced && ns == "" {
		ns = k.namespace
	}
	return manifest{source: source, r: r, json: data, name: head.Metadata.Name, ns: ns}, nil
}

// sourceErr wraps an API error with the file it came from, as kubectl does.
func sourceErr(verb, source string, err error) error {
	var se *apiserver.StatusError
	if errors.As(err, &se) {
		cp := *se
		cp.Status.Message = fmt.Sprintf("error when %s %q: %s", verb, source, se.Status.Message)
		return &cp
	}
	return fmt.Errorf("error when %s %q: %w", verb, source, err)
}

// apply is client-side `kubectl apply -f`: create what is missing, and for
// what exists, merge the change from the last applied manifest into the
// live object.
func (k *Kubectl) apply(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("apply")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	output := fs.String("output", "o", "")
	fs.Bool("recursive", "R", false)
	fs.Bool("validate", "", true)
	serverSide := fs.Bool("server-side", "", false)
	force := fs.Bool("force-conflicts", "", false)
	fs.String("field-manager", "", "kubectl-client-side-apply")
	dryRunValue := dryRunFlag(fs)
	if _, _, err := fs.Parse(args); err != nil {
		return err
	}
	if len(*files) == 0 {
		return errors.New("must specify one of -f and -k")
	}
	strategy, err := dryRunStrategy(*dryRunValue)
	if err != nil {
		return err
	}
	if *force && !*serverSide {
		return errors.New("--force-conflicts only works with --server-side")
	}
	if strategy == dryRunClient && *serverSide {
		return errors.New("--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)")
	}
	if strategy == dryRunServer {
		base := k.c
		k.c = k.c.DryRun()
		defer func() { k.c = base }()
	}
	ms, err := k.readManifests(io, *files, *nsFlag)
	if err != nil {
		return err
	}
	failed := false
	for _, m := range ms {
		apply := func(m manifest) (string, error) { return k.applyOne(m, strategy == dryRunClient, io.Err) }
		if *serverSide {
			apply = func(m manifest) (string, error) { return k.applyServerSide(m, *force, io.Err) }
		}
		msg, err := apply(m)
		if err != nil {
			fmt.Fprint(io.Err, errorMessage(err))
			failed = true
			continue
		}
		if *output == "name" {
			fmt.Fprintln(io.Out, kindName(m.r, m.name))
			continue
		}
		fmt.Fprintf(io.Out, "%s %s%s\n", kindName(m.r, m.name), msg, strategy.suffix())
	}
	if failed {
		return exitError{1}
	}
	return nil
}

func (k *Kubectl) applyOne(m manifest, local bool, errOut io.Writer) (string, error) {
	if m.name == "" {
		return "", fmt.Errorf("from %s: cannot use generate name with apply", m.source)
	}
	modified, err := withLastApplied(m.json, m.r, m.ns)
	if err != nil {
		return "", err
	}
	live, err := k.c.Get(m.r, m.ns, m.name)
	if apiserver.IsNotFound(err) {
		obj, err := k.c.Decode(m.r, modified)
		if err != nil {
			return "", sourceErr("creating", m.source, err)
		}
		if local {
			return "created", nil
		}
		if _, err := k.c.Create(m.r, m.ns, obj); err != nil {
			return "", sourceErr("creating", m.source, err)
		}
		return "created", nil
	}
	if err != nil {
		return "", err
	}
	if _, ok := live.GetObjectMeta().Annotations[LastAppliedAnnotation]; !ok {
		fmt.Fprintf(errOut, "Warning: resource %s/%s is missing the %s annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n",
			m.r.Resource, m.name, LastAppliedAnnotation)
	}
	merged, err := mergeLive(live, modified)
	if err != nil {
		return "", err
	}
	obj, err := k.c.Decode(m.r, merged)
	if err != nil {
		return "", sourceErr("patching", m.source, err)
	}
	if local {
		if liveJSON, err := json.Marshal(live); err == nil && jsonEqual(liveJSON, merged) {
			return "unchanged", nil
		}
		return "configured", nil
	}
	out, err := k.c.Update(m.r, obj)
	if err != nil {
		return "", sourceErr("patching", m.source, err)
	}
	if out.GetObjectMeta().ResourceVersion == live.GetObjectMeta().ResourceVersion {
		return "unchanged", nil
	}
	return "configured", nil
}

// withLastApplied adds the last-applied-configuration annotation: the
// manifest itself, compact, in the namespace it goes to, with its other
// annotations ({} when it has none), as kubectl's
// GetModifiedConfiguration encodes it.
func withLastApplied(data []byte, r *api.ResourceInfo, ns string) ([]byte, error) {
	obj, err := inNamespace(data, r, ns)
	if err != nil {
		return nil, err
	}
	meta := obj["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
	}
	delete(ann, LastAppliedAnnotation)
	meta["annotations"] = ann
	last, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	ann[LastAppliedAnnotation] = string(last) + "\n"
	return json.Marshal(obj)
}

// inNamespace is a manifest as kubectl's builder hands it on: a
// namespaced object carries the namespace it goes to.
func inNamespace(data []byte, r *api.ResourceInfo, ns string) (map[string]any, error) {
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	if r.Namespaced {
		meta["namespace"] = ns
	}
	return obj, nil
}

// applyServerSide is `kubectl apply --server-side`: the manifest goes to
// the API server as an apply patch, which merges it and records its
// fields as the field manager's.
func (k *Kubectl) applyServerSide(m manifest, force bool, errOut io.Writer) (string, error) {
	obj, err := inNamespace(m.json, m.r, m.ns)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	out, err := k.c.Apply(m.r, m.ns, m.name, data, force)
	if err != nil {
		if apiserver.IsConflict(err) {
			return "", fmt.Errorf("%s%s", err.Error(), conflictAdvice)
		}
		return "", err
	}
	// Moving from client-side apply fails softly, as in kubectl: it is
	// tried again at the next apply.
	if out, err = k.keepLastApplied(m, out); err != nil {
		fmt.Fprintf(errOut, "Warning: failed to migrate kubectl.kubernetes.io/last-applied-configuration for Server-Side Apply. This is non-fatal and will be retried next time you apply. Error: %s\n", err)
	} else {
		k.migrateToServerSide(m, out, data, force, errOut)
	}
	return "serverside-applied", nil
}

// keepLastApplied is kubectl's saveLastApplyAnnotationIfNecessary: when
// kubectl (the default manager) applies an object that has a client-side
// apply's annotation nobody applies, the annotation is applied on its own
// (as kubectl-last-applied), so that later applies keep it.
func (k *Kubectl) keepLastApplied(m manifest, obj api.Object) (api.Object, error) {
	meta := obj.GetObjectMeta()
	last, ok := meta.Annotations[LastAppliedAnnotation]
	if k.c.FieldManager() != "kubectl" || !ok || len(apiserver.LastAppliedOwners(meta.ManagedFields, apiserver.OperationApply)) > 0 {
		return obj, nil
	}
	md := map[string]any{"name": meta.Name, "annotations": map[string]any{LastAppliedAnnotation: last}}
	if meta.Namespace != "" {
		md["namespace"] = meta.Namespace
	}
	data, err := json.Marshal(map[string]any{"apiVersion": m.r.APIVersion(), "kind": m.r.Kind, "metadata": md})
	if err != nil {
		return nil, err
	}
	return k.c.WithFieldManager("kubectl-last-applied").Apply(m.r, m.ns, m.name, data, false)
}

// migrateToServerSide is kubectl's migrateToSSAIfNecessary: the fields of
// the client-side apply's managers (those that own the last-applied
// annotation) become the server-side applier's, and the manifest is
// applied again so that what it no longer has is removed.
func (k *Kubectl) migrateToServerSide(m manifest, obj api.Object, data []byte, force bool, errOut io.Writer) {
	meta := obj.GetObjectMeta()
	csa := apiserver.LastAppliedOwners(meta.ManagedFields, apiserver.OperationUpdate)
	if len(csa) == 0 {
		return
	}
	upgraded, changed := apiserver.UpgradeManagedFields(meta.ManagedFields, csa, k.c.FieldManager())
	if !changed {
		return
	}
	body, _ := json.Marshal([]map[string]any{
		{"op": "replace", "path": "/metadata/managedFields", "value": upgraded},
		{"op": "replace", "path": "/metadata/resourceVersion", "value": meta.ResourceVersion},
	})
	if _, err := k.c.Patch(m.r, m.ns, m.name, patch.JSON, body); err != nil {
		fmt.Fprintf(errOut, "Warning: server rejected managed fields migration to Server-Side Apply. This is non-fatal and will be retried next time you apply. Error: %s\n", err)
		return
	}
	if _, err := k.c.Apply(m.r, m.ns, m.name, data, force); err != nil {
		fmt.Fprintf(errOut, "Warning: failed to re-apply configuration after performing Server-Side Apply migration. This is non-fatal and will be retried next time you apply. Error: %s\n", err)
	}
}

// conflictAdvice is what kubectl adds to an apply conflict.
const conflictAdvice = `
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the ` + "`--force-conflicts`" + ` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`

// mergeLive applies the change from the last applied manifest to the new
// one onto the live object: fields the manifest sets win, fields it used to
// set and no longer does are removed, fields nobody applied (defaults,
// status, what others changed) are kept. Lists are replaced as a whole.
func mergeLive(live api.Object, modified []byte) ([]byte, error) {
	liveJSON, err := json.Marshal(live)
	if err != nil {
		return nil, err
	}
	var cur, mod, orig map[string]any
	if err := json.Unmarshal(liveJSON, &cur); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(modified, &mod); err != nil {
		return nil, err
	}
	if last := live.GetObjectMeta().Annotations[LastAppliedAnnotation]; last != "" {
		_ = json.Unmarshal([]byte(last), &orig)
	}
	merged := merge3(orig, mod, cur)
	return json.Marshal(merged)
}

func merge3(orig, mod, cur map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range cur {
		out[k] = v
	}
	for k := range orig {
		if _, ok := mod[k]; !ok {
			delete(out, k)
		}
	}
	for k, mv := range mod {
		mm, mIsMap := mv.(map[string]any)
		cm, cIsMap := cur[k].(map[string]any)
		if mIsMap && cIsMap {
			om, _ := orig[k].(map[string]any)
			out[k] = merge3(om, mm, cm)
			continue
		}
		if !reflect.DeepEqual(mv, cur[k]) {
			out[k] = mv
		}
	}
	return out
}

// create is `kubectl create -f`.
func (k *Kubectl) create(ctx context.Context, io IO, args []string) error {
	if ok, err := k.runGenerator(io, args); ok {
		return err
	}
	fs := newFlagSet("create")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	output := fs.String("output", "o", "")
	fs.Bool("save-config", "", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(*files) == 0 {
		if len(pos) > 0 {
			return fmt.Errorf("creating %s from arguments is not available in this playground yet; use a manifest with -f", pos[0])
		}
		return &usageError{cmd: "create", msg: "must specify one of -f and -k"}
	}
	ms, err := k.readManifests(io, *files, *nsFlag)
	if err != nil {
		return err
	}
	failed := false
	for _, m := range ms {
		obj, err := k.c.Decode(m.r, m.json)
		if err == nil {
			obj, err = k.c.Create(m.r, m.ns, obj)
		}
		if err != nil {
			fmt.Fprint(io.Err, errorMessage(sourceErr("creating", m.source, err)))
			failed = true
			continue
		}
		if *output == "name" {
			fmt.Fprintln(io.Out, kindName(m.r, m.name))
			continue
		}
		fmt.Fprintf(io.Out, "%s created\n", kindName(m.r, obj.GetObjectMeta().Name))
	}
	if failed {
		return exitError{1}
	}
	return nil
}

// jsonEqual reports whether two JSON documents hold the same value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
