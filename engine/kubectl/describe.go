package kubectl

import (
	"context"
	"errors"
)

// describe is `kubectl describe`.
func (k *Kubectl) describe(ctx context.Context, io IO, args []string) error {
	return errors.New("describe is not available in this playground yet; use `kubectl get -o yaml`")
}
