package apiserver

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// The registry strategy of storage.k8s.io/v1 StorageClasses
// (pkg/apis/storage/v1/defaults.go, pkg/apis/storage/validation).

const (
	maxProvisionerParameterSize = 256 * (1 << 10)
	maxProvisionerParameterLen  = 512
)

var (
	storageReclaimPolicies = []string{"Delete", "Retain"}
	volumeBindingModes     = []string{"Immediate", "WaitForFirstConsumer"}
)

func init() {
	strategies["StorageClass.storage.k8s.io"] = &strategy{
		prepareCreate:  func(s *Server, obj api.Object) { defaultStorageClass(obj.(*api.StorageClass)) },
		prepareUpdate:  func(s *Server, obj, _ api.Object) { defaultStorageClass(obj.(*api.StorageClass)) },
		validate:       validateStorageClass,
		validateUpdate: validateStorageClassUpdate,
	}
}

func defaultStorageClass(sc *api.StorageClass) {
	if sc.ReclaimPolicy == nil {
		sc.ReclaimPolicy = api.Ptr("Delete")
	}
	if sc.VolumeBindingMode == nil {
		sc.VolumeBindingMode = api.Ptr("Immediate")
	}
}

func validateStorageClass(s *Server, obj api.Object) []FieldError {
	sc := obj.(*api.StorageClass)
	var errs []FieldError
	if sc.Provisioner == "" {
		errs = append(errs, Required("provisioner", ""))
	} else {
		errs = append(errs, qualifiedName("provisioner", strings.ToLower(sc.Provisioner))...)
	}
	size := 0
	if len(sc.Parameters) > maxProvisionerParameterLen {
		errs = append(errs, TooLong("parameters", maxProvisionerParameterLen))
	} else {
		for k, v := range sc.Parameters {
			if k == "" {
				errs = append(errs, Invalid("parameters", k, "field can not be empty."))
			}
			size += len(k) + len(v)
		}
		if size > maxProvisionerParameterSize {
			errs = append(errs, TooLong("parameters", maxProvisionerParameterSize))
		}
	}
	if r := api.Deref(sc.ReclaimPolicy, ""); r != "" && !slices.Contains(storageReclaimPolicies, r) {
		errs = append(errs, NotSupported("reclaimPolicy", r, storageReclaimPolicies))
	}
	switch m := sc.VolumeBindingMode; {
	case m == nil:
		errs = append(errs, Required("volumeBindingMode", ""))
	case !slices.Contains(volumeBindingModes, *m):
		errs = append(errs, NotSupported("volumeBindingMode", *m, volumeBindingModes))
	}
	var terms []map[string][]string
	for i, term := range sc.AllowedTopologies {
		p := fmt.Sprintf("allowedTopologies[%d].matchLabelExpressions", i)
		exprs := map[string][]string{}
		for j, req := range term.MatchLabelExpressions {
			rp := fmt.Sprintf("%s[%d]", p, j)
			if len(req.Values) == 0 {
				errs = append(errs, Required(rp+".values", ""))
			}
			seen := map[string]bool{}
			for k, v := range req.Values {
				if seen[v] {
					errs = append(errs, Duplicate(fmt.Sprintf("%s.values[%d]", rp, k), v))
				}
				seen[v] = true
			}
			errs = append(errs, qualifiedName(rp+".key", req.Key)...)
			if _, dup := exprs[req.Key]; dup {
				errs = append(errs, Duplicate(rp+".key", req.Key))
			}
			vals := slices.Clone(req.Values)
			slices.Sort(vals)
			exprs[req.Key] = slices.Compact(vals)
		}
		for _, t := range terms {
			if reflect.DeepEqual(t, exprs) {
				errs = append(errs, Duplicate(fmt.Sprintf("allowedTopologies[%d].matchLabelExpressions", i), ""))
			}
		}
		terms = append(terms, exprs)
	}
	return errs
}

// validateStorageClassUpdate: a class's parameters, provisioner, reclaim
// policy and binding mode are fixed at creation.
func validateStorageClassUpdate(obj, old api.Object) []FieldError {
	sc, o := obj.(*api.StorageClass), old.(*api.StorageClass)
	var errs []FieldError
	if !reflect.DeepEqual(sc.Parameters, o.Parameters) {
		errs = append(errs, Forbidden("parameters", "updates to parameters are forbidden."))
	}
	if sc.Provisioner != o.Provisioner {
		errs = append(errs, Forbidden("provisioner", "updates to provisioner are forbidden."))
	}
	if api.Deref(sc.ReclaimPolicy, "") != api.Deref(o.ReclaimPolicy, "") {
		errs = append(errs, Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
	}
	return append(errs, immutable("volumeBindingMode", sc.VolumeBindingMode, o.VolumeBindingMode)...)
}
