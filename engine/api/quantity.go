package api

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Format is how a Quantity prints: with binary suffixes (Ki, Mi), decimal
// suffixes (m, k, M) or a decimal exponent (e3).
type Format string

// Quantity formats, as resource.Format.
const (
	DecimalExponent Format = "DecimalExponent"
	BinarySI        Format = "BinarySI"
	DecimalSI       Format = "DecimalSI"
)

// Quantity is a fixed-point number such as 100m, 128Mi or 2e3, with the
// parsing, rounding (up, to nano units) and canonical printing of
// resource.Quantity: 1.5Gi prints as 1536Mi, 0.5 as 500m, 1000m as 1.
type Quantity struct {
	m      int64 // value = m × 10^scale
	scale  int32
	format Format
}

// ErrFormatWrong is the error for text that is not a quantity.
var ErrFormatWrong = errors.New("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")

// ErrNumeric is the error for a quantity that does not fit.
var ErrNumeric = errors.New("unable to parse quantity's numeric part")

var decimalSuffixes = map[string]int32{"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
var binarySuffixes = map[string]uint{"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}

// ParseQuantity parses s.
func ParseQuantity(s string) (Quantity, error) {
	num, suffix, ok := splitQuantity(s)
	if !ok {
		return Quantity{}, ErrFormatWrong
	}
	mant, scale, ok := parseDecimal(num)
	if !ok {
		return Quantity{}, ErrFormatWrong
	}
	format, err := applySuffix(mant, &scale, suffix)
	if err != nil {
		return Quantity{}, err
	}
	return normalize(mant, scale, format)
}

// MustParse parses s and panics on error; for constants in code and tests.
func MustParse(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic(err)
	}
	return q
}

// NewQuantity returns value in the given format.
func NewQuantity(value int64, format Format) Quantity {
	q, _ := normalize(big.NewInt(value), 0, format)
	return q
}

// NewMilliQuantity returns milli/1000 in the given format.
func NewMilliQuantity(milli int64, format Format) Quantity {
	q, _ := normalize(big.NewInt(milli), -3, format)
	return q
}

func splitQuantity(s string) (num, suffix string, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start := i
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	if i == start {
		return "", "", false
	}
	return s[:i], s[i:], true
}

// parseDecimal reads [+-]digits[.digits] as mant × 10^scale.
func parseDecimal(num string) (*big.Int, int32, bool) {
	neg := strings.HasPrefix(num, "-")
	num = strings.TrimLeft(num, "+-")
	whole, frac, _ := strings.Cut(num, ".")
	if strings.Contains(frac, ".") || whole+frac == "" || len(whole)+len(frac) > 400 {
		return nil, 0, false
	}
	mant, ok := new(big.Int).SetString("0"+whole+frac, 10)
	if !ok {
		return nil, 0, false
	}
	if neg {
		mant.Neg(mant)
	}
	return mant, -int32(len(frac)), true
}

func applySuffix(mant *big.Int, scale *int32, suffix string) (Format, error) {
	if e, ok := decimalSuffixes[suffix]; ok {
		*scale += e
		return DecimalSI, nil
	}
	if shift, ok := binarySuffixes[suffix]; ok {
		mant.Lsh(mant, shift)
		return BinarySI, nil
	}
	if len(suffix) > 1 && (suffix[0] == 'e' || suffix[0] == 'E') {
		e, err := strconv.ParseInt(suffix[1:], 10, 32)
		if err != nil || e > 1000 || e < -1000 {
			return "", ErrFormatWrong
		}
		*scale += int32(e)
		return DecimalExponent, nil
	}
	return "", ErrFormatWrong
}

var (
	bigTen  = big.NewInt(10)
	bigZero = big.NewInt(0)
)

// normalize strips trailing zeros, rounds up to nano units and checks range.
func normalize(mant *big.Int, scale int32, format Format) (Quantity, error) {
	mant = new(big.Int).Set(mant)
	if scale < -9 {
		div := new(big.Int).Exp(bigTen, big.NewInt(int64(-9-scale)), nil)
		q, r := new(big.Int).QuoRem(mant, div, new(big.Int))
		if r.Sign() > 0 {
			q.Add(q, big.NewInt(1))
		}
		mant, scale = q, -9
	}
	if mant.Sign() == 0 {
		return Quantity{format: format}, nil
	}
	r := new(big.Int)
	for {
		q, rem := new(big.Int).QuoRem(mant, bigTen, r)
		if rem.Cmp(bigZero) != 0 {
			break
		}
		mant = q
		scale++
	}
	if !mant.IsInt64() || scale > 1000 {
		return Quantity{}, ErrNumeric
	}
	return Quantity{m: mant.Int64(), scale: scale, format: format}, nil
}

// IsZero reports whether q is zero.
func (q Quantity) IsZero() bool { return q.m == 0 }

// Format returns the format q prints in.
func (q Quantity) Format() Format { return q.format }

// Sign returns -1, 0 or 1.
func (q Quantity) Sign() int {
	switch {
	case q.m < 0:
		return -1
	case q.m > 0:
		return 1
	}
	return 0
}

// scaled returns ceil(q × 10^exp) as an int64, saturating.
func (q Quantity) scaled(exp int32) int64 {
	s := q.scale + exp
	v := big.NewInt(q.m)
	if s >= 0 {
		if s > 40 {
			return saturate(q.m)
		}
		v.Mul(v, new(big.Int).Exp(bigTen, big.NewInt(int64(s)), nil))
	} else {
		div := new(big.Int).Exp(bigTen, big.NewInt(int64(-s)), nil)
		quo, rem := new(big.Int).QuoRem(v, div, new(big.Int))
		if rem.Sign() > 0 {
			quo.Add(quo, big.NewInt(1))
		}
		v = quo
	}
	if !v.IsInt64() {
		return saturate(q.m)
	}
	return v.Int64()
}

func saturate(sign int64) int64 {
	if sign < 0 {
		return math.MinInt64
	}
	return math.MaxInt64
}

// Value returns q rounded up to an integer.
func (q Quantity) Value() int64 { return q.scaled(0) }

// MilliValue returns q×1000 rounded up to an integer.
func (q Quantity) MilliValue() int64 { return q.scaled(3) }

// Cmp compares q and o: -1, 0 or 1.
func (q Quantity) Cmp(o Quantity) int {
	return q.rat().Cmp(o.rat())
}

func (q Quantity) rat() *big.Rat {
	r := new(big.Rat).SetInt64(q.m)
	p := new(big.Int).Exp(bigTen, big.NewInt(int64(absInt32(q.scale))), nil)
	if q.scale >= 0 {
		return r.Mul(r, new(big.Rat).SetInt(p))
	}
	return r.Quo(r, new(big.Rat).SetInt(p))
}

func absInt32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// Add returns q+o, in q's format (o's when q is zero).
func (q Quantity) Add(o Quantity) Quantity {
	format := q.format
	if format == "" || q.IsZero() {
		format = o.format
	}
	a, b := q.rat(), o.rat()
	sum := new(big.Rat).Add(a, b)
	return fromRat(sum, format)
}

// Sub returns q-o, in q's format.
func (q Quantity) Sub(o Quantity) Quantity {
	diff := new(big.Rat).Sub(q.rat(), o.rat())
	return fromRat(diff, q.format)
}

func fromRat(r *big.Rat, format Format) Quantity {
	// Quantities are multiples of 1n, so r × 10^9 is an integer.
	n := new(big.Int).Mul(r.Num(), new(big.Int).Exp(bigTen, big.NewInt(9), nil))
	n.Quo(n, r.Denom())
	q, err := normalize(n, -9, format)
	if err != nil {
		return Quantity{format: format}
	}
	return q
}

// String prints q in its canonical form.
func (q Quantity) String() string {
	if s, ok := q.smallString(); ok {
		return s
	}
	return q.bigString()
}

// smallString is String for a quantity whose digits fit an int64 (all
// but the extreme ones), without math/big: a pod's requests and a node's
// capacity are printed at every encoding of the object.
func (q Quantity) smallString() (string, bool) {
	var buf [32]byte
	b, ok := q.appendSmall(buf[:0])
	return string(b), ok
}

// appendSmall appends smallString's text to b.
func (q Quantity) appendSmall(b []byte) ([]byte, bool) {
	if q.m == 0 {
		return append(b, '0'), true
	}
	if q.m == math.MinInt64 {
		return b, false
	}
	format := q.format
	if format == BinarySI {
		if q.scale < 0 || q.scale > 30 {
			format = DecimalSI
		} else if v, ok := mulPow10(q.m, q.scale); !ok {
			return b, false
		} else if v >= 1024 || v <= -1024 {
			suffixes := [...]string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
			i := 0
			for i < len(suffixes)-1 && v%1024 == 0 {
				v /= 1024
				i++
			}
			return append(strconv.AppendInt(b, v, 10), suffixes[i]...), true
		} else {
			format = DecimalSI
		}
	}
	e := q.scale - mod3(q.scale)
	if format == DecimalSI && e > 18 {
		e = 18
	}
	mant := q.m
	if q.scale > e {
		var ok bool
		if mant, ok = mulPow10(q.m, q.scale-e); !ok {
			return b, false
		}
	}
	b = strconv.AppendInt(b, mant, 10)
	if format == DecimalExponent {
		if e == 0 {
			return b, true
		}
		return strconv.AppendInt(append(b, 'e'), int64(e), 10), true
	}
	return append(b, decimalSuffix(e)...), true
}

// mulPow10 is m × 10^n, if it fits an int64.
func mulPow10(m int64, n int32) (int64, bool) {
	for ; n > 0; n-- {
		if m > math.MaxInt64/10 || m < math.MinInt64/10 {
			return 0, false
		}
		m *= 10
	}
	return m, true
}

// bigString is String in math/big, for any quantity.
func (q Quantity) bigString() string {
	if q.m == 0 {
		return "0"
	}
	format := q.format
	if format == BinarySI {
		if s, ok := q.binaryString(); ok {
			return s
		}
		format = DecimalSI
	}
	e := q.scale - mod3(q.scale)
	mant := big.NewInt(q.m)
	if format == DecimalSI && e > 18 {
		e = 18
	}
	if q.scale > e {
		mant.Mul(mant, new(big.Int).Exp(bigTen, big.NewInt(int64(q.scale-e)), nil))
	}
	if format == DecimalExponent {
		if e == 0 {
			return mant.String()
		}
		return mant.String() + "e" + strconv.Itoa(int(e))
	}
	return mant.String() + decimalSuffix(e)
}

// decimalSuffix returns the SI suffix of 10^e, for e a multiple of 3 in [-9, 18].
func decimalSuffix(e int32) string {
	return [...]string{"n", "u", "m", "", "k", "M", "G", "T", "P", "E"}[(e+9)/3]
}

// mod3 returns v mod 3 in [0,3).
func mod3(v int32) int32 {
	r := v % 3
	if r < 0 {
		r += 3
	}
	return r
}

// binaryString prints an integer of at least 1024 with a binary suffix.
func (q Quantity) binaryString() (string, bool) {
	if q.scale < 0 || q.scale > 30 {
		return "", false
	}
	v := new(big.Int).Mul(big.NewInt(q.m), new(big.Int).Exp(bigTen, big.NewInt(int64(q.scale)), nil))
	abs := new(big.Int).Abs(v)
	if abs.Cmp(big.NewInt(1024)) < 0 {
		return "", false
	}
	suffixes := []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
	k := big.NewInt(1024)
	i := 0
	r := new(big.Int)
	for i < len(suffixes)-1 {
		quo, rem := new(big.Int).QuoRem(v, k, r)
		if rem.Sign() != 0 {
			break
		}
		v = quo
		i++
	}
	return v.String() + suffixes[i], true
}

// MarshalJSON implements json.Marshaler.
func (q Quantity) MarshalJSON() ([]byte, error) { return q.appendJSON(nil), nil }

func (q Quantity) appendJSON(b []byte) []byte {
	if out, ok := q.appendSmall(append(b, '"')); ok {
		return append(out, '"') // digits and a suffix: nothing to escape
	}
	return appendJSONString(b, q.bigString())
}

// UnmarshalJSON implements json.Unmarshaler. Like resource.Quantity it takes
// a string or a bare number.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*q = Quantity{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	p, err := ParseQuantity(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	*q = p
	return nil
}

// ResourceList maps a resource name ("cpu", "memory") to a quantity, as
// core/v1 ResourceList. It stays hand-written, and generated types use it,
// so that code can range over requests and limits with string keys.
type ResourceList map[string]Quantity
