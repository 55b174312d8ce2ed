package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// scale is `kubectl scale --replicas=N TYPE NAME` (staging/src/k8s.io/
// kubectl/pkg/cmd/scale): through the scale subresource, with the
// --current-replicas and --resource-version preconditions, and --timeout
// waiting for the replicas.
func (k *Kubectl) scale(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("scale")
	nsFlag := k.commonFlags(fs)
	files := fs.Slice("filename", "f")
	selector := fs.String("selector", "l", "")
	all := fs.Bool("all", "", false)
	replicas := fs.Int("replicas", "", -1)
	current := fs.Int("current-replicas", "", -1)
	rv := fs.String("resource-version", "", "")
	timeout := fs.Duration("timeout", 0)
	output := fs.String("output", "o", "")
	dryRunValue := dryRunFlag(fs)
	record := recordFlag(fs)
	fs.Bool("recursive", "R", false)
	pos, _, err := fs.Parse(args)
	if err != nil {
		return err
	}
	strategy, err := dryRunStrategy(*dryRunValue)
	if err != nil {
		return err
	}
	if *replicas < 0 {
		return errors.New("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
	}
	if *current < -1 {
		return errors.New("The --current-replicas must specify an integer of -1 or greater")
	}
	if err := checkOutput(*output); err != nil {
		return err
	}
	objs, err := k.resolve(io, pos, *files, k.ns(nsFlag), *selector, *all)
	if err != nil {
		return err
	}
	if *rv != "" && len(objs) > 1 {
		return errors.New("cannot use --resource-version with multiple resources")
	}
	if len(objs) == 0 {
		return errors.New("no objects passed to scale")
	}
	cause := changeCause(io, fs, *record, []string{"scale"}, pos)
	s := scaler{k: k, replicas: int32(*replicas), current: *current, rv: *rv, strategy: strategy}
	for _, o := range objs {
		if strategy != dryRunClient {
			if err := s.scale(o); err != nil {
				return err
			}
			if err := k.recordCause(o, cause); err != nil {
				return err
			}
		}
		if err := k.printed(io, o.r, o.obj, "scaled", strategy, *output); err != nil {
			return err
		}
	}
	if *timeout == 0 || strategy != dryRunNone {
		return nil
	}
	return s.waitAll(ctx, objs, *timeout)
}

type scaler struct {
	k        *Kubectl
	replicas int32
	current  int64
	rv       string
	strategy dryRun
}

// scale sets one object's replicas, reading its scale first when there is
// a precondition to check and updating it then, else with a merge patch
// of the scale subresource, as ScaleSimple.
func (s scaler) scale(o object) error {
	c := s.k.writer(s.strategy)
	if s.current != -1 || s.rv != "" {
		cur, err := s.k.c.GetScale(o.r, o.ns(), o.name())
		if err != nil {
			return err
		}
		if s.current != -1 && int64(cur.Spec.Replicas) != s.current {
			return fmt.Errorf("Expected replicas to be %d, was %d", s.current, cur.Spec.Replicas)
		}
		if s.rv != "" && cur.ResourceVersion != s.rv {
			return fmt.Errorf("Expected resource version to be %s, was %s", s.rv, cur.ResourceVersion)
		}
		cur.Spec.Replicas = s.replicas
		_, err = c.UpdateScale(o.r, o.ns(), o.name(), cur)
		return err
	}
	_, err := c.PatchScale(o.r, o.ns(), o.name(), patch.Merge, []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, s.replicas)))
	return err
}

// waitAll waits until each object's scale reports the replicas, as
// WaitForScaleHasDesiredReplicas.
func (s scaler) waitAll(ctx context.Context, objs []object, timeout time.Duration) error {
	for _, o := range objs {
		done := func() bool {
			sc, err := s.k.c.GetScale(o.r, o.ns(), o.name())
			return err == nil && sc.Status.Replicas == s.replicas && s.observed(o)
		}
		if err := s.k.host.Wait(ctx, timeout, done); err != nil {
			if errors.Is(err, ErrTimeout) {
				return errors.New("timed out waiting for the condition")
			}
			return err
		}
	}
	return nil
}

// observed reports whether the controller has seen the object's latest spec.
func (s scaler) observed(o object) bool {
	obj, err := s.k.c.Get(o.r, o.ns(), o.name())
	if err != nil {
		return false
	}
	gen := obj.GetObjectMeta().Generation
	switch w := obj.(type) {
	case *api.Deployment:
		return w.Status.ObservedGeneration >= gen
	case *api.ReplicaSet:
		return w.Status.ObservedGeneration >= gen
	case *api.StatefulSet:
		return w.Status.ObservedGeneration >= gen
	case *api.ReplicationController:
		return w.Status.ObservedGeneration >= gen
	}
	return true
}

// recordCause writes --record's change cause on an object after the
// change, as MakeRecordMergePatch and a second patch do.
func (k *Kubectl) recordCause(o object, cause string) error {
	if cause == "" {
		return nil
	}
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{ChangeCauseAnnotation: cause}}})
	if err != nil {
		return err
	}
	_, err = k.c.Patch(o.r, o.ns(), o.name(), patch.Merge, body)
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}
