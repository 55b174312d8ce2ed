package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kubeplay/kubeplay/engine/httpapi"
	"github.com/kubeplay/kubeplay/engine/session"
)

// apiserverCmd is `kubeplay apiserver`: the cluster natively, its virtual
// time paced by the wall clock at --speed, serving the Kubernetes HTTP API
// so that the real kubectl and client-go programs work against it, until
// ctx ends.
func apiserverCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kubeplay apiserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:6443", "the address to serve the Kubernetes API on")
	cf := addClusterFlags(fs)
	speedFlag := fs.String("speed", "1", "virtual seconds per wall-clock second: a factor such as 1 or 10, or max")
	kubeconfig := fs.String("kubeconfig", "", "write a kubeconfig for the server to this file")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate (the kubeconfig trusts it)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	speed, err := session.ParseSpeed(*speedFlag)
	if err != nil || speed == session.Pause {
		fmt.Fprintf(stderr, "kubeplay apiserver: --speed: invalid speed %q: want a factor from 1 to 10000 or max\n", *speedFlag)
		return 2
	}
	// Virtual time starts at the wall clock's now, so that what clients
	// compute from their own clock (the ages kubectl describe prints)
	// agrees with the server's at speed 1.
	cf.shape.Start = time.Now().UTC().Truncate(time.Second)
	s, code := cf.start(fs, stderr)
	if s == nil {
		return code
	}
	defer s.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "kubeplay apiserver: %v\n", err)
		return 1
	}
	scheme, caPEM := "http", []byte(nil)
	if *useTLS {
		cert, pemCert, err := selfSigned(ln.Addr().(*net.TCPAddr).IP)
		if err != nil {
			fmt.Fprintf(stderr, "kubeplay apiserver: %v\n", err)
			return 1
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}})
		scheme, caPEM = "https", pemCert
	}
	url := scheme + "://" + ln.Addr().String()
	if *kubeconfig != "" {
		if err := os.WriteFile(*kubeconfig, kubeconfigFor(url, caPEM), 0o600); err != nil {
			fmt.Fprintf(stderr, "kubeplay apiserver: --kubeconfig: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "kubeplay apiserver: serving the Kubernetes API on %s at speed %s\n", url, speed)
	if *kubeconfig != "" {
		fmt.Fprintf(stdout, "kubeplay apiserver: export KUBECONFIG=%s\n", *kubeconfig)
	}
	pacer := s.Pace(time.Now, float64(speed))
	// The cluster is closed (the deferred s.Close) only once nothing uses
	// it any more: the requests in flight have ended or been given up
	// and the pacer has stopped. Closing it under a step ended the
	// processes while the step ran their timers.
	driving, stopDriving := context.WithCancel(ctx)
	driven := make(chan struct{})
	go func() {
		defer close(driven)
		drive(driving, s, pacer, stderr)
	}()
	defer func() {
		stopDriving()
		<-driven
	}()
	srv := &http.Server{Handler: httpapi.New(s.Cluster().API()), ReadHeaderTimeout: 10 * time.Second}
	shut := make(chan struct{})
	go func() {
		defer close(shut)
		<-driving.Done()
		shutdown, done := context.WithTimeout(context.Background(), 2*time.Second)
		defer done()
		srv.Shutdown(shutdown)
	}()
	err = srv.Serve(ln)
	stopDriving()
	<-shut
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "kubeplay apiserver: %v\n", err)
		return 1
	}
	return 0
}

// paceTick is how often the cluster moves when no request wakes it.
const paceTick = 20 * time.Millisecond

// drive runs the cluster: every tick, and whenever a request is posted to
// its loop, the pacer moves virtual time by the wall time passed times
// the speed and runs what is due.
func drive(ctx context.Context, s *session.Session, p *session.Pacer, stderr io.Writer) {
	wake := make(chan struct{}, 1)
	s.Lock()
	s.Cluster().Loop().OnPost(func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	s.Unlock()
	tick := time.NewTicker(paceTick)
	defer tick.Stop()
	reported := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-wake:
		}
		if ctx.Err() != nil {
			return // a tick and the end at once: the end
		}
		p.Step()
		if err := p.Err(); err != nil && !reported {
			fmt.Fprintf(stderr, "kubeplay: the cluster could not be saved: %v\n", err)
			reported = true
		}
	}
}

// selfSigned makes a certificate for the server's address, valid for a
// year from now (wall time: the client checks it against its own clock).
func selfSigned(ip net.IP) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default"},
		IPAddresses: []net.IP{ip, net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// kubeconfigFor is a kubeconfig with one context, kubeplay, for the
// server at url; caPEM is the certificate to trust for HTTPS.
func kubeconfigFor(url string, caPEM []byte) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Config\nclusters:\n- name: kubeplay\n  cluster:\n    server: %s\n", url)
	if caPEM != nil {
		fmt.Fprintf(&b, "    certificate-authority-data: %s\n", base64.StdEncoding.EncodeToString(caPEM))
	}
	b.WriteString("users:\n- name: kubeplay-admin\n  user: {}\n")
	b.WriteString("contexts:\n- name: kubeplay\n  context:\n    cluster: kubeplay\n    user: kubeplay-admin\n")
	b.WriteString("current-context: kubeplay\npreferences: {}\n")
	return []byte(b.String())
}
