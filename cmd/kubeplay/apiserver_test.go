package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a buffer the server writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAPIServer(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tlsOn], func(t *testing.T) {
			useTestModules(t)
			kubeconfig := filepath.Join(t.TempDir(), "config")
			args := []string{"--addr", "127.0.0.1:0", "--workers", "1", "--kubeconfig", kubeconfig, "--speed", "max"}
			if tlsOn {
				args = append(args, "--tls")
			}
			ctx, cancel := context.WithCancel(context.Background())
			var stdout, stderr syncBuffer
			done := make(chan int)
			go func() { done <- apiserverCmd(ctx, args, &stdout, &stderr) }()
			var url string
			require.Eventually(t, func() bool {
				m := regexp.MustCompile(`serving the Kubernetes API on (\S+)`).FindStringSubmatch(stdout.String())
				if m != nil {
					url = m[1]
				}
				return m != nil
			}, time.Minute, 10*time.Millisecond, stderr.String())

			cfg, err := os.ReadFile(kubeconfig)
			require.NoError(t, err)
			assert.Contains(t, string(cfg), "server: "+url+"\n")
			client := http.DefaultClient
			if tlsOn {
				m := regexp.MustCompile(`certificate-authority-data: (\S+)`).FindSubmatch(cfg)
				require.NotNil(t, m)
				pem, err := base64.StdEncoding.DecodeString(string(m[1]))
				require.NoError(t, err)
				pool := x509.NewCertPool()
				require.True(t, pool.AppendCertsFromPEM(pem))
				client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
			}
			resp, err := client.Get(url + "/api/v1/nodes")
			require.NoError(t, err)
			var nodes struct {
				Kind  string
				Items []struct{ Metadata struct{ Name string } }
			}
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&nodes))
			resp.Body.Close()
			assert.Equal(t, "NodeList", nodes.Kind)
			require.Len(t, nodes.Items, 2)
			assert.Equal(t, "node01", nodes.Items[1].Metadata.Name)

			cancel()
			assert.Equal(t, 0, <-done, stderr.String())
		})
	}
}

func TestAPIServerFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"apiserver", "--speed", "pause"}, nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `--speed: invalid speed "pause"`)
	assert.Equal(t, 2, run([]string{"apiserver", "extra"}, nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `kubeplay apiserver: unexpected argument "extra"`)
}
