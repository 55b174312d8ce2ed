package api

// Two APIs the API server answers itself rather than from its store:
// v1 ComponentStatus (deprecated in v1.19, the health of the control
// plane's components, checked when asked) and apiregistration.k8s.io/v1
// APIService (kube-aggregator's: the group versions the API server serves,
// each "Local", and those of the aggregated API servers behind Services).

// ComponentStatus is k8s.io/api/core/v1 ComponentStatus.
type ComponentStatus struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Conditions []ComponentCondition `json:"conditions,omitempty"`
}

// ComponentCondition is k8s.io/api/core/v1 ComponentCondition.
type ComponentCondition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

// APIService is k8s.io/kube-aggregator apiregistration/v1 APIService.
type APIService struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       APIServiceSpec   `json:"spec,omitempty"`
	Status     APIServiceStatus `json:"status,omitempty"`
}

// APIServiceSpec is apiregistration/v1 APIServiceSpec: Service is nil
// for a group version the API server serves itself.
type APIServiceSpec struct {
	Service               *APIServiceReference `json:"service,omitempty"`
	Group                 string               `json:"group,omitempty"`
	Version               string               `json:"version,omitempty"`
	InsecureSkipTLSVerify bool                 `json:"insecureSkipTLSVerify,omitempty"`
	CABundle              []byte               `json:"caBundle,omitempty"`
	GroupPriorityMinimum  int32                `json:"groupPriorityMinimum"`
	VersionPriority       int32                `json:"versionPriority"`
}

// APIServiceReference is apiregistration/v1 ServiceReference.
type APIServiceReference struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Port      *int32 `json:"port,omitempty"`
}

// APIServiceStatus is apiregistration/v1 APIServiceStatus.
type APIServiceStatus struct {
	Conditions []APIServiceCondition `json:"conditions,omitempty"`
}

// APIServiceCondition is apiregistration/v1 APIServiceCondition.
type APIServiceCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitempty"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

// RegistrationGroup is the APIService's group.
const RegistrationGroup = "apiregistration.k8s.io"

// DeepCopy returns a deep copy of the receiver, or nil for nil.
func (in *ComponentStatus) DeepCopy() *ComponentStatus {
	if in == nil {
		return nil
	}
	out := *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Conditions = append([]ComponentCondition(nil), in.Conditions...)
	return &out
}

// DeepCopyObject returns a deep copy of the receiver as an Object.
func (in *ComponentStatus) DeepCopyObject() Object {
	if c := in.DeepCopy(); c != nil {
		return c
	}
	return nil
}

// DeepCopy returns a deep copy of the receiver, or nil for nil.
func (in *APIService) DeepCopy() *APIService {
	if in == nil {
		return nil
	}
	out := *in
	in.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if in.Spec.Service != nil {
		svc := *in.Spec.Service
		if svc.Port != nil {
			svc.Port = Ptr(*svc.Port)
		}
		out.Spec.Service = &svc
	}
	out.Spec.CABundle = append([]byte(nil), in.Spec.CABundle...)
	out.Status.Conditions = append([]APIServiceCondition(nil), in.Status.Conditions...)
	return &out
}

// DeepCopyObject returns a deep copy of the receiver as an Object.
func (in *APIService) DeepCopyObject() Object {
	if c := in.DeepCopy(); c != nil {
		return c
	}
	return nil
}
