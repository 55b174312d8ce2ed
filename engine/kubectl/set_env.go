package kubectl

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// setEnv is `kubectl set env TYPE NAME KEY=VALUE... KEY-...`, with -e,
// --from=configmap/NAME|secret/NAME, --prefix, --keys, -c, --list and
// --overwrite.
func (k *Kubectl) setEnv(io IO, args []string) error {
	c := k.newSetCommand(io, "env", "env updated")
	envFlags := c.fs.Array("env", "e")
	containers := c.fs.String("containers", "c", "*")
	from := c.fs.String("from", "", "")
	prefix := c.fs.String("prefix", "", "")
	keys := c.fs.Slice("keys", "")
	list := c.fs.Bool("list", "", false)
	c.fs.Bool("resolve", "", false)
	overwrite := c.fs.Bool("overwrite", "", true)
	resources, pairs, err := c.parse(args, "environment")
	if err != nil {
		return err
	}
	switch {
	case *c.all && *c.selector != "":
		return fmt.Errorf("cannot set --all and --selector at the same time")
	case *c.local && c.strategy == dryRunServer:
		return fmt.Errorf("cannot specify --local and --dry-run=server - did you mean --dry-run=client?")
	case len(*c.files) == 0 && len(resources) < 1:
		return fmt.Errorf("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	case *list && *c.output != "":
		return fmt.Errorf("--list and --output may not be specified together")
	case len(*keys) > 0 && *from == "":
		return fmt.Errorf("when specifying --keys, a configmap or secret must be provided with --from")
	}
	env, remove, err := parseEnv(append(append([]string(nil), *envFlags...), pairs...))
	if err != nil {
		return err
	}
	if *from != "" {
		fromEnv, err := k.envFrom(io, *from, c.k.ns(c.ns), *keys)
		if err != nil {
			return err
		}
		env = append(env, fromEnv...)
	}
	for i := range env {
		env[i].Name = *prefix + env[i].Name
	}
	if *list {
		return k.listEnv(io, c, resources, env, remove, *containers)
	}
	return c.run(resources, func(spec *api.PodSpec, o object) error {
		cs := selectContainers(spec, *containers)
		if len(cs) == 0 {
			fmt.Fprintf(io.Err, "Warning: %s/%s does not have any containers matching %q\n", o.r.Kind, o.name(), *containers)
		}
		for _, ct := range cs {
			if !*overwrite {
				if err := noOverwrites(ct.Env, env); err != nil {
					return patchError{err}
				}
			}
			ct.Env = updateEnv(ct.Env, env, remove)
		}
		return nil
	})
}

var envVarName = regexp.MustCompile(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`)

// parseEnv reads KEY=VALUE and KEY- as envutil.ParseEnv.
func parseEnv(specs []string) ([]api.EnvVar, []string, error) {
	var env []api.EnvVar
	var remove []string
	exists := map[string]bool{}
	for _, s := range specs {
		switch {
		case strings.Contains(s, "="):
			name, value, _ := strings.Cut(s, "=")
			if !envVarName.MatchString(name) {
				return nil, nil, fmt.Errorf("%q is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')", name)
			}
			exists[name] = true
			env = append(env, api.EnvVar{Name: name, Value: value})
		case strings.HasSuffix(s, "-"):
			remove = append(remove, strings.TrimSuffix(s, "-"))
		default:
			return nil, nil, fmt.Errorf("unknown environment variable: %v", s)
		}
	}
	for _, r := range remove {
		if exists[r] {
			return nil, nil, fmt.Errorf("can not both modify and remove the same environment variable: %v", r)
		}
	}
	return env, remove, nil
}

// envFrom makes variables that refer to each key of a ConfigMap or Secret.
func (k *Kubectl) envFrom(io IO, from, ns string, keys []string) ([]api.EnvVar, error) {
	objs, err := k.resolve(io, []string{from}, nil, ns, "", false)
	if err != nil {
		return nil, err
	}
	var env []api.EnvVar
	for _, o := range objs {
		switch src := o.obj.(type) {
		case *api.ConfigMap:
			for _, key := range api.SortedKeys(src.Data) {
				if len(keys) == 0 || contains(keys, key) {
					env = append(env, api.EnvVar{Name: envKeyName(key), ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.ConfigMapKeySelector{LocalObjectReference: api.LocalObjectReference{Name: src.Name}, Key: key}}})
				}
			}
		case *api.Secret:
			for _, key := range api.SortedKeys(src.Data) {
				if len(keys) == 0 || contains(keys, key) {
					env = append(env, api.EnvVar{Name: envKeyName(key), ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.SecretKeySelector{LocalObjectReference: api.LocalObjectReference{Name: src.Name}, Key: key}}})
				}
			}
		default:
			return nil, fmt.Errorf("unsupported resource specified in --from")
		}
	}
	return env, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// envKeyName turns a key into a variable name as keyToEnvName: upper
// case, with "-" and "." as "_".
func envKeyName(key string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(key))
}

func noOverwrites(existing, env []api.EnvVar) error {
	for _, e := range env {
		for _, cur := range existing {
			if cur.Name == e.Name && (cur.Value != e.Value || cur.ValueFrom != nil) {
				return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", cur.Name, cur.Value)
			}
		}
	}
	return nil
}

// updateEnv replaces variables in place, appends new ones and drops the
// removed, as upstream's updateEnv.
func updateEnv(existing, env []api.EnvVar, remove []string) []api.EnvVar {
	var out []api.EnvVar
	covered := map[string]bool{}
	for _, r := range remove {
		covered[r] = true
	}
	for _, e := range existing {
		if covered[e.Name] {
			continue
		}
		if i := envIndex(env, e.Name); i >= 0 {
			covered[e.Name] = true
			out = append(out, env[i])
			continue
		}
		out = append(out, e)
	}
	for _, e := range env {
		if !covered[e.Name] {
			covered[e.Name] = true
			out = append(out, e)
		}
	}
	return out
}

func envIndex(env []api.EnvVar, name string) int {
	for i, e := range env {
		if e.Name == name {
			return i
		}
	}
	return -1
}

// listEnv prints each container's variables, as --list does.
func (k *Kubectl) listEnv(io IO, c *setCommand, resources []string, env []api.EnvVar, remove []string, pattern string) error {
	objs, err := k.resolve(io, resources, *c.files, k.ns(c.ns), *c.selector, *c.all)
	if err != nil {
		return err
	}
	for _, o := range objs {
		spec, err := podSpecOf(api.Clone(o.obj))
		if err != nil {
			return fmt.Errorf("error: %s/%s %v", o.r.GroupResource(), o.name(), err)
		}
		for _, ct := range selectContainers(spec, pattern) {
			fmt.Fprintf(io.Out, "# %s %s, container %s\n", o.r.Kind, o.name(), ct.Name)
			for _, e := range updateEnv(ct.Env, env, remove) {
				if e.ValueFrom == nil {
					fmt.Fprintf(io.Out, "%s=%s\n", e.Name, e.Value)
					continue
				}
				fmt.Fprintf(io.Out, "# %s from %s\n", e.Name, envRefString(e.ValueFrom))
			}
		}
	}
	return nil
}

// envRefString describes where a variable's value comes from, as
// envutil.GetEnvVarRefString.
func envRefString(from *api.EnvVarSource) string {
	switch {
	case from.ConfigMapKeyRef != nil:
		return fmt.Sprintf("configmap %s, key %s", from.ConfigMapKeyRef.Name, from.ConfigMapKeyRef.Key)
	case from.SecretKeyRef != nil:
		return fmt.Sprintf("secret %s, key %s", from.SecretKeyRef.Name, from.SecretKeyRef.Key)
	case from.FieldRef != nil:
		return fmt.Sprintf("field path %s", from.FieldRef.FieldPath)
	case from.ResourceFieldRef != nil:
		containerPrefix := ""
		if from.ResourceFieldRef.ContainerName != "" {
			containerPrefix = fmt.Sprintf("%s/", from.ResourceFieldRef.ContainerName)
		}
		return fmt.Sprintf("resource %s%s", containerPrefix, from.ResourceFieldRef.Resource)
	}
	return "invalid valueFrom"
}
