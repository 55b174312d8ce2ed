// Package pki makes the cluster's certificate authority, as kubeadm makes
// /etc/kubernetes/pki/ca.crt: one self-signed CA per cluster, valid for ten
// years. Its key comes from the cluster's seed, so the same seed and start
// give the same certificate, across runs and across restores.
package pki

import (
	"crypto/ed25519"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"math/rand/v2"
	"time"
)

// CA is a certificate authority: its certificate and its key.
type CA struct {
	Cert *x509.Certificate
	Key  ed25519.PrivateKey
	PEM  []byte // the certificate, PEM-encoded
}

// caValidity is kubeadm's lifetime for a CA certificate.
const caValidity = 10 * 365 * 24 * time.Hour

// NewCA makes the CA of a cluster started at start with seed. The key is
// Ed25519, whose signatures need no randomness: the certificate is the
// same bytes every time.
func NewCA(seed uint64, start time.Time) (*CA, error) {
	r := rand.New(rand.NewPCG(seed, 0x6b75626570_6b69)) // "kubepki"
	keySeed := make([]byte, ed25519.SeedSize)
	for i := 0; i < len(keySeed); i += 8 {
		binary.LittleEndian.PutUint64(keySeed[i:], r.Uint64())
	}
	key := ed25519.NewKeyFromSeed(keySeed)
	serial := new(big.Int).SetUint64(r.Uint64() >> 1)
	start = start.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "kubernetes"},
		NotBefore:             start.Add(-5 * time.Minute), // kubeadm back-dates for clock skew
		NotAfter:              start.Add(caValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: making the cluster CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: reading the cluster CA: %w", err)
	}
	return &CA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}
