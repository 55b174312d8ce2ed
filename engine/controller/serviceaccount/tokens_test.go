package serviceaccount

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/pki"
)

const rootCA = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"

func startTokens(t *testing.T) (*loop.Loop, *client.Client, ed25519.PrivateKey) {
	l := loop.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := apiserver.New(l, rand.New(rand.NewPCG(1, 1)))
	c := client.New(s, "test")
	key := pki.ServiceAccountKey(1)
	require.NoError(t, NewTokens(client.New(s, "kube-controller-manager"), key, []byte(rootCA)).Start())
	_, err := client.Create(c, &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Name: "build", Namespace: "default"}})
	require.NoError(t, err)
	l.RunUntilIdle()
	return l, c, key
}

func tokenSecret(name, account string) *api.Secret {
	return &api.Secret{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", Annotations: map[string]string{NameAnnotation: account}},
		Type:       SecretTypeToken,
	}
}

func TestTokenSecretIsFilledIn(t *testing.T) {
	l, c, key := startTokens(t)
	_, err := client.Create(c, tokenSecret("build-token", "build"))
	require.NoError(t, err)
	l.RunUntilIdle()

	s, err := client.Get[*api.Secret](c, "default", "build-token")
	require.NoError(t, err)
	sa, err := client.Get[*api.ServiceAccount](c, "default", "build")
	require.NoError(t, err)
	assert.Equal(t, sa.UID, s.Annotations[UIDAnnotation])
	assert.Equal(t, rootCA, string(s.Data["ca.crt"]))
	assert.Equal(t, "default", string(s.Data["namespace"]))

	parts := strings.Split(string(s.Data["token"]), ".")
	require.Len(t, parts, 3)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	assert.True(t, ed25519.Verify(key.Public().(ed25519.PublicKey), []byte(parts[0]+"."+parts[1]), sig), "signed by the service account key")
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]string
	require.NoError(t, json.Unmarshal(body, &claims))
	assert.Equal(t, "system:serviceaccount:default:build", claims["sub"])
	assert.Equal(t, "build-token", claims["kubernetes.io/serviceaccount/secret.name"])
	assert.Equal(t, sa.UID, claims["kubernetes.io/serviceaccount/service-account.uid"])
}

func TestTokenSecretsGoWithTheirAccount(t *testing.T) {
	tests := []struct {
		name    string
		account string
		uid     string
		act     func(t *testing.T, c *client.Client)
	}{
		{name: "account missing", account: "ghost"},
		{name: "account of another uid", account: "build", uid: "not-the-uid"},
		{name: "account deleted", account: "build", act: func(t *testing.T, c *client.Client) {
			require.NoError(t, client.Delete[*api.ServiceAccount](c, "default", "build", apiserver.DeleteOptions{}))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, c, _ := startTokens(t)
			s := tokenSecret("tok", tt.account)
			if tt.uid != "" {
				s.Annotations[UIDAnnotation] = tt.uid
			}
			_, err := client.Create(c, s)
			require.NoError(t, err)
			l.RunUntilIdle()
			if tt.act != nil {
				tt.act(t, c)
				l.RunUntilIdle()
			}
			_, err = client.Get[*api.Secret](c, "default", "tok")
			assert.True(t, apiserver.IsNotFound(err), "the token is deleted: %v", err)
		})
	}
}

func TestOtherSecretsAreLeftAlone(t *testing.T) {
	l, c, _ := startTokens(t)
	_, err := client.Create(c, &api.Secret{ObjectMeta: api.ObjectMeta{Name: "plain", Namespace: "default", Annotations: map[string]string{NameAnnotation: "ghost"}}})
	require.NoError(t, err)
	l.RunUntilIdle()
	s, err := client.Get[*api.Secret](c, "default", "plain")
	require.NoError(t, err)
	assert.Empty(t, s.Data)
}
