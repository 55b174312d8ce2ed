package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// viaX509 is the CA certificate as crypto/x509 makes it from kubeadm's
// template.
func viaX509(t *testing.T, seed uint64, start time.Time) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6b75626570_6b69))
	key := newKey(r)
	start = start.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetUint64(r.Uint64() >> 1),
		Subject:               pkix.Name{CommonName: "kubernetes"},
		NotBefore:             start.Add(-5 * time.Minute),
		NotAfter:              start.Add(caValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	return der
}

func TestCASameAsX509(t *testing.T) {
	starts := []time.Time{
		start,
		time.Date(2026, 12, 1, 16, 58, 7, 123, time.UTC),
		time.Date(2045, 6, 30, 23, 59, 59, 0, time.UTC), // NotAfter past 2049: GeneralizedTime
		time.Date(1970, 1, 1, 0, 2, 0, 0, time.UTC),     // NotBefore in 1969
		time.Date(1950, 1, 1, 0, 1, 0, 0, time.UTC),     // NotBefore in 1949: GeneralizedTime
	}
	for _, s := range starts {
		for seed := range uint64(40) {
			ca, err := NewCA(seed, s)
			require.NoError(t, err)
			block, _ := pem.Decode(ca.PEM)
			require.NotNil(t, block)
			assert.Equal(t, viaX509(t, seed, s), block.Bytes, "seed %d, start %v", seed, s)
		}
	}
}

func TestDERLength(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want []byte
	}{
		{0, []byte{0}},
		{127, []byte{127}},
		{128, []byte{0x81, 128}},
		{255, []byte{0x81, 255}},
		{256, []byte{0x82, 1, 0}},
		{70000, []byte{0x83, 1, 0x11, 0x70}},
	} {
		assert.Equal(t, tt.want, derLength(tt.n), "%d", tt.n)
	}
}
