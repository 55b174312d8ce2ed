package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/patch"
)

// debug is kubectl debug: an ephemeral container added to a running pod,
// a copy of a pod with a debug container (--copy-to), or a pod in a
// node's host namespaces with its root file system at /host
// (node/NAME); with -i it attaches as kubectl attach does. Its flags,
// checks, profiles and words are kubectl 1.37's (pkg/cmd/debug).
func (k *Kubectl) debug(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet("debug")
	nsFlag := k.commonFlags(fs)
	o := debugOptions{
		image:          fs.String("image", "", ""),
		container:      fs.String("container", "c", ""),
		interactive:    fs.Bool("stdin", "i", false),
		tty:            fs.Bool("tty", "t", false),
		attach:         fs.Bool("attach", "", false),
		quiet:          fs.Bool("quiet", "q", false),
		target:         fs.String("target", "", ""),
		profile:        fs.String("profile", "", profileGeneral),
		pullPolicy:     fs.String("image-pull-policy", "", ""),
		argsOnly:       fs.Bool("arguments-only", "", false),
		copyTo:         fs.String("copy-to", "", ""),
		replace:        fs.Bool("replace", "", false),
		sameNode:       fs.Bool("same-node", "", false),
		shareProcesses: fs.Bool("share-processes", "", true),
		keep: keepFlags{
			labels:         fs.Bool("keep-labels", "", false),
			annotations:    fs.Bool("keep-annotations", "", false),
			liveness:       fs.Bool("keep-liveness", "", false),
			readiness:      fs.Bool("keep-readiness", "", false),
			startup:        fs.Bool("keep-startup", "", false),
			initContainers: fs.Bool("keep-init-containers", "", true),
		},
	}
	env := fs.Array("env", "")
	setImages := fs.Array("set-image", "")
	custom := fs.String("custom", "", "")
	files := fs.Array("filename", "f")
	pos, rest, err := fs.Parse(args)
	if err != nil {
		return err
	}
	o.args = rest
	if !fs.Changed("attach") && *o.interactive {
		*o.attach = true
	}
	o.shareProcessesChanged = fs.Changed("share-processes")
	if o.env, err = stringToString("env", *env); err != nil {
		return err
	}
	setImage, err := stringToString("set-image", *setImages)
	if err != nil {
		return err
	}
	o.setImages = map[string]string{}
	for _, kv := range setImage {
		o.setImages[kv.Name] = kv.Value
	}
	if !slices.Contains(debugProfiles, *o.profile) {
		return fmt.Errorf("unknown profile: %s", *o.profile)
	}
	if *custom != "" {
		return errors.New(`--custom is not simulated in this playground: the debug profiles are, without a partial container spec over them`)
	}

	// The checks of kubectl's Validate, in its order.
	switch {
	case *o.attach && fs.Changed("attach") && *o.image == "" && *o.container == "":
		return errors.New("you must specify --container or create a new container using --image in order to attach.")
	case *o.copyTo != "" && *o.image == "" && len(o.setImages) == 0 && len(o.args) == 0:
		return errors.New("you must specify --image, --set-image or command arguments.")
	case *o.copyTo != "" && len(o.args) > 0 && *o.container == "" && *o.image == "":
		return errors.New("you must specify an existing container or a new image when specifying args.")
	case *o.copyTo == "" && *o.replace:
		return errors.New("--replace may only be used with --copy-to.")
	case *o.copyTo == "" && *o.sameNode:
		return errors.New("--same-node may only be used with --copy-to.")
	case *o.copyTo == "" && len(o.setImages) > 0:
		return errors.New("--set-image may only be used with --copy-to.")
	case *o.copyTo == "" && *o.image == "":
		return errors.New("you must specify --image when not using --copy-to.")
	case len(pos) == 0 && len(*files) == 0:
		return errors.New("NAME or filename is required for debug")
	}
	switch *o.pullPolicy {
	case "", "Always", "IfNotPresent", "Never":
	default:
		return fmt.Errorf("invalid image pull policy: %s", *o.pullPolicy)
	}
	if *o.target != "" {
		if *o.copyTo != "" {
			return errors.New("--target is incompatible with --copy-to. Use --share-processes instead.")
		}
		if !*o.quiet {
			fmt.Fprintf(io.Out, "Targeting container %q. If you don't see processes from this container it may be because the container runtime doesn't support this feature.\n", *o.target)
		}
	}
	if *o.tty && !*o.interactive {
		return errors.New("-i/--stdin is required for containers with -t/--tty=true")
	}
	if *o.profile == profileLegacy {
		fmt.Fprintln(io.Err, `--profile=legacy is deprecated and planned to be removed in v1.39. It is recommended to specify other profile, for example "--profile=general".`)
	}

	// Pods by default; TYPE/NAME for nodes.
	names := make([]string, len(pos))
	for i, p := range pos {
		if strings.Contains(p, "/") {
			names[i] = p
		} else {
			names[i] = "pod/" + p
		}
	}
	targets, err := k.resolve(io, names, *files, k.ns(nsFlag), "", false)
	if err != nil {
		return err
	}
	for _, t := range targets {
		var pod *api.Pod
		var container string
		switch obj := t.obj.(type) {
		case *api.Node:
			pod, container, err = k.debugNode(io, o, k.ns(nsFlag), obj)
		case *api.Pod:
			if *o.copyTo != "" {
				pod, container, err = k.debugCopy(io, o, obj)
			} else {
				pod, container, err = k.debugEphemeral(io, o, obj)
			}
		default:
			err = fmt.Errorf("%q not supported by debug", t.r.APIVersion()+", Kind="+t.r.Kind)
		}
		if err != nil {
			return err
		}
		if *o.attach && container != "" {
			if err := k.debugAttach(ctx, io, o, pod, container); err != nil {
				return err
			}
		}
	}
	return nil
}

// debugOptions are kubectl debug's flags.
type debugOptions struct {
	image, container, target, profile, pullPolicy, copyTo *string
	interactive, tty, attach, quiet, argsOnly             *bool
	replace, sameNode, shareProcesses                     *bool
	shareProcessesChanged                                 bool
	keep                                                  keepFlags
	env                                                   []api.EnvVar
	setImages                                             map[string]string
	args                                                  []string
}

// keepFlags are the --keep-* flags of a pod copy.
type keepFlags struct {
	labels, annotations, liveness, readiness, startup, initContainers *bool
}

// The debug profiles, kubectl's.
const (
	profileLegacy     = "legacy"
	profileGeneral    = "general"
	profileBaseline   = "baseline"
	profileRestricted = "restricted"
	profileNetadmin   = "netadmin"
	profileSysadmin   = "sysadmin"
)

var debugProfiles = []string{profileLegacy, profileGeneral, profileBaseline, profileRestricted, profileNetadmin, profileSysadmin}

// The ways of debugging a profile tells apart.
type debugStyle int

const (
	styleEphemeral debugStyle = iota
	styleCopy
	styleNode
)

// stringToString reads a StringToString flag: key=value pairs, comma
// separated, over any number of uses.
func stringToString(flag string, values []string) ([]api.EnvVar, error) {
	var out []api.EnvVar
	for _, v := range values {
		for _, kv := range strings.Split(v, ",") {
			key, value, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("invalid argument %q for \"--%s\" flag: %s must be formatted as key=value", v, flag, kv)
			}
			out = append(out, api.EnvVar{Name: key, Value: value})
		}
	}
	return out, nil
}

// debugName is the debug container's name: -c, or debugger-XXXXX, said
// unless --quiet.
func (k *Kubectl) debugName(io IO, o debugOptions, pod *api.Pod) string {
	if *o.container != "" {
		return *o.container
	}
	taken := map[string]bool{}
	for _, c := range pod.Spec.Containers {
		taken[c.Name] = true
	}
	for _, c := range pod.Spec.InitContainers {
		taken[c.Name] = true
	}
	for _, c := range pod.Spec.EphemeralContainers {
		taken[c.Name] = true
	}
	name := ""
	for name == "" || taken[name] {
		name = "debugger-" + k.c.RandomSuffix(5)
	}
	if !*o.quiet {
		fmt.Fprintf(io.Out, "Defaulting debug container name to %s.\n", name)
	}
	return name
}

// command sets a container's command, or its arguments with
// --arguments-only, from what follows "--".
func (o debugOptions) command() (command, args []string) {
	if *o.argsOnly {
		return nil, o.args
	}
	return o.args, nil
}

// debugEphemeral adds an ephemeral container to the pod through its
// ephemeralcontainers subresource, as a strategic merge patch.
func (k *Kubectl) debugEphemeral(io IO, o debugOptions, pod *api.Pod) (*api.Pod, string, error) {
	name := k.debugName(io, o, pod)
	ec := api.EphemeralContainer{
		EphemeralContainerCommon: api.EphemeralContainerCommon{
			Name: name, Env: o.env, Image: *o.image, ImagePullPolicy: *o.pullPolicy,
			Stdin: *o.interactive, TerminationMessagePolicy: "File", TTY: *o.tty,
		},
		TargetContainerName: *o.target,
	}
	ec.Command, ec.Args = o.command()
	copied := api.Clone(pod)
	copied.Spec.EphemeralContainers = append(copied.Spec.EphemeralContainers, ec)
	applyProfile(*o.profile, o.keep, copied, name, styleEphemeral)
	// kubectl's two-way patch from the pod to the copy. The profile
	// changed the first container of the name, which is not the new one
	// when the pod has one of that name already: that change goes too,
	// and the API server refuses it, or drops it for a regular container.
	spec := map[string]any{}
	for _, l := range []struct {
		field     string
		orig, mod any
	}{
		{"initContainers", pod.Spec.InitContainers, copied.Spec.InitContainers},
		{"containers", pod.Spec.Containers, copied.Spec.Containers},
		{"ephemeralContainers", pod.Spec.EphemeralContainers, copied.Spec.EphemeralContainers},
	} {
		list, order, err := namedListPatch(l.orig, l.mod)
		if err != nil {
			return nil, "", err
		}
		if len(list) > 0 {
			spec[l.field], spec["$setElementOrder/"+l.field] = list, order
		}
	}
	data, err := json.Marshal(map[string]any{"spec": spec})
	if err != nil {
		return nil, "", err
	}
	out, err := k.c.PatchEphemeralContainers(pod.Namespace, pod.Name, patch.Strategic, data)
	if err != nil {
		return nil, "", err
	}
	return out, name, nil
}

// debugCopy creates a copy of the pod with a debug container added, or
// one of its containers changed.
func (k *Kubectl) debugCopy(io IO, o debugOptions, pod *api.Pod) (*api.Pod, string, error) {
	copied := &api.Pod{ObjectMeta: api.ObjectMeta{Name: *o.copyTo, Namespace: pod.Namespace,
		Annotations: pod.Annotations, Labels: pod.Labels}}
	copied.Spec = *api.Clone(pod).Spec.DeepCopy()
	copied.Spec.EphemeralContainers = nil
	if o.shareProcessesChanged {
		copied.Spec.ShareProcessNamespace = api.Ptr(*o.shareProcesses)
	}
	if !*o.sameNode {
		copied.Spec.NodeName = ""
	}
	for i, c := range copied.Spec.Containers {
		override := o.setImages["*"]
		if img, ok := o.setImages[c.Name]; ok {
			override = img
		}
		if override != "" {
			copied.Spec.Containers[i].Image = override
		}
	}
	name := *o.container
	i := slices.IndexFunc(copied.Spec.Containers, func(c api.Container) bool { return c.Name == name })
	if i < 0 {
		if *o.image == "" {
			if len(o.setImages) > 0 {
				return k.createCopy(o, pod, copied, "")
			}
			return nil, "", errors.New("you must specify image when creating new container")
		}
		if name == "" {
			name = k.debugName(io, o, copied)
		}
		copied.Spec.Containers = append(copied.Spec.Containers, api.Container{Name: name, TerminationMessagePolicy: "File"})
		i = len(copied.Spec.Containers) - 1
	}
	c := &copied.Spec.Containers[i]
	if len(o.args) > 0 {
		if *o.argsOnly {
			c.Args = o.args
		} else {
			c.Command, c.Args = o.args, nil
		}
	}
	if len(o.env) > 0 {
		c.Env = o.env
	}
	if *o.image != "" {
		c.Image = *o.image
	}
	if *o.pullPolicy != "" {
		c.ImagePullPolicy = *o.pullPolicy
	}
	c.Stdin, c.TTY = *o.interactive, *o.tty
	applyProfile(*o.profile, o.keep, copied, c.Name, styleCopy)
	return k.createCopy(o, pod, copied, name)
}

// createCopy creates the copy and, with --replace, deletes the original.
func (k *Kubectl) createCopy(o debugOptions, pod, copied *api.Pod, container string) (*api.Pod, string, error) {
	created, err := client.Create(k.c, copied)
	if err != nil {
		return nil, "", err
	}
	if *o.replace {
		if _, err := k.c.Delete(api.ResourceFor(pod), pod.Namespace, pod.Name, apiserver.DeleteOptions{GracePeriodSeconds: api.Ptr(int64(0))}); err != nil {
			return nil, "", err
		}
	}
	return created, container, nil
}

// debugNode creates a pod on the node in its host namespaces, the node's
// root file system mounted at /host (by the profile).
func (k *Kubectl) debugNode(io IO, o debugOptions, ns string, node *api.Node) (*api.Pod, string, error) {
	container := "debugger"
	if *o.container != "" {
		container = *o.container
	}
	name := fmt.Sprintf("node-debugger-%s-%s", node.Name, k.c.RandomSuffix(5))
	if !*o.quiet {
		fmt.Fprintf(io.Out, "Creating debugging pod %s with container %s on node %s.\n", name, container, node.Name)
	}
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns,
		Labels: map[string]string{"app.kubernetes.io/managed-by": "kubectl-debug"}}}
	c := api.Container{Name: container, Env: o.env, Image: *o.image, ImagePullPolicy: *o.pullPolicy,
		Stdin: *o.interactive, TerminationMessagePolicy: "File", TTY: *o.tty}
	c.Command, c.Args = o.command()
	pod.Spec.Containers = []api.Container{c}
	pod.Spec.NodeName = node.Name
	pod.Spec.RestartPolicy = api.RestartNever
	pod.Spec.Tolerations = []api.Toleration{{Operator: "Exists"}}
	applyProfile(*o.profile, o.keep, pod, container, styleNode)
	created, err := client.Create(k.c, pod)
	if err != nil {
		return nil, "", err
	}
	return created, container, nil
}

// applyProfile makes the changes of a debug profile (kubectl's
// profiles.go) to the pod and its debug container.
func applyProfile(profile string, keep keepFlags, pod *api.Pod, container string, style debugStyle) {
	sc := containerSecurity(pod, container)
	copyChanges := func(shareProcesses bool) {
		if !*keep.labels {
			pod.Labels = nil
		}
		if !*keep.annotations {
			pod.Annotations = nil
		}
		for i := range pod.Spec.Containers {
			c := &pod.Spec.Containers[i]
			if !*keep.liveness {
				c.LivenessProbe = nil
			}
			if !*keep.readiness {
				c.ReadinessProbe = nil
			}
			if !*keep.startup {
				c.StartupProbe = nil
			}
		}
		if !*keep.initContainers {
			pod.Spec.InitContainers = nil
		}
		if shareProcesses && pod.Spec.ShareProcessNamespace == nil {
			pod.Spec.ShareProcessNamespace = api.Ptr(true)
		}
	}
	hostNamespaces := func() {
		pod.Spec.HostNetwork, pod.Spec.HostPID, pod.Spec.HostIPC = true, true, true
	}
	switch profile {
	case profileLegacy:
		switch style {
		case styleNode:
			mountHostRoot(pod, container)
			hostNamespaces()
		case styleCopy:
			pod.Labels = nil
		}
	case profileGeneral:
		switch style {
		case styleNode:
			mountHostRoot(pod, container)
			*sc = nil
			hostNamespaces()
		case styleCopy:
			copyChanges(true)
			addCapabilities(sc, "SYS_PTRACE")
		case styleEphemeral:
			addCapabilities(sc, "SYS_PTRACE")
		}
	case profileBaseline:
		*sc = nil
		if style == styleCopy {
			copyChanges(true)
		}
	case profileRestricted:
		*sc = &api.SecurityContext{RunAsNonRoot: api.Ptr(true), AllowPrivilegeEscalation: api.Ptr(false),
			Capabilities:   &api.Capabilities{Drop: []string{"ALL"}},
			SeccompProfile: &api.SeccompProfile{Type: "RuntimeDefault"}}
		if style == styleCopy {
			copyChanges(true)
		}
	case profileNetadmin:
		addCapabilities(sc, "NET_ADMIN", "NET_RAW")
		switch style {
		case styleNode:
			hostNamespaces()
		case styleCopy:
			copyChanges(true)
		}
	case profileSysadmin:
		if *sc == nil {
			*sc = &api.SecurityContext{}
		}
		(*sc).Privileged = api.Ptr(true)
		switch style {
		case styleNode:
			hostNamespaces()
			mountHostRoot(pod, container)
		case styleCopy:
			copyChanges(true)
		}
	}
}

// containerSecurity is where the named container (init, regular or
// ephemeral) keeps its security context.
func containerSecurity(pod *api.Pod, name string) **api.SecurityContext {
	// The first of the name, in podutils.VisitContainers' order.
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i].SecurityContext
		}
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i].SecurityContext
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		if pod.Spec.EphemeralContainers[i].Name == name {
			return &pod.Spec.EphemeralContainers[i].SecurityContext
		}
	}
	return new(*api.SecurityContext)
}

func addCapabilities(sc **api.SecurityContext, caps ...string) {
	if *sc == nil {
		*sc = &api.SecurityContext{}
	}
	if (*sc).Capabilities == nil {
		(*sc).Capabilities = &api.Capabilities{}
	}
	(*sc).Capabilities.Add = append((*sc).Capabilities.Add, caps...)
}

// mountHostRoot mounts the node's / at /host in the container.
func mountHostRoot(pod *api.Pod, container string) {
	pod.Spec.Volumes = append(pod.Spec.Volumes, api.Volume{Name: "host-root",
		VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/"}}})
	for i := range pod.Spec.Containers {
		if c := &pod.Spec.Containers[i]; c.Name == container {
			c.VolumeMounts = append(c.VolumeMounts, api.VolumeMount{MountPath: "/host", Name: "host-root"})
			return
		}
	}
}

// debugAttach waits for the debug container to run and attaches to it;
// one that has ended by then shows its log, as kubectl falls back to it.
func (k *Kubectl) debugAttach(ctx context.Context, io IO, o debugOptions, pod *api.Pod, container string) error {
	var status *api.ContainerStatus
	warned := ""
	running := func() bool {
		p, err := client.Get[*api.Pod](k.c, pod.Namespace, pod.Name)
		if err != nil {
			return true
		}
		pod = p
		status = containerStatus(p, container)
		if status == nil {
			return false
		}
		if status.State.Running != nil || status.State.Terminated != nil {
			return true
		}
		if w := status.State.Waiting; !*o.quiet && w != nil && w.Message != "" && w.Message != warned {
			warned = w.Message
			fmt.Fprintf(io.Err, "Warning: container %s: %s\n", container, w.Message)
		}
		return false
	}
	if !running() {
		// kubectl waits without a timeout; the playground's wait ends
		// with the command (Ctrl-C) or after a day of virtual time.
		if err := k.host.Wait(ctx, 24*time.Hour, running); err != nil {
			return err
		}
	}
	if status == nil {
		return fmt.Errorf("pods %q not found", pod.Name)
	}
	if status.State.Terminated != nil {
		// kubectl falls back to the container's log.
		return k.streamLogs(ctx, io, logRequest{pod: pod, container: container}, apiserver.LogOptions{}, true)
	}
	c, err := attachContainer(io, pod, container)
	if err != nil {
		return err
	}
	return k.attachTo(ctx, io, attachOptions{pod: pod, container: c, stdin: *o.interactive, tty: *o.tty, quiet: *o.quiet})
}

// containerStatus finds a container's status among the pod's init,
// regular and ephemeral containers'.
func containerStatus(p *api.Pod, name string) *api.ContainerStatus {
	for _, list := range [][]api.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// namedListPatch is strategicpatch.CreateTwoWayMergePatch's part for a
// list of containers, merged by name (diffListsOfMaps): both sides sorted
// by name, stably; an element on both sides that differs gives its
// changed fields and its name, one only the modified list has is sent
// whole. order is the modified list's $setElementOrder. Fields are
// compared as JSON, lists whole (the profiles change none by element).
func namedListPatch(orig, mod any) (list []any, order []any, err error) {
	var o, m []map[string]any
	for _, side := range []struct {
		v   any
		out *[]map[string]any
	}{{orig, &o}, {mod, &m}} {
		data, err := json.Marshal(side.v)
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(data, side.out); err != nil {
			return nil, nil, err
		}
	}
	if reflect.DeepEqual(o, m) {
		return nil, nil, nil
	}
	for _, e := range m {
		order = append(order, map[string]any{"name": e["name"]})
	}
	name := func(e map[string]any) string { s, _ := e["name"].(string); return s }
	byName := func(l []map[string]any) { sort.SliceStable(l, func(i, j int) bool { return name(l[i]) < name(l[j]) }) }
	byName(o)
	byName(m)
	i, j := 0, 0
	for i < len(o) || j < len(m) {
		switch {
		case i < len(o) && j < len(m) && name(o[i]) == name(m[j]):
			if d := mapDiff(o[i], m[j]); len(d) > 0 {
				d["name"] = name(m[j])
				list = append(list, d)
			}
			i, j = i+1, j+1
		case i >= len(o) || j < len(m) && name(m[j]) < name(o[i]):
			list = append(list, m[j])
			j++
		default:
			list = append(list, map[string]any{"$patch": "delete", "name": name(o[i])})
			i++
		}
	}
	return list, order, nil
}

// mapDiff is diffMaps for JSON values: what mod changes of orig, a
// removed field as null.
func mapDiff(orig, mod map[string]any) map[string]any {
	d := map[string]any{}
	for k, mv := range mod {
		ov, ok := orig[k]
		switch om, mm := asMap(ov), asMap(mv); {
		case ok && om != nil && mm != nil:
			if sub := mapDiff(om, mm); len(sub) > 0 {
				d[k] = sub
			}
		case !ok || !reflect.DeepEqual(ov, mv):
			d[k] = mv
		}
	}
	for k := range orig {
		if _, ok := mod[k]; !ok {
			d[k] = nil
		}
	}
	return d
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
