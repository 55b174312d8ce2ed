package httpapi

import (
	"net/http"
)

// protoPortForward is the subprotocol of kubectl port-forward's WebSocket:
// SPDY/3.1 frames tunnelled in binary messages.
const protoPortForward = "SPDY/3.1+portforward.k8s.io"

func (h *Handler) portForward(w http.ResponseWriter, r *http.Request, t target) error {
	return newStatus(http.StatusNotImplemented, "NotImplemented", "pods/portforward is not served over the HTTP API of kubeplay apiserver yet")
}
