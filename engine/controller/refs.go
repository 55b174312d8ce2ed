package controller

import (
	"github.com/kubeplay/kubeplay/engine/api"
	"github.com/kubeplay/kubeplay/engine/apiserver"
	"github.com/kubeplay/kubeplay/engine/client"
)

// Release removes the reference to the owner with UID ownerUID from obj, as
// a controller lets go of a dependent that stopped matching its selector;
// an object already gone is no error.
func Release[T api.Object](c *client.Client, obj T, ownerUID string) error {
	upd := api.Clone(obj)
	m := upd.GetObjectMeta()
	var refs []api.OwnerReference
	for _, r := range m.OwnerReferences {
		if r.UID != ownerUID {
			refs = append(refs, r)
		}
	}
	m.OwnerReferences = refs
	_, err := client.Update(c, upd)
	if apiserver.IsNotFound(err) {
		return nil
	}
	return err
}
