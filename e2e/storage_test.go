package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Storage faults: the browser refuses to store more, or another tab keeps
// the cluster. The page says what happened, and nothing committed is lost.

func noticeText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `document.getElementById('notice').hidden ? '' : document.getElementById('notice-text').textContent`)
}

func setQuota(t *testing.T, ctx context.Context, origin string, bytes *float64) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin, QuotaSize: bytes})
		return chromedp.Void{}, err
	}))
	require.NoError(t, err)
}

// A full quota: the page says the cluster is not being saved, the cluster
// goes on in the tab, and once there is room again everything is written,
// so a reload finds what was made while the quota was full.
func TestStorageQuotaFull(t *testing.T) {
	ctx, page := openPage(t)
	u, err := url.Parse(page)
	require.NoError(t, err)
	origin := u.Scheme + "://" + u.Host
	require.Equal(t, 0, run(t, ctx, "kubectl create configmap before --from-literal=a=b").ExitCode)

	// No room at all: a quota of the usage the page reads was not always
	// full, since the estimate can run ahead of what the origin's files
	// hold once the store has removed an old snapshot.
	full := 1.0
	setQuota(t, ctx, origin, &full)
	r := run(t, ctx, "kubectl create configmap during --from-literal=a=b")
	assert.Equal(t, 0, r.ExitCode, "the command itself succeeds")
	assert.Contains(t, r.Output, "configmap/during created")
	waitFor(t, ctx, "the notice that saving stopped", func() bool {
		return strings.Contains(noticeText(t, ctx), "This browser refused to save the cluster")
	})
	screenshot(t, ctx, "storage-quota-full.png")
	assert.Contains(t, run(t, ctx, "kubectl get configmap during -o name").Output, "configmap/during")

	setQuota(t, ctx, origin, nil)
	waitFor(t, ctx, "the notice that saving resumed", func() bool {
		return strings.Contains(noticeText(t, ctx), "The cluster is saved again: nothing was lost.")
	})
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
	info := waitReady(t, ctx)
	assert.Equal(t, true, info["restored"])
	assert.Empty(t, info["warnings"])
	assert.Equal(t, "configmap/before\nconfigmap/during\n", run(t, ctx, "kubectl get configmaps before during -o name").Output)
}

// Two tabs: the first keeps the browser's cluster; the second runs one of
// its own in memory and says why, so the two never write the same store.
// Once the first tab is gone, the second gets the kept cluster on reload.
func TestStorageTwoTabs(t *testing.T) {
	first, page := openPage(t)
	require.Equal(t, 0, run(t, first, "kubectl create configmap mine --from-literal=a=b").ExitCode)

	second, cancel := chromedp.NewContext(first)
	defer cancel()
	require.NoError(t, chromedp.Do(second, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
	info := waitReady(t, second)
	assert.Equal(t, false, info["restored"], "the second tab does not open the kept cluster")
	waitFor(t, second, "the notice", func() bool {
		return strings.Contains(noticeText(t, second), "Your cluster is open in another tab of this browser")
	})
	screenshot(t, second, "storage-two-tabs.png")
	assert.Contains(t, run(t, second, "kubectl get configmap mine").Output, `configmaps "mine" not found`)
	require.Equal(t, 0, run(t, second, "kubectl create configmap other --from-literal=a=b").ExitCode)
	assert.Contains(t, run(t, first, "kubectl get configmap other").Output, `configmaps "other" not found`, "the tabs' clusters are apart")
	require.Equal(t, 0, run(t, first, "kubectl create configmap later --from-literal=a=b").ExitCode)

	require.NoError(t, chromedp.Do(first, chromedp.Navigate("about:blank")))
	require.NoError(t, chromedp.Do(second, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.xterm`))))
	info = waitReady(t, second)
	assert.Equal(t, true, info["restored"])
	assert.Equal(t, "configmap/later\nconfigmap/mine\n", run(t, second, "kubectl get configmaps later mine -o name").Output)
}
