package kubelet

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/network"
)

// containerEnv builds a container's environment as the kubelet's
// makeEnvironmentVariables does: envFrom first, then env in order (later
// wins), each literal value with its $(VAR) references expanded against
// the variables so far and the service links, then the service links the
// container did not set. The image's variables and HOSTNAME come first,
// as the container runtime puts them. It returns the kubelet's variables
// (what $(VAR) in command and args sees) apart from the full list.
func (k *Kubelet) containerEnv(p *api.Pod, c api.Container, st *podState) (env []string, kube map[string]string, err error) {
	services, serviceNames, err := k.serviceEnv(p.Namespace, api.Deref(p.Spec.EnableServiceLinks, true))
	if err != nil {
		return nil, nil, err
	}
	if len(c.EnvFrom) == 0 && len(c.Env) == 0 {
		if env, ok := k.linksEnv(p, c, services); ok {
			return env, services, nil
		}
	}
	return k.fullEnv(p, c, st, services, serviceNames)
}

// linksEnv is containerEnv's list for a container that sets no variable
// of its own (most do not: a pause container): the image's variables,
// HOSTNAME and the service links, in that order, the links' lines made
// once while the Services are the same. It is not ok when a name comes
// twice, which fullEnv sorts out.
func (k *Kubelet) linksEnv(p *api.Pod, c api.Container, services map[string]string) ([]string, bool) {
	var image []string
	if img, ok := k.rt.ImageStatus(c.Image); ok {
		image = img.Config.Env
	}
	for i, kv := range image {
		name, _, found := strings.Cut(kv, "=")
		if !found || name == "HOSTNAME" {
			return nil, false
		}
		if _, ok := services[name]; ok {
			return nil, false
		}
		for _, prev := range image[:i] {
			if n, _, _ := strings.Cut(prev, "="); n == name {
				return nil, false
			}
		}
	}
	m := &k.svcEnv
	if m.lines == nil {
		m.lines = make([]string, len(m.names))
		for i, name := range m.names {
			m.lines[i] = name + "=" + m.out[name]
		}
	}
	env := make([]string, 0, len(image)+1+len(m.lines))
	env = append(env, image...)
	env = append(env, "HOSTNAME="+hostname(p, k.cfg.NodeName))
	return append(env, m.lines...), true
}

// fullEnv is containerEnv's list and variables, for any container.
func (k *Kubelet) fullEnv(p *api.Pod, c api.Container, st *podState, services map[string]string, serviceNames []string) (env []string, kube map[string]string, err error) {
	src := &objectSource{k: k, ns: p.Namespace}
	vars := map[string]string{} // upstream's tmpEnv
	var order []string
	set := func(name, value string) {
		if _, ok := vars[name]; !ok {
			order = append(order, name)
		}
		vars[name] = value
	}
	for _, from := range c.EnvFrom {
		data, err := src.envFrom(from)
		if err != nil {
			return nil, nil, err
		}
		for _, key := range slices.Sorted(maps.Keys(data)) {
			set(from.Prefix+key, data[key])
		}
	}
	lookup := func(name string) (string, bool) {
		if v, ok := vars[name]; ok {
			return v, true
		}
		v, ok := services[name]
		return v, ok
	}
	for _, e := range c.Env {
		switch {
		case e.Value != "":
			set(e.Name, expand(e.Value, lookup))
		case e.ValueFrom != nil:
			v, ok, err := k.envValue(p, c, st, src, e.ValueFrom)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				set(e.Name, v)
			}
		default:
			set(e.Name, "")
		}
	}
	for _, name := range serviceNames {
		if _, ok := vars[name]; !ok {
			order = append(order, name)
			vars[name] = services[name]
		}
	}

	all := map[string]string{}
	var names []string
	put := func(name, value string) {
		if _, ok := all[name]; !ok {
			names = append(names, name)
		}
		all[name] = value
	}
	if img, ok := k.rt.ImageStatus(c.Image); ok {
		for _, kv := range img.Config.Env {
			name, value, _ := strings.Cut(kv, "=")
			put(name, value)
		}
	}
	put("HOSTNAME", hostname(p, k.cfg.NodeName))
	for _, name := range order {
		put(name, vars[name])
	}
	env = make([]string, len(names))
	for i, name := range names {
		env[i] = name + "=" + all[name]
	}
	return env, vars, nil
}

// hostname is the pod's host name: the node's for a hostNetwork pod,
// whose containers share the node's UTS namespace (containerd then sets
// HOSTNAME to the node's name too), else spec.hostname or the pod's name.
func hostname(p *api.Pod, node string) string {
	if p.Spec.HostNetwork {
		return node
	}
	if p.Spec.Hostname != "" {
		return p.Spec.Hostname
	}
	return p.Name
}

// objectSource reads the ConfigMaps and Secrets a container refers to,
// each once per container start, as the kubelet's managers do.
type objectSource struct {
	k          *Kubelet
	ns         string
	configMaps map[string]*api.ConfigMap
	secrets    map[string]*api.Secret
}

// configMap returns a ConfigMap, or the kubelet's error for a missing one:
// `configmap "x" not found`.
func (s *objectSource) configMap(name string) (*api.ConfigMap, error) {
	if cm, ok := s.configMaps[name]; ok {
		return cm, nil
	}
	cm, err := client.Get[*api.ConfigMap](s.k.c, s.ns, name)
	if err != nil {
		if apiserver.IsNotFound(err) {
			return nil, errNotFound{fmt.Sprintf("configmap %q not found", name)}
		}
		return nil, err
	}
	if s.configMaps == nil {
		s.configMaps = map[string]*api.ConfigMap{}
	}
	s.configMaps[name] = cm
	return cm, nil
}

// secret returns a Secret, or `secret "x" not found`.
func (s *objectSource) secret(name string) (*api.Secret, error) {
	if sec, ok := s.secrets[name]; ok {
		return sec, nil
	}
	sec, err := client.Get[*api.Secret](s.k.c, s.ns, name)
	if err != nil {
		if apiserver.IsNotFound(err) {
			return nil, errNotFound{fmt.Sprintf("secret %q not found", name)}
		}
		return nil, err
	}
	if s.secrets == nil {
		s.secrets = map[string]*api.Secret{}
	}
	s.secrets[name] = sec
	return sec, nil
}

// errNotFound is a missing ConfigMap or Secret.
type errNotFound struct{ msg string }

func (e errNotFound) Error() string { return e.msg }

func isNotFound(err error) bool {
	_, ok := err.(errNotFound)
	return ok
}

// envFrom reads the data an envFrom source brings; an optional source
// that does not exist brings none.
func (s *objectSource) envFrom(from api.EnvFromSource) (map[string]string, error) {
	switch {
	case from.ConfigMapRef != nil:
		cm, err := s.configMap(from.ConfigMapRef.Name)
		if err != nil {
			if isNotFound(err) && api.Deref(from.ConfigMapRef.Optional, false) {
				return nil, nil
			}
			return nil, err
		}
		return cm.Data, nil
	case from.SecretRef != nil:
		sec, err := s.secret(from.SecretRef.Name)
		if err != nil {
			if isNotFound(err) && api.Deref(from.SecretRef.Optional, false) {
				return nil, nil
			}
			return nil, err
		}
		out := make(map[string]string, len(sec.Data))
		for k, v := range sec.Data {
			out[k] = string(v)
		}
		return out, nil
	}
	return nil, nil
}

// envValue resolves a valueFrom; ok is false for an optional reference
// that is missing, which sets no variable.
func (k *Kubelet) envValue(p *api.Pod, c api.Container, st *podState, src *objectSource, f *api.EnvVarSource) (string, bool, error) {
	switch {
	case f.FieldRef != nil:
		v, err := k.podField(p, st, f.FieldRef.FieldPath)
		return v, err == nil, err
	case f.ResourceFieldRef != nil:
		v, err := k.resourceField(p, c, f.ResourceFieldRef)
		return v, err == nil, err
	case f.ConfigMapKeyRef != nil:
		ref := f.ConfigMapKeyRef
		optional := api.Deref(ref.Optional, false)
		cm, err := src.configMap(ref.Name)
		if err != nil {
			if isNotFound(err) && optional {
				return "", false, nil
			}
			return "", false, err
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if optional {
				return "", false, nil
			}
			return "", false, fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, p.Namespace, ref.Name)
		}
		return v, true, nil
	case f.SecretKeyRef != nil:
		ref := f.SecretKeyRef
		optional := api.Deref(ref.Optional, false)
		sec, err := src.secret(ref.Name)
		if err != nil {
			if isNotFound(err) && optional {
				return "", false, nil
			}
			return "", false, err
		}
		v, ok := sec.Data[ref.Key]
		if !ok {
			if optional {
				return "", false, nil
			}
			return "", false, fmt.Errorf("couldn't find key %s in Secret %s/%s", ref.Key, p.Namespace, ref.Name)
		}
		return string(v), true, nil
	case f.FileKeyRef != nil:
		return "", false, fmt.Errorf("env var from a file (fileKeyRef) is not supported: the EnvFiles feature gate is off")
	}
	return "", true, nil
}

// podField is the downward API's view of a pod field, as the kubelet's
// podFieldSelectorRuntimeValue and fieldpath.ExtractFieldPathAsString
// read it.
func (k *Kubelet) podField(p *api.Pod, st *podState, path string) (string, error) {
	switch path {
	case "spec.nodeName":
		return p.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.hostIPs":
		return k.cfg.Address, nil
	case "status.podIP", "status.podIPs":
		return st.ip, nil
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return p.UID, nil
	case "metadata.labels":
		return formatMap(p.Labels), nil
	case "metadata.annotations":
		return formatMap(p.Annotations), nil
	}
	if field, key, ok := strings.Cut(path, "['"); ok && strings.HasSuffix(key, "']") {
		key = strings.TrimSuffix(key, "']")
		switch field {
		case "metadata.labels":
			return p.Labels[key], nil
		case "metadata.annotations":
			return p.Annotations[key], nil
		}
		return "", fmt.Errorf("fieldPath %q does not support subscript", path)
	}
	return "", fmt.Errorf("unsupported fieldPath: %s", path)
}

// formatMap is the downward API's rendering of labels and annotations:
// key="value" lines, sorted by key.
func formatMap(m map[string]string) string {
	var b strings.Builder
	for _, key := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s=%q\n", key, m[key])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// resourceField is a container's request or limit as the downward API
// gives it: divided by the divisor (1 by default) and rounded up. A limit
// the container does not set is the node's allocatable, as the kubelet's
// defaultPodLimitsForDownwardAPI makes it.
func (k *Kubelet) resourceField(p *api.Pod, c api.Container, ref *api.ResourceFieldSelector) (string, error) {
	if ref.ContainerName != "" {
		i := slices.IndexFunc(allContainers(p), func(o api.Container) bool { return o.Name == ref.ContainerName })
		if i < 0 {
			return "", fmt.Errorf("container %s not found", ref.ContainerName)
		}
		c = allContainers(p)[i]
	}
	kind, name, _ := strings.Cut(ref.Resource, ".")
	switch name {
	case "cpu", "memory", "ephemeral-storage":
	default:
		return "", fmt.Errorf("unsupported container resource : %s", ref.Resource)
	}
	var q api.Quantity
	switch kind {
	case "limits":
		var ok bool
		if q, ok = c.Resources.Limits[name]; !ok {
			q = k.allocatable()[name]
		}
	case "requests":
		q = c.Resources.Requests[name]
	default:
		return "", fmt.Errorf("unsupported container resource : %s", ref.Resource)
	}
	div := ref.Divisor
	if div.IsZero() {
		div = api.MustParse("1")
	}
	if name == "cpu" {
		return strconv.FormatInt(ceilDiv(q.MilliValue(), div.MilliValue()), 10), nil
	}
	return strconv.FormatInt(ceilDiv(q.Value(), div.Value()), 10), nil
}

func ceilDiv(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// serviceEnv are the service links: for every Service with a cluster IP
// in the pod's namespace (when enableServiceLinks is on), and always for
// the kubernetes Service of the default namespace, Docker link variables
// as the kubelet's envvars.FromServices writes them.
//
// It returns the variables' names sorted too. The variables are the same
// as long as the Services are (stored objects are never changed in place,
// so the same pointers are the same Services): the last namespace's are
// kept, and shared with the caller, who only reads them.
func (k *Kubelet) serviceEnv(ns string, links bool) (map[string]string, []string, error) {
	var services []*api.Service
	if links {
		l, err := client.List[*api.Service](k.c, ns, apiserver.ListOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("failed to list services when setting up env vars")
		}
		services = l
	}
	if ns != "default" || !links {
		// A Service of the pod's own namespace named kubernetes wins.
		own := slices.ContainsFunc(services, func(s *api.Service) bool { return s.Name == "kubernetes" })
		if svc, err := client.Get[*api.Service](k.c, "default", "kubernetes"); err == nil && !own {
			services = append(services, svc)
		}
	}
	m := &k.svcEnv
	if m.out != nil && m.ns == ns && m.links == links && slices.Equal(m.services, services) {
		return m.out, m.names, nil
	}
	out := serviceVariables(services)
	*m = serviceEnvMemo{ns: ns, links: links, services: services, out: out, names: slices.Sorted(maps.Keys(out))}
	return out, m.names, nil
}

// serviceEnvMemo is the last namespace's service variables.
type serviceEnvMemo struct {
	ns       string
	links    bool
	services []*api.Service
	out      map[string]string
	names    []string
	lines    []string // "name=value" for each of names, made on first use
}

// serviceVariables are the variables of services, by name.
func serviceVariables(services []*api.Service) map[string]string {
	out := map[string]string{}
	for _, svc := range services {
		ip := svc.Spec.ClusterIP
		if ip == "" || ip == "None" || len(svc.Spec.Ports) == 0 {
			continue
		}
		prefix := envName(svc.Name)
		out[prefix+"_SERVICE_HOST"] = ip
		out[prefix+"_SERVICE_PORT"] = strconv.Itoa(int(svc.Spec.Ports[0].Port))
		for _, sp := range svc.Spec.Ports {
			if sp.Name != "" {
				out[prefix+"_SERVICE_PORT_"+envName(sp.Name)] = strconv.Itoa(int(sp.Port))
			}
		}
		for i, sp := range svc.Spec.Ports {
			proto := sp.Protocol
			if proto == "" {
				proto = "TCP"
			}
			lower := strings.ToLower(proto)
			addr := lower + "://" + net.JoinHostPort(ip, strconv.Itoa(int(sp.Port)))
			if i == 0 {
				out[prefix+"_PORT"] = addr
			}
			pp := fmt.Sprintf("%s_PORT_%d_%s", prefix, sp.Port, strings.ToUpper(proto))
			out[pp] = addr
			out[pp+"_PROTO"] = lower
			out[pp+"_PORT"] = strconv.Itoa(int(sp.Port))
			out[pp+"_ADDR"] = ip
		}
	}
	return out
}

// envName is a Service's name as a variable prefix: upper case, dashes
// as underscores.
func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// expand replaces $(VAR) with the variable's value, keeps unknown
// references as they are, and turns $$ into $, as Kubernetes'
// third_party/forked/golang/expansion does.
func expand(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				break
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += end + 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// expandAll expands command or args against the kubelet's variables.
func expandAll(args []string, vars map[string]string) []string {
	if len(args) == 0 {
		return nil
	}
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expand(a, lookup)
	}
	return out
}

// containerFiles are the files the kubelet manages in every container;
// none on a fake node, which runs no program.
func (k *Kubelet) containerFiles(p *api.Pod, st *podState) map[string][]byte {
	if k.cfg.Fake {
		return nil
	}
	host := hostname(p, k.cfg.NodeName)
	return map[string][]byte{
		"/etc/hostname":    []byte(host + "\n"),
		"/etc/hosts":       []byte(network.HostsFile(p, st.ip, host)),
		"/etc/resolv.conf": []byte(network.ResolvConf(p)),
	}
}
