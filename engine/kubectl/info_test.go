package kubectl

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDiscoveryAndConfig runs api-resources, api-versions, version and
// config, whose output does not depend on the cluster's objects.
func TestDiscoveryAndConfig(t *testing.T) {
	tests := []struct {
		name, args, want string
	}{
		{"api-resources wide of a group", "api-resources -o wide --api-group=apps",
			"NAME                  SHORTNAMES   APIVERSION   NAMESPACED   KIND                 VERBS                                                        CATEGORIES\n" +
				"controllerrevisions                apps/v1      true         ControllerRevision   create,delete,deletecollection,get,list,patch,update,watch   \n" +
				"daemonsets            ds           apps/v1      true         DaemonSet            create,delete,deletecollection,get,list,patch,update,watch   all\n" +
				"deployments           deploy       apps/v1      true         Deployment           create,delete,deletecollection,get,list,patch,update,watch   all\n" +
				"replicasets           rs           apps/v1      true         ReplicaSet           create,delete,deletecollection,get,list,patch,update,watch   all\n" +
				"statefulsets          sts          apps/v1      true         StatefulSet          create,delete,deletecollection,get,list,patch,update,watch   all\n"},
		{"api-resources cluster-scoped names", "api-resources --namespaced=false -o name",
			"componentstatuses\nnamespaces\nnodes\npersistentvolumes\napiservices.apiregistration.k8s.io\ningressclasses.networking.k8s.io\npriorityclasses.scheduling.k8s.io\nstorageclasses.storage.k8s.io\n"},
		{"api-resources of the core group", "api-resources --api-group= --namespaced=false",
			"NAME                SHORTNAMES   APIVERSION   NAMESPACED   KIND\n" +
				"componentstatuses   cs           v1           false        ComponentStatus\n" +
				"namespaces          ns           v1           false        Namespace\n" +
				"nodes               no           v1           false        Node\n" +
				"persistentvolumes   pv           v1           false        PersistentVolume\n"},
		{"api-resources by kind, verbs and category", "api-resources --sort-by=kind --no-headers --verbs=list,watch --categories=all --api-group=batch",
			"cronjobs   cj    batch/v1   true   CronJob\njobs             batch/v1   true   Job\n"},
		{"api-resources without deletecollection", "api-resources --verbs=deletecollection --namespaced=false -o name",
			"nodes\npersistentvolumes\ningressclasses.networking.k8s.io\npriorityclasses.scheduling.k8s.io\nstorageclasses.storage.k8s.io\n"},
		{"api-resources yaml", "api-resources -o yaml --api-group=policy",
			"apiVersion: v1\ngroupVersion: \"\"\nkind: APIResourceList\nresources:\n- group: policy\n  kind: PodDisruptionBudget\n  name: poddisruptionbudgets\n  namespaced: true\n  shortNames:\n  - pdb\n  singularName: poddisruptionbudget\n  storageVersionHash: EVWiDmWqyJw=\n  verbs:\n  - create\n  - delete\n  - deletecollection\n  - get\n  - list\n  - patch\n  - update\n  - watch\n  version: v1\n"},
		{"api-resources argument", "api-resources pods", "--- stderr\nerror: unexpected arguments: [pods]\nSee 'kubectl api-resources -h' for help and examples\n[exit 1]\n"},
		{"api-resources bad sort", "api-resources --sort-by=group", "--- stderr\nerror: --sort-by accepts only name or kind\n[exit 1]\n"},
		{"api-resources bad output", "api-resources -o table", "--- stderr\nerror: unable to match a printer suitable for the output format \"table\", allowed formats are: json,name,wide,yaml\n[exit 1]\n"},
		{"api-resources namespaced is a bool", "api-resources --namespaced=maybe", "--- stderr\nerror: invalid argument \"maybe\" for \"--namespaced\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\nSee 'kubectl api-resources --help' for usage.\n[exit 1]\n"},
		{"api-versions", "api-versions",
			"apiregistration.k8s.io/v1\napps/v1\nautoscaling/v1\nautoscaling/v2\nbatch/v1\ncoordination.k8s.io/v1\ndiscovery.k8s.io/v1\nevents.k8s.io/v1\nnetworking.k8s.io/v1\npolicy/v1\nscheduling.k8s.io/v1\nstorage.k8s.io/v1\nv1\n"},
		{"version", "version", "Client Version: v1.37.2\nKustomize Version: v5.8.1\nServer Version: v1.37.2\n"},
		{"version client json", "version --client -o json",
			"{\n  \"clientVersion\": {\n    \"major\": \"1\",\n    \"minor\": \"37\",\n    \"gitVersion\": \"v1.37.2\",\n    \"gitCommit\": \"\",\n    \"gitTreeState\": \"\",\n    \"buildDate\": \"\",\n    \"goVersion\": \"go1.26.8\",\n    \"compiler\": \"gc\",\n    \"platform\": \"js/wasm\"\n  },\n  \"kustomizeVersion\": \"v5.8.1\"\n}\n"},
		{"version bad output", "version -o wide", "--- stderr\nerror: --output must be 'yaml' or 'json'\n[exit 1]\n"},
		{"version argument", "version now", "--- stderr\nerror: extra arguments: [now]\n[exit 1]\n"},
		{"current-context", "config current-context", "kubeplay\n"},
		{"get-contexts", "config get-contexts",
			"CURRENT   NAME       CLUSTER    AUTHINFO   NAMESPACE\n*         kubeplay   kubeplay   admin      \n"},
		{"get-contexts missing", "config get-contexts kubeplay kind-kind minikube",
			"CURRENT   NAME       CLUSTER    AUTHINFO   NAMESPACE\n*         kubeplay   kubeplay   admin      \n--- stderr\ncontext kind-kind not found\ncontext minikube not found\n[exit 1]\n"},
		{"get-contexts one missing", "config get-contexts -o name nope", "--- stderr\nerror: context nope not found\n[exit 1]\n"},
		{"get-contexts bad output", "config get-contexts -o yaml", "--- stderr\nerror: --output yaml is not available in kubectl config get-contexts; resetting to default output format\n[exit 1]\n"},
		{"use-context", "config use-context kubeplay", "Switched to context \"kubeplay\".\n"},
		{"use-context missing", "config use-context minikube", "--- stderr\nerror: no context exists with the name: \"minikube\"\n[exit 1]\n"},
		{"view", "config view",
			"apiVersion: v1\nclusters:\n- cluster:\n    server: https://172.18.0.2:6443\n  name: kubeplay\ncontexts:\n- context:\n    cluster: kubeplay\n    user: admin\n  name: kubeplay\ncurrent-context: kubeplay\nkind: Config\npreferences: {}\nusers:\n- name: admin\n  user: {}\n"},
		{"view jsonpath", "config view -o jsonpath={.contexts[0].context.cluster}", "kubeplay"},
		{"unknown subcommand", "config frob", "--- stderr\nerror: unknown command \"frob\"\nSee 'kubectl config -h' for help and examples\n[exit 1]\n"},
		{"impersonation", "version --client --as=jane --as-group=devs --as-uid=1", "Client Version: v1.37.2\nKustomize Version: v5.8.1\n"},
		{"the context", "version --client --context kubeplay", "Client Version: v1.37.2\nKustomize Version: v5.8.1\n"},
		{"another context", "version --context=kind-kind", "--- stderr\nError in configuration: context was not found for specified context: kind-kind\n[exit 1]\n"},
		{"another server", "api-versions --server=https://10.0.0.1:6443", "--- stderr\nerror: kubeplay: --server is not simulated: kubectl here talks to the playground's own API server, which has no other address and checks no credentials (it authorizes every request, as kube-apiserver --authorization-mode=AlwaysAllow does)\n[exit 1]\n"},
		{"a token", "version -s x --token abc", "--- stderr\nerror: kubeplay: -s is not simulated: kubectl here talks to the playground's own API server, which has no other address and checks no credentials (it authorizes every request, as kube-apiserver --authorization-mode=AlwaysAllow does)\n[exit 1]\n"},
		{"config's own --cluster and --user", "config set-context dev --cluster=kubeplay --user=admin", "--- stderr\nerror: the playground has a single context, \"kubeplay\": a context named \"dev\" cannot be created here\n[exit 1]\n"},
		{"new context", "config set-context dev --namespace=dev", "--- stderr\nerror: the playground has a single context, \"kubeplay\": a context named \"dev\" cannot be created here\n[exit 1]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newDescribeFixture(t)
			assert.Equal(t, tt.want, f.kubectl("", strings.Fields(tt.args)...))
		})
	}
}

// TestSetContextNamespace changes the namespace later commands use, and
// what config shows of it.
func TestSetContextNamespace(t *testing.T) {
	f := newDescribeFixture(t)
	var out, errOut strings.Builder
	k := New(f.c, nil)
	run := func(args ...string) string {
		out.Reset()
		errOut.Reset()
		k.Run(t.Context(), IO{In: strings.NewReader(""), Out: &out, Err: &errOut}, args)
		return out.String() + errOut.String()
	}
	assert.Equal(t, "Context \"kubeplay\" modified.\n", run("config", "set-context", "--current", "--namespace=kube-system"))
	assert.Equal(t, "CURRENT   NAME       CLUSTER    AUTHINFO   NAMESPACE\n*         kubeplay   kubeplay   admin      kube-system\n", run("config", "get-contexts"))
	assert.Equal(t, "kube-system", run("config", "view", "-o", "jsonpath={.contexts[0].context.namespace}"))
	assert.Equal(t, "No resources found in kube-system namespace.\n", run("get", "pods"))
	assert.Equal(t, "Context \"kubeplay\" modified.\n", run("config", "set-context", "kubeplay", "--namespace="))
	assert.Equal(t, "No resources found in default namespace.\n", run("get", "pods"))
}
