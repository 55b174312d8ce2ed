package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// replace is `kubectl replace -f FILENAME`: each object replaces the live
// one whole (PUT), at the live resourceVersion when the file has none; with
// --force the objects are deleted, waited for, and created again.
func (k *Kubectl) replace(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("replace")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	force := fs.Bool("force", "", false)
	grace := fs.Int("grace-period", "", -1)
	cascade := fs.String("cascade", "", "background")
	timeout := fs.Duration("timeout", 0)
	fs.Bool("wait", "", false) // replace --force waits for the deletion either way
	output := fs.String("output", "o", "")
	saveConfig := fs.Bool("save-config", "", false)
	fs.Bool("recursive", "R", false)
	fs.Bool("validate", "", true)
	fs.lookup("cascade").noOptValue = "background"
	if _, _, err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *grace >= 0 && !*force:
		return errors.New("--grace-period must have --force specified")
	case *timeout != 0 && !*force:
		return errors.New("--timeout must have --force specified")
	case len(*files) == 0:
		return &usageError{cmd: "replace", msg: "Must specify --filename to replace"}
	}
	if err := checkOutput(*output); err != nil {
		return err
	}
	ms, err := k.readManifests(io, *files, *nsFlag)
	if err != nil {
		return err
	}
	rep := replacer{k: k, io: io, output: *output, saveConfig: *saveConfig}
	if *force {
		policy, err := propagation(*cascade)
		if err != nil {
			return err
		}
		return rep.force(ctx, ms, policy, *grace, *timeout)
	}
	failed := false
	for _, m := range ms {
		if err := rep.replaceOne(m); err != nil {
			fmt.Fprint(io.Err, errorMessage(sourceErr("replacing", m.source, err)))
			failed = true
		}
	}
	if failed {
		return exitError{1}
	}
	return nil
}

type replacer struct {
	k          *Kubectl
	io         IO
	output     string
	saveConfig bool
}

// replaceOne is resource.Helper's Replace with overwrite: the live
// resourceVersion when the manifest has none.
func (rp replacer) replaceOne(m manifest) error {
	data, err := rp.annotated(m)
	if err != nil {
		return err
	}
	obj, err := rp.k.c.Decode(m.r, data)
	if err != nil {
		return err
	}
	obj.GetObjectMeta().Namespace = m.ns
	if obj.GetObjectMeta().ResourceVersion == "" {
		live, err := rp.k.c.Get(m.r, m.ns, m.name)
		if err != nil {
			return err
		}
		obj.GetObjectMeta().ResourceVersion = live.GetObjectMeta().ResourceVersion
	}
	out, err := rp.k.c.Update(m.r, obj)
	if err != nil {
		return err
	}
	return rp.print(m.r, out)
}

// annotated refreshes the last-applied-configuration annotation when the
// file's object carries one (or --save-config asks for it), as
// CreateOrUpdateAnnotation does; otherwise the replaced object has none.
func (rp replacer) annotated(m manifest) ([]byte, error) {
	var head struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(m.json, &head)
	if rp.saveConfig || head.Metadata.Annotations[LastAppliedAnnotation] != "" {
		return withLastApplied(m.json, m.r, m.ns)
	}
	return m.json, nil
}

func (rp replacer) print(r *api.ResourceInfo, obj api.Object) error {
	if rp.output != "" {
		return rp.k.printObject(rp.io, obj, rp.output)
	}
	fmt.Fprintf(rp.io.Out, "%s replaced\n", kindName(r, obj.GetObjectMeta().Name))
	return nil
}

// force deletes the objects (what is missing is fine), waits until they
// are gone (5 minutes at most, unless --timeout says otherwise), then
// creates them.
func (rp replacer) force(ctx context.Context, ms []manifest, policy string, grace int64, timeout time.Duration) error {
	if grace == 0 {
		grace = 1 // as upstream: no accidental immediate deletion
	}
	opts := apiserver.DeleteOptions{PropagationPolicy: policy}
	if grace >= 0 {
		opts.GracePeriodSeconds = api.Ptr(grace)
	}
	items := make([]deleteItem, len(ms))
	for i, m := range ms {
		items[i] = deleteItem{r: m.r, ns: m.ns, name: m.name, source: m.source}
	}
	d := &deleter{k: rp.k, io: rp.io, opts: opts, ignoreNotFound: true, output: rp.output}
	if err := d.run(items); err != nil {
		return err
	}
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	if err := d.wait(ctx, timeout); err != nil {
		return err
	}
	for _, m := range ms {
		data, err := rp.annotated(m)
		if err != nil {
			return err
		}
		obj, err := rp.k.c.Decode(m.r, data)
		if err == nil {
			obj, err = rp.k.c.Create(m.r, m.ns, obj)
		}
		if err != nil {
			return err
		}
		if err := rp.print(m.r, obj); err != nil {
			return err
		}
	}
	return nil
}
