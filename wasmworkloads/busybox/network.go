package main

// networkMain stands in for wget and nc. Guests have no network in kubeplay
// yet; saying so plainly is better than an applet that pretends, or a
// confusing DNS or connection error. Status 1, as a failed download.
func networkMain(p *proc) int {
	p.errorf("network is not available in this image yet")
	return 1
}
