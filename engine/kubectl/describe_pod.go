package kubectl

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// mirrorPodAnnotation marks a static pod's mirror; its value is the UID
// the kubelet's events about the pod carry.
const mirrorPodAnnotation = "kubernetes.io/config.mirror"

func (d *describer) pod(p *api.Pod) string {
	var evs []*api.Event
	if d.showEvents {
		q := queryFor(p)
		q.kind = ""
		if uid, ok := p.Annotations[mirrorPodAnnotation]; ok {
			q.uid = uid
		}
		evs = d.searchEvents(q)
	}
	return tabbed(func(w *prefixWriter) {
		w.write(0, "Name:\t%s\n", p.Name)
		w.write(0, "Namespace:\t%s\n", p.Namespace)
		if p.Spec.Priority != nil {
			w.write(0, "Priority:\t%d\n", *p.Spec.Priority)
		}
		if p.Spec.PriorityClassName != "" {
			w.write(0, "Priority Class Name:\t%s\n", p.Spec.PriorityClassName)
		}
		if rc := api.Deref(p.Spec.RuntimeClassName, ""); rc != "" {
			w.write(0, "Runtime Class Name:\t%s\n", rc)
		}
		if p.Spec.ServiceAccountName != "" {
			w.write(0, "Service Account:\t%s\n", p.Spec.ServiceAccountName)
		}
		if p.Spec.NodeName == "" {
			w.write(0, "Node:\t<none>\n")
		} else {
			w.write(0, "Node:\t%s\n", p.Spec.NodeName+"/"+p.Status.HostIP)
		}
		if p.Status.StartTime != nil {
			w.write(0, "Start Time:\t%s\n", rfc1123(p.Status.StartTime.Time))
		}
		w.labels("Labels", p.Labels)
		w.annotations("Annotations", p.Annotations)
		if p.DeletionTimestamp != nil && p.Status.Phase != api.PodFailed && p.Status.Phase != api.PodSucceeded {
			w.write(0, "Status:\tTerminating (lasts %s)\n", d.since(p.DeletionTimestamp.Time))
			w.write(0, "Termination Grace Period:\t%ds\n", api.Deref(p.DeletionGracePeriodSeconds, 0))
		} else {
			w.write(0, "Status:\t%s\n", p.Status.Phase)
		}
		if p.Status.Reason != "" {
			w.write(0, "Reason:\t%s\n", p.Status.Reason)
		}
		if p.Status.Message != "" {
			w.write(0, "Message:\t%s\n", p.Status.Message)
		}
		if sc := p.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
			w.write(0, "SeccompProfile:\t%s\n", sc.SeccompProfile.Type)
			if sc.SeccompProfile.Type == "Localhost" {
				w.write(0, "LocalhostProfile:\t%s\n", api.Deref(sc.SeccompProfile.LocalhostProfile, ""))
			}
		}
		w.write(0, "IP:\t%s\n", p.Status.PodIP)
		if len(p.Status.PodIPs) == 0 {
			w.write(0, "IPs:\t<none>\n")
		} else {
			w.write(0, "IPs:\n")
			for _, ip := range p.Status.PodIPs {
				w.write(1, "IP:\t%s\n", ip.IP)
			}
		}
		if c := controlledBy(p); c != "" {
			w.write(0, "Controlled By:\t%s\n", c)
		}
		if p.Status.NominatedNodeName != "" {
			w.write(0, "NominatedNodeName:\t%s\n", p.Status.NominatedNodeName)
		}
		env := podEnvResolver(p)
		if len(p.Spec.InitContainers) > 0 {
			describeContainers(w, "Init Containers", p.Spec.InitContainers, p.Status.InitContainerStatuses, env, "")
		}
		describeContainers(w, "Containers", p.Spec.Containers, p.Status.ContainerStatuses, env, "")
		if len(p.Spec.EphemeralContainers) > 0 {
			describeContainers(w, "Ephemeral Containers", ephemeralContainers(p), p.Status.EphemeralContainerStatuses, env, "")
		}
		if len(p.Spec.ReadinessGates) > 0 {
			w.write(0, "Readiness Gates:\n  Type\tStatus\n")
			for _, g := range p.Spec.ReadinessGates {
				status := "<none>"
				for _, c := range p.Status.Conditions {
					if c.Type == g.ConditionType {
						status = c.Status
						break
					}
				}
				w.write(1, "%v \t%v \n", g.ConditionType, status)
			}
		}
		if len(p.Status.Conditions) > 0 {
			w.write(0, "Conditions:\n  Type\tStatus\n")
			for _, c := range p.Status.Conditions {
				w.write(1, "%v \t%v \n", c.Type, c.Status)
			}
		}
		describeVolumes(w, p.Spec.Volumes, "")
		w.write(0, "QoS Class:\t%s\n", podQOS(p))
		w.labels("Node-Selectors", p.Spec.NodeSelector)
		w.tolerations("Tolerations", p.Spec.Tolerations)
		describeTopologySpread(w, p.Spec.TopologySpreadConstraints, "")
		if d.showEvents {
			d.events(w, evs)
		}
	})
}

// ephemeralContainers returns a pod's ephemeral containers as containers.
func ephemeralContainers(p *api.Pod) []api.Container {
	var out []api.Container
	b, err := json.Marshal(p.Spec.EphemeralContainers)
	if err == nil {
		_ = json.Unmarshal(b, &out)
	}
	return out
}

// envResolver gives the value of an environment variable from a field of
// the pod, or "".
type envResolver func(e api.EnvVar) string

// podEnvResolver resolves fieldRef variables as kubectl does: only the
// fields its scheme can convert (metadata.name and metadata.namespace) get
// a value; the rest print empty.
func podEnvResolver(p *api.Pod) envResolver {
	return func(e api.EnvVar) string {
		switch e.ValueFrom.FieldRef.FieldPath {
		case "metadata.name":
			return p.Name
		case "metadata.namespace":
			return p.Namespace
		}
		return ""
	}
}

// describeContainers writes a list of containers with their statuses; space
// indents the list when it belongs to a pod template.
func describeContainers(w *prefixWriter, label string, cs []api.Container, statuses []api.ContainerStatus, env envResolver, space string) {
	byName := map[string]api.ContainerStatus{}
	for _, s := range statuses {
		byName[s.Name] = s
	}
	none := ""
	if len(cs) == 0 {
		none = " <none>"
	}
	w.write(0, "%s%s:%s\n", space, label, none)
	for _, c := range cs {
		status, ok := byName[c.Name]
		nameIndent := ""
		if space != "" {
			nameIndent = " "
		}
		w.write(1, "%s%v:\n", nameIndent, c.Name)
		if ok {
			w.write(2, "Container ID:\t%s\n", status.ContainerID)
		}
		w.write(2, "Image:\t%s\n", c.Image)
		if ok {
			w.write(2, "Image ID:\t%s\n", status.ImageID)
		}
		ports := containerPorts(c.Ports, func(p api.ContainerPort) int32 { return p.ContainerPort })
		if strings.Contains(ports, ",") {
			w.write(2, "Ports:\t%s\n", ports)
		} else {
			w.write(2, "Port:\t%s\n", orNone(ports))
		}
		hostPorts := containerPorts(c.Ports, func(p api.ContainerPort) int32 { return p.HostPort })
		if strings.Contains(hostPorts, ",") {
			w.write(2, "Host Ports:\t%s\n", hostPorts)
		} else {
			w.write(2, "Host Port:\t%s\n", orNone(hostPorts))
		}
		if sc := c.SecurityContext; sc != nil && sc.SeccompProfile != nil {
			w.write(2, "SeccompProfile:\t%s\n", sc.SeccompProfile.Type)
			if sc.SeccompProfile.Type == "Localhost" {
				w.write(3, "LocalhostProfile:\t%s\n", api.Deref(sc.SeccompProfile.LocalhostProfile, ""))
			}
		}
		describeCommand(w, c)
		if ok {
			describeContainerState(w, "State", status.State)
			if status.LastTerminationState.Terminated != nil {
				describeContainerState(w, "Last State", status.LastTerminationState)
			}
			w.write(2, "Ready:\t%v\n", printBool(status.Ready))
			w.write(2, "Restart Count:\t%d\n", status.RestartCount)
		}
		describeResources(w, c.Resources, 2)
		for _, pr := range []struct {
			name  string
			probe *api.Probe
		}{{"Liveness", c.LivenessProbe}, {"Readiness", c.ReadinessProbe}, {"Startup", c.StartupProbe}} {
			if pr.probe != nil {
				w.write(2, "%s:\t%s\n", pr.name, describeProbe(pr.probe))
			}
		}
		if len(c.EnvFrom) > 0 {
			describeEnvFrom(w, c)
		}
		describeEnv(w, c, env)
		describeMounts(w, c)
	}
}

func containerPorts(ports []api.ContainerPort, number func(api.ContainerPort) int32) string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		s := fmt.Sprintf("%d/%s", number(p), p.Protocol)
		if p.Name != "" {
			s += " (" + p.Name + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func describeCommand(w *prefixWriter, c api.Container) {
	for _, part := range []struct {
		title string
		words []string
	}{{"Command", c.Command}, {"Args", c.Args}} {
		if len(part.words) == 0 {
			continue
		}
		w.write(2, "%s:\n", part.title)
		for _, word := range part.words {
			for _, s := range strings.Split(word, "\n") {
				w.write(3, "%s\n", s)
			}
		}
	}
}

func describeContainerState(w *prefixWriter, name string, s api.ContainerState) {
	switch {
	case s.Running != nil:
		w.write(2, "%s:\tRunning\n", name)
		w.write(3, "Started:\t%v\n", rfc1123(s.Running.StartedAt.Time))
	case s.Waiting != nil:
		w.write(2, "%s:\tWaiting\n", name)
		if s.Waiting.Reason != "" {
			w.write(3, "Reason:\t%s\n", s.Waiting.Reason)
		}
	case s.Terminated != nil:
		t := s.Terminated
		w.write(2, "%s:\tTerminated\n", name)
		if t.Reason != "" {
			w.write(3, "Reason:\t%s\n", t.Reason)
		}
		if t.Message != "" {
			w.write(3, "Message:\t%s\n", t.Message)
		}
		w.write(3, "Exit Code:\t%d\n", t.ExitCode)
		if t.Signal > 0 {
			w.write(3, "Signal:\t%d\n", t.Signal)
		}
		w.write(3, "Started:\t%s\n", rfc1123(t.StartedAt.Time))
		w.write(3, "Finished:\t%s\n", rfc1123(t.FinishedAt.Time))
	default:
		w.write(2, "%s:\tWaiting\n", name)
	}
}

// describeResources writes limits and requests, each sorted by name.
func describeResources(w *prefixWriter, r api.ResourceRequirements, level int) {
	for _, part := range []struct {
		title string
		list  api.ResourceList
	}{{"Limits", r.Limits}, {"Requests", r.Requests}} {
		if len(part.list) == 0 {
			continue
		}
		w.write(level, "%s:\n", part.title)
		for _, name := range api.SortedKeys(part.list) {
			w.write(level+1, "%s:\t%s\n", name, part.list[name].String())
		}
	}
}

// describeProbe is kubectl's DescribeProbe: "http-get http://:8080/ delay=0s
// timeout=1s period=10s #success=1 #failure=3".
func describeProbe(p *api.Probe) string {
	attrs := fmt.Sprintf("delay=%ds timeout=%ds period=%ds #success=%d #failure=%d", p.InitialDelaySeconds, p.TimeoutSeconds, p.PeriodSeconds, p.SuccessThreshold, p.FailureThreshold)
	switch {
	case p.Exec != nil:
		return fmt.Sprintf("exec %v %s", p.Exec.Command, attrs)
	case p.HTTPGet != nil:
		u := &url.URL{Scheme: strings.ToLower(p.HTTPGet.Scheme), Path: p.HTTPGet.Path}
		if port := p.HTTPGet.Port.String(); port != "" {
			u.Host = net.JoinHostPort(p.HTTPGet.Host, port)
		} else {
			u.Host = p.HTTPGet.Host
		}
		return fmt.Sprintf("http-get %s %s", u.String(), attrs)
	case p.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket %s:%s %s", p.TCPSocket.Host, p.TCPSocket.Port.String(), attrs)
	case p.GRPC != nil:
		return fmt.Sprintf("grpc <pod>:%d %s %s", p.GRPC.Port, api.Deref(p.GRPC.Service, ""), attrs)
	}
	return fmt.Sprintf("unknown %s", attrs)
}

func describeEnvFrom(w *prefixWriter, c api.Container) {
	w.write(2, "Environment Variables from:\n")
	for _, e := range c.EnvFrom {
		from, name, optional := "", "", false
		switch {
		case e.ConfigMapRef != nil:
			from, name, optional = "ConfigMap", e.ConfigMapRef.Name, api.Deref(e.ConfigMapRef.Optional, false)
		case e.SecretRef != nil:
			from, name, optional = "Secret", e.SecretRef.Name, api.Deref(e.SecretRef.Optional, false)
		}
		if e.Prefix == "" {
			w.write(3, "%s\t%s\tOptional: %t\n", name, from, optional)
		} else {
			w.write(3, "%s\t%s with prefix '%s'\tOptional: %t\n", name, from, e.Prefix, optional)
		}
	}
}

func describeEnv(w *prefixWriter, c api.Container, resolve envResolver) {
	if len(c.Env) == 0 {
		w.write(2, "Environment:\t<none>\n")
		return
	}
	w.write(2, "Environment:\n")
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			for i, s := range strings.Split(e.Value, "\n") {
				if i == 0 {
					w.write(3, "%s:\t%s\n", e.Name, s)
				} else {
					w.write(3, "\t%s\n", s)
				}
			}
			continue
		}
		f := e.ValueFrom
		switch {
		case f.FieldRef != nil:
			v := ""
			if resolve != nil {
				v = resolve(e)
			}
			w.write(3, "%s:\t%s (%s:%s)\n", e.Name, v, f.FieldRef.APIVersion, f.FieldRef.FieldPath)
		case f.ResourceFieldRef != nil:
			v := containerResourceValue(f.ResourceFieldRef, c)
			res := f.ResourceFieldRef.Resource
			if v == "0" && (res == "limits.cpu" || res == "limits.memory") {
				v = "node allocatable"
			}
			w.write(3, "%s:\t%s (%s)\n", e.Name, v, res)
		case f.SecretKeyRef != nil:
			w.write(3, "%s:\t<set to the key '%s' in secret '%s'>\tOptional: %t\n", e.Name, f.SecretKeyRef.Key, f.SecretKeyRef.Name, api.Deref(f.SecretKeyRef.Optional, false))
		case f.ConfigMapKeyRef != nil:
			w.write(3, "%s:\t<set to the key '%s' of config map '%s'>\tOptional: %t\n", e.Name, f.ConfigMapKeyRef.Key, f.ConfigMapKeyRef.Name, api.Deref(f.ConfigMapKeyRef.Optional, false))
		}
	}
}

// containerResourceValue is the value a resourceFieldRef gives a container:
// its request or limit over the divisor, rounded up.
func containerResourceValue(f *api.ResourceFieldSelector, c api.Container) string {
	divisor := api.MustParse("1")
	if !f.Divisor.IsZero() {
		divisor = f.Divisor
	}
	kind, name, _ := strings.Cut(f.Resource, ".")
	var list api.ResourceList
	switch kind {
	case "limits":
		list = c.Resources.Limits
	case "requests":
		list = c.Resources.Requests
	default:
		return ""
	}
	q := list[name]
	switch {
	case name == "cpu":
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10)
	case name == "memory" || name == "ephemeral-storage" || strings.HasPrefix(name, "hugepages-"):
		return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10)
	}
	return ""
}

func describeMounts(w *prefixWriter, c api.Container) {
	none := ""
	if len(c.VolumeMounts) == 0 {
		none = "\t<none>"
	}
	w.write(2, "Mounts:%s\n", none)
	mounts := append([]api.VolumeMount(nil), c.VolumeMounts...)
	sort.Sort(byMountPath(mounts))
	for _, m := range mounts {
		flags := []string{"rw"}
		if m.ReadOnly {
			flags[0] = "ro"
		}
		if m.SubPath != "" {
			flags = append(flags, fmt.Sprintf("path=%q", m.SubPath))
		}
		w.write(3, "%s from %s (%s)\n", m.MountPath, m.Name, strings.Join(flags, ","))
	}
	if len(c.VolumeDevices) > 0 {
		w.write(2, "Devices:%s\n", none)
		devices := append([]api.VolumeDevice(nil), c.VolumeDevices...)
		sort.Sort(byDevicePath(devices))
		for _, dev := range devices {
			w.write(3, "%s from %s\n", dev.DevicePath, dev.Name)
		}
	}
}

type byMountPath []api.VolumeMount

func (l byMountPath) Len() int           { return len(l) }
func (l byMountPath) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }
func (l byMountPath) Less(i, j int) bool { return l[i].MountPath < l[j].MountPath }

type byDevicePath []api.VolumeDevice

func (l byDevicePath) Len() int           { return len(l) }
func (l byDevicePath) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }
func (l byDevicePath) Less(i, j int) bool { return l[i].DevicePath < l[j].DevicePath }

// describeVolumes writes a pod's volumes, each with its source.
func describeVolumes(w *prefixWriter, vols []api.Volume, space string) {
	if len(vols) == 0 {
		w.write(0, "%sVolumes:\t<none>\n", space)
		return
	}
	w.write(0, "%sVolumes:\n", space)
	for _, v := range vols {
		nameIndent := ""
		if space != "" {
			nameIndent = " "
		}
		w.write(1, "%s%v:\n", nameIndent, v.Name)
		describeVolumeSource(w, v)
	}
}

func describeVolumeSource(w *prefixWriter, v api.Volume) {
	switch {
	case v.HostPath != nil:
		typ := "<none>"
		if v.HostPath.Type != nil {
			typ = *v.HostPath.Type
		}
		w.write(2, "Type:\tHostPath (bare host directory volume)\n    Path:\t%v\n    HostPathType:\t%v\n", v.HostPath.Path, typ)
	case v.EmptyDir != nil:
		limit := "<unset>"
		if l := v.EmptyDir.SizeLimit; l != nil && l.Sign() > 0 {
			limit = l.String()
		}
		w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t%v\n    SizeLimit:\t%v\n", v.EmptyDir.Medium, limit)
	case v.Secret != nil:
		w.write(2, "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t%v\n    Optional:\t%v\n", v.Secret.SecretName, api.Deref(v.Secret.Optional, false))
	case v.ConfigMap != nil:
		w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t%v\n    Optional:\t%v\n", v.ConfigMap.Name, api.Deref(v.ConfigMap.Optional, false))
	case v.PersistentVolumeClaim != nil:
		w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t%v\n    ReadOnly:\t%v\n", v.PersistentVolumeClaim.ClaimName, v.PersistentVolumeClaim.ReadOnly)
	case v.Ephemeral != nil:
		w.write(2, "Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)\n")
		if t := v.Ephemeral.VolumeClaimTemplate; t != nil {
			describeClaimTemplate(w.nested(2), t)
		}
	case v.DownwardAPI != nil:
		w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n")
		for _, it := range v.DownwardAPI.Items {
			if it.FieldRef != nil {
				w.write(3, "%v -> %v\n", it.FieldRef.FieldPath, it.Path)
			}
			if it.ResourceFieldRef != nil {
				w.write(3, "%v -> %v\n", it.ResourceFieldRef.Resource, it.Path)
			}
		}
	case v.Projected != nil:
		w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
		for _, s := range v.Projected.Sources {
			switch {
			case s.Secret != nil:
				w.write(2, "SecretName:\t%v\n    Optional:\t%v\n", s.Secret.Name, api.Deref(s.Secret.Optional, false))
			case s.DownwardAPI != nil:
				w.write(2, "DownwardAPI:\ttrue\n")
			case s.ConfigMap != nil:
				w.write(2, "ConfigMapName:\t%v\n    Optional:\t%v\n", s.ConfigMap.Name, api.Deref(s.ConfigMap.Optional, false))
			case s.ServiceAccountToken != nil:
				w.write(2, "TokenExpirationSeconds:\t%d\n", api.Deref(s.ServiceAccountToken.ExpirationSeconds, 3600))
			}
		}
	case v.Image != nil:
		w.write(2, "Type:\tImage (a container image or OCI artifact)\n    Reference:\t%v\n    PullPolicy:\t%v\n", v.Image.Reference, v.Image.PullPolicy)
	default:
		describeOtherVolume(w, v)
	}
}

// describeOtherVolume writes the volume sources the playground does not
// model as Go fields, from the volume's JSON.
func describeOtherVolume(w *prefixWriter, v api.Volume) {
	var m map[string]any
	if b, err := json.Marshal(v); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	str := func(src map[string]any, key string) any {
		if x, ok := src[key]; ok {
			return x
		}
		return ""
	}
	flag := func(src map[string]any, key string) bool { b, _ := src[key].(bool); return b }
	switch {
	case m["nfs"] != nil:
		s, _ := m["nfs"].(map[string]any)
		w.write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t%v\n    Path:\t%v\n    ReadOnly:\t%v\n", str(s, "server"), str(s, "path"), flag(s, "readOnly"))
	case m["csi"] != nil:
		s, _ := m["csi"].(map[string]any)
		w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t%v\n    FSType:\t%v\n    ReadOnly:\t%v\n", str(s, "driver"), str(s, "fsType"), flag(s, "readOnly"))
		attrs := map[string]string{}
		if a, ok := s["volumeAttributes"].(map[string]any); ok {
			for k, v := range a {
				attrs[k] = fmt.Sprint(v)
			}
		}
		w.write(2, "%s:%s", "VolumeAttributes", "\t")
		if len(attrs) == 0 {
			w.line("<none>")
			break
		}
		for i, k := range api.SortedKeys(attrs) {
			if i != 0 {
				w.write(2, "")
				w.write(2, "\t")
			}
			line := k + "=" + attrs[k]
			if len(line) > maxAnnotationLen {
				w.write(2, "%s...\n", line[:maxAnnotationLen])
			} else {
				w.write(2, "%s\n", line)
			}
		}
	case m["gitRepo"] != nil:
		s, _ := m["gitRepo"].(map[string]any)
		w.write(2, "Type:\tGitRepo (a volume that is pulled from git when the pod is created)\n    Repository:\t%v\n    Revision:\t%v\n", str(s, "repository"), str(s, "revision"))
	default:
		w.write(1, "<unknown>\n")
	}
}

// describeClaimTemplate writes an ephemeral volume's claim template as
// kubectl's printPersistentVolumeClaim does for a template.
func describeClaimTemplate(w *prefixWriter, t *api.PersistentVolumeClaimTemplate) {
	class := api.Deref(t.Spec.StorageClassName, "")
	if a, ok := t.Annotations["volume.beta.kubernetes.io/storage-class"]; ok {
		class = a
	}
	w.write(0, "StorageClass:\t%s\n", class)
	w.write(0, "Volume:\t%s\n", t.Spec.VolumeName)
	w.labels("Labels", t.Labels)
	w.annotations("Annotations", t.Annotations)
	w.write(0, "Capacity:\t%s\n", "")
	w.write(0, "Access Modes:\t%s\n", "")
	if t.Spec.VolumeMode != nil {
		w.write(0, "VolumeMode:\t%v\n", *t.Spec.VolumeMode)
	}
}

// describeTopologySpread writes a pod's topology spread constraints.
func describeTopologySpread(w *prefixWriter, tscs []api.TopologySpreadConstraint, space string) {
	if len(tscs) == 0 {
		return
	}
	tscs = append([]api.TopologySpreadConstraint(nil), tscs...)
	sort.Slice(tscs, func(i, j int) bool { return tscs[i].TopologyKey < tscs[j].TopologyKey })
	w.write(0, "%sTopology Spread Constraints:\t", space)
	for i, c := range tscs {
		if i != 0 {
			w.write(0, "%s", space)
			w.write(0, "%s", "\t")
		}
		w.write(0, "%s:", c.TopologyKey)
		w.write(0, "%v", c.WhenUnsatisfiable)
		w.write(0, " when max skew %d is exceeded", c.MaxSkew)
		if c.LabelSelector != nil {
			w.write(0, " for selector %s", formatLabelSelector(c.LabelSelector))
		}
		w.write(0, "\n")
	}
}

// describePodTemplate writes the Pod Template section of a workload.
func describePodTemplate(w *prefixWriter, t *api.PodTemplateSpec) {
	w.write(0, "Pod Template:\n")
	w.labels("  Labels", t.Labels)
	if len(t.Annotations) > 0 {
		w.annotations("  Annotations", t.Annotations)
	}
	if t.Spec.ServiceAccountName != "" {
		w.write(1, "Service Account:\t%s\n", t.Spec.ServiceAccountName)
	}
	if len(t.Spec.InitContainers) > 0 {
		describeContainers(w, "Init Containers", t.Spec.InitContainers, nil, nil, "  ")
	}
	describeContainers(w, "Containers", t.Spec.Containers, nil, nil, "  ")
	describeVolumes(w, t.Spec.Volumes, "  ")
	describeTopologySpread(w, t.Spec.TopologySpreadConstraints, "  ")
	if t.Spec.PriorityClassName != "" {
		w.write(1, "Priority Class Name:\t%s\n", t.Spec.PriorityClassName)
	}
	w.labels("  Node-Selectors", t.Spec.NodeSelector)
	w.tolerations("  Tolerations", t.Spec.Tolerations)
}

// podQOS is the pod's QoS class: the one in its status, else computed from
// its containers' requests and limits.
func podQOS(p *api.Pod) string {
	if p.Status.QOSClass != "" {
		return p.Status.QOSClass
	}
	requests, limits := api.ResourceList{}, api.ResourceList{}
	guaranteed := true
	all := append(append([]api.Container(nil), p.Spec.Containers...), p.Spec.InitContainers...)
	for _, c := range all {
		for _, part := range []struct {
			in, sum api.ResourceList
		}{{c.Resources.Requests, requests}, {c.Resources.Limits, limits}} {
			for name, q := range part.in {
				if name != "cpu" && name != "memory" || q.Sign() <= 0 {
					continue
				}
				part.sum[name] = part.sum[name].Add(q)
			}
		}
		cpu, mem := c.Resources.Limits["cpu"], c.Resources.Limits["memory"]
		if cpu.Sign() <= 0 || mem.Sign() <= 0 {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return "BestEffort"
	}
	if guaranteed {
		for name, req := range requests {
			if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
				guaranteed = false
				break
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return "Guaranteed"
	}
	return "Burstable"
}
