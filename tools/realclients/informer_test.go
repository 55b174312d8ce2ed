package realclients

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// TestInformerSeesEveryChange runs a client-go shared informer against
// kubeplay apiserver: it lists and watches (client-go's watch-list) and
// sees each create, update and delete made through client-go, in order.
func TestInformerSeesEveryChange(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kubeplay apiserver")
	}
	kubeconfig := startAPIServer(t, kubeplayBinary(t), "--speed", "20")
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	require.NoError(t, err)
	// Generated clients send protobuf unless told otherwise; the server
	// reads JSON only.
	cfg.ContentType = "application/json"
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace("default"))
	inf := factory.Core().V1().ConfigMaps().Informer()
	events := make(chan string, 100)
	note := func(verb string, obj any) {
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == "watched" {
			events <- verb + " " + cm.Data["v"]
		}
	}
	_, err = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { note("add", obj) },
		UpdateFunc: func(_, obj any) { note("update", obj) },
		DeleteFunc: func(obj any) { note("delete", obj) },
	})
	require.NoError(t, err)
	factory.Start(ctx.Done())
	require.True(t, cache.WaitForCacheSync(ctx.Done(), inf.HasSynced))

	cms := cs.CoreV1().ConfigMaps("default")
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "watched"}, Data: map[string]string{"v": "1"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	for _, v := range []string{"2", "3"} {
		cm.Data["v"] = v
		cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		require.NoError(t, err)
	}
	require.NoError(t, cms.Delete(ctx, "watched", metav1.DeleteOptions{}))

	var got []string
	for len(got) < 4 {
		select {
		case ev := <-events:
			got = append(got, ev)
		case <-ctx.Done():
			t.Fatalf("the informer saw %v", got)
		}
	}
	assert.Equal(t, []string{"add 1", "update 2", "update 3", "delete 3"}, got)

	// An update of the deleted object gets the API server's NotFound.
	cm.ResourceVersion = "1"
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `configmaps "watched" not found`)

	// Without JSON, a write is refused with a clear 415.
	cfg.ContentType = ""
	proto, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	_, err = proto.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "proto"}}, metav1.CreateOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kubeplay apiserver does not read")
}
