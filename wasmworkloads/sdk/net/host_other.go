//go:build !wasip1

package net

import "unsafe"

// Outside a kubeplay container (the images' own tests on the host) there
// is no kubeplay_net: every call fails as on a host with no network.

const enetunreach = 40

func hostListen(int32) int32                                                { return -enetunreach }
func hostAccept(int32) int32                                                { return -8 }
func hostConnect(uint32, int32) int32                                       { return -enetunreach }
func hostStatus(int32) int32                                                { return -8 }
func hostRecv(int32, unsafe.Pointer, int32) int32                           { return -8 }
func hostSend(int32, unsafe.Pointer, int32) int32                           { return -8 }
func hostShutdown(int32) int32                                              { return -8 }
func hostClose(int32) int32                                                 { return -8 }
func hostAddr(int32, unsafe.Pointer) int32                                  { return -8 }
func hostUDPBind(int32) int32                                               { return -enetunreach }
func hostUDPConnect(int32, uint32, int32) int32                             { return -8 }
func hostSendTo(int32, unsafe.Pointer, int32, uint32, int32) int32          { return -8 }
func hostRecvFrom(int32, unsafe.Pointer, int32, unsafe.Pointer) int32       { return -8 }
func hostWaitReady(int64, unsafe.Pointer, int32) int32                      { return -52 }
func hostLookup(unsafe.Pointer, int32, uint32, unsafe.Pointer, int32) int32 { return -1000 - 100 }

func hostLookupPTR(uint32, uint32, unsafe.Pointer, int32) int32 { return -1000 - 100 }

// Available reports whether the host gives this module a network.
const Available = false
