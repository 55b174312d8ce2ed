package apiserver

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/kubeplay/kubeplay/engine/api"
)

// StatusError is an API error with the API server's reason, code and words.
type StatusError struct {
	Status api.Status
}

func (e *StatusError) Error() string { return e.Status.Message }

// Reason returns the machine-readable reason, e.g. "NotFound".
func (e *StatusError) Reason() string { return e.Status.Reason }

func newStatus(code int32, reason, msg string, details *api.StatusDetails) *StatusError {
	return &StatusError{Status: api.Status{
		TypeMeta: api.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   "Failure",
		Message:  msg,
		Reason:   reason,
		Details:  details,
		Code:     code,
	}}
}

// NewNotFound returns `pods "x" not found`.
func NewNotFound(r *api.ResourceInfo, name string) *StatusError {
	msg := fmt.Sprintf("%s %q not found", r.GroupResource(), name)
	if name == "" {
		msg = fmt.Sprintf("%s not found", r.GroupResource())
	}
	return newStatus(http.StatusNotFound, "NotFound", msg, &api.StatusDetails{Name: name, Group: r.Group, Kind: r.Resource})
}

// NewAlreadyExists returns `pods "x" already exists`.
func NewAlreadyExists(r *api.ResourceInfo, name string) *StatusError {
	return newStatus(http.StatusConflict, "AlreadyExists", fmt.Sprintf("%s %q already exists", r.GroupResource(), name),
		&api.StatusDetails{Name: name, Group: r.Group, Kind: r.Resource})
}

// NewConflict returns the optimistic-concurrency conflict.
func NewConflict(r *api.ResourceInfo, name string, err error) *StatusError {
	return newStatus(http.StatusConflict, "Conflict", fmt.Sprintf("Operation cannot be fulfilled on %s %q: %v", r.GroupResource(), name, err),
		&api.StatusDetails{Name: name, Group: r.Group, Kind: r.Resource})
}

// errModified is the reason of a resourceVersion conflict.
var errModified = errors.New("the object has been modified; please apply your changes to the latest version and try again")

// NewBadRequest returns a 400 with msg.
func NewBadRequest(msg string) *StatusError {
	return newStatus(http.StatusBadRequest, "BadRequest", msg, nil)
}

// NewForbidden returns a 403.
func NewForbidden(r *api.ResourceInfo, name string, err error) *StatusError {
	msg := fmt.Sprintf("%s %q is forbidden: %v", r.GroupResource(), name, err)
	if name == "" {
		msg = fmt.Sprintf("%s is forbidden: %v", r.GroupResource(), err)
	}
	return newStatus(http.StatusForbidden, "Forbidden", msg, &api.StatusDetails{Name: name, Group: r.Group, Kind: r.Resource})
}

// NewGone returns 410 Gone for a watch from a compacted revision.
func NewGone(msg string) *StatusError {
	return newStatus(http.StatusGone, "Expired", msg, nil)
}

// NewTooManyRequests returns a 429: the client should try again after
// retryAfter seconds.
func NewTooManyRequests(msg string, retryAfter int32) *StatusError {
	return newStatus(http.StatusTooManyRequests, "TooManyRequests", msg, &api.StatusDetails{RetryAfterSeconds: retryAfter})
}

// NewInternal returns a 500.
func NewInternal(err error) *StatusError {
	return newStatus(http.StatusInternalServerError, "InternalError", fmt.Sprintf("Internal error occurred: %v", err), nil)
}

// NewMethodNotSupported returns a 405.
func NewMethodNotSupported(r *api.ResourceInfo, verb string) *StatusError {
	return newStatus(http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("%s is not supported on resources of kind %q", verb, r.GroupResource()), nil)
}

// FieldError is one validation failure at a field path.
type FieldError struct {
	Type     string // "Required value", "Invalid value", "Unsupported value", "Duplicate value", "Forbidden", "Too long"
	Field    string
	BadValue any
	Detail   string
	hasValue bool
}

// Required is a missing field.
func Required(field, detail string) FieldError {
	return FieldError{Type: "Required value", Field: field, Detail: detail}
}

// Invalid is a field with a bad value.
func Invalid(field string, value any, detail string) FieldError {
	return FieldError{Type: "Invalid value", Field: field, BadValue: value, Detail: detail, hasValue: true}
}

// NotSupported is a value outside an enumeration.
func NotSupported(field string, value any, valid []string) FieldError {
	quoted := make([]string, len(valid))
	for i, v := range valid {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return FieldError{Type: "Unsupported value", Field: field, BadValue: value, hasValue: true, Detail: "supported values: " + strings.Join(quoted, ", ")}
}

// Duplicate is a repeated value.
func Duplicate(field string, value any) FieldError {
	return FieldError{Type: "Duplicate value", Field: field, BadValue: value, hasValue: true}
}

// Forbidden is a field that may not be set.
func Forbidden(field, detail string) FieldError {
	return FieldError{Type: "Forbidden", Field: field, Detail: detail}
}

func (e FieldError) String() string {
	s := e.Field + ": " + e.Type
	if e.hasValue {
		s += ": " + formatBadValue(e.BadValue)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// formatBadValue prints a value as field.Error does: pointers followed,
// strings quoted, structures in Go syntax.
func formatBadValue(v any) string {
	if v == nil {
		return "null"
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "null"
		}
		v = rv.Elem().Interface()
	}
	switch t := v.(type) {
	case int64, int32, int, float64, float32, bool:
		return fmt.Sprintf("%v", t)
	case string:
		return fmt.Sprintf("%q", t)
	case fmt.Stringer:
		return t.String()
	}
	return strings.ReplaceAll(goSharp(v), "api.", "v1.")
}

// pointerAddr matches the address %#v prints for a pointer field.
var pointerAddr = regexp.MustCompile(`\)\(0x[0-9a-f]+\)`)

// goSharp is fmt's %#v, as the API server prints a bad value, except that
// pointer fields, whose addresses differ from run to run, get stand-in
// addresses in the order they appear, so a message is the same every time.
func goSharp(v any) string {
	n := 0
	return pointerAddr.ReplaceAllStringFunc(fmt.Sprintf("%#v", v), func(string) string {
		n++
		return fmt.Sprintf(")(0xc000%06x)", 0x10000+8*n)
	})
}

var causeReasons = map[string]string{
	"Required value":    "FieldValueRequired",
	"Invalid value":     "FieldValueInvalid",
	"Unsupported value": "FieldValueNotSupported",
	"Duplicate value":   "FieldValueDuplicate",
	"Forbidden":         "FieldValueForbidden",
	"Too long":          "FieldValueTooLong",
}

// NewInvalid returns the 422 for a failed validation, with one cause per
// field error, in the API server's words.
func NewInvalid(r *api.ResourceInfo, name string, errs []FieldError) *StatusError {
	// The message lists each error once, as field.ErrorList.ToAggregate
	// does; the causes keep them all.
	var msgs []string
	causes := make([]api.StatusCause, len(errs))
	for i, e := range errs {
		if !slices.Contains(msgs, e.String()) {
			msgs = append(msgs, e.String())
		}
		causes[i] = api.StatusCause{Type: causeReasons[e.Type], Message: strings.TrimPrefix(e.String(), e.Field+": "), Field: e.Field}
	}
	agg := msgs[0]
	if len(msgs) > 1 {
		agg = "[" + strings.Join(msgs, ", ") + "]"
	}
	return newStatus(http.StatusUnprocessableEntity, "Invalid", fmt.Sprintf("%s %q is invalid: %s", r.GroupKind(), name, agg),
		&api.StatusDetails{Name: name, Group: r.Group, Kind: r.Kind, Causes: causes})
}

// ReasonOf returns the reason of an API error, or "" for other errors.
func ReasonOf(err error) string {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status.Reason
	}
	return ""
}

// IsNotFound reports whether err is a NotFound API error.
func IsNotFound(err error) bool { return ReasonOf(err) == "NotFound" }

// IsAlreadyExists reports whether err is an AlreadyExists API error.
func IsAlreadyExists(err error) bool { return ReasonOf(err) == "AlreadyExists" }

// IsConflict reports whether err is a Conflict API error.
func IsConflict(err error) bool { return ReasonOf(err) == "Conflict" }

// IsTooManyRequests reports whether err is a TooManyRequests API error.
func IsTooManyRequests(err error) bool { return ReasonOf(err) == "TooManyRequests" }

// NamespaceTerminatingCause is the cause of a Forbidden error for a
// create in a namespace being deleted, as core/v1's.
const NamespaceTerminatingCause = "NamespaceTerminating"

// IsNamespaceTerminating reports whether err refused a create because its
// namespace is being deleted (HasStatusCause(err, NamespaceTerminatingCause)).
func IsNamespaceTerminating(err error) bool {
	var se *StatusError
	if !errors.As(err, &se) || se.Status.Details == nil {
		return false
	}
	for _, c := range se.Status.Details.Causes {
		if c.Type == NamespaceTerminatingCause {
			return true
		}
	}
	return false
}

// IsForbidden reports whether err is a Forbidden API error.
func IsForbidden(err error) bool { return ReasonOf(err) == "Forbidden" }
