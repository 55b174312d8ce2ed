package kubectl

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// generators are `kubectl create TYPE NAME`'s subcommands
// (staging/src/k8s.io/kubectl/pkg/cmd/create): each builds the object
// kubectl builds, and creates or prints it as the common flags say.
var generators map[string]func(*Kubectl, IO, []string) error

func init() {
	generators = map[string]func(*Kubectl, IO, []string) error{
		"deployment": (*Kubectl).createDeployment, "deploy": (*Kubectl).createDeployment,
		"job": (*Kubectl).createJob, "cronjob": (*Kubectl).createCronJob, "cj": (*Kubectl).createCronJob,
		"namespace": (*Kubectl).createNamespace, "ns": (*Kubectl).createNamespace,
		"serviceaccount": (*Kubectl).createServiceAccount, "sa": (*Kubectl).createServiceAccount,
		"priorityclass": (*Kubectl).createPriorityClass, "pc": (*Kubectl).createPriorityClass,
		"quota": (*Kubectl).createQuota, "resourcequota": (*Kubectl).createQuota,
		"configmap": (*Kubectl).createConfigMap, "cm": (*Kubectl).createConfigMap,
		"secret": (*Kubectl).createSecret, "service": (*Kubectl).createService, "svc": (*Kubectl).createService,
		"poddisruptionbudget": (*Kubectl).createPDB, "pdb": (*Kubectl).createPDB,
		"ingress": (*Kubectl).createIngress, "ing": (*Kubectl).createIngress,
	}
}

// runGenerator runs `kubectl create SUBCOMMAND ...` when args name one.
func (k *Kubectl) runGenerator(io IO, args []string) (bool, error) {
	if len(args) == 0 {
		return false, nil
	}
	g, ok := generators[args[0]]
	if !ok {
		return false, nil
	}
	return true, g(k, io, args[1:])
}

// generator is what the create subcommands share: the flags every one
// takes, and how the object is created or printed.
type generator struct {
	k        *Kubectl
	io       IO
	cmd      string
	fs       *flagSet
	ns       *string
	output   *string
	dryRun   *string
	strategy dryRun
}

func (k *Kubectl) newGenerator(io IO, sub string) *generator {
	fs := newFlagSet("create " + sub)
	g := &generator{k: k, io: io, cmd: "create " + sub, fs: fs, ns: k.commonFlags(fs), output: fs.String("output", "o", ""), dryRun: dryRunFlag(fs)}
	fs.Bool("save-config", "", false)
	fs.String("validate", "", "strict")
	fs.lookup("validate").noOptValue = "strict"
	fs.String("field-manager", "", "kubectl-create")
	fs.Bool("allow-missing-template-keys", "", true)
	fs.Bool("show-managed-fields", "", false)
	fs.String("template", "", "")
	return g
}

// parse reads the command line and returns NAME and what follows "--".
func (g *generator) parse(args []string) (string, []string, error) {
	pos, rest, err := g.parseFlags(args)
	if err != nil {
		return "", nil, err
	}
	if len(pos) != 1 {
		return "", nil, helpError(g.cmd, "exactly one NAME is required, got %d", len(pos))
	}
	return pos[0], rest, nil
}

// parseFlags reads the command line, the dry-run strategy and the output format.
func (g *generator) parseFlags(args []string) ([]string, []string, error) {
	pos, rest, err := g.fs.Parse(args)
	if err != nil {
		return nil, nil, err
	}
	if g.strategy, err = dryRunStrategy(*g.dryRun); err != nil {
		return nil, nil, err
	}
	return pos, rest, checkOutput(*g.output)
}

// required fails as cobra does for flags marked required.
func (g *generator) required(names ...string) error {
	var missing []string
	for _, n := range names {
		if !g.fs.Changed(n) {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("required flag(s) %s not set", strings.Join(missing, ", "))
}

// create creates obj, or prints it for a client dry run; the namespace
// is set only when -n was given, as kubectl's EnforceNamespace.
func (g *generator) create(obj api.Object) error { return g.createOp(obj, "created") }

// containerName is the name create deployment gives an image's
// container: its last path part without tag or digest; one with "." or
// "_" gets a suffix, which upstream draws at random and this playground
// derives from the name.
func containerName(image string) string {
	parts := strings.Split(image, "/")
	name := parts[len(parts)-1]
	name, _, _ = strings.Cut(name, "@")
	name, _, _ = strings.Cut(name, ":")
	if !strings.ContainsAny(name, "_.") {
		return name
	}
	name = strings.NewReplacer("_", "-", ".", "-").Replace(name)
	h := fnv.New32a()
	h.Write([]byte(name))
	n := h.Sum32()
	suffix := make([]byte, 5)
	for i := range suffix {
		suffix[i] = nameAlphabet[n%uint32(len(nameAlphabet))]
		n /= uint32(len(nameAlphabet))
	}
	return name + "-" + string(suffix)
}

// nameAlphabet is apimachinery's rand alphabet: no vowels, no look-alikes.
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// createDeployment is `kubectl create deployment NAME --image=IMAGE [-- COMMAND]`.
func (k *Kubectl) createDeployment(io IO, args []string) error {
	g := k.newGenerator(io, "deployment")
	images := g.fs.Slice("image", "")
	replicas := g.fs.Int("replicas", "r", 1)
	port := g.fs.Int("port", "", -1)
	name, command, err := g.parse(args)
	if err != nil {
		return err
	}
	if err := g.required("image"); err != nil {
		return err
	}
	if len(*images) > 1 && len(command) > 0 {
		return errors.New("cannot specify multiple --image options and command")
	}
	labels := map[string]string{"app": name}
	spec := api.PodSpec{Containers: []api.Container{}}
	for _, img := range *images {
		spec.Containers = append(spec.Containers, api.Container{Name: containerName(img), Image: img, Command: command})
	}
	if *port >= 0 && len(spec.Containers) > 0 {
		spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: int32(*port)}}
	}
	return g.create(&api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: name, Labels: labels},
		Spec: api.DeploymentSpec{
			Replicas: api.Ptr(int32(*replicas)),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels}, Spec: spec},
		},
	})
}

// createJob is `kubectl create job NAME --image=IMAGE | --from=cronjob/NAME`.
func (k *Kubectl) createJob(io IO, args []string) error {
	g := k.newGenerator(io, "job")
	image := g.fs.String("image", "", "")
	from := g.fs.String("from", "", "")
	name, command, err := g.parse(args)
	if err != nil {
		return err
	}
	if (*image == "") == (*from == "") {
		return errors.New("either --image or --from must be specified")
	}
	if len(command) > 0 && *from != "" {
		return errors.New("cannot specify --from and command")
	}
	if *from == "" {
		return g.create(&api.Job{
			ObjectMeta: api.ObjectMeta{Name: name},
			Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{
				Containers:    []api.Container{{Name: name, Image: *image, Command: command}},
				RestartPolicy: api.RestartNever,
			}}},
		})
	}
	cj, err := k.cronJobFrom(io, *from, k.ns(g.ns))
	if err != nil {
		return err
	}
	ann := map[string]string{"cronjob.kubernetes.io/instantiate": "manual"}
	for key, v := range cj.Spec.JobTemplate.Annotations {
		ann[key] = v
	}
	return g.create(&api.Job{
		ObjectMeta: api.ObjectMeta{Name: name, Annotations: ann, Labels: cj.Spec.JobTemplate.Labels,
			OwnerReferences: []api.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: api.Ptr(true)}}},
		Spec: *api.Clone(&cj.Spec.JobTemplate.Spec),
	})
}

func (k *Kubectl) cronJobFrom(io IO, from, ns string) (*api.CronJob, error) {
	typ, name, ok := strings.Cut(from, "/")
	if !ok {
		return nil, fmt.Errorf("from must be of the form TYPE/NAME")
	}
	objs, err := k.resolve(io, []string{typ, name}, nil, ns, "", false)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, errors.New("from must be an existing cronjob")
	}
	cj, ok := objs[0].obj.(*api.CronJob)
	if !ok {
		return nil, fmt.Errorf("from must be an existing cronjob: %s", goTypeName(objs[0].obj))
	}
	return cj, nil
}

// createCronJob is `kubectl create cronjob NAME --image=IMAGE --schedule=SCHEDULE`.
func (k *Kubectl) createCronJob(io IO, args []string) error {
	g := k.newGenerator(io, "cronjob")
	image := g.fs.String("image", "", "")
	schedule := g.fs.String("schedule", "", "")
	restart := g.fs.String("restart", "", "OnFailure")
	name, command, err := g.parse(args)
	if err != nil {
		return err
	}
	if err := g.required("image", "schedule"); err != nil {
		return err
	}
	return g.create(&api.CronJob{
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.CronJobSpec{
			Schedule: *schedule,
			JobTemplate: api.JobTemplateSpec{
				ObjectMeta: api.ObjectMeta{Name: name},
				Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{
					Containers:    []api.Container{{Name: name, Image: *image, Command: command}},
					RestartPolicy: *restart,
				}}},
			},
		},
	})
}

// createNamespace is `kubectl create namespace NAME`.
func (k *Kubectl) createNamespace(io IO, args []string) error {
	g := k.newGenerator(io, "namespace")
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	return g.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: name}})
}

// createServiceAccount is `kubectl create serviceaccount NAME`.
func (k *Kubectl) createServiceAccount(io IO, args []string) error {
	g := k.newGenerator(io, "serviceaccount")
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	return g.create(&api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: name}})
}

// createPriorityClass is `kubectl create priorityclass NAME --value=N`.
func (k *Kubectl) createPriorityClass(io IO, args []string) error {
	g := k.newGenerator(io, "priorityclass")
	value := g.fs.Int("value", "", 0)
	global := g.fs.Bool("global-default", "", false)
	desc := g.fs.String("description", "", "")
	policy := g.fs.String("preemption-policy", "", "PreemptLowerPriority")
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	return g.create(&api.PriorityClass{ObjectMeta: api.ObjectMeta{Name: name}, Value: int32(*value), GlobalDefault: *global, Description: *desc, PreemptionPolicy: policy})
}

// createQuota is `kubectl create quota NAME --hard=cpu=1,pods=2 [--scopes=...]`.
func (k *Kubectl) createQuota(io IO, args []string) error {
	g := k.newGenerator(io, "quota")
	hard := g.fs.String("hard", "", "")
	scopes := g.fs.String("scopes", "", "")
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	q := &api.ResourceQuota{ObjectMeta: api.ObjectMeta{Name: name}}
	if *hard != "" {
		if q.Spec.Hard, err = parseResourceList(*hard); err != nil {
			return err
		}
	}
	if s := strings.TrimSpace(*scopes); s != "" {
		q.Spec.Scopes = strings.Split(s, ",")
	}
	return g.create(q)
}

// createPDB is `kubectl create poddisruptionbudget NAME --selector=... --min-available=N`.
func (k *Kubectl) createPDB(io IO, args []string) error {
	g := k.newGenerator(io, "poddisruptionbudget")
	selector := g.fs.String("selector", "", "")
	minAvail := g.fs.String("min-available", "", "")
	maxUnavail := g.fs.String("max-unavailable", "", "")
	name, _, err := g.parse(args)
	if err != nil {
		return err
	}
	switch {
	case *selector == "":
		return errors.New("a selector must be specified")
	case *minAvail == "" && *maxUnavail == "":
		return errors.New("one of min-available or max-unavailable must be specified")
	case *minAvail != "" && *maxUnavail != "":
		return errors.New("min-available and max-unavailable cannot be both specified")
	}
	ls, err := labelSelectorFrom(*selector)
	if err != nil {
		return err
	}
	pdb := &api.PodDisruptionBudget{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.PodDisruptionBudgetSpec{Selector: ls}}
	if *minAvail != "" {
		pdb.Spec.MinAvailable = api.Ptr(intOrString(*minAvail))
	} else {
		pdb.Spec.MaxUnavailable = api.Ptr(intOrString(*maxUnavail))
	}
	return g.create(pdb)
}
