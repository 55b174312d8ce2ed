package apiserver

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Defaults, as the API server's defaulting functions and admission plugins
// set them, so that `kubectl get -o yaml` shows what a real cluster shows.

func preparePodCreate(s *Server, obj api.Object) {
	p := obj.(*api.Pod)
	p.Status = api.PodStatus{Phase: api.PodPending}
	defaultPod(p)
	p.Status.QOSClass = qosClass(&p.Spec)
	applySchedulingGatedCondition(p)
}

// applySchedulingGatedCondition tells, on a pod created with scheduling
// gates, why the scheduler leaves it alone, as the pod strategy does.
func applySchedulingGatedCondition(p *api.Pod) {
	if len(p.Spec.SchedulingGates) == 0 {
		return
	}
	p.Status.Conditions = append(p.Status.Conditions, api.PodCondition{
		Type: api.PodScheduled, Status: api.ConditionFalse, Reason: "SchedulingGated",
		Message: "Scheduling is blocked due to non-empty scheduling gates",
	})
}

func preparePodUpdate(s *Server, obj, old api.Object) {
	defaultPod(obj.(*api.Pod))
}

// defaultPod is SetDefaults_Pod: on top of the pod spec's defaults, what
// only a Pod gets and a pod template does not, so that a Deployment's
// template reads back as written.
func defaultPod(p *api.Pod) {
	defaultPodSpec(&p.Spec)
	// Requests default to limits.
	for _, list := range [][]api.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range list {
			c := &list[i]
			for name, q := range c.Resources.Limits {
				if _, ok := c.Resources.Requests[name]; !ok {
					if c.Resources.Requests == nil {
						c.Resources.Requests = api.ResourceList{}
					}
					c.Resources.Requests[name] = q
				}
			}
		}
	}
	if p.Spec.EnableServiceLinks == nil {
		p.Spec.EnableServiceLinks = api.Ptr(true)
	}
	// With the host's network, container ports are host ports.
	if p.Spec.HostNetwork {
		for _, list := range [][]api.Container{p.Spec.InitContainers, p.Spec.Containers} {
			for i := range list {
				for j := range list[i].Ports {
					if list[i].Ports[j].HostPort == 0 {
						list[i].Ports[j].HostPort = list[i].Ports[j].ContainerPort
					}
				}
			}
		}
	}
}

// addDefaultTolerations is the DefaultTolerationSeconds admission plugin:
// pods tolerate an unreachable or not-ready node for five minutes.
func addDefaultTolerations(spec *api.PodSpec) {
	for _, key := range []string{"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"} {
		if toleratesKey(spec.Tolerations, key) {
			continue
		}
		spec.Tolerations = append(spec.Tolerations, api.Toleration{
			Key: key, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Ptr(int64(300)),
		})
	}
}

func toleratesKey(ts []api.Toleration, key string) bool {
	for _, t := range ts {
		if (t.Key == key || t.Key == "" && t.Operator == "Exists") && (t.Effect == "" || t.Effect == api.TaintNoExecute) {
			return true
		}
	}
	return false
}

func defaultPodSpec(spec *api.PodSpec) {
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = api.RestartAlways
	}
	if spec.TerminationGracePeriodSeconds == nil {
		spec.TerminationGracePeriodSeconds = api.Ptr(int64(30))
	}
	if spec.DNSPolicy == "" {
		spec.DNSPolicy = "ClusterFirst"
	}
	if spec.SecurityContext == nil {
		spec.SecurityContext = &api.PodSecurityContext{}
	}
	if spec.SchedulerName == "" {
		spec.SchedulerName = "default-scheduler"
	}
	for i := range spec.InitContainers {
		defaultContainer(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		defaultContainer(&spec.Containers[i])
	}
	for i := range spec.EphemeralContainers {
		defaultEphemeralContainer(&spec.EphemeralContainers[i])
	}
	for i := range spec.Volumes {
		defaultVolume(&spec.Volumes[i])
	}
}

func defaultContainer(c *api.Container) {
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = "/dev/termination-log"
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = "File"
	}
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = defaultPullPolicy(c.Image)
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = "TCP"
		}
	}
	for i := range c.Env {
		if f := c.Env[i].ValueFrom; f != nil && f.FieldRef != nil && f.FieldRef.APIVersion == "" {
			f.FieldRef.APIVersion = "v1"
		}
	}
	for _, p := range []*api.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		defaultProbe(p)
	}
}

// defaultPullPolicy is Always for :latest or an untagged image, else IfNotPresent.
func defaultPullPolicy(image string) string {
	if strings.Contains(image, "@") {
		return "IfNotPresent"
	}
	name := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	if !ok || tag == "latest" {
		return "Always"
	}
	return "IfNotPresent"
}

func defaultProbe(p *api.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	if g := p.HTTPGet; g != nil {
		if g.Path == "" {
			g.Path = "/"
		}
		if g.Scheme == "" {
			g.Scheme = "HTTP"
		}
	}
}

func defaultVolume(v *api.Volume) {
	// A volume that names no source is an emptyDir.
	if reflect.ValueOf(v.VolumeSource).IsZero() {
		v.EmptyDir = &api.EmptyDirVolumeSource{}
	}
	mode := api.Ptr(int32(0o644))
	switch {
	case v.ConfigMap != nil && v.ConfigMap.DefaultMode == nil:
		v.ConfigMap.DefaultMode = mode
	case v.Secret != nil && v.Secret.DefaultMode == nil:
		v.Secret.DefaultMode = mode
	case v.Projected != nil && v.Projected.DefaultMode == nil:
		v.Projected.DefaultMode = mode
	case v.DownwardAPI != nil && v.DownwardAPI.DefaultMode == nil:
		v.DownwardAPI.DefaultMode = mode
	case v.HostPath != nil && v.HostPath.Type == nil:
		v.HostPath.Type = api.Ptr("")
	}
}

// qosClass computes the pod's quality-of-service class.
func qosClass(spec *api.PodSpec) string {
	any, guaranteed := false, true
	for _, c := range append(append([]api.Container{}, spec.InitContainers...), spec.Containers...) {
		if len(c.Resources.Requests)+len(c.Resources.Limits) > 0 {
			any = true
		}
		for _, r := range []string{"cpu", "memory"} {
			l, ok := c.Resources.Limits[r]
			if !ok {
				guaranteed = false
				continue
			}
			if req, ok := c.Resources.Requests[r]; ok && req.Cmp(l) != 0 {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return "BestEffort"
	case guaranteed:
		return "Guaranteed"
	}
	return "Burstable"
}

func defaultTemplate(t *api.PodTemplateSpec) {
	defaultPodSpec(&t.Spec)
}

func prepareDeploymentCreate(s *Server, obj api.Object) {
	d := obj.(*api.Deployment)
	d.Status = api.DeploymentStatus{}
	defaultDeployment(d)
}

func defaultDeployment(d *api.Deployment) {
	if d.Spec.Replicas == nil {
		d.Spec.Replicas = api.Ptr(int32(1))
	}
	if d.Spec.Strategy.Type == "" {
		d.Spec.Strategy.Type = "RollingUpdate"
	}
	if d.Spec.Strategy.Type == "RollingUpdate" {
		if d.Spec.Strategy.RollingUpdate == nil {
			d.Spec.Strategy.RollingUpdate = &api.RollingUpdateDeployment{}
		}
		ru := d.Spec.Strategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = api.Ptr(api.FromString("25%"))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = api.Ptr(api.FromString("25%"))
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = api.Ptr(int32(10))
	}
	if d.Spec.ProgressDeadlineSeconds == nil {
		d.Spec.ProgressDeadlineSeconds = api.Ptr(int32(600))
	}
	defaultTemplate(&d.Spec.Template)
}

func prepareReplicaSetCreate(s *Server, obj api.Object) {
	rs := obj.(*api.ReplicaSet)
	rs.Status = api.ReplicaSetStatus{}
	defaultReplicaSet(rs)
}

func defaultReplicaSet(rs *api.ReplicaSet) {
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = api.Ptr(int32(1))
	}
	defaultTemplate(&rs.Spec.Template)
}

func prepareDaemonSetCreate(s *Server, obj api.Object) {
	ds := obj.(*api.DaemonSet)
	ds.Status = api.DaemonSetStatus{}
	defaultDaemonSet(ds)
	setTemplateGeneration(ds, max(templateGeneration(ds), 1))
}

// templateGenerationAnnotation carries the internal spec.templateGeneration
// of a DaemonSet in apps/v1, as the v1 conversion writes it.
const templateGenerationAnnotation = "deprecated.daemonset.template.generation"

// prepareDaemonSetUpdate counts changes of the template in the template
// generation, as the DaemonSet strategy's PrepareForUpdate; otherwise the
// client's value stands.
func prepareDaemonSetUpdate(s *Server, obj, old api.Object) {
	ds, o := obj.(*api.DaemonSet), old.(*api.DaemonSet)
	defaultDaemonSet(ds)
	if !reflect.DeepEqual(ds.Spec.Template, o.Spec.Template) {
		setTemplateGeneration(ds, templateGeneration(o)+1)
		return
	}
	setTemplateGeneration(ds, templateGeneration(ds))
}

func templateGeneration(ds *api.DaemonSet) int64 {
	g, _ := strconv.ParseInt(ds.Annotations[templateGenerationAnnotation], 10, 64)
	return g
}

func setTemplateGeneration(ds *api.DaemonSet, g int64) {
	if g == 0 {
		delete(ds.Annotations, templateGenerationAnnotation)
		return
	}
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[templateGenerationAnnotation] = strconv.FormatInt(g, 10)
}

func defaultDaemonSet(ds *api.DaemonSet) {
	if ds.Spec.UpdateStrategy.Type == "" {
		ds.Spec.UpdateStrategy.Type = "RollingUpdate"
	}
	if ds.Spec.UpdateStrategy.Type == "RollingUpdate" {
		if ds.Spec.UpdateStrategy.RollingUpdate == nil {
			ds.Spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateDaemonSet{}
		}
		ru := ds.Spec.UpdateStrategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = api.Ptr(api.FromInt(1))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = api.Ptr(api.FromInt(0))
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = api.Ptr(int32(10))
	}
	defaultTemplate(&ds.Spec.Template)
}

func prepareNodeCreate(s *Server, obj api.Object) {}

func prepareNamespaceCreate(s *Server, obj api.Object) {
	ns := obj.(*api.Namespace)
	ns.Status = api.NamespaceStatus{Phase: "Active"}
	ns.Spec.Finalizers = []string{"kubernetes"}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels["kubernetes.io/metadata.name"] = ns.Name
}

func prepareServiceCreate(s *Server, obj api.Object) {
	svc := obj.(*api.Service)
	svc.Status = api.ServiceStatus{}
	defaultServiceSpec(&svc.Spec)
	spec := &svc.Spec
	// NormalizeClusterIPs: an old client's clusterIP is the first of clusterIPs.
	if spec.ClusterIP != "" && len(spec.ClusterIPs) == 0 {
		spec.ClusterIPs = []string{spec.ClusterIP}
	}
	// The allocator's IP family defaults, on this single-stack IPv4 cluster.
	if spec.Type != "ExternalName" {
		if len(spec.IPFamilies) == 0 {
			spec.IPFamilies = []string{"IPv4"}
		}
		if spec.IPFamilyPolicy == nil {
			spec.IPFamilyPolicy = api.Ptr("SingleStack")
		}
	}
}

// prepareServiceUpdate keeps what a client that omits them means to keep:
// the allocated cluster IPs and node ports (matched by port name), and the
// IP families (patchAllocatedValues and NormalizeClusterIPs).
func prepareServiceUpdate(s *Server, obj, old api.Object) {
	svc, o := obj.(*api.Service), old.(*api.Service)
	defaultServiceSpec(&svc.Spec)
	dropTypeDependentFields(svc, o)
	spec, prev := &svc.Spec, &o.Spec
	if spec.Type != "ExternalName" && prev.Type != "ExternalName" {
		if spec.ClusterIP == "" {
			spec.ClusterIP = prev.ClusterIP
		}
		if len(spec.ClusterIPs) == 0 && len(prev.ClusterIPs) > 0 {
			spec.ClusterIPs = prev.ClusterIPs
		}
		if len(spec.IPFamilies) == 0 {
			spec.IPFamilies = prev.IPFamilies
		}
		if spec.IPFamilyPolicy == nil {
			spec.IPFamilyPolicy = prev.IPFamilyPolicy
		}
	}
	if spec.ClusterIP != prev.ClusterIP && spec.ClusterIP != "" && slices.Equal(spec.ClusterIPs, prev.ClusterIPs) {
		spec.ClusterIPs = []string{spec.ClusterIP}
	}
	if needsNodePort(spec.Type) && needsNodePort(prev.Type) {
		used := map[int32]bool{}
		for _, p := range spec.Ports {
			used[p.NodePort] = true
		}
		byName := map[string]int32{}
		for _, p := range prev.Ports {
			byName[p.Name] = p.NodePort
		}
		for i := range spec.Ports {
			if p := &spec.Ports[i]; p.NodePort == 0 && !used[byName[p.Name]] {
				p.NodePort = byName[p.Name]
			}
		}
	}
}

// dropTypeDependentFields is the service strategy's: when an update changes
// the type so that a field no longer applies, and the client left the field
// as it was (it was most likely allocated or defaulted), the field goes; a
// value the client changed stays, for validation to judge.
func dropTypeDependentFields(svc, old *api.Service) {
	spec, prev := &svc.Spec, &old.Spec
	if prev.Type != "ExternalName" && spec.Type == "ExternalName" {
		if spec.ClusterIP == prev.ClusterIP && slices.Equal(spec.ClusterIPs, prev.ClusterIPs) {
			spec.ClusterIP, spec.ClusterIPs = "", nil
		}
		if slices.Equal(spec.IPFamilies, prev.IPFamilies) {
			spec.IPFamilies = nil
		}
		if api.Deref(spec.IPFamilyPolicy, "") == api.Deref(prev.IPFamilyPolicy, "") {
			spec.IPFamilyPolicy = nil
		}
	}
	if needsNodePort(prev.Type) && !needsNodePort(spec.Type) && sameNodePorts(prev, spec) {
		for i := range spec.Ports {
			spec.Ports[i].NodePort = 0
		}
	}
	if needsHealthCheckNodePort(prev) && !needsHealthCheckNodePort(spec) && spec.HealthCheckNodePort == prev.HealthCheckNodePort {
		spec.HealthCheckNodePort = 0
	}
	if prev.Type == "LoadBalancer" && spec.Type != "LoadBalancer" {
		if a, b := spec.AllocateLoadBalancerNodePorts, prev.AllocateLoadBalancerNodePorts; a != nil && b != nil && *a == *b {
			spec.AllocateLoadBalancerNodePorts = nil
		}
		if api.Deref(spec.LoadBalancerClass, "\x00") == api.Deref(prev.LoadBalancerClass, "\x00") {
			spec.LoadBalancerClass = nil
		}
	}
	if externallyAccessible(prev) && !externallyAccessible(spec) && spec.ExternalTrafficPolicy == prev.ExternalTrafficPolicy {
		spec.ExternalTrafficPolicy = ""
	}
	if spec.Type != "LoadBalancer" {
		svc.Status.LoadBalancer = api.LoadBalancerStatus{}
	}
}

// sameNodePorts: the new ports add no node port the old ones did not have.
func sameNodePorts(prev, spec *api.ServiceSpec) bool {
	had := map[int32]bool{}
	for _, p := range prev.Ports {
		had[p.NodePort] = true
	}
	for _, p := range spec.Ports {
		if p.NodePort != 0 && !had[p.NodePort] {
			return false
		}
	}
	return true
}

func needsHealthCheckNodePort(spec *api.ServiceSpec) bool {
	return spec.Type == "LoadBalancer" && spec.ExternalTrafficPolicy == "Local"
}

// defaultServiceSpec is SetDefaults_Service.
func defaultServiceSpec(spec *api.ServiceSpec) {
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = "None"
	}
	if spec.SessionAffinity == "None" {
		spec.SessionAffinityConfig = nil
	}
	if spec.SessionAffinity == "ClientIP" {
		if c := spec.SessionAffinityConfig; c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			spec.SessionAffinityConfig = &api.SessionAffinityConfig{ClientIP: &api.ClientIPConfig{TimeoutSeconds: api.Ptr(int32(10800))}}
		}
	}
	if spec.Type == "" {
		spec.Type = "ClusterIP"
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = "TCP"
		}
		if p.TargetPort.IsZero() || p.TargetPort.Type == api.String && p.TargetPort.StrVal == "" {
			p.TargetPort = api.FromInt(p.Port)
		}
	}
	if externallyAccessible(spec) && spec.ExternalTrafficPolicy == "" {
		spec.ExternalTrafficPolicy = "Cluster"
	}
	if spec.InternalTrafficPolicy == nil && (spec.Type == "ClusterIP" || needsNodePort(spec.Type)) {
		spec.InternalTrafficPolicy = api.Ptr("Cluster")
	}
	if spec.Type == "LoadBalancer" && spec.AllocateLoadBalancerNodePorts == nil {
		spec.AllocateLoadBalancerNodePorts = api.Ptr(true)
	}
}

func needsNodePort(t string) bool { return t == "NodePort" || t == "LoadBalancer" }
