package apiserver

import (
	"sync"

	"github.com/kubeplay/kubeplay/engine/api"
)

// strategy is what differs between resources on the write path, in the
// manner of the API server's registry strategies.
type strategy struct {
	// prepareCreate sets defaults and clears what a client may not set.
	prepareCreate func(s *Server, obj api.Object)
	// prepareUpdate carries over fields an update may not change.
	prepareUpdate  func(s *Server, obj, old api.Object)
	validate       func(s *Server, obj api.Object) []FieldError
	validateUpdate func(obj, old api.Object) []FieldError
	// warnings are WarningsOnCreate and WarningsOnUpdate: what a valid
	// write is told (nil: nothing).
	warnings func(obj api.Object) []string
}

func noPrepare(*Server, api.Object)                   {}
func noPrepareUpdate(*Server, api.Object, api.Object) {}
func noValidate(*Server, api.Object) []FieldError     { return nil }
func noValidateUpdate(api.Object, api.Object) []FieldError {
	return nil
}

var strategies = map[string]*strategy{
	"Pod": {
		prepareCreate:  preparePodCreate,
		prepareUpdate:  preparePodUpdate,
		validate:       validatePod,
		validateUpdate: validatePodUpdate,
	},
	"Node": {
		prepareCreate: prepareNodeCreate,
		validate:      validateNode,
	},
	"Namespace": {
		prepareCreate: prepareNamespaceCreate,
		prepareUpdate: func(s *Server, obj, old api.Object) {
			// spec.finalizers change only through namespaces/finalize.
			ns, o := obj.(*api.Namespace), old.(*api.Namespace)
			ns.Spec.Finalizers = o.Spec.Finalizers
			if ns.Labels == nil {
				ns.Labels = map[string]string{}
			}
			ns.Labels["kubernetes.io/metadata.name"] = ns.Name
		},
		validate: validateNamespace,
	},
	"Service": {
		prepareCreate:  prepareServiceCreate,
		prepareUpdate:  prepareServiceUpdate,
		validate:       validateService,
		validateUpdate: validateServiceUpdate,
	},
	"Deployment.apps": {
		prepareCreate:  prepareDeploymentCreate,
		prepareUpdate:  func(s *Server, obj, _ api.Object) { defaultDeployment(obj.(*api.Deployment)) },
		validate:       validateDeployment,
		validateUpdate: validateDeploymentUpdate,
	},
	"ReplicaSet.apps": {
		prepareCreate:  prepareReplicaSetCreate,
		prepareUpdate:  func(s *Server, obj, _ api.Object) { defaultReplicaSet(obj.(*api.ReplicaSet)) },
		validate:       validateReplicaSet,
		validateUpdate: validateReplicaSetUpdate,
	},
	"DaemonSet.apps": {
		prepareCreate:  prepareDaemonSetCreate,
		prepareUpdate:  prepareDaemonSetUpdate,
		validate:       validateDaemonSet,
		validateUpdate: validateDaemonSetUpdate,
	},
}

var genericStrategy = &strategy{}

// defaultStrategies fills in the steps a strategy leaves out, once: the
// strategies are shared by every API server of the process (the tests run
// clusters side by side), so that is not done at each lookup, which
// wrote to them from all of those servers at once.
var defaultStrategies = sync.OnceFunc(func() {
	for _, st := range strategies {
		defaultStrategy(st)
	}
	defaultStrategy(genericStrategy)
})

func defaultStrategy(st *strategy) {
	if st.prepareCreate == nil {
		st.prepareCreate = noPrepare
	}
	if st.prepareUpdate == nil {
		st.prepareUpdate = noPrepareUpdate
	}
	if st.validate == nil {
		st.validate = noValidate
	}
	if st.validateUpdate == nil {
		st.validateUpdate = noValidateUpdate
	}
}

func strategyFor(r *api.ResourceInfo) *strategy {
	defaultStrategies()
	st, ok := strategies[r.GroupKind()]
	if !ok {
		st = genericStrategy
	}
	return st
}
