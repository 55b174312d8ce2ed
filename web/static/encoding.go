package static

import (
	"strconv"
	"strings"
)

// Content codings the handler can answer with.
const (
	identity = "identity"
	gzipped  = "gzip"
	brotli   = "br"
)

// preference orders the codings from best to worst. It breaks ties between
// equal q-values: brotli is smallest, identity is the last resort.
var preference = []string{brotli, gzipped, identity}

// acceptance is a parsed Accept-Encoding header: the q-value of every coding
// it names, and of "*", which stands for every coding it does not name.
type acceptance struct {
	q    map[string]float64
	star float64
	// hasStar reports whether the header named "*".
	hasStar bool
}

// parseAcceptEncoding parses an Accept-Encoding header (RFC 9110, section
// 12.5.3). An absent or empty header accepts only identity. Elements that do
// not parse are ignored, which leaves their coding unaccepted.
func parseAcceptEncoding(header string) acceptance {
	acc := acceptance{q: make(map[string]float64)}
	for elem := range strings.SplitSeq(header, ",") {
		coding, q, ok := parseElement(elem)
		if !ok {
			continue
		}
		if coding == "*" {
			acc.star, acc.hasStar = q, true
			continue
		}
		acc.q[coding] = q
	}
	return acc
}

// parseElement parses one element of Accept-Encoding, such as "gzip;q=0.8".
// The coding is lower-cased, and x-gzip is taken as gzip, as RFC 9110 asks.
func parseElement(elem string) (coding string, q float64, ok bool) {
	coding, params, _ := strings.Cut(elem, ";")
	coding = strings.ToLower(strings.TrimSpace(coding))
	if coding == "" {
		return "", 0, false
	}
	if coding == "x-gzip" {
		coding = gzipped
	}
	q = 1
	for param := range strings.SplitSeq(params, ";") {
		key, value, _ := strings.Cut(param, "=")
		if !strings.EqualFold(strings.TrimSpace(key), "q") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || v < 0 || v > 1 {
			return "", 0, false
		}
		q = v
	}
	return coding, q, true
}

// implicitIdentity is the q-value of identity when the header does not name
// it: acceptable, but below any q-value a client can write (they have at most
// three decimals), so that "gzip;q=0.5" still means gzip.
const implicitIdentity = 0.0001

// quality is the q-value the client gives coding; 0 means refused.
//
// A coding the header does not name gets the q-value of "*", if any;
// otherwise it is refused, except identity, which is acceptable unless the
// header refuses it explicitly.
func (a acceptance) quality(coding string) float64 {
	if q, ok := a.q[coding]; ok {
		return q
	}
	if a.hasStar {
		return a.star
	}
	if coding == identity {
		return implicitIdentity
	}
	return 0
}

// best picks among the available codings the one the client likes most,
// breaking ties by preference. When the client refuses all of them, even
// identity, it still gets identity: RFC 9110 allows that, and an
// uncompressed page is more useful to a confused client than a 406.
func (a acceptance) best(available map[string]bool) string {
	best, bestQ := identity, 0.0
	for _, coding := range preference {
		if q := a.quality(coding); available[coding] && q > bestQ {
			best, bestQ = coding, q
		}
	}
	return best
}
