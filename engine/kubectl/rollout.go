package kubectl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// rollout is `kubectl rollout SUBCOMMAND` (staging/src/k8s.io/kubectl/pkg/cmd/rollout).
func (k *Kubectl) rollout(ctx context.Context, io IO, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(io.Err, rolloutHelp)
		if len(args) == 0 {
			return exitError{1}
		}
		return nil
	}
	sub := map[string]func(*Kubectl, context.Context, IO, []string) error{
		"status": (*Kubectl).rolloutStatus, "history": (*Kubectl).rolloutHistory, "undo": (*Kubectl).rolloutUndo,
		"pause": (*Kubectl).rolloutPause, "resume": (*Kubectl).rolloutResume, "restart": (*Kubectl).rolloutRestart,
	}
	run, ok := sub[args[0]]
	if !ok {
		return helpError("rollout", "unknown command %q", args[0])
	}
	return run(k, ctx, io, args[1:])
}

const rolloutHelp = `Manage the rollout of one or many resources.
        
 Valid resource types include:

  *  deployments
  *  daemonsets
  *  statefulsets

Examples:
  # Rollback to the previous deployment
  kubectl rollout undo deployment/abc
  
  # Check the rollout status of a daemonset
  kubectl rollout status daemonset/foo
  
  # Restart a deployment
  kubectl rollout restart deployment/abc
  
  # Restart deployments with the 'app=nginx' label
  kubectl rollout restart deployment --selector=app=nginx

Available Commands:
  history       View rollout history
  pause         Mark the provided resource as paused
  restart       Restart a resource
  resume        Resume a paused resource
  status        Show the status of the rollout
  undo          Undo a previous rollout

Usage:
  kubectl rollout SUBCOMMAND [options]

Use "kubectl rollout <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
`

// rolloutFlags are the flags the rollout subcommands share.
type rolloutFlags struct {
	fs       *flagSet
	ns       *string
	files    *[]string
	selector *string
	output   *string
}

func (k *Kubectl) newRolloutFlags(sub string) rolloutFlags {
	fs := newFlagSet("rollout " + sub)
	f := rolloutFlags{fs: fs, ns: k.commonFlags(fs), files: fs.Slice("filename", "f"), selector: fs.String("selector", "l", "")}
	fs.Bool("recursive", "R", false)
	fs.String("kustomize", "k", "")
	return f
}

// rolloutObjects resolves the subcommand's resources; a type alone
// means all its objects.
func (k *Kubectl) rolloutObjects(io IO, f rolloutFlags, pos []string) ([]object, error) {
	if len(pos) == 0 && len(*f.files) == 0 {
		return nil, errRequiredResource
	}
	return k.resolve(io, pos, *f.files, k.ns(f.ns), *f.selector, true)
}

// objectPatcher changes an object for pause, resume or restart; it
// returns false when there is nothing to change.
type objectPatcher func(obj api.Object) (bool, error)

// patchObjects runs pause, resume or restart over the resources, as their
// Run: every object's failure is collected and the others go on.
func (k *Kubectl) patchObjects(io IO, sub string, args []string, change objectPatcher, done, unchanged string) error {
	f := k.newRolloutFlags(sub)
	f.output = f.fs.String("output", "o", "")
	f.fs.String("field-manager", "", "kubectl-rollout")
	pos, _, err := f.fs.Parse(args)
	if err != nil {
		return err
	}
	if err := checkOutput(*f.output); err != nil {
		return err
	}
	objs, err := k.rolloutObjects(io, f, pos)
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		noResources(io, k.ns(f.ns))
		return nil
	}
	var errs aggregate
	for _, o := range objs {
		if err := k.patchObject(io, o, change, done, unchanged, *f.output); err != nil {
			errs = append(errs, err)
		}
	}
	return checkErr(io, errs.reduce())
}

func (k *Kubectl) patchObject(io IO, o object, change objectPatcher, done, unchanged string, output string) error {
	upd := api.Clone(o.obj)
	changed, err := change(upd)
	if err != nil {
		return fmt.Errorf("error: %s %q %v", o.r.GroupResource(), o.name(), err)
	}
	if !changed {
		if unchanged == "" {
			return fmt.Errorf("failed to create patch for %v: if restart has already been triggered within the past second, please wait before attempting to trigger another", o.name())
		}
		return k.printed(io, o.r, o.obj, unchanged, dryRunNone, output)
	}
	upd.GetObjectMeta().ResourceVersion = "" // a patch, as kubectl sends, has no precondition
	out, err := k.c.Update(o.r, upd)
	if err != nil {
		return fmt.Errorf("failed to patch: %v", err)
	}
	return k.printed(io, o.r, out, done, dryRunNone, output)
}

func (k *Kubectl) rolloutPause(ctx context.Context, io IO, args []string) error {
	return k.patchObjects(io, "pause", args, func(obj api.Object) (bool, error) {
		d, ok := obj.(*api.Deployment)
		if !ok {
			return false, errors.New("pausing is not supported")
		}
		if d.Spec.Paused {
			return false, errors.New("is already paused")
		}
		d.Spec.Paused = true
		return true, nil
	}, "paused", "already paused")
}

func (k *Kubectl) rolloutResume(ctx context.Context, io IO, args []string) error {
	return k.patchObjects(io, "resume", args, func(obj api.Object) (bool, error) {
		d, ok := obj.(*api.Deployment)
		if !ok {
			return false, errors.New("resuming is not supported")
		}
		if !d.Spec.Paused {
			return false, errors.New("is not paused")
		}
		d.Spec.Paused = false
		return true, nil
	}, "resumed", "already resumed")
}

// RestartedAtAnnotation is the template annotation rollout restart sets.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// rolloutRestart stamps the pod template with the time, from the
// cluster's clock, so that the controller rolls every pod.
func (k *Kubectl) rolloutRestart(ctx context.Context, io IO, args []string) error {
	now := k.c.Now().UTC().Format(time.RFC3339)
	return k.patchObjects(io, "restart", args, func(obj api.Object) (bool, error) {
		var t *api.PodTemplateSpec
		switch o := obj.(type) {
		case *api.Deployment:
			if o.Spec.Paused {
				return false, errors.New("can't restart paused deployment (run rollout resume first)")
			}
			t = &o.Spec.Template
		case *api.DaemonSet:
			t = &o.Spec.Template
		case *api.StatefulSet:
			t = &o.Spec.Template
		default:
			return false, errors.New("restarting is not supported")
		}
		if t.Annotations[RestartedAtAnnotation] == now {
			return false, nil
		}
		if t.Annotations == nil {
			t.Annotations = map[string]string{}
		}
		t.Annotations[RestartedAtAnnotation] = now
		return true, nil
	}, "restarted", "")
}
