package apiserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// Registry strategies of the core group's kinds other than pods, nodes,
// namespaces and services: defaults (pkg/apis/core/v1/defaults.go),
// PrepareForCreate and PrepareForUpdate (pkg/registry/core/*/strategy.go)
// and validation (pkg/apis/core/validation), in the API server's words.
// The helpers shared by every group's kinds come first.

func init() {
	causeReasons["Too many"] = "FieldValueTooMany"
	strategies["Secret"] = &strategy{
		prepareCreate:  func(s *Server, obj api.Object) { defaultSecret(obj.(*api.Secret)) },
		prepareUpdate:  func(s *Server, obj, _ api.Object) { defaultSecret(obj.(*api.Secret)) },
		validate:       validateSecret,
		validateUpdate: validateSecretUpdate,
	}
	strategies["ConfigMap"] = &strategy{
		validate:       validateConfigMap,
		validateUpdate: validateConfigMapUpdate,
	}
	strategies["PersistentVolume"] = &strategy{
		prepareCreate: preparePersistentVolumeCreate,
		prepareUpdate: func(s *Server, obj, _ api.Object) { defaultPersistentVolume(obj.(*api.PersistentVolume)) },
		validate: func(s *Server, obj api.Object) []FieldError {
			return validatePersistentVolumeSpec(&obj.(*api.PersistentVolume).Spec, "spec")
		},
		validateUpdate: validatePersistentVolumeUpdate,
	}
	strategies["PersistentVolumeClaim"] = &strategy{
		prepareCreate: preparePersistentVolumeClaimCreate,
		prepareUpdate: func(s *Server, obj, _ api.Object) {
			defaultPersistentVolumeClaimSpec(&obj.(*api.PersistentVolumeClaim).Spec)
		},
		validate: func(s *Server, obj api.Object) []FieldError {
			return validatePersistentVolumeClaimSpec(&obj.(*api.PersistentVolumeClaim).Spec, "spec")
		},
		validateUpdate: validatePersistentVolumeClaimUpdate,
	}
	strategies["ReplicationController"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) {
			rc := obj.(*api.ReplicationController)
			rc.Status = api.ReplicationControllerStatus{}
			defaultReplicationController(rc)
		},
		prepareUpdate: func(s *Server, obj, _ api.Object) { defaultReplicationController(obj.(*api.ReplicationController)) },
		validate:      validateReplicationController,
	}
	strategies["LimitRange"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) { defaultLimitRange(obj.(*api.LimitRange)) },
		prepareUpdate: func(s *Server, obj, _ api.Object) { defaultLimitRange(obj.(*api.LimitRange)) },
		validate:      validateLimitRange,
	}
	strategies["ResourceQuota"] = &strategy{
		prepareCreate:  func(s *Server, obj api.Object) { obj.(*api.ResourceQuota).Status = api.ResourceQuotaStatus{} },
		validate:       validateResourceQuota,
		validateUpdate: validateResourceQuotaUpdate,
	}
	strategies["Endpoints"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) { defaultEndpoints(obj.(*api.Endpoints)) },
		prepareUpdate: func(s *Server, obj, _ api.Object) { defaultEndpoints(obj.(*api.Endpoints)) },
		validate:      validateEndpoints,
	}
	strategies["PodTemplate"] = &strategy{
		prepareCreate: func(s *Server, obj api.Object) { defaultTemplate(&obj.(*api.PodTemplate).Template) },
		prepareUpdate: func(s *Server, obj, _ api.Object) { defaultTemplate(&obj.(*api.PodTemplate).Template) },
		validate: func(s *Server, obj api.Object) []FieldError {
			return validatePodTemplateSpec(&obj.(*api.PodTemplate).Template, "template")
		},
	}
	// A ServiceAccount has nothing to default or check but its name.
	strategies["ServiceAccount"] = &strategy{}
}

// --- Helpers shared by the kinds of every group. ---

// creating reports whether obj is being created rather than updated:
// validate runs for both, and an object is stamped with its
// creationTimestamp only once it passes. Kinds whose update validation
// differs from their create validation (an update's checks come first, or
// depend on the old object) validate updates in validateUpdate alone.
func creating(obj api.Object) bool { return obj.GetObjectMeta().CreationTimestamp.IsZero() }

// TooLong is a value longer than max bytes, as field.TooLong.
func TooLong(field string, max int) FieldError {
	unit := "bytes"
	if max == 1 {
		unit = "byte"
	}
	return FieldError{Type: "Too long", Field: field, Detail: fmt.Sprintf("may not be more than %d %s", max, unit)}
}

// TooMany is a list longer than max items, as field.TooMany.
func TooMany(field string, actual, max int) FieldError {
	unit := "items"
	if max == 1 {
		unit = "item"
	}
	return FieldError{Type: "Too many", Field: field, BadValue: actual, hasValue: true, Detail: fmt.Sprintf("must have at most %d %s", max, unit)}
}

// invalidNoValue is an invalid field whose value is not shown, as
// field.Invalid with field.OmitValueType.
func invalidNoValue(field, detail string) FieldError {
	return FieldError{Type: "Invalid value", Field: field, Detail: detail}
}

// goSyntax is a bad value printed verbatim: the %#v text the API server
// shows for its internal types, which the playground's types cannot
// reproduce by themselves (intstr.IntOrString has no value String method).
type goSyntax string

func (g goSyntax) String() string { return string(g) }

// internal prints v as %#v prints the API server's internal type of that
// name in package pkg ("apps", "core", "batch"); pointers are followed.
func internal(pkg string, v any) goSyntax {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		v = rv.Elem().Interface()
	}
	return goSyntax(strings.ReplaceAll(goSharp(v), "api.", pkg+"."))
}

// intstrValue prints v as the API server prints an intstr.IntOrString.
func intstrValue(v api.IntOrString) goSyntax {
	return goSyntax(fmt.Sprintf("intstr.IntOrString{Type:%d, IntVal:%d, StrVal:%q}", v.Type, v.IntVal, v.StrVal))
}

const isNegativeErrorMsg = "must be greater than or equal to 0"

func nonNegative(field string, v int64) []FieldError {
	if v < 0 {
		return []FieldError{Invalid(field, v, isNegativeErrorMsg)}
	}
	return nil
}

// immutable is ValidateImmutableField.
func immutable(field string, value, old any) []FieldError {
	if reflect.DeepEqual(value, old) {
		return nil
	}
	return []FieldError{Invalid(field, value, "field is immutable")}
}

// regexError and maxLenError word a format failure as
// k8s.io/apimachinery/pkg/util/validation does.
func regexError(msg, format string, examples ...string) string {
	if len(examples) == 0 {
		return msg + " (regex used for validation is '" + format + "')"
	}
	msg += " (e.g. "
	for i, e := range examples {
		if i > 0 {
			msg += " or "
		}
		msg += "'" + e + "', "
	}
	return msg + "regex used for validation is '" + format + "')"
}

func maxLenError(n int) string { return fmt.Sprintf("must be no more than %d characters", n) }

// dnsLabelErrors is IsDNS1123Label: a valid subdomain that is not a label
// is told it must not contain dots.
func dnsLabelErrors(v string) []string {
	errs := api.IsDNS1123Label(v)
	if len(errs) == 0 || len(api.IsDNS1123Subdomain(v)) > 0 {
		return errs
	}
	out := []string{}
	for _, e := range errs {
		if strings.HasPrefix(e, "a lowercase RFC 1123 label") {
			e = "must not contain dots"
		}
		out = append(out, e)
	}
	return out
}

func dnsLabel(field, v string) []FieldError {
	var errs []FieldError
	for _, msg := range dnsLabelErrors(v) {
		errs = append(errs, Invalid(field, v, msg))
	}
	return errs
}

func dnsSubdomain(field, v string) []FieldError {
	var errs []FieldError
	for _, msg := range api.IsDNS1123Subdomain(v) {
		errs = append(errs, Invalid(field, v, msg))
	}
	return errs
}

func qualifiedName(field, v string) []FieldError {
	var errs []FieldError
	for _, msg := range api.ValidateQualifiedName(v) {
		errs = append(errs, Invalid(field, v, msg))
	}
	return errs
}

var configMapKeyRe = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

// configMapKeyErrors is IsConfigMapKey, for ConfigMap and Secret keys.
func configMapKeyErrors(key string) []string {
	var errs []string
	if len(key) > 253 {
		errs = append(errs, maxLenError(253))
	}
	if !configMapKeyRe.MatchString(key) {
		errs = append(errs, regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", `[-._a-zA-Z0-9]+`, "key.name", "KEY_NAME", "key-name"))
	}
	switch {
	case key == ".":
		errs = append(errs, `must not be '.'`)
	case key == "..":
		errs = append(errs, `must not be '..'`)
	case strings.HasPrefix(key, ".."):
		errs = append(errs, `must not start with '..'`)
	}
	return errs
}

func portNumErrors(port int) []string {
	if port < 1 || port > 65535 {
		return []string{"must be between 1 and 65535, inclusive"}
	}
	return nil
}

var (
	portNameCharsetRe = regexp.MustCompile("^[-a-z0-9]+$")
	portNameLetterRe  = regexp.MustCompile("[a-z]")
)

// portNameErrors is IsValidPortName (an IANA_SVC_NAME).
func portNameErrors(name string) []string {
	var errs []string
	if len(name) > 15 {
		errs = append(errs, maxLenError(15))
	}
	if !portNameCharsetRe.MatchString(name) {
		errs = append(errs, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
	}
	if !portNameLetterRe.MatchString(name) {
		errs = append(errs, "must contain at least one letter (a-z)")
	}
	if strings.Contains(name, "--") {
		errs = append(errs, "must not contain consecutive hyphens")
	}
	if len(name) > 0 && (name[0] == '-' || name[len(name)-1] == '-') {
		errs = append(errs, "must not begin or end with a hyphen")
	}
	return errs
}

// portNumOrName is ValidatePortNumOrName, for targetPorts.
func portNumOrName(field string, p api.IntOrString) []FieldError {
	var errs []FieldError
	if p.Type == api.String {
		for _, msg := range portNameErrors(p.StrVal) {
			errs = append(errs, Invalid(field, p.StrVal, msg))
		}
		return errs
	}
	for _, msg := range portNumErrors(int(p.IntVal)) {
		errs = append(errs, Invalid(field, int(p.IntVal), msg))
	}
	return errs
}

// pathSegmentErrors is IsValidPathSegmentName: names that go in a URL.
func pathSegmentErrors(name string) []string {
	if name == "." || name == ".." {
		return []string{fmt.Sprintf("may not be '%s'", name)}
	}
	var errs []string
	for _, bad := range []string{"/", "%"} {
		if strings.Contains(name, bad) {
			errs = append(errs, fmt.Sprintf("may not contain '%s'", bad))
		}
	}
	return errs
}

// ipErrors is IsValidIPForLegacyField with strict validation: the fields
// that predate IP canonicalization (endpoints, cluster and external IPs).
func ipErrors(field, value string) []FieldError {
	if sloppyIP(value) {
		if _, err := netip.ParseAddr(value); err != nil {
			return []FieldError{Invalid(field, value, "must not have leading 0s")}
		}
	}
	ip, err := netip.ParseAddr(value)
	if err != nil || ip.Zone() != "" {
		return []FieldError{Invalid(field, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")}
	}
	if ip.Is4In6() {
		return []FieldError{Invalid(field, value, "must not be an IPv4-mapped IPv6 address")}
	}
	return nil
}

// sloppyIP reports an IPv4 address with leading zeros, which net.ParseIP
// once read and netip refuses.
func sloppyIP(value string) bool {
	parts := strings.Split(value, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 255 || p == "" {
			return false
		}
	}
	return true
}

// nonSpecialIP is ValidateNonSpecialIP: endpoints may not point at
// unspecified, loopback or link-local addresses.
func nonSpecialIP(field, value string) []FieldError {
	ip, err := netip.ParseAddr(value)
	if err != nil {
		if sloppyIP(value) {
			return nil
		}
		return []FieldError{Invalid(field, value, "must be a valid IP address")}
	}
	var errs []FieldError
	if ip.IsUnspecified() {
		errs = append(errs, Invalid(field, value, fmt.Sprintf("may not be unspecified (%v)", value)))
	}
	if ip.IsLoopback() {
		errs = append(errs, Invalid(field, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		errs = append(errs, Invalid(field, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		errs = append(errs, Invalid(field, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return errs
}

// cidrErrors is IsValidCIDR.
func cidrErrors(field, value string) []FieldError {
	p, err := netip.ParsePrefix(value)
	if err != nil {
		return []FieldError{Invalid(field, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")}
	}
	if p.Addr() != p.Masked().Addr() {
		return []FieldError{Invalid(field, value, "must not have bits set beyond the prefix length")}
	}
	if p.String() != value {
		return []FieldError{Invalid(field, value, fmt.Sprintf("must be in canonical form (%q)", p.String()))}
	}
	return nil
}

// validateLabelSelector is ValidateLabelSelector: the keys and values of
// matchLabels and the requirements of matchExpressions.
func validateLabelSelector(sel *api.LabelSelector, field string) []FieldError {
	if sel == nil {
		return nil
	}
	errs := validateLabels(sel.MatchLabels, field+".matchLabels")
	for i, e := range sel.MatchExpressions {
		p := fmt.Sprintf("%s.matchExpressions[%d]", field, i)
		switch e.Operator {
		case "In", "NotIn":
			if len(e.Values) == 0 {
				errs = append(errs, Required(p+".values", "must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case "Exists", "DoesNotExist":
			if len(e.Values) > 0 {
				errs = append(errs, Forbidden(p+".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		default:
			errs = append(errs, Invalid(p+".operator", e.Operator, "not a valid selector operator"))
		}
		errs = append(errs, qualifiedName(p+".key", e.Key)...)
		for j, v := range e.Values {
			for _, msg := range api.IsValidLabelValue(v) {
				errs = append(errs, Invalid(fmt.Sprintf("%s.values[%d]", p, j), v, msg))
			}
		}
	}
	return errs
}

// validateAnnotationKeys checks annotation keys as ValidateAnnotations does.
func validateAnnotationKeys(annotations map[string]string, field string) []FieldError {
	var errs []FieldError
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		for _, msg := range api.ValidateQualifiedName(strings.ToLower(k)) {
			errs = append(errs, Invalid(field, k, msg))
		}
	}
	return errs
}

// validatePodTemplateSpec is ValidatePodTemplateSpec. Its labels and
// annotations are checked at <path>.labels, not <path>.metadata.labels, as
// kube-apiserver words it.
func validatePodTemplateSpec(t *api.PodTemplateSpec, field string) []FieldError {
	errs := validateLabels(t.Labels, field+".labels")
	errs = append(errs, validateAnnotationKeys(t.Annotations, field+".annotations")...)
	errs = append(errs, validatePodSpec(&t.Spec, field+".spec")...)
	if len(t.Spec.EphemeralContainers) > 0 {
		errs = append(errs, Forbidden(field+".spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
	}
	return errs
}

// validateIntOrPercent is ValidatePositiveIntOrPercent.
func validateIntOrPercent(v api.IntOrString, field string) []FieldError {
	if v.Type == api.String {
		if !percentRe.MatchString(v.StrVal) {
			return []FieldError{Invalid(field, intstrValue(v), regexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%"))}
		}
		return nil
	}
	return nonNegative(field, int64(v.IntVal))
}

var percentRe = regexp.MustCompile(`^[0-9]+%$`)

// intOrPercent is getIntOrPercentValue: a percentage's number, or the int.
func intOrPercent(v api.IntOrString) int {
	if v.Type == api.String {
		if percentRe.MatchString(v.StrVal) {
			n, _ := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
			return n
		}
		n, _ := strconv.Atoi(v.StrVal)
		return n
	}
	return int(v.IntVal)
}

// notMoreThan100Percent is IsNotMoreThan100Percent.
func notMoreThan100Percent(v api.IntOrString, field string) []FieldError {
	if v.Type != api.String || !percentRe.MatchString(v.StrVal) || intOrPercent(v) <= 100 {
		return nil
	}
	return []FieldError{Invalid(field, intstrValue(v), "must not be greater than 100%")}
}

// sortedKeys returns a map's keys in order, so that errors come out the
// same every time (kube-apiserver walks maps in Go's random order).
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// --- Secret ---

const maxSecretSize = 1 << 20

// defaultSecret merges stringData into data, as the v1 conversion does,
// and defaults the type.
func defaultSecret(sec *api.Secret) {
	for _, k := range sortedKeys(sec.StringData) {
		if sec.Data == nil {
			sec.Data = map[string][]byte{}
		}
		sec.Data[k] = []byte(sec.StringData[k])
	}
	sec.StringData = nil
	if sec.Type == "" {
		sec.Type = "Opaque"
	}
}

func validateSecret(s *Server, obj api.Object) []FieldError {
	if !creating(obj) {
		return nil
	}
	return validateSecretData(obj.(*api.Secret))
}

func validateSecretData(sec *api.Secret) []FieldError {
	var errs []FieldError
	size := 0
	for _, k := range sortedKeys(sec.Data) {
		for _, msg := range configMapKeyErrors(k) {
			errs = append(errs, Invalid("data["+k+"]", k, msg))
		}
		size += len(sec.Data[k])
	}
	if size > maxSecretSize {
		errs = append(errs, TooLong("data", maxSecretSize))
	}
	required := func(keys ...string) {
		for _, k := range keys {
			if _, ok := sec.Data[k]; !ok {
				errs = append(errs, Required("data["+k+"]", ""))
			}
		}
	}
	wellFormedJSON := func(key string) {
		b, ok := sec.Data[key]
		if !ok {
			required(key)
			return
		}
		if err := json.Unmarshal(b, &map[string]any{}); err != nil {
			errs = append(errs, Invalid("data["+key+"]", "<secret contents redacted>", err.Error()))
		}
	}
	switch sec.Type {
	case "kubernetes.io/service-account-token":
		if sec.Annotations["kubernetes.io/service-account.name"] == "" {
			errs = append(errs, Required("metadata.annotations[kubernetes.io/service-account.name]", ""))
		}
	case "kubernetes.io/dockercfg":
		wellFormedJSON(".dockercfg")
	case "kubernetes.io/dockerconfigjson":
		wellFormedJSON(".dockerconfigjson")
	case "kubernetes.io/basic-auth":
		_, user := sec.Data["username"]
		_, pass := sec.Data["password"]
		if !user && !pass {
			required("username", "password")
		}
	case "kubernetes.io/ssh-auth":
		if len(sec.Data["ssh-privatekey"]) == 0 {
			errs = append(errs, Required("data[ssh-privatekey]", ""))
		}
	case "kubernetes.io/tls":
		required("tls.crt", "tls.key")
	}
	return errs
}

func validateSecretUpdate(obj, old api.Object) []FieldError {
	sec, o := obj.(*api.Secret), old.(*api.Secret)
	errs := immutable("type", sec.Type, o.Type)
	if api.Deref(o.Immutable, false) {
		if !api.Deref(sec.Immutable, false) {
			errs = append(errs, Forbidden("immutable", "field is immutable when `immutable` is set"))
		}
		if !reflect.DeepEqual(sec.Data, o.Data) {
			errs = append(errs, Forbidden("data", "field is immutable when `immutable` is set"))
		}
	}
	return append(errs, validateSecretData(sec)...)
}

// --- ConfigMap ---

func validateConfigMap(s *Server, obj api.Object) []FieldError {
	if !creating(obj) {
		return nil
	}
	return validateConfigMapData(obj.(*api.ConfigMap))
}

func validateConfigMapData(cm *api.ConfigMap) []FieldError {
	var errs []FieldError
	size := 0
	for _, k := range sortedKeys(cm.Data) {
		for _, msg := range configMapKeyErrors(k) {
			errs = append(errs, Invalid("data["+k+"]", k, msg))
		}
		if _, ok := cm.BinaryData[k]; ok {
			errs = append(errs, Invalid("data["+k+"]", k, "duplicate of key present in binaryData"))
		}
		size += len(cm.Data[k])
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		for _, msg := range configMapKeyErrors(k) {
			errs = append(errs, Invalid("binaryData["+k+"]", k, msg))
		}
		size += len(cm.BinaryData[k])
	}
	if size > maxSecretSize {
		// The whole object: the API server names no field.
		errs = append(errs, TooLong("", maxSecretSize))
	}
	return errs
}

func validateConfigMapUpdate(obj, old api.Object) []FieldError {
	cm, o := obj.(*api.ConfigMap), old.(*api.ConfigMap)
	var errs []FieldError
	if api.Deref(o.Immutable, false) {
		if !api.Deref(cm.Immutable, false) {
			errs = append(errs, Forbidden("immutable", "field is immutable when `immutable` is set"))
		}
		if !reflect.DeepEqual(cm.Data, o.Data) {
			errs = append(errs, Forbidden("data", "field is immutable when `immutable` is set"))
		}
		if !reflect.DeepEqual(cm.BinaryData, o.BinaryData) {
			errs = append(errs, Forbidden("binaryData", "field is immutable when `immutable` is set"))
		}
	}
	return append(errs, validateConfigMapData(cm)...)
}

// --- PersistentVolume ---

var (
	supportedAccessModes  = []string{"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"}
	supportedVolumeModes  = []string{"Block", "Filesystem"}
	supportedHostPathType = []string{"", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"}
)

func preparePersistentVolumeCreate(s *Server, obj api.Object) {
	pv := obj.(*api.PersistentVolume)
	// PersistentVolumeLastPhaseTransitionTime is GA: a new volume is
	// Pending since its creation.
	pv.Status = api.PersistentVolumeStatus{Phase: "Pending", LastPhaseTransitionTime: api.NewTimePtr(s.Now())}
	defaultPersistentVolume(pv)
}

func defaultPersistentVolume(pv *api.PersistentVolume) {
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = "Retain"
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = api.Ptr("Filesystem")
	}
	if hp := pv.Spec.HostPath; hp != nil && hp.Type == nil {
		hp.Type = api.Ptr("")
	}
}

func validateAccessModes(modes []string, field string) []FieldError {
	var errs []FieldError
	rwop, other := false, false
	for _, m := range modes {
		if !slices.Contains(supportedAccessModes, m) {
			errs = append(errs, NotSupported(field, m, supportedAccessModes))
			continue
		}
		if m == "ReadWriteOncePod" {
			rwop = true
		} else {
			other = true
		}
	}
	if rwop && other {
		errs = append(errs, Forbidden(field, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

// noBacksteps is validatePathNoBacksteps.
func noBacksteps(field, p string) []FieldError {
	if slices.Contains(strings.Split(p, "/"), "..") {
		return []FieldError{Invalid(field, p, "must not contain '..'")}
	}
	return nil
}

func validatePersistentVolumeSpec(spec *api.PersistentVolumeSpec, field string) []FieldError {
	var errs []FieldError
	if len(spec.AccessModes) == 0 {
		errs = append(errs, Required(field+".accessModes", ""))
	}
	errs = append(errs, validateAccessModes(spec.AccessModes, field+".accessModes")...)
	if len(spec.Capacity) == 0 {
		errs = append(errs, Required(field+".capacity", ""))
	}
	if _, ok := spec.Capacity["storage"]; !ok || len(spec.Capacity) > 1 {
		errs = append(errs, NotSupported(field+".capacity", spec.Capacity, []string{"storage"}))
	}
	for _, k := range sortedKeys(spec.Capacity) {
		q := spec.Capacity[k]
		p := field + ".capacity[" + k + "]"
		if q.Value() < 0 {
			errs = append(errs, Invalid(p, q.Value(), "must be a valid resource quantity"))
		}
		if q.Sign() <= 0 {
			errs = append(errs, Invalid(p, q.String(), "must be greater than zero"))
		}
	}
	if r := spec.PersistentVolumeReclaimPolicy; r != "" && !slices.Contains([]string{"Delete", "Recycle", "Retain"}, r) {
		errs = append(errs, NotSupported(field+".persistentVolumeReclaimPolicy", r, []string{"Delete", "Recycle", "Retain"}))
	}
	affinity := false
	if na := spec.NodeAffinity; na != nil {
		affinity = true
		switch {
		case na.Required == nil:
			errs = append(errs, Required(field+".nodeAffinity.required", "must specify required node constraints"))
		case len(na.Required.NodeSelectorTerms) == 0:
			errs = append(errs, Required(field+".nodeAffinity.required.nodeSelectorTerms", "must have at least one node selector term"))
		}
	}
	errs = append(errs, validatePersistentVolumeSource(&spec.PersistentVolumeSource, field, affinity)...)
	if hp := spec.HostPath; hp != nil && path.Clean(hp.Path) == "/" && spec.PersistentVolumeReclaimPolicy == "Recycle" {
		errs = append(errs, Forbidden(field+".persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"))
	}
	if spec.StorageClassName != "" {
		errs = append(errs, dnsSubdomain(field+".storageClassName", spec.StorageClassName)...)
	}
	if m := spec.VolumeMode; m != nil && !slices.Contains(supportedVolumeModes, *m) {
		errs = append(errs, NotSupported(field+".volumeMode", *m, supportedVolumeModes))
	}
	return errs
}

// validatePersistentVolumeSource requires exactly one volume type and
// checks the common ones; the cloud and network types are only counted.
func validatePersistentVolumeSource(src *api.PersistentVolumeSource, field string, affinity bool) []FieldError {
	var errs []FieldError
	v := reflect.ValueOf(src).Elem()
	seen := 0
	for i := range v.NumField() {
		if v.Field(i).IsNil() {
			continue
		}
		name := strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0]
		if seen++; seen > 1 {
			errs = append(errs, Forbidden(field+"."+name, "may not specify more than 1 volume type"))
			continue
		}
		p := field + "." + name
		switch {
		case src.HostPath != nil && name == "hostPath":
			if src.HostPath.Path == "" {
				errs = append(errs, Required(p+".path", ""))
				break
			}
			errs = append(errs, noBacksteps(p+".path", src.HostPath.Path)...)
			if t := src.HostPath.Type; t != nil && !slices.Contains(supportedHostPathType, *t) {
				errs = append(errs, NotSupported(p+".type", *t, supportedHostPathType))
			}
		case src.Local != nil && name == "local":
			if src.Local.Path == "" {
				errs = append(errs, Required(p+".path", ""))
			} else {
				errs = append(errs, noBacksteps(p+".path", src.Local.Path)...)
			}
			if !affinity {
				errs = append(errs, Required(field+".nodeAffinity", "Local volume requires node affinity"))
			}
		case src.NFS != nil && name == "nfs":
			if src.NFS.Server == "" {
				errs = append(errs, Required(p+".server", ""))
			}
			if src.NFS.Path == "" {
				errs = append(errs, Required(p+".path", ""))
			}
			if !path.IsAbs(src.NFS.Path) {
				errs = append(errs, Invalid(p+".path", src.NFS.Path, "must be an absolute path"))
			}
		case src.CSI != nil && name == "csi":
			errs = append(errs, validateCSIDriverName(p+".driver", src.CSI.Driver)...)
			if src.CSI.VolumeHandle == "" {
				errs = append(errs, Required(p+".volumeHandle", ""))
			}
		}
	}
	if seen == 0 {
		errs = append(errs, Required(field, "must specify a volume type"))
	}
	return errs
}

func validateCSIDriverName(field, name string) []FieldError {
	var errs []FieldError
	if name == "" {
		errs = append(errs, Required(field, ""))
	}
	if len(name) > 63 {
		errs = append(errs, TooLong(field, 63))
	}
	for _, msg := range api.IsDNS1123Subdomain(strings.ToLower(name)) {
		errs = append(errs, Invalid(field, name, msg))
	}
	return errs
}

func validatePersistentVolumeUpdate(obj, old api.Object) []FieldError {
	pv, o := obj.(*api.PersistentVolume), old.(*api.PersistentVolume)
	var errs []FieldError
	src := pv.Spec.PersistentVolumeSource
	// A CSI volume may gain its controllerExpandSecretRef later.
	if o.Spec.CSI != nil && o.Spec.CSI.ControllerExpandSecretRef == nil && src.CSI != nil && src.CSI.ControllerExpandSecretRef != nil {
		csi := *src.CSI
		csi.ControllerExpandSecretRef = nil
		src.CSI = &csi
	}
	if !reflect.DeepEqual(src, o.Spec.PersistentVolumeSource) {
		errs = append(errs, Forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation\n"+structDiff("core.PersistentVolumeSource", o.Spec.PersistentVolumeSource, src)))
	}
	return append(errs, immutable("volumeMode", pv.Spec.VolumeMode, o.Spec.VolumeMode)...)
}

// structDiff approximates the go-cmp diff kube-apiserver appends to its
// immutability errors: the fields that differ, old then new.
func structDiff(typeName string, old, cur any) string {
	ov, nv := reflect.ValueOf(old), reflect.ValueOf(cur)
	var b strings.Builder
	b.WriteString("  " + typeName + "{\n")
	same := 0
	flush := func() {
		if same > 0 {
			fmt.Fprintf(&b, "  \t... // %d identical fields\n", same)
			same = 0
		}
	}
	for i := range ov.NumField() {
		f := ov.Type().Field(i)
		a, c := ov.Field(i).Interface(), nv.Field(i).Interface()
		if reflect.DeepEqual(a, c) {
			same++
			continue
		}
		flush()
		fmt.Fprintf(&b, "- \t%s: %s,\n+ \t%s: %s,\n", f.Name, diffValue(a), f.Name, diffValue(c))
	}
	flush()
	b.WriteString("  }\n")
	return b.String()
}

func diffValue(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "nil"
		}
		return "&" + diffValue(rv.Elem().Interface())
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return strings.ReplaceAll(goSharp(v), "api.", "core.")
}

// --- PersistentVolumeClaim ---

func preparePersistentVolumeClaimCreate(s *Server, obj api.Object) {
	pvc := obj.(*api.PersistentVolumeClaim)
	pvc.Status = api.PersistentVolumeClaimStatus{Phase: "Pending"}
	defaultPersistentVolumeClaimSpec(&pvc.Spec)
	s.admitDefaultStorageClass(pvc)
}

func defaultPersistentVolumeClaimSpec(spec *api.PersistentVolumeClaimSpec) {
	if spec.VolumeMode == nil {
		spec.VolumeMode = api.Ptr("Filesystem")
	}
	// dataSource and dataSourceRef mirror each other (AnyVolumeDataSource).
	switch {
	case spec.DataSource != nil && spec.DataSourceRef == nil:
		ds := spec.DataSource
		spec.DataSourceRef = &api.TypedObjectReference{APIGroup: clonePtr(ds.APIGroup), Kind: ds.Kind, Name: ds.Name}
	case spec.DataSourceRef != nil && spec.DataSource == nil && api.Deref(spec.DataSourceRef.Namespace, "") == "":
		ref := spec.DataSourceRef
		spec.DataSource = &api.TypedLocalObjectReference{APIGroup: clonePtr(ref.APIGroup), Kind: ref.Kind, Name: ref.Name}
	}
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return api.Ptr(*p)
}

// admitDefaultStorageClass is the DefaultStorageClass admission plugin: a
// claim that names no class gets the cluster's default one, the newest if
// several are marked.
func (s *Server) admitDefaultStorageClass(pvc *api.PersistentVolumeClaim) {
	if pvc.Spec.StorageClassName != nil {
		return
	}
	if _, ok := pvc.Annotations["volume.beta.kubernetes.io/storage-class"]; ok {
		return
	}
	l, err := s.List(resourceOf("storageclasses"), "", ListOptions{})
	if err != nil {
		return
	}
	var best *api.StorageClass
	for _, o := range l.Items {
		sc := o.(*api.StorageClass)
		if sc.Annotations["storageclass.kubernetes.io/is-default-class"] != "true" {
			continue
		}
		if best == nil || newer(&sc.ObjectMeta, &best.ObjectMeta) {
			best = sc
		}
	}
	if best != nil {
		pvc.Spec.StorageClassName = api.Ptr(best.Name)
	}
}

// newer orders default classes as the admission plugins do: the most
// recently created first, then by name.
func newer(a, b *api.ObjectMeta) bool {
	if !a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
		return a.CreationTimestamp.After(b.CreationTimestamp.Time)
	}
	return a.Name < b.Name
}

func validatePersistentVolumeClaimSpec(spec *api.PersistentVolumeClaimSpec, field string) []FieldError {
	var errs []FieldError
	if len(spec.AccessModes) == 0 {
		errs = append(errs, Required(field+".accessModes", "at least 1 access mode is required"))
	}
	errs = append(errs, validateLabelSelector(spec.Selector, field+".selector")...)
	errs = append(errs, validateAccessModes(spec.AccessModes, field+".accessModes")...)
	storage := field + ".resources[storage]"
	if q, ok := spec.Resources.Requests["storage"]; !ok {
		errs = append(errs, Required(storage, ""))
	} else if q.Sign() <= 0 {
		errs = append(errs, Invalid(storage, q.String(), "must be greater than zero"))
	}
	if c := api.Deref(spec.StorageClassName, ""); c != "" {
		errs = append(errs, dnsSubdomain(field+".storageClassName", c)...)
	}
	if m := spec.VolumeMode; m != nil && !slices.Contains(supportedVolumeModes, *m) {
		errs = append(errs, NotSupported(field+".volumeMode", *m, supportedVolumeModes))
	}
	dataSource := func(p, name, kind string, group *string) {
		if name == "" {
			errs = append(errs, Required(p+".name", ""))
		}
		if kind == "" {
			errs = append(errs, Required(p+".kind", ""))
		}
		g := api.Deref(group, "")
		if g == "" && kind != "PersistentVolumeClaim" {
			errs = append(errs, Invalid(p, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
		}
		if g != "" {
			errs = append(errs, dnsSubdomain(p+".apiGroup", g)...)
		}
	}
	if ds := spec.DataSource; ds != nil {
		dataSource(field+".dataSource", ds.Name, ds.Kind, ds.APIGroup)
	}
	if ref := spec.DataSourceRef; ref != nil {
		dataSource(field+".dataSourceRef", ref.Name, ref.Kind, ref.APIGroup)
		if ns := api.Deref(ref.Namespace, ""); ns != "" {
			for _, msg := range dnsLabelErrors(ns) {
				errs = append(errs, Invalid(field+".dataSourceRef.namespace", ns, msg))
			}
			if spec.DataSource != nil {
				errs = append(errs, Invalid(field, field+".dataSource", "may not be specified when dataSourceRef.namespace is specified"))
			}
		} else if ds := spec.DataSource; ds != nil && (!reflect.DeepEqual(ds.APIGroup, ref.APIGroup) || ds.Kind != ref.Kind || ds.Name != ref.Name) {
			errs = append(errs, Invalid(field, field+".dataSource", "must match dataSourceRef"))
		}
	}
	return errs
}

func validatePersistentVolumeClaimUpdate(obj, old api.Object) []FieldError {
	pvc, o := obj.(*api.PersistentVolumeClaim), old.(*api.PersistentVolumeClaim)
	var errs []FieldError
	cur, prev := pvc.Spec, o.Spec
	// The binder sets volumeName once; a class may be set where none was.
	if prev.VolumeName == "" {
		prev.VolumeName = cur.VolumeName
	}
	if prev.StorageClassName == nil && cur.StorageClassName != nil {
		if a, ok := o.Annotations["volume.beta.kubernetes.io/storage-class"]; !ok || a == *cur.StorageClassName {
			prev.StorageClassName = cur.StorageClassName
		}
	}
	// A bound claim may grow, or change its volume attributes class.
	if pvc.Status.Phase == "Bound" {
		if cur.Resources.Requests != nil {
			cur.Resources.Requests = maps.Clone(cur.Resources.Requests)
			if q, ok := o.Spec.Resources.Requests["storage"]; ok {
				cur.Resources.Requests["storage"] = q
			} else {
				delete(cur.Resources.Requests, "storage")
			}
		}
		if cur.VolumeAttributesClassName != nil {
			cur.VolumeAttributesClassName = prev.VolumeAttributesClassName
		}
	}
	if !reflect.DeepEqual(cur, prev) {
		errs = append(errs, Forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"+structDiff("core.PersistentVolumeClaimSpec", prev, cur)))
	}
	newSize, oldSize := pvc.Spec.Resources.Requests["storage"], o.Spec.Resources.Requests["storage"]
	// RecoverVolumeExpansionFailure: a claim may shrink back to its capacity.
	if newSize.Cmp(oldSize) < 0 && newSize.Cmp(o.Status.Capacity["storage"]) <= 0 {
		errs = append(errs, Forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"))
	}
	return append(errs, immutable("volumeMode", pvc.Spec.VolumeMode, o.Spec.VolumeMode)...)
}

// --- ReplicationController ---

func defaultReplicationController(rc *api.ReplicationController) {
	if rc.Spec.Template != nil {
		if labels := rc.Spec.Template.Labels; labels != nil {
			if len(rc.Spec.Selector) == 0 {
				rc.Spec.Selector = maps.Clone(labels)
			}
			if len(rc.Labels) == 0 {
				rc.Labels = maps.Clone(labels)
			}
		}
		defaultTemplate(rc.Spec.Template)
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = api.Ptr(int32(1))
	}
}

func validateReplicationController(s *Server, obj api.Object) []FieldError {
	spec := &obj.(*api.ReplicationController).Spec
	errs := nonNegative("spec.minReadySeconds", int64(spec.MinReadySeconds))
	if len(spec.Selector) == 0 {
		errs = append(errs, Required("spec.selector", ""))
	}
	errs = append(errs, nonNegative("spec.replicas", int64(api.Deref(spec.Replicas, 1)))...)
	t := spec.Template
	if t == nil {
		return append(errs, Required("spec.template", ""))
	}
	if len(spec.Selector) > 0 && !api.SelectorFromSet(spec.Selector).Matches(t.Labels) {
		errs = append(errs, Invalid("spec.template.metadata.labels", t.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, validatePodTemplateSpec(t, "spec.template")...)
	return append(errs, alwaysRestart(&t.Spec, "spec.template.spec", "ReplicationController")...)
}

// alwaysRestart checks what the workload controllers that keep pods
// running require of their template.
func alwaysRestart(spec *api.PodSpec, field, kind string) []FieldError {
	var errs []FieldError
	if spec.RestartPolicy != api.RestartAlways {
		errs = append(errs, NotSupported(field+".restartPolicy", spec.RestartPolicy, []string{api.RestartAlways}))
	}
	if spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, Forbidden(field+".activeDeadlineSeconds", "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return errs
}

// --- LimitRange ---

// defaultLimitRange is SetDefaults_LimitRangeItem: a container's default
// limit comes from its max, its default request from the default limit,
// else from its min.
func defaultLimitRange(lr *api.LimitRange) {
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		if item.Type != "Container" {
			continue
		}
		if item.Default == nil {
			item.Default = api.ResourceList{}
		}
		if item.DefaultRequest == nil {
			item.DefaultRequest = api.ResourceList{}
		}
		for k, v := range item.Max {
			if _, ok := item.Default[k]; !ok {
				item.Default[k] = v
			}
		}
		for k, v := range item.Default {
			if _, ok := item.DefaultRequest[k]; !ok {
				item.DefaultRequest[k] = v
			}
		}
		for k, v := range item.Min {
			if _, ok := item.DefaultRequest[k]; !ok {
				item.DefaultRequest[k] = v
			}
		}
	}
}

var (
	standardContainerResources = []string{"cpu", "memory", "ephemeral-storage"}
	standardResources          = []string{
		"cpu", "memory", "ephemeral-storage", "storage", "pods", "services", "replicationcontrollers", "resourcequotas",
		"secrets", "configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
		"requests.cpu", "requests.memory", "requests.ephemeral-storage", "requests.storage",
		"limits.cpu", "limits.memory", "limits.ephemeral-storage",
	}
	standardQuotaResources = []string{
		"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
		"services.nodeports", "services.loadbalancers", "cpu", "memory", "ephemeral-storage",
		"requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
		"limits.cpu", "limits.memory", "limits.ephemeral-storage",
	}
	integerResources = []string{
		"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
		"persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
	}
)

func isHugePages(name string) bool {
	return strings.HasPrefix(name, "hugepages-") || strings.HasPrefix(name, "requests.hugepages-") || strings.HasPrefix(name, "limits.hugepages-")
}

// resourceNameErrors is validateResourceName.
func resourceNameErrors(field, name string) []FieldError {
	if errs := qualifiedName(field, name); len(errs) > 0 {
		return errs
	}
	if !strings.Contains(name, "/") && !slices.Contains(standardResources, name) && !isHugePages(name) {
		return []FieldError{Invalid(field, name, "must be a standard resource type or fully qualified")}
	}
	return nil
}

// containerResourceNameErrors is validateContainerResourceName.
func containerResourceNameErrors(field, name string) []FieldError {
	errs := resourceNameErrors(field, name)
	if !strings.Contains(name, "/") {
		if !slices.Contains(standardContainerResources, name) && !strings.HasPrefix(name, "hugepages-") {
			errs = append(errs, Invalid(field, name, "must be a standard resource for containers"))
		}
	} else if !strings.Contains(name, "kubernetes.io/") && strings.HasPrefix(name, "requests.") {
		errs = append(errs, Invalid(field, name, "doesn't follow extended resource name standard"))
	}
	return errs
}

// quantityErrors is ValidateResourceQuantityValue.
func quantityErrors(field, name string, q api.Quantity) []FieldError {
	var errs []FieldError
	if q.Sign() < 0 {
		errs = append(errs, Invalid(field, q.String(), isNegativeErrorMsg))
	}
	if slices.Contains(integerResources, name) && q.MilliValue()%1000 != 0 {
		errs = append(errs, Invalid(field, q, "must be an integer"))
	}
	return errs
}

func validateLimitRange(s *Server, obj api.Object) []FieldError {
	lr := obj.(*api.LimitRange)
	var errs []FieldError
	types := map[string]bool{}
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		p := fmt.Sprintf("spec.limits[%d]", i)
		if qn := qualifiedName(p+".type", item.Type); len(qn) > 0 {
			errs = append(errs, qn...)
		} else if !strings.Contains(item.Type, "/") && !slices.Contains([]string{"Pod", "Container", "PersistentVolumeClaim"}, item.Type) {
			errs = append(errs, Invalid(p+".type", item.Type, "must be a standard limit type or fully qualified"))
		}
		if types[item.Type] {
			errs = append(errs, Duplicate(p+".type", item.Type))
		}
		types[item.Type] = true
		names := func(list api.ResourceList, sub string) {
			for _, k := range sortedKeys(list) {
				f := p + "." + sub + "[" + k + "]"
				if item.Type == "Pod" || item.Type == "Container" {
					errs = append(errs, containerResourceNameErrors(f, k)...)
				} else {
					errs = append(errs, resourceNameErrors(f, k)...)
				}
			}
		}
		names(item.Max, "max")
		names(item.Min, "min")
		if item.Type == "Pod" {
			if len(item.Default) > 0 {
				errs = append(errs, Forbidden(p+".default", "may not be specified when `type` is 'Pod'"))
			}
			if len(item.DefaultRequest) > 0 {
				errs = append(errs, Forbidden(p+".defaultRequest", "may not be specified when `type` is 'Pod'"))
			}
		} else {
			names(item.Default, "default")
			names(item.DefaultRequest, "defaultRequest")
		}
		if item.Type == "PersistentVolumeClaim" {
			_, min := item.Min["storage"]
			_, max := item.Max["storage"]
			if !min && !max {
				errs = append(errs, Required(p+".limits", "either minimum or maximum storage value is required, but neither was provided"))
			}
		}
		names(item.MaxLimitRequestRatio, "maxLimitRequestRatio")
		keys := map[string]bool{}
		for _, l := range []api.ResourceList{item.Max, item.Min, item.Default, item.DefaultRequest, item.MaxLimitRequestRatio} {
			for k := range l {
				keys[k] = true
			}
		}
		for _, k := range sortedKeys(keys) {
			min, hasMin := item.Min[k]
			max, hasMax := item.Max[k]
			def, hasDef := item.Default[k]
			req, hasReq := item.DefaultRequest[k]
			ratio, hasRatio := item.MaxLimitRequestRatio[k]
			if hasMin && hasMax && min.Cmp(max) > 0 {
				errs = append(errs, Invalid(p+".min["+k+"]", min, fmt.Sprintf("min value %s is greater than max value %s", min, max)))
			}
			if hasReq && hasMin && min.Cmp(req) > 0 {
				errs = append(errs, Invalid(p+".defaultRequest["+k+"]", req, fmt.Sprintf("min value %s is greater than default request value %s", min, req)))
			}
			if hasReq && hasMax && req.Cmp(max) > 0 {
				errs = append(errs, Invalid(p+".defaultRequest["+k+"]", req, fmt.Sprintf("default request value %s is greater than max value %s", req, max)))
			}
			if hasReq && hasDef && req.Cmp(def) > 0 {
				errs = append(errs, Invalid(p+".defaultRequest["+k+"]", req, fmt.Sprintf("default request value %s is greater than default limit value %s", req, def)))
			}
			if hasDef && hasMin && min.Cmp(def) > 0 {
				errs = append(errs, Invalid(p+".default["+k+"]", min, fmt.Sprintf("min value %s is greater than default value %s", min, def)))
			}
			if hasDef && hasMax && def.Cmp(max) > 0 {
				errs = append(errs, Invalid(p+".default["+k+"]", max, fmt.Sprintf("default value %s is greater than max value %s", def, max)))
			}
			if hasRatio && ratio.Cmp(api.NewQuantity(1, api.DecimalSI)) < 0 {
				errs = append(errs, Invalid(p+".maxLimitRequestRatio["+k+"]", ratio, fmt.Sprintf("ratio %s is less than 1", ratio)))
			}
			if hasRatio && hasMin && hasMax && min.Sign() > 0 {
				limit := float64(max.MilliValue()) / float64(min.MilliValue())
				if float64(ratio.MilliValue())/1000 > limit {
					errs = append(errs, Invalid(p+".maxLimitRequestRatio["+k+"]", ratio, fmt.Sprintf("ratio %s is greater than max/min = %f", ratio, limit)))
				}
			}
		}
	}
	return errs
}

// --- ResourceQuota ---

var (
	quotaScopes        = []string{"Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity", "VolumeAttributesClass"}
	podQuotaResources  = []string{"pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "cpu", "memory", "requests.ephemeral-storage", "limits.ephemeral-storage", "ephemeral-storage"}
	quotaScopeForPods  = []string{"Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"}
	quotaScopeOperator = []string{"In", "NotIn", "Exists", "DoesNotExist"}
)

// scopeFitsResource is IsResourceQuotaScopeValidForResource, simplified:
// BestEffort counts only pods; the other pod scopes count pod resources.
func scopeFitsResource(scope, resource string) bool {
	switch scope {
	case "BestEffort":
		return resource == "pods"
	case "VolumeAttributesClass":
		return strings.Contains(resource, "storage") || strings.Contains(resource, "persistentvolumeclaims")
	}
	if slices.Contains(quotaScopeForPods, scope) {
		return slices.Contains(podQuotaResources, resource) || isHugePages(resource)
	}
	return true
}

func validateResourceQuota(s *Server, obj api.Object) []FieldError {
	spec := &obj.(*api.ResourceQuota).Spec
	var errs []FieldError
	for _, k := range sortedKeys(spec.Hard) {
		f := "spec.hard[" + k + "]"
		rn := resourceNameErrors(f, k)
		if len(rn) == 0 && !strings.Contains(k, "/") && !slices.Contains(standardQuotaResources, k) && !isHugePages(k) {
			rn = append(rn, Invalid(f, k, "must be a standard resource for quota"))
		}
		errs = append(errs, rn...)
		errs = append(errs, quantityErrors(f, k, spec.Hard[k])...)
	}
	has := map[string]bool{}
	check := func(scopes []string, field string, value any, unsupported func(string) FieldError) {
		for _, sc := range scopes {
			if !slices.Contains(quotaScopes, sc) {
				errs = append(errs, unsupported(sc))
			}
			for _, k := range sortedKeys(spec.Hard) {
				if slices.Contains(standardQuotaResources, k) && !scopeFitsResource(sc, k) {
					errs = append(errs, Invalid(field, value, "unsupported scope applied to resource"))
				}
			}
			has[sc] = true
		}
		if has["BestEffort"] && has["NotBestEffort"] || has["Terminating"] && has["NotTerminating"] {
			errs = append(errs, Invalid(field, spec.Scopes, "conflicting scopes"))
		}
	}
	if len(spec.Scopes) > 0 {
		check(spec.Scopes, "spec.scopes", spec.Scopes, func(string) FieldError {
			return Invalid("spec.scopes", spec.Scopes, "unsupported scope")
		})
	}
	if sel := spec.ScopeSelector; sel != nil {
		clear(has)
		p := "spec.scopeSelector.matchExpressions"
		var names []string
		for _, req := range sel.MatchExpressions {
			names = append(names, req.ScopeName)
			switch req.ScopeName {
			case "BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity":
				if req.Operator != "Exists" {
					errs = append(errs, Invalid(p+".operator", req.Operator, "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"))
				}
			}
			switch req.Operator {
			case "In", "NotIn":
				if len(req.Values) == 0 {
					errs = append(errs, Required(p+".values", "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
				}
			case "Exists", "DoesNotExist":
				if len(req.Values) != 0 {
					errs = append(errs, Invalid(p+".values", req.Values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
				}
			default:
				errs = append(errs, Invalid(p+".operator", req.Operator, "not a valid selector operator"))
			}
		}
		check(names, p, sel, func(sc string) FieldError { return Invalid(p+".scopeName", sc, "unsupported scope") })
	}
	return errs
}

func validateResourceQuotaUpdate(obj, old api.Object) []FieldError {
	rq, o := obj.(*api.ResourceQuota), old.(*api.ResourceQuota)
	a, b := slices.Clone(rq.Spec.Scopes), slices.Clone(o.Spec.Scopes)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(slices.Compact(a), slices.Compact(b)) {
		return []FieldError{Invalid("spec.scopes", rq.Spec.Scopes, "field is immutable")}
	}
	return nil
}

// --- Endpoints ---

var supportedProtocols = []string{"SCTP", "TCP", "UDP"}

func defaultEndpoints(ep *api.Endpoints) {
	for i := range ep.Subsets {
		for j := range ep.Subsets[i].Ports {
			if p := &ep.Subsets[i].Ports[j]; p.Protocol == "" {
				p.Protocol = "TCP"
			}
		}
	}
}

func validateEndpoints(s *Server, obj api.Object) []FieldError {
	ep := obj.(*api.Endpoints)
	var errs []FieldError
	for i := range ep.Subsets {
		ss := &ep.Subsets[i]
		p := fmt.Sprintf("subsets[%d]", i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, Required(p, "must specify `addresses` or `notReadyAddresses`"))
		}
		address := func(a *api.EndpointAddress, f string) {
			errs = append(errs, ipErrors(f+".ip", a.IP)...)
			if a.Hostname != "" {
				errs = append(errs, dnsLabel(f+".hostname", a.Hostname)...)
			}
			if a.NodeName != nil {
				errs = append(errs, dnsSubdomain(f+".nodeName", *a.NodeName)...)
			}
			errs = append(errs, nonSpecialIP(f+".ip", a.IP)...)
		}
		for j := range ss.Addresses {
			address(&ss.Addresses[j], fmt.Sprintf("%s.addresses[%d]", p, j))
		}
		for j := range ss.NotReadyAddresses {
			address(&ss.NotReadyAddresses[j], fmt.Sprintf("%s.notReadyAddresses[%d]", p, j))
		}
		for j, port := range ss.Ports {
			f := fmt.Sprintf("%s.ports[%d]", p, j)
			if len(ss.Ports) > 1 && port.Name == "" {
				errs = append(errs, Required(f+".name", ""))
			} else if port.Name != "" {
				errs = append(errs, dnsLabel(f+".name", port.Name)...)
			}
			for _, msg := range portNumErrors(int(port.Port)) {
				errs = append(errs, Invalid(f+".port", port.Port, msg))
			}
			errs = append(errs, protocolErrors(f+".protocol", port.Protocol)...)
			if port.AppProtocol != nil {
				errs = append(errs, qualifiedName(f+".appProtocol", *port.AppProtocol)...)
			}
		}
	}
	return errs
}

func protocolErrors(field, protocol string) []FieldError {
	switch {
	case protocol == "":
		return []FieldError{Required(field, "")}
	case !slices.Contains(supportedProtocols, protocol):
		return []FieldError{NotSupported(field, protocol, supportedProtocols)}
	}
	return nil
}
