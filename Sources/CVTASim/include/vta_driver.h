/*
 * vta_driver.h — the VTA driver interface, as a runtime sees it.
 *
 * These declarations follow the upstream TVM VTA driver interface (vta/driver.h)
 * name for name and type for type, so that a runtime calling only these functions
 * links unchanged against the board driver or against this simulator (CVTASim).
 * Simulator-only extensions live in vta_sim.h, never here.
 */
#ifndef VTAC_VTA_DRIVER_H_
#define VTAC_VTA_DRIVER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values for the `cached` argument of VTAMemAlloc. */
#define VTA_CACHED 1
#define VTA_NOT_CACHED 0

/* An opaque device context. */
typedef void *VTADeviceHandle;

/* A physical (DMA) address as VTA sees it: 32 bits on every supported board. */
typedef uint32_t vta_phy_addr_t;

/* Allocate a device. Returns NULL on failure. */
VTADeviceHandle VTADeviceAlloc(void);

/* Free a device (NULL is ignored). */
void VTADeviceFree(VTADeviceHandle handle);

/*
 * Run `insn_count` instructions (16 bytes each) found at physical address
 * `insn_phy_addr`, blocking until the stream's FINISH. Returns 0 on success,
 * nonzero on failure (1 = did not finish in time).
 */
int VTADeviceRun(VTADeviceHandle device, vta_phy_addr_t insn_phy_addr, uint32_t insn_count,
                 uint32_t wait_cycles);

/* Allocate a physically contiguous buffer the accelerator can reach. NULL on failure. */
void *VTAMemAlloc(size_t size, int cached);

/* Free a buffer returned by VTAMemAlloc (NULL is ignored). */
void VTAMemFree(void *buf);

/* Physical address of a buffer returned by VTAMemAlloc (0 if unknown). */
vta_phy_addr_t VTAMemGetPhyAddr(void *buf);

/* Copy host memory into an accelerator buffer. */
void VTAMemCopyFromHost(void *dst, const void *src, size_t size);

/* Copy an accelerator buffer into host memory. */
void VTAMemCopyToHost(void *dst, const void *src, size_t size);

/* Write back CPU caches for a buffer region before the accelerator reads it. */
void VTAFlushCache(void *vir_addr, vta_phy_addr_t phy_addr, int size);

/* Drop CPU cache lines for a buffer region after the accelerator wrote it. */
void VTAInvalidateCache(void *vir_addr, vta_phy_addr_t phy_addr, int size);

#ifdef __cplusplus
}
#endif
#endif /* VTAC_VTA_DRIVER_H_ */
