package kubectl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
)

// errNoMatchingResources is what wait says when nothing matched.
var errNoMatchingResources = errors.New("no matching resources found")

// waitCheck tells whether an object (nil: it does not exist) meets the
// condition waited for.
type waitCheck func(obj api.Object, r *api.ResourceInfo) (bool, error)

// wait is `kubectl wait ([-f FILENAME] | TYPE/NAME | TYPE [(-l label | --all)])
// --for=create|delete|condition=NAME[=VALUE]|jsonpath='{...}'[=VALUE]`: it
// watches the objects, one after the other, until each meets the
// condition or the --timeout of virtual time (30s; 0 checks once) is up.
func (k *Kubectl) wait(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("wait")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	selector := fs.String("selector", "l", "")
	all := fs.Bool("all", "", false)
	allNS := fs.Bool("all-namespaces", "A", false)
	timeout := fs.Duration("timeout", 30*time.Second)
	forCond := fs.String("for", "", "")
	output := fs.String("output", "o", "")
	fs.Bool("local", "", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if strings.ToLower(*forCond) == "create" {
		return k.waitCreate(ctx, io, pos, *files, k.ns(nsFlag), *selector, *all, *allNS, *timeout, *output)
	}
	check, isDelete, err := waitConditionFor(*forCond)
	if err != nil {
		return err
	}
	if *timeout < 0 {
		*timeout = 168 * time.Hour
	}
	items, err := k.deleteTargets(io, pos, *files, k.ns(nsFlag), *selector, *all, *allNS)
	if err != nil {
		return err
	}
	deadline := k.c.Now().Add(*timeout)
	visited := 0
	for _, it := range items {
		obj, err := k.c.Get(it.r, it.ns, it.name)
		if isDelete && apiserver.IsNotFound(err) {
			continue // the builder ignores what is gone already
		}
		if err != nil {
			return err
		}
		visited++
		final, err := k.waitFor(ctx, it, obj, check, isDelete, *timeout, deadline)
		if err != nil {
			return err
		}
		if *output != "" {
			if err := k.printObject(io, final, *output); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(io.Out, "%s condition met\n", kindName(it.r, it.name))
	}
	if visited == 0 && !isDelete {
		return errNoMatchingResources
	}
	return nil
}

// waitCreate is --for=create (kubectl 1.31): it waits until every object
// named exists, then reports each as met. Upstream polls every two
// seconds; here the check runs as the cluster changes, so it is met at the
// instant the object is made.
func (k *Kubectl) waitCreate(ctx context.Context, io IO, pos, files []string, ns, selector string, all, allNS bool, timeout time.Duration, output string) error {
	if timeout < 0 {
		timeout = 168 * time.Hour
	}
	items, err := k.deleteTargets(io, pos, files, ns, selector, all, allNS)
	if err != nil {
		return err
	}
	var objs []api.Object
	var getErr error
	exist := func() bool {
		objs, getErr = objs[:0], nil
		for _, it := range items {
			obj, err := k.c.Get(it.r, it.ns, it.name)
			if apiserver.IsNotFound(err) {
				return false
			}
			if err != nil {
				getErr = err
				return true
			}
			objs = append(objs, obj)
		}
		return true
	}
	if !exist() {
		err := errors.New("timed out waiting for the condition")
		if timeout > 0 {
			err = k.host.Wait(ctx, timeout, exist)
		}
		if errors.Is(err, ErrTimeout) {
			return errors.New("timed out waiting for the condition")
		}
		if err != nil {
			return err
		}
	}
	if getErr != nil {
		return getErr
	}
	if len(items) == 0 {
		return errNoMatchingResources
	}
	for i, it := range items {
		if output != "" {
			if err := k.printObject(io, objs[i], output); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(io.Out, "%s condition met\n", kindName(it.r, it.name))
	}
	return nil
}

// waitFor waits until one object meets the condition, and returns it as
// last seen.
func (k *Kubectl) waitFor(ctx context.Context, it deleteItem, obj api.Object, check waitCheck, isDelete bool, timeout time.Duration, deadline time.Time) (api.Object, error) {
	objectName := it.r.Resource + "/" + it.name
	uid := obj.GetObjectMeta().UID
	var checkErr error
	met := func() bool {
		cur, err := k.c.Get(it.r, it.ns, it.name)
		switch {
		case apiserver.IsNotFound(err) && isDelete:
			return true
		case err != nil:
			checkErr = err
			return true
		case isDelete && cur.GetObjectMeta().UID != uid:
			return true // deleted and made anew
		}
		obj = cur
		ok, err := check(cur, it.r)
		if err != nil {
			checkErr = err
		}
		return ok || err != nil
	}
	if timeout == 0 {
		if met() && checkErr == nil {
			return obj, nil
		}
		if checkErr != nil {
			return nil, checkErr
		}
		return nil, fmt.Errorf("condition not met for %s", objectName)
	}
	if met() {
		return obj, checkErr
	}
	left := deadline.Sub(k.c.Now())
	if left <= 0 {
		return nil, fmt.Errorf("timed out waiting for the condition on %s", objectName)
	}
	err := k.host.Wait(ctx, left, met)
	if errors.Is(err, ErrTimeout) {
		return nil, fmt.Errorf("timed out waiting for the condition on %s", objectName)
	}
	if err != nil {
		return nil, err
	}
	return obj, checkErr
}

// waitConditionFor parses --for as kubectl's conditionFuncFor.
func waitConditionFor(cond string) (waitCheck, bool, error) {
	switch {
	case strings.ToLower(cond) == "delete":
		return func(api.Object, *api.ResourceInfo) (bool, error) { return false, nil }, true, nil
	case strings.HasPrefix(cond, "condition="):
		name, value, ok := strings.Cut(cond[len("condition="):], "=")
		if !ok {
			value = "true"
		}
		return conditionCheck(name, value), false, nil
	case strings.HasPrefix(cond, "jsonpath="):
		check, err := jsonPathCheck(strings.TrimPrefix(cond, "jsonpath="))
		return check, false, err
	}
	return nil, false, fmt.Errorf("unrecognized condition: %q", cond)
}

// conditionCheck is ConditionalWait.checkCondition: the condition of that
// type (case-insensitively) has that status, unless it was observed for
// an older generation.
func conditionCheck(name, value string) waitCheck {
	return func(obj api.Object, r *api.ResourceInfo) (bool, error) {
		m, err := unstructured(r, obj)
		if err != nil {
			return false, err
		}
		status, _ := m["status"].(map[string]any)
		conds, _ := status["conditions"].([]any)
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			typ, _ := cm["type"].(string)
			st, ok := cm["status"].(string)
			if !strings.EqualFold(typ, name) || !ok {
				continue
			}
			if gen, ok := asInt64(mapPath(m, "metadata", "generation")); ok {
				observed, found := asInt64(cm["observedGeneration"])
				if !found {
					observed, found = asInt64(status["observedGeneration"])
				}
				if found && observed < gen {
					return false, nil
				}
			}
			return strings.EqualFold(st, value), nil
		}
		return false, nil
	}
}

func mapPath(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// jsonPathCheck is JSONPathWait: the expression finds one value, equal to
// the one given (or any value when none is given).
func jsonPathCheck(input string) (waitCheck, error) {
	parts := splitJSONPathInput(input)
	if len(parts) < 1 || len(parts) > 2 {
		return nil, errors.New("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'")
	}
	expr, err := relaxedJSONPath(parts[0])
	if err != nil {
		return nil, err
	}
	value, anyValue := "", len(parts) == 1
	if !anyValue {
		value = strings.Trim(parts[1], `'"`)
		if value == "" {
			return nil, errors.New("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3")
		}
	}
	if expr == "" {
		return nil, errors.New("jsonpath expression cannot be empty")
	}
	tmpl, err := newJSONPath(expr, true)
	if err != nil {
		return nil, err
	}
	return func(obj api.Object, r *api.ResourceInfo) (bool, error) {
		m, err := unstructured(r, obj)
		if err != nil {
			return false, err
		}
		results, err := tmpl.find(m)
		if err != nil {
			return false, err
		}
		if len(results) == 0 || len(results[0]) == 0 {
			return false, nil
		}
		if len(results) > 1 {
			return false, errors.New("given jsonpath expression matches more than one list")
		}
		if len(results[0]) > 1 {
			return false, errors.New("given jsonpath expression matches more than one value")
		}
		if anyValue {
			return true, nil
		}
		switch results[0][0].(type) {
		case map[string]any, []any:
			return false, errors.New("jsonpath leads to a nested object or list which is not supported")
		}
		got := fmt.Sprintf("%v", results[0][0])
		return strings.TrimSpace(got) == strings.TrimSpace(value), nil
	}, nil
}

// splitJSONPathInput splits on single "=" ("==" stays, as in a filter).
func splitJSONPathInput(input string) []string {
	var out []string
	var el strings.Builder
	for i := 0; i < len(input); i++ {
		if input[i] == '=' {
			if i < len(input)-1 && input[i+1] == '=' {
				el.WriteString("==")
				i++
				continue
			}
			out = append(out, el.String())
			el.Reset()
			continue
		}
		el.WriteByte(input[i])
	}
	return append(out, el.String())
}
