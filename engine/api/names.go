package api

import (
	"strconv"
	"strings"
)

// The name rules of k8s.io/apimachinery/pkg/util/validation, with its messages.

const (
	dns1123LabelFmt     = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
	dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
	qualifiedNameFmt    = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
	labelValueFmt       = "(" + qualifiedNameFmt + ")?"
	dns1123LabelMaxLen  = 63
	dns1123SubdomainMax = 253
	qualifiedNameMaxLen = 63
	labelValueMaxLen    = 63
	dns1123LabelErrMsg  = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
	dns1123SubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
	qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
	labelValueErrMsg    = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)

// The regular expressions above, matched by hand: every write validates
// its names and labels, and regexp's backtracker was a visible part of
// a create at scale (names_test.go checks both agree).

func isAlnumLower(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isAlnumLower(c) || 'A' <= c && c <= 'Z' }

// matchDNS1123Label is ^dns1123LabelFmt$.
func matchDNS1123Label(v string) bool {
	if v == "" || !isAlnumLower(v[0]) || !isAlnumLower(v[len(v)-1]) {
		return false
	}
	for i := 1; i < len(v)-1; i++ {
		if c := v[i]; c != '-' && !isAlnumLower(c) {
			return false
		}
	}
	return true
}

// matchDNS1123Subdomain is ^dns1123SubdomainFmt$.
func matchDNS1123Subdomain(v string) bool {
	for {
		label, rest, more := strings.Cut(v, ".")
		if !matchDNS1123Label(label) {
			return false
		}
		if !more {
			return true
		}
		v = rest
	}
}

// matchQualifiedName is ^qualifiedNameFmt$.
func matchQualifiedName(v string) bool {
	if v == "" || !isAlnum(v[0]) || !isAlnum(v[len(v)-1]) {
		return false
	}
	for i := 1; i < len(v)-1; i++ {
		if c := v[i]; c != '-' && c != '_' && c != '.' && !isAlnum(c) {
			return false
		}
	}
	return true
}

// matchLabelValue is ^labelValueFmt$.
func matchLabelValue(v string) bool { return v == "" || matchQualifiedName(v) }

func regexError(msg, format string, examples ...string) string {
	if len(examples) == 0 {
		return msg + " (regex used for validation is '" + format + "')"
	}
	msg += " (e.g. "
	for i := range examples {
		if i > 0 {
			msg += " or "
		}
		msg += "'" + examples[i] + "', "
	}
	return msg + "regex used for validation is '" + format + "')"
}

func maxLenError(n int) string {
	return "must be no more than " + strconv.Itoa(n) + " characters"
}

// IsDNS1123Label returns the problems of value as an RFC 1123 label.
func IsDNS1123Label(value string) []string {
	var errs []string
	if len(value) > dns1123LabelMaxLen {
		errs = append(errs, maxLenError(dns1123LabelMaxLen))
	}
	if !matchDNS1123Label(value) {
		errs = append(errs, regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"))
	}
	return errs
}

// IsDNS1123Subdomain returns the problems of value as an RFC 1123 subdomain.
func IsDNS1123Subdomain(value string) []string {
	var errs []string
	if len(value) > dns1123SubdomainMax {
		errs = append(errs, maxLenError(dns1123SubdomainMax))
	}
	if !matchDNS1123Subdomain(value) {
		errs = append(errs, regexError(dns1123SubdomainMsg, dns1123SubdomainFmt, "example.com"))
	}
	return errs
}

// ValidateQualifiedName returns the problems of a label or annotation key.
func ValidateQualifiedName(value string) []string {
	var errs []string
	var name string
	switch strings.Count(value, "/") {
	case 0:
		name = value
	case 1:
		var prefix string
		prefix, name, _ = strings.Cut(value, "/")
		if prefix == "" {
			errs = append(errs, "prefix part must be non-empty")
		} else {
			for _, msg := range IsDNS1123Subdomain(prefix) {
				errs = append(errs, "prefix part "+msg)
			}
		}
	default:
		return append(errs, "a qualified name "+regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")+
			" with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
	}
	if name == "" {
		errs = append(errs, "name part must be non-empty")
	} else if len(name) > qualifiedNameMaxLen {
		errs = append(errs, "name part "+maxLenError(qualifiedNameMaxLen))
	}
	if !matchQualifiedName(name) {
		errs = append(errs, "name part "+regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc"))
	}
	return errs
}

// IsValidLabelValue returns the problems of a label value.
func IsValidLabelValue(value string) []string {
	var errs []string
	if len(value) > labelValueMaxLen {
		errs = append(errs, maxLenError(labelValueMaxLen))
	}
	if !matchLabelValue(value) {
		errs = append(errs, regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"))
	}
	return errs
}
