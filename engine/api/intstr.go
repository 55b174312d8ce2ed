package api

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// IntOrString holds an int or a string, as intstr.IntOrString: a port number
// or name, a count or a percentage.
type IntOrString struct {
	Type   IntOrStringType
	IntVal int32
	StrVal string
}

// IntOrStringType says which of the two an IntOrString holds.
type IntOrStringType int64

// IntOrString kinds.
const (
	Int IntOrStringType = iota
	String
)

// FromInt returns an IntOrString holding i.
func FromInt(i int32) IntOrString { return IntOrString{Type: Int, IntVal: i} }

// FromString returns an IntOrString holding s.
func FromString(s string) IntOrString { return IntOrString{Type: String, StrVal: s} }

// String returns the value as text.
func (v IntOrString) String() string {
	if v.Type == String {
		return v.StrVal
	}
	return strconv.Itoa(int(v.IntVal))
}

// IsZero reports whether v is the zero int.
func (v IntOrString) IsZero() bool { return v.Type == Int && v.IntVal == 0 }

// MarshalJSON implements json.Marshaler.
func (v IntOrString) MarshalJSON() ([]byte, error) { return v.appendJSON(nil), nil }

func (v IntOrString) appendJSON(b []byte) []byte {
	if v.Type == String {
		return appendJSONString(b, v.StrVal)
	}
	return strconv.AppendInt(b, int64(v.IntVal), 10)
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *IntOrString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		v.Type = String
		return json.Unmarshal(b, &v.StrVal)
	}
	v.Type = Int
	return json.Unmarshal(b, &v.IntVal)
}

// ScaledValue resolves v against total: an int as itself, a percentage of
// total rounded up or down, as intstr.GetScaledValueFromIntOrPercent.
func (v IntOrString) ScaledValue(total int, roundUp bool) (int, error) {
	if v.Type == Int {
		return int(v.IntVal), nil
	}
	s, ok := strings.CutSuffix(v.StrVal, "%")
	if !ok {
		return 0, errors.New("invalid value for IntOrString: invalid type: string is not a percentage")
	}
	pct, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("invalid value \"" + v.StrVal + "\": " + err.Error())
	}
	f := float64(pct) * float64(total) / 100
	if roundUp {
		return int(math.Ceil(f)), nil
	}
	return int(math.Floor(f)), nil
}
