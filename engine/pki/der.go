package pki

import (
	"crypto/ed25519"
	"crypto/sha256"
	"time"
)

// The CA's certificate is written here in DER, byte for byte what
// crypto/x509's CreateCertificate (Go 1.26) writes for it (a test holds
// the two together): CreateCertificate checks the signature it makes with
// every algorithm x509 knows, which linked RSA, ECDSA over P-224 to P-521
// and math/big's exponentiation into the browser's engine (0.65 MB) for
// one Ed25519 certificate a cluster.

// DER tags and the object identifiers the certificate uses.
const (
	tagBoolean      = 0x01
	tagInteger      = 0x02
	tagBitString    = 0x03
	tagOctetString  = 0x04
	tagOID          = 0x06
	tagPrintable    = 0x13
	tagUTCTime      = 0x17
	tagGeneralized  = 0x18
	tagSequence     = 0x30
	tagSet          = 0x31
	tagVersion      = 0xa0 // [0] EXPLICIT
	tagExtensions   = 0xa3 // [3] EXPLICIT
	x509Version3    = 2
	keyUsageCA      = 0xa4 // digitalSignature, keyEncipherment, keyCertSign, bits reversed
	keyUsageUnused  = 2    // the bit string's unused bits
	subjectKeyIDLen = 20
)

var (
	oidEd25519          = []byte{43, 101, 112} // 1.3.101.112
	oidCommonName       = []byte{85, 4, 3}     // 2.5.4.3
	oidKeyUsage         = []byte{85, 29, 15}   // 2.5.29.15
	oidBasicConstraints = []byte{85, 29, 19}   // 2.5.29.19
	oidSubjectKeyID     = []byte{85, 29, 14}   // 2.5.29.14
	derTrue             = der(tagBoolean, []byte{0xff})
)

// caCertificate is the DER of a self-signed CA certificate for key, named
// commonName, valid from notBefore to notAfter, with serial as its serial
// number: the extensions CreateCertificate writes for kubeadm's template
// (key usage and basic constraints, both critical, and a subject key ID).
func caCertificate(key ed25519.PrivateKey, serial uint64, commonName string, notBefore, notAfter time.Time) []byte {
	pub := key.Public().(ed25519.PublicKey)
	algorithm := der(tagSequence, der(tagOID, oidEd25519))
	name := der(tagSequence, der(tagSet, der(tagSequence, der(tagOID, oidCommonName), der(tagPrintable, []byte(commonName)))))
	skid := sha256.Sum256(pub)
	tbs := der(tagSequence,
		der(tagVersion, derInteger(x509Version3)),
		derInteger(serial),
		algorithm,
		name,
		der(tagSequence, derTime(notBefore), derTime(notAfter)),
		name,
		der(tagSequence, algorithm, derBitString(pub)),
		der(tagExtensions, der(tagSequence,
			extension(oidKeyUsage, true, der(tagBitString, []byte{keyUsageUnused, keyUsageCA})),
			extension(oidBasicConstraints, true, der(tagSequence, derTrue)),
			extension(oidSubjectKeyID, false, der(tagOctetString, skid[:subjectKeyIDLen])),
		)),
	)
	return der(tagSequence, tbs, algorithm, derBitString(ed25519.Sign(key, tbs)))
}

func extension(oid []byte, critical bool, value []byte) []byte {
	if critical {
		return der(tagSequence, der(tagOID, oid), derTrue, der(tagOctetString, value))
	}
	return der(tagSequence, der(tagOID, oid), der(tagOctetString, value))
}

// der is one element: its tag, its length and its contents.
func der(tag byte, contents ...[]byte) []byte {
	n := 0
	for _, c := range contents {
		n += len(c)
	}
	out := append([]byte{tag}, derLength(n)...)
	for _, c := range contents {
		out = append(out, c...)
	}
	return out
}

// derLength is a length in DER's definite form: one byte below 128, else
// the count of the big-endian bytes that follow.
func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for ; n > 0; n >>= 8 {
		b = append([]byte{byte(n)}, b...)
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}

// derInteger is a non-negative INTEGER in its fewest bytes, with a
// leading zero when the top bit is set.
func derInteger(v uint64) []byte {
	b := []byte{byte(v)}
	for v >>= 8; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return der(tagInteger, b)
}

func derBitString(b []byte) []byte {
	return der(tagBitString, []byte{0}, b)
}

// derTime is a UTCTime from 1950 to 2049 and a GeneralizedTime outside,
// as RFC 5280 asks and encoding/asn1 does.
func derTime(t time.Time) []byte {
	t = t.UTC()
	if t.Year() < 1950 || t.Year() >= 2050 {
		return der(tagGeneralized, []byte(t.Format("20060102150405Z")))
	}
	return der(tagUTCTime, []byte(t.Format("060102150405Z")))
}
