package kubectl

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kubeplay/kubeplay/engine/api"
)

// intOrString reads "2" as a number and "50%" as a string.
func intOrString(s string) api.IntOrString {
	if n, err := strconv.Atoi(s); err == nil {
		return api.FromInt(int32(n))
	}
	return api.FromString(s)
}

// labelSelectorFrom turns selector syntax into the API form, equalities
// as matchLabels, as metav1.ParseToLabelSelector.
func labelSelectorFrom(s string) (*api.LabelSelector, error) {
	sel, err := api.ParseSelector(s)
	if err != nil {
		return nil, err
	}
	ls := &api.LabelSelector{}
	ops := map[string]string{"in": "In", "notin": "NotIn", "exists": "Exists", "!": "DoesNotExist"}
	for _, r := range sel.Requirements() {
		switch r.Operator {
		case "=", "==":
			if ls.MatchLabels == nil {
				ls.MatchLabels = map[string]string{}
			}
			ls.MatchLabels[r.Key] = r.Values[0]
		default:
			op, ok := ops[r.Operator]
			if !ok {
				return nil, fmt.Errorf("%q is not a valid label selector operator", r.Operator)
			}
			ls.MatchExpressions = append(ls.MatchExpressions, api.LabelSelectorRequirement{Key: r.Key, Operator: op, Values: r.Values})
		}
	}
	return ls, nil
}

// dataSources are the --from-literal, --from-file and --from-env-file
// flags of create configmap and create secret.
type dataSources struct {
	literals, files, envFiles *[]string
}

func addDataSources(fs *flagSet) dataSources {
	return dataSources{literals: fs.Array("from-literal", ""), files: fs.Slice("from-file", ""), envFiles: fs.Slice("from-env-file", "")}
}

// read gathers the key/value pairs, failing on a repeated key as
// kubectl's handlers do; kind names the object in that error.
func (d dataSources) read(k *Kubectl, kind, name string) ([]string, map[string][]byte, error) {
	var keys []string
	data := map[string][]byte{}
	add := func(key string, v []byte) error {
		if _, dup := data[key]; dup {
			return fmt.Errorf("cannot add key %s, another key by that name already exists in %s: %v", key, kind, keys)
		}
		keys = append(keys, key)
		data[key] = v
		return nil
	}
	for _, lit := range *d.literals {
		key, v, ok := strings.Cut(lit, "=")
		if !ok || key == "" {
			return nil, nil, fmt.Errorf("invalid literal source %v, expected key=value", lit)
		}
		if err := add(key, []byte(strings.Trim(v, `"`))); err != nil {
			return nil, nil, err
		}
	}
	for _, f := range *d.files {
		key, file, ok := strings.Cut(f, "=")
		if !ok {
			key, file = path.Base(f), f
		}
		b, err := k.host.ReadFile(file)
		if err != nil {
			return nil, nil, fmt.Errorf("error reading %s: no such file or directory", file)
		}
		if err := add(key, b); err != nil {
			return nil, nil, err
		}
	}
	for _, f := range *d.envFiles {
		b, err := k.host.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("error reading %s: no such file or directory", f)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			key, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, nil, fmt.Errorf("%q is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit", line)
			}
			if err := add(key, []byte(v)); err != nil {
				return nil, nil, err
			}
		}
	}
	return keys, data, nil
}

// createConfigMap is `kubectl create configmap NAME [--from-literal=K=V] [--from-file=[K=]PATH]`.
func (k *Kubectl) createConfigMap(io IO, args []string) error {
	g := k.newGenerator(io, "configmap")
	src := addDataSources(g.fs)
	appendHash := g.fs.Bool("append-hash", "", false)
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	_, data, err := src.read(k, "data", name)
	if err != nil {
		return err
	}
	cm := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: name}}
	for key, v := range data {
		if utf8.Valid(v) {
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			cm.Data[key] = string(v)
			continue
		}
		if cm.BinaryData == nil {
			cm.BinaryData = map[string][]byte{}
		}
		cm.BinaryData[key] = v
	}
	if *appendHash {
		cm.Name += "-" + contentHash(cm)
	}
	return g.create(cm)
}

// contentHash is a stand-in for kustomize's hash suffix: ten characters
// of the safe alphabet from the object's content.
func contentHash(obj any) string {
	b, _ := json.Marshal(obj)
	sum := uint64(14695981039346656037)
	for _, c := range b {
		sum = (sum ^ uint64(c)) * 1099511628211
	}
	out := make([]byte, 10)
	for i := range out {
		out[i] = nameAlphabet[sum%uint64(len(nameAlphabet))]
		sum /= uint64(len(nameAlphabet))
	}
	return string(out)
}

// createSecret is `kubectl create secret generic|tls|docker-registry NAME`.
func (k *Kubectl) createSecret(io IO, args []string) error {
	if len(args) == 0 {
		return helpError("create secret", "Create a secret with specified type.\n\nAvailable Commands:\n  docker-registry   Create a secret for use with a Docker registry\n  generic           Create a secret from a local file, directory, or literal value\n  tls               Create a TLS secret")
	}
	switch args[0] {
	case "generic":
		return k.createSecretGeneric(io, args[1:])
	case "tls":
		return k.createSecretTLS(io, args[1:])
	case "docker-registry":
		return k.createSecretDockerRegistry(io, args[1:])
	}
	return helpError("create secret", "unknown command %q", args[0])
}

func (k *Kubectl) createSecretGeneric(io IO, args []string) error {
	g := k.newGenerator(io, "secret generic")
	src := addDataSources(g.fs)
	typ := g.fs.String("type", "", "")
	appendHash := g.fs.Bool("append-hash", "", false)
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	_, data, err := src.read(k, "data", name)
	if err != nil {
		return err
	}
	s := &api.Secret{ObjectMeta: api.ObjectMeta{Name: name}, Type: *typ, Data: data}
	if len(data) == 0 {
		s.Data = nil
	}
	if *appendHash {
		s.Name += "-" + contentHash(s)
	}
	return g.create(s)
}

func (k *Kubectl) createSecretTLS(io IO, args []string) error {
	g := k.newGenerator(io, "secret tls")
	certFile := g.fs.String("cert", "", "")
	keyFile := g.fs.String("key", "", "")
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	if *certFile == "" || *keyFile == "" {
		return errors.New("key and cert must be specified")
	}
	cert, err := k.host.ReadFile(*certFile)
	if err != nil {
		return fmt.Errorf("open %s: no such file or directory", *certFile)
	}
	key, err := k.host.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("open %s: no such file or directory", *keyFile)
	}
	if _, err := tls.X509KeyPair(cert, key); err != nil {
		return err
	}
	return g.create(&api.Secret{ObjectMeta: api.ObjectMeta{Name: name}, Type: "kubernetes.io/tls", Data: map[string][]byte{"tls.crt": cert, "tls.key": key}})
}

func (k *Kubectl) createSecretDockerRegistry(io IO, args []string) error {
	g := k.newGenerator(io, "secret docker-registry")
	server := g.fs.String("docker-server", "", "https://index.docker.io/v1/")
	user := g.fs.String("docker-username", "", "")
	password := g.fs.String("docker-password", "", "")
	email := g.fs.String("docker-email", "", "")
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	if err := g.required("docker-username", "docker-password"); err != nil {
		return err
	}
	type entry struct {
		Username string `json:"username,omitempty"`
		Password string `json:"password,omitempty"`
		Email    string `json:"email,omitempty"`
		Auth     string `json:"auth,omitempty"`
	}
	cfg := map[string]map[string]entry{"auths": {*server: {Username: *user, Password: *password, Email: *email,
		Auth: base64.StdEncoding.EncodeToString([]byte(*user + ":" + *password))}}}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return g.create(&api.Secret{ObjectMeta: api.ObjectMeta{Name: name}, Type: "kubernetes.io/dockerconfigjson", Data: map[string][]byte{".dockerconfigjson": b}})
}

// createService is `kubectl create service clusterip|nodeport|loadbalancer|externalname NAME`.
func (k *Kubectl) createService(io IO, args []string) error {
	types := map[string]string{"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer", "externalname": "ExternalName"}
	if len(args) == 0 {
		return helpError("create service", "Create a service using a specified subcommand.\n\nAvailable Commands:\n  clusterip      Create a ClusterIP service\n  externalname   Create an ExternalName service\n  loadbalancer   Create a LoadBalancer service\n  nodeport       Create a NodePort service")
	}
	typ, ok := types[args[0]]
	if !ok {
		return helpError("create service", "unknown command %q", args[0])
	}
	g := k.newGenerator(io, "service "+args[0])
	tcp := g.fs.Slice("tcp", "")
	clusterIP := g.fs.String("clusterip", "", "")
	nodePort := g.fs.Int("node-port", "", 0)
	external := g.fs.String("external-name", "", "")
	name, _, err := g.parse(args[1:])
	if err != nil {
		return err
	}
	if typ == "ExternalName" {
		if err := g.required("external-name"); err != nil {
			return err
		}
	}
	switch {
	case *clusterIP == "None" && typ != "ClusterIP":
		return errors.New("ClusterIP=None can only be used with ClusterIP service type")
	case *clusterIP != "None" && len(*tcp) == 0 && typ != "ExternalName":
		return errors.New("at least one tcp port specifier must be provided")
	}
	svc := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec:       api.ServiceSpec{Type: typ, Selector: map[string]string{"app": name}, ExternalName: *external, ClusterIP: *clusterIP, Ports: []api.ServicePort{}},
	}
	for _, t := range *tcp {
		port, target, err := parseServicePorts(t)
		if err != nil {
			return err
		}
		svc.Spec.Ports = append(svc.Spec.Ports, api.ServicePort{Name: strings.ReplaceAll(t, ":", "-"), Port: port, TargetPort: target, Protocol: "TCP", NodePort: int32(*nodePort)})
	}
	return g.create(svc)
}

// parseServicePorts reads "PORT" or "PORT:TARGET".
func parseServicePorts(s string) (int32, api.IntOrString, error) {
	portText, targetText, hasTarget := strings.Cut(s, ":")
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return 0, api.FromInt(0), fmt.Errorf("invalid port: %q", portText)
	}
	if !hasTarget {
		return int32(port), api.FromInt(int32(port)), nil
	}
	if n, err := strconv.Atoi(targetText); err == nil {
		if n < 1 || n > 65535 {
			return 0, api.FromInt(0), errors.New("must be between 1 and 65535, inclusive")
		}
		return int32(port), api.FromInt(int32(n)), nil
	}
	return int32(port), api.FromString(targetText), nil
}
