package api

// ToleratesTaint reports whether the toleration tolerates the taint, as
// core/v1's Toleration.ToleratesTaint: an empty effect matches every
// effect, an empty key with Exists every key, Exists any value and Equal
// (or no operator) the same value.
func (t *Toleration) ToleratesTaint(taint *Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key != "" && t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case "", "Equal":
		return t.Value == taint.Value
	case "Exists":
		return true
	}
	return false
}

// TolerationsTolerateTaint reports whether any of the tolerations
// tolerates the taint.
func TolerationsTolerateTaint(ts []Toleration, taint *Taint) bool {
	for i := range ts {
		if ts[i].ToleratesTaint(taint) {
			return true
		}
	}
	return false
}
