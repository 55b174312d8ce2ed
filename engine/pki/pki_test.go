package pki

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestCAIsDeterministicPerSeed(t *testing.T) {
	a, err := NewCA(1, start)
	require.NoError(t, err)
	b, err := NewCA(1, start)
	require.NoError(t, err)
	c, err := NewCA(2, start)
	require.NoError(t, err)
	assert.Equal(t, a.PEM, b.PEM)
	assert.NotEqual(t, a.PEM, c.PEM)
}

func TestCAIsAValidSelfSignedAuthority(t *testing.T) {
	for seed := range uint64(10) {
		ca, err := NewCA(seed, start)
		require.NoError(t, err)
		block, rest := pem.Decode(ca.PEM)
		require.NotNil(t, block)
		assert.Empty(t, rest)
		assert.Equal(t, "CERTIFICATE", block.Type)
		cert, err := x509.ParseCertificate(block.Bytes)
		require.NoError(t, err)
		assert.True(t, cert.IsCA)
		assert.Equal(t, "kubernetes", cert.Subject.CommonName)
		assert.Equal(t, start.Add(10*365*24*time.Hour), cert.NotAfter)
		require.NoError(t, cert.CheckSignatureFrom(cert))
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		_, err = cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: start.Add(time.Hour)})
		require.NoError(t, err)
	}
}
