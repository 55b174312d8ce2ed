package share

import (
	"compress/zlib"
	"encoding/base64"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func zlibWriter(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustRaw(t *testing.T, s string) []byte {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return raw
}

func ptr[T any](v T) *T { return &v }
