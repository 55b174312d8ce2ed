package serviceaccount

import (
	"bytes"
	"crypto/ed25519"

	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
	"github.com/kubeplay/kubeplay/engine/loop"
	"github.com/kubeplay/kubeplay/engine/pki"
)

// The keys and annotations of a service account token Secret.
const (
	SecretTypeToken = "kubernetes.io/service-account-token"
	NameAnnotation  = "kubernetes.io/service-account.name"
	UIDAnnotation   = "kubernetes.io/service-account.uid"
)

// Tokens is the token controller as it is since Kubernetes 1.24: it no
// longer makes a Secret for every service account, but fills in the ones
// users create (type kubernetes.io/service-account-token, annotated with
// the account's name) with a token, the CA and the namespace, and deletes
// them when their account goes.
type Tokens struct {
	c       *client.Client
	key     ed25519.PrivateKey
	rootCA  []byte
	sas     *client.Informer[*api.ServiceAccount]
	secrets *client.Informer[*api.Secret]
	saQueue *loop.Queue
	queue   *loop.Queue
}

// NewTokens returns a token controller that signs with key.
func NewTokens(c *client.Client, key ed25519.PrivateKey, rootCA []byte) *Tokens {
	t := &Tokens{
		c: c, key: key, rootCA: rootCA,
		sas:     client.NewInformer[*api.ServiceAccount](c, "", apiserver.ListOptions{}),
		secrets: client.NewInformer[*api.Secret](c, "", apiserver.ListOptions{FieldSelector: "type=" + SecretTypeToken}),
	}
	t.saQueue = loop.NewQueue(c.Loop(), t.syncServiceAccount)
	t.queue = loop.NewQueue(c.Loop(), t.syncSecret)
	return t
}

// Start registers the handlers and starts the informers.
func (t *Tokens) Start() error {
	t.sas.AddHandler(client.Handler[*api.ServiceAccount]{
		Delete: func(sa *api.ServiceAccount) { t.saQueue.Add(client.KeyOf(sa)) },
	})
	queue := func(s *api.Secret) { t.queue.Add(client.KeyOf(s)) }
	t.secrets.AddHandler(client.Handler[*api.Secret]{
		Add:    queue,
		Update: func(_, s *api.Secret) { queue(s) },
	})
	if err := t.sas.Start(); err != nil {
		return err
	}
	return t.secrets.Start()
}

// syncServiceAccount deletes the tokens of a service account that is gone.
func (t *Tokens) syncServiceAccount(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	if _, ok := t.sas.Get(ns, name); ok {
		return loop.Result{}, nil
	}
	for _, s := range t.secrets.List() {
		if s.Namespace == ns && s.Annotations[NameAnnotation] == name {
			if err := t.deleteToken(s); err != nil {
				return loop.Result{}, err
			}
		}
	}
	return loop.Result{}, nil
}

// syncSecret fills in a token Secret, or deletes it when its service
// account does not exist (or is another one of the same name).
func (t *Tokens) syncSecret(key string) (loop.Result, error) {
	ns, name := client.SplitKey(key)
	s, ok := t.secrets.Get(ns, name)
	if !ok {
		return loop.Result{}, nil
	}
	sa, err := client.Get[*api.ServiceAccount](t.c, ns, s.Annotations[NameAnnotation])
	switch {
	case apiserver.IsNotFound(err):
		return loop.Result{}, t.deleteToken(s)
	case err != nil:
		return loop.Result{}, err
	}
	if uid := s.Annotations[UIDAnnotation]; uid != "" && uid != sa.UID {
		return loop.Result{}, t.deleteToken(s)
	}
	needsCA := len(t.rootCA) > 0 && !bytes.Equal(s.Data["ca.crt"], t.rootCA)
	needsNamespace := len(s.Data["namespace"]) == 0
	needsToken := len(s.Data["token"]) == 0
	if !needsCA && !needsNamespace && !needsToken {
		return loop.Result{}, nil
	}
	s = api.Clone(s)
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	if needsCA {
		s.Data["ca.crt"] = t.rootCA
	}
	if needsNamespace {
		s.Data["namespace"] = []byte(ns)
	}
	if needsToken {
		token, err := pki.SignJWT(t.key, legacyClaims(sa, s))
		if err != nil {
			return loop.Result{}, err
		}
		s.Data["token"] = []byte(token)
	}
	s.Annotations[NameAnnotation] = sa.Name
	s.Annotations[UIDAnnotation] = sa.UID
	_, err = client.Update(t.c, s)
	if apiserver.IsConflict(err) || apiserver.IsNotFound(err) {
		return loop.Result{}, nil // a newer version, or none, is on its way
	}
	return loop.Result{}, err
}

// legacyClaims are the claims of a Secret-based token, as
// pkg/serviceaccount/legacy.go writes them.
func legacyClaims(sa *api.ServiceAccount, s *api.Secret) map[string]string {
	return map[string]string{
		"iss":                                    "kubernetes/serviceaccount",
		"sub":                                    "system:serviceaccount:" + sa.Namespace + ":" + sa.Name,
		"kubernetes.io/serviceaccount/namespace": sa.Namespace,
		"kubernetes.io/serviceaccount/secret.name":          s.Name,
		"kubernetes.io/serviceaccount/service-account.name": sa.Name,
		"kubernetes.io/serviceaccount/service-account.uid":  sa.UID,
	}
}

func (t *Tokens) deleteToken(s *api.Secret) error {
	err := client.Delete[*api.Secret](t.c, s.Namespace, s.Name, apiserver.DeleteOptions{PreconditionUID: s.UID})
	if err == nil || apiserver.IsNotFound(err) || apiserver.IsConflict(err) {
		return nil
	}
	return err
}
