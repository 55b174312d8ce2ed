//go:build wasip1

package net

import "unsafe"

// The kubeplay_net host module (engine/network): non-blocking socket
// calls returning a value or a negative errno, and wait.

//go:wasmimport kubeplay_net listen
func hostListen(port int32) int32

//go:wasmimport kubeplay_net accept
func hostAccept(h int32) int32

//go:wasmimport kubeplay_net connect
func hostConnect(ip uint32, port int32) int32

//go:wasmimport kubeplay_net status
func hostStatus(h int32) int32

//go:wasmimport kubeplay_net recv
func hostRecv(h int32, ptr unsafe.Pointer, n int32) int32

//go:wasmimport kubeplay_net send
func hostSend(h int32, ptr unsafe.Pointer, n int32) int32

//go:wasmimport kubeplay_net shutdown
func hostShutdown(h int32) int32

//go:wasmimport kubeplay_net close
func hostClose(h int32) int32

//go:wasmimport kubeplay_net addr
func hostAddr(h int32, out unsafe.Pointer) int32

//go:wasmimport kubeplay_net udp_bind
func hostUDPBind(port int32) int32

//go:wasmimport kubeplay_net udp_connect
func hostUDPConnect(h int32, ip uint32, port int32) int32

//go:wasmimport kubeplay_net sendto
func hostSendTo(h int32, ptr unsafe.Pointer, n int32, ip uint32, port int32) int32

//go:wasmimport kubeplay_net recvfrom
func hostRecvFrom(h int32, ptr unsafe.Pointer, n int32, from unsafe.Pointer) int32

//go:wasmimport kubeplay_net wait_ready
func hostWaitReady(timeoutNs int64, out unsafe.Pointer, cap int32) int32

//go:wasmimport kubeplay_net lookup
func hostLookup(name unsafe.Pointer, n int32, server uint32, out unsafe.Pointer, cap int32) int32

//go:wasmimport kubeplay_net lookup_ptr
func hostLookupPTR(ip uint32, server uint32, out unsafe.Pointer, cap int32) int32

// Available reports whether the host gives this module a network.
const Available = true
