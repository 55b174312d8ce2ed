// Package pki makes the cluster's certificate authority, as kubeadm makes
// /etc/kubernetes/pki/ca.crt: one self-signed CA per cluster, valid for ten
// years. Its key comes from the cluster's seed, so the same seed and start
// give the same certificate, across runs and across restores.
package pki

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"time"
)

// CA is a certificate authority: its key and its certificate, which
// the cluster hands out only PEM-encoded (the kube-root-ca.crt
// ConfigMaps, the service account volumes). It is not parsed back into
// an x509.Certificate: in the browser that alone took a third of the
// CA's making at every boot.
type CA struct {
	Key ed25519.PrivateKey
	PEM []byte // the certificate, PEM-encoded
}

// caValidity is kubeadm's lifetime for a CA certificate.
const caValidity = 10 * 365 * 24 * time.Hour

// NewCA makes the CA of a cluster started at start with seed. The key is
// Ed25519, whose signatures need no randomness: the certificate is the
// same bytes every time.
func NewCA(seed uint64, start time.Time) (*CA, error) {
	r := rand.New(rand.NewPCG(seed, 0x6b75626570_6b69)) // "kubepki"
	key := newKey(r)
	serial := r.Uint64() >> 1
	start = start.UTC().Truncate(time.Second)
	notBefore := start.Add(-5 * time.Minute) // kubeadm back-dates for clock skew
	der := caCertificate(key, serial, "kubernetes", notBefore, start.Add(caValidity))
	return &CA{Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

func newKey(r *rand.Rand) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := 0; i < len(seed); i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], r.Uint64())
	}
	return ed25519.NewKeyFromSeed(seed)
}

// ServiceAccountKey is the key that signs service account tokens, as
// kubeadm's /etc/kubernetes/pki/sa.key (which is RSA there).
func ServiceAccountKey(seed uint64) ed25519.PrivateKey {
	return newKey(rand.New(rand.NewPCG(seed, 0x7361_6b6579))) // "sakey"
}

// SignJWT returns a JSON Web Token carrying claims, signed with key
// (EdDSA). The key ID is derived from the public key, as kube-apiserver
// derives it from the signing key.
func SignJWT(key ed25519.PrivateKey, claims any) (string, error) {
	pub := key.Public().(ed25519.PublicKey)
	header, err := json.Marshal(map[string]string{"alg": "EdDSA", "kid": base64.RawURLEncoding.EncodeToString(pub[:16])})
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("pki: token claims: %w", err)
	}
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(body)
	return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(signed))), nil
}
