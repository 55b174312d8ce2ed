package kubectl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
)

// runPod is `kubectl run NAME --image=IMAGE [-- ARGS]`.
func (k *Kubectl) runPod(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("run")
	nsFlag := k.commonFlags(fs)
	image := fs.String("image", "", "")
	restart := fs.String("restart", "", "Always")
	env := fs.Array("env", "")
	port := fs.String("port", "", "")
	labels := fs.String("labels", "l", "")
	command := fs.Bool("command", "", false)
	dryRun := fs.String("dry-run", "", "none")
	output := fs.String("output", "o", "")
	pullPolicy := fs.String("image-pull-policy", "", "")
	interactive := fs.Bool("stdin", "i", false)
	tty := fs.Bool("tty", "t", false)
	rm := fs.Bool("rm", "", false)
	attach := fs.Bool("attach", "", false)
	quiet := fs.Bool("quiet", "q", false)
	podTimeout := fs.Duration("pod-running-timeout", time.Minute)
	extra := runFlags(fs)
	fs.lookup("dry-run").noOptValue = "unchanged"
	pos, rest, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return &usageError{cmd: "run", msg: "NAME is required for run"}
	}
	if *image == "" {
		return errors.New(`required flag(s) "image" not set`)
	}
	attaching := *interactive || *tty || *attach
	switch {
	case *tty && !*interactive:
		return errors.New("-i/--stdin is required for containers with -t/--tty=true")
	case *rm && !attaching:
		return errors.New("--rm should only be used for attached containers")
	case attaching && *dryRun != "none":
		return errors.New("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)")
	}
	switch *restart {
	case api.RestartAlways, api.RestartOnFailure, api.RestartNever:
	default:
		return fmt.Errorf("invalid restart policy: %s", *restart)
	}
	name := pos[0]
	args = append(pos[1:], rest...)
	pod, err := podForRun(name, *image, *restart, *labels, *port, *pullPolicy, *env, args, *command)
	if err != nil {
		return err
	}
	pod.Namespace = k.ns(nsFlag)
	if attaching {
		return k.runAttach(ctx, io, pod, runAttachOptions{stdin: *interactive, tty: *tty, rm: *rm, quiet: *quiet}, *podTimeout)
	}
	extra.dryRun, extra.output, extra.port, extra.labels = *dryRun, *output, *port, *labels
	return k.createRun(io, fs, pod, extra)
}

func podForRun(name, image, restart, labels, port, pullPolicy string, env, args []string, command bool) (*api.Pod, error) {
	c := api.Container{Name: name, Image: image, ImagePullPolicy: pullPolicy}
	if command {
		c.Command = args
	} else {
		c.Args = args
	}
	for _, e := range env {
		k, v, ok := strings.Cut(e, "=")
		if !ok {
			return nil, fmt.Errorf("invalid env: %s", e)
		}
		c.Env = append(c.Env, api.EnvVar{Name: k, Value: v})
	}
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("invalid port %q", port)
		}
		c.Ports = []api.ContainerPort{{ContainerPort: int32(p)}}
	}
	l := map[string]string{"run": name}
	if labels != "" {
		l = map[string]string{}
		for _, kv := range strings.Split(labels, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("invalid label spec: %s", kv)
			}
			l[k] = v
		}
	}
	return &api.Pod{
		TypeMeta:   api.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: l},
		Spec:       api.PodSpec{Containers: []api.Container{c}, RestartPolicy: restart, DNSPolicy: "ClusterFirst"},
	}, nil
}

func (k *Kubectl) printObject(io IO, obj api.Object, output string) error {
	switch output {
	case "yaml", "json":
		out, err := render(k.shown(obj), output)
		if err != nil {
			return err
		}
		_, err = io.Out.Write(out)
		return err
	case "name":
		fmt.Fprintln(io.Out, kindName(api.ResourceFor(obj), obj.GetObjectMeta().Name))
		return nil
	}
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,yaml", output)
}
