package kubectl

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Editor edits text for kubectl edit: the page's editor in the browser,
// $KUBE_EDITOR or $EDITOR in the shell. name is the file the text is in.
type Editor interface {
	Edit(ctx context.Context, io IO, name string, text []byte) ([]byte, error)
}

// editHeader is what kubectl puts above the object it opens.
const editHeader = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`

// edit is `kubectl edit (RESOURCE/NAME | -f FILENAME)`: the object as YAML
// in an editor; what is saved replaces it (at the resourceVersion it was
// opened at, so a change made meanwhile is a conflict, not lost).
func (k *Kubectl) edit(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("edit")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	output := fs.String("output", "o", "yaml")
	fs.Bool("save-config", "", false)
	fs.Bool("windows-line-endings", "", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if *output != "yaml" && *output != "json" {
		return fmt.Errorf("the edit mode doesn't support output the format %q, valid output formats are 'yaml' and 'json'", *output)
	}
	ed, ok := k.host.(Editor)
	if !ok {
		return errors.New("kubectl edit needs an editor, and there is none here")
	}
	objs, err := k.resolve(io, pos, *files, k.ns(nsFlag), "", false)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := k.editOne(ctx, io, ed, o, *output); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kubectl) editOne(ctx context.Context, io IO, ed Editor, o object, format string) error {
	m, err := unstructured(o.r, o.obj)
	if err != nil {
		return err
	}
	body, err := render(m, format)
	if err != nil {
		return err
	}
	original := append([]byte(editHeader), body...)
	name := fmt.Sprintf("/tmp/kubectl-edit-%s.%s", o.name(), format)
	edited, err := ed.Edit(ctx, io, name, original)
	if err != nil {
		return err
	}
	text := withoutComments(edited)
	if len(bytes.TrimSpace(text)) == 0 {
		fmt.Fprintln(io.Out, "Edit cancelled, saved file was empty.")
		return nil
	}
	if bytes.Equal(text, withoutComments(original)) {
		fmt.Fprintln(io.Out, "Edit cancelled, no changes made.")
		return nil
	}
	docs, err := api.SplitYAML(text)
	if err != nil || len(docs) != 1 {
		return fmt.Errorf("error: %s is not a valid object: %v", name, err)
	}
	obj, err := k.c.Decode(o.r, docs[0].JSON)
	if err != nil {
		return err
	}
	meta := obj.GetObjectMeta()
	if meta.Name != o.name() || meta.Namespace != "" && meta.Namespace != o.ns() {
		return errors.New("At least one of apiVersion, kind and name was changed")
	}
	meta.Namespace = o.ns()
	if _, err := k.c.Update(o.r, obj); err != nil {
		fmt.Fprintf(io.Err, "error: %s %q could not be patched: %s", kindName(o.r, "")[:len(kindName(o.r, ""))-1], o.name(), errorMessage(err))
		fmt.Fprintf(io.Err, "You can run `kubectl replace -f %s` to try this update again.\n", name)
		return exitError{1}
	}
	fmt.Fprintf(io.Out, "%s edited\n", kindName(o.r, o.name()))
	return nil
}

// withoutComments drops the lines that start with '#', as kubectl does
// before it reads what was saved.
func withoutComments(b []byte) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("#")) {
			continue
		}
		out = append(out, line...)
	}
	return out
}
