package kubectl

import (
	"errors"
	"fmt"

	"github.com/kubeplay/kubeplay/engine/api"
)

// validateGet checks the flags of get that do not go together, as
// kubectl's GetOptions.Validate.
func validateGet(output string, showLabels, watching, watchEvents bool) error {
	if showLabels && output != "" && output != "wide" {
		return fmt.Errorf("--show-labels option cannot be used with %s printer", output)
	}
	if watchEvents && !watching {
		return errors.New("--output-watch-events option can only be used with --watch or --watch-only")
	}
	return nil
}

// singleItemImplied reports whether the arguments name one object, which
// kubectl then prints as itself rather than in a List.
func singleItemImplied(targets []target) bool {
	return len(targets) == 1 && len(targets[0].names) == 1
}

// runGeneric prints in a format other than a table, as kubectl's
// printGeneric: one named object as itself, anything else as a List of
// what was found, then the errors. A single named object that is missing
// gives only its error.
func (g *getter) runGeneric(targets []target) error {
	var items []any
	var errs []error
	// -o name needs only each object's kind and name: the objects are not
	// turned into JSON values (a tenth of a second for 1,000 pods).
	names := g.spec.format == "name" && g.sortBy == ""
	for _, t := range targets {
		objs, ferrs := g.fetch(t)
		errs = append(errs, ferrs...)
		if names {
			for _, o := range objs {
				items = append(items, map[string]any{
					"apiVersion": t.r.APIVersion(), "kind": t.r.Kind,
					"metadata": map[string]any{"name": o.GetObjectMeta().Name},
				})
			}
			continue
		}
		u, err := objectItems(t.r, objs)
		if err != nil {
			return err
		}
		items = append(items, u...)
	}
	single := singleItemImplied(targets)
	if single && len(errs) > 0 {
		return errs[0]
	}
	if len(items) == 0 && g.ignoreNotFound {
		return g.printErrors(errs)
	}
	if g.specErr != nil {
		return g.specErr
	}
	var obj any
	if single && len(items) == 1 {
		obj = items[0]
	} else {
		if g.sortBy != "" && len(items) > 0 {
			order, err := sortBy(items, g.sortBy)
			if err != nil {
				return g.sortError(err)
			}
			items = reorder(items, order)
		}
		obj = unstructuredList(items)
	}
	if err := g.spec.print(g.io.Out, obj); err != nil {
		errs = append(errs, err)
	}
	return g.printErrors(errs)
}

// printErrors prints each error as kubectl prints an aggregate of them.
func (g *getter) printErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	for _, err := range errs {
		fmt.Fprint(g.io.Err, errorMessage(err))
	}
	if len(errs) > 0 {
		return exitError{1}
	}
	return nil
}

// sortError reports a --sort-by failure; a value kubectl cannot compare
// ends it as klog.Fatal does, with exit code 255.
func (g *getter) sortError(err error) error {
	var ee exitCodeError
	if errors.As(err, &ee) {
		fmt.Fprintln(g.io.Err, ee.msg)
		return exitError{ee.code}
	}
	return err
}

func reorder[T any](items []T, order []int) []T {
	out := make([]T, len(order))
	for i, j := range order {
		out[i] = items[j]
	}
	return out
}

// sortResults sorts each kind's objects by --sort-by, as kubectl sorts the
// rows of each table it gets.
func (g *getter) sortResults(results []result) error {
	if g.sortBy == "" {
		return nil
	}
	for i, res := range results {
		if len(res.objs) < 2 {
			continue
		}
		items, err := objectItems(res.r, res.objs)
		if err != nil {
			return err
		}
		order, err := sortBy(items, g.sortBy)
		if err != nil {
			return g.sortError(err)
		}
		results[i].objs = reorder(res.objs, order)
	}
	return nil
}

// objectItems converts objects of one resource to unstructured values.
func objectItems(r *api.ResourceInfo, objs []api.Object) ([]any, error) {
	out := make([]any, len(objs))
	for i, o := range objs {
		u, err := unstructured(r, o)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}
