package pki

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
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

func TestSignJWT(t *testing.T) {
	key := ServiceAccountKey(7)
	assert.Equal(t, key, ServiceAccountKey(7))
	assert.NotEqual(t, key, ServiceAccountKey(8))
	tok, err := SignJWT(key, map[string]string{"sub": "system:serviceaccount:default:app"})
	require.NoError(t, err)
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	var h map[string]string
	require.NoError(t, json.Unmarshal(header, &h))
	assert.Equal(t, "EdDSA", h["alg"])
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	assert.JSONEq(t, `{"sub":"system:serviceaccount:default:app"}`, string(body))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	assert.True(t, ed25519.Verify(key.Public().(ed25519.PublicKey), []byte(parts[0]+"."+parts[1]), sig))
}
