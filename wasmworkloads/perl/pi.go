package main

import "math/big"

// bpi returns pi to n significant digits as Math::BigFloat's bpi prints
// it (bignum's bpi(N)): correctly rounded, trailing zeros kept, "3" for a
// single digit.
//
// The digits come from the Chudnovsky series, summed by binary splitting
// in big integers (14 digits a term, so 2000 digits take 142 terms), with
// ten guard digits: pi has no run of ten 9s or 0s early enough to make the
// rounding of the last digit ambiguous at that margin for any n a
// container would ask for.
func bpi(n int) string {
	const guard = 10
	scaled := piScaled(n - 1 + guard) // pi * 10^(n-1+guard): n+guard digits
	// Round away the guard digits, half up (pi never sits on a tie).
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(guard), nil)
	scaled.Add(scaled, new(big.Int).Rsh(scale, 1))
	scaled.Div(scaled, scale)
	digits := scaled.String()
	if n == 1 {
		return digits
	}
	return digits[:1] + "." + digits[1:]
}

// piScaled returns pi * 10^decimals, truncated (give or take one in the
// last place):
//
//	pi = 426880 sqrt(10005) Q / T
//
// where Q and T are the binary splitting of the series' terms.
func piScaled(decimals int) *big.Int {
	terms := int64(decimals/14 + 2)
	_, q, t := chudnovsky(0, terms)
	one := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)
	root := new(big.Int).Mul(big.NewInt(10005), new(big.Int).Mul(one, one))
	root.Sqrt(root) // sqrt(10005) * 10^decimals
	num := new(big.Int).Mul(root, big.NewInt(426880))
	num.Mul(num, q)
	return num.Quo(num, t)
}

// c3over24 is 640320^3 / 24.
var c3over24 = big.NewInt(10939058860032000)

// chudnovsky sums the Chudnovsky terms a to b-1: P(a,b), Q(a,b) and T(a,b).
func chudnovsky(a, b int64) (p, q, t *big.Int) {
	if b-a == 1 {
		if a == 0 {
			p, q = big.NewInt(1), big.NewInt(1)
		} else {
			p = big.NewInt((6*a - 5) * (2*a - 1) * (6*a - 1))
			q = new(big.Int).Mul(big.NewInt(a*a*a), c3over24)
		}
		t = new(big.Int).Mul(p, big.NewInt(13591409+545140134*a))
		if a%2 == 1 {
			t.Neg(t)
		}
		return p, q, t
	}
	m := (a + b) / 2
	p1, q1, t1 := chudnovsky(a, m)
	p2, q2, t2 := chudnovsky(m, b)
	t = new(big.Int).Add(new(big.Int).Mul(t1, q2), new(big.Int).Mul(p1, t2))
	return p1.Mul(p1, p2), q1.Mul(q1, q2), t
}
